/* lua_tpl: segment templates from Lua -- a shorthand string (lua/SHORTHAND.md) or a table
 * {"S.", ack = 1, mss = 1460, ...} whose string at [1] is the base and whose named fields
 * override it (lua/README.md). Part of the Lua binding family. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "lua_api_int.h"
#include "segment.h"

#define TPL_MT "tcpconform.tpl"

static const char *const tpl_keys[] = {
	"[1]", "flags", "seq", "ack", "win", "urg", "len", "data", "ttl", "tos", "id", "df",
	"csum", "seq_abs", "ack_abs", "options", "mss", "wscale", "sackok", "ts", NULL};

static bool field_bool(lua_State *L, int idx, const char *key)
{
	lua_getfield(L, idx, key);
	bool v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

/* The string field `key` (NULL when absent); a non-string is a script error. */
static const char *field_string(lua_State *L, int idx, const char *key, size_t *len)
{
	lua_getfield(L, idx, key);
	const char *v = NULL;
	if (!lua_isnil(L, -1) && !(v = lua_tolstring(L, -1, len)))
		lua_api_error(L, "segment: field '%s' must be a string, got %s", key,
			      luaL_typename(L, -1));
	lua_pop(L, 1);   /* the string stays alive: it is held by the table */
	return v;
}

static void add_opt(lua_State *L, struct tpl *t, uint8_t kind, int nval, const uint32_t *v)
{
	if (t->nopt >= TPL_MAX_OPTS)
		lua_api_error(L, "segment: too many options (at most %d)", TPL_MAX_OPTS);
	struct tpl_opt *o = &t->opt[t->nopt++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->nval = (uint8_t)nval;
	for (int i = 0; i < nval; i++)
		o->val[i] = v[i];
	t->have |= TPL_OPTS;
}

/* flags = "S." and options = "<mss 1460,nop>" reuse the shorthand parser. */
static void shorthand_fields(lua_State *L, int idx, struct tpl *t)
{
	char err[300], text[700];
	const char *flags = field_string(L, idx, "flags", NULL);
	if (flags) {
		struct tpl ft;
		if (tpl_parse(flags, &ft, err, sizeof(err)) < 0)
			lua_api_error(L, "segment: field 'flags': %s", err);
		t->flags = ft.flags;
		t->have = (t->have & ~(uint32_t)TPL_FLAGS) | (ft.have & TPL_FLAGS);
		tpl_free(&ft);
	}
	const char *opts = field_string(L, idx, "options", NULL);
	if (opts) {
		struct tpl ot;
		snprintf(text, sizeof(text), "- %s", opts);
		if (tpl_parse(text, &ot, err, sizeof(err)) < 0)
			lua_api_error(L, "segment: field 'options': %s", err);
		memcpy(t->opt, ot.opt, sizeof(t->opt));
		t->nopt = ot.nopt;
		t->opts_exact = ot.opts_exact;
		t->have |= TPL_OPTS;
		tpl_free(&ot);
	}
}

/* seq, ack, win, urg, ttl, tos, id, csum: numbers with their ranges. */
static void number_fields(lua_State *L, int idx, struct tpl *t)
{
	static const struct {
		const char *key;
		uint32_t bit;
		lua_Integer hi;
	} nums[] = {
		{"seq", TPL_SEQ, UINT32_MAX}, {"ack", TPL_ACK, UINT32_MAX}, {"win", TPL_WIN, 65535},
		{"urg", TPL_URG, 65535},      {"ttl", TPL_TTL, 255},        {"tos", TPL_TOS, 255},
		{"id", TPL_IPID, 65535},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		lua_Integer v;
		if (!lua_api_int_field(L, idx, "segment", nums[i].key, 0, nums[i].hi, &v))
			continue;
		t->have |= nums[i].bit;
		switch (nums[i].bit) {
		case TPL_SEQ: t->seq = (uint32_t)v; break;
		case TPL_ACK: t->ack = (uint32_t)v; break;
		case TPL_WIN: t->win = (uint32_t)v; break;
		case TPL_URG: t->urg = (uint32_t)v; break;
		case TPL_TTL: t->ttl = (uint8_t)v; break;
		case TPL_TOS: t->tos = (uint8_t)v; break;
		default: t->ip_id = (uint16_t)v; break;
		}
	}
	if (field_bool(L, idx, "seq_abs"))
		t->have |= TPL_SEQ_ABS;
	if (field_bool(L, idx, "ack_abs"))
		t->have |= TPL_ACK_ABS;
	lua_getfield(L, idx, "df");
	if (!lua_isnil(L, -1)) {
		t->df = lua_toboolean(L, -1);
		t->have |= TPL_DF;
	}
	lua_pop(L, 1);
	/* csum: a value to put on the wire, or "bad" for a wrong one */
	lua_getfield(L, idx, "csum");
	bool bad = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "bad") == 0;
	lua_pop(L, 1);
	lua_Integer v;
	if (bad) {
		t->have |= TPL_BAD_CSUM;
	} else if (lua_api_int_field(L, idx, "segment", "csum", 0, 65535, &v)) {
		t->tcp_csum = (uint16_t)v;
		t->have |= TPL_CSUM;
	}
}

static void payload_fields(lua_State *L, int idx, struct tpl *t)
{
	size_t dlen;
	const char *data = field_string(L, idx, "data", &dlen);
	/* The range's LEN and the bytes are two statements of one length: when they differ
	 * the script meant one of them, and sending either would hide its mistake. */
	if (data && (t->have & TPL_LEN) && t->len != dlen) {
		lua_rawgeti(L, idx, 1);
		const char *base = lua_tostring(L, -1);
		lua_api_error(L, "segment: the range of \"%s\" says LEN %u but data has %zu bytes",
			      base ? base : "?", t->len, dlen);
	}
	if (data && tpl_set_data(t, data, dlen) < 0)
		lua_api_error(L, "out of memory");
	lua_Integer len;
	if (lua_api_int_field(L, idx, "segment", "len", 0, 65000, &len)) {
		if ((t->have & TPL_DATA) && (uint32_t)len != t->len)
			lua_api_error(L, "segment: len = %lld but data has %u bytes", (long long)len, t->len);
		t->len = (uint32_t)len;
		t->have |= TPL_LEN;
	}
}

static void option_fields(lua_State *L, int idx, struct tpl *t)
{
	lua_Integer v;
	uint32_t u;
	if (lua_api_int_field(L, idx, "segment", "mss", 0, 65535, &v))
		add_opt(L, t, TCPOPT_MSS, 1, (u = (uint32_t)v, &u));
	if (lua_api_int_field(L, idx, "segment", "wscale", 0, 255, &v))
		add_opt(L, t, TCPOPT_WSCALE, 1, (u = (uint32_t)v, &u));
	if (field_bool(L, idx, "sackok"))
		add_opt(L, t, TCPOPT_SACKOK, 0, NULL);
	lua_getfield(L, idx, "ts");
	if (lua_istable(L, -1)) {
		int ts = lua_gettop(L);
		lua_Integer val = 0, ecr = 0;
		lua_api_int_field(L, ts, "segment.ts", "val", 0, UINT32_MAX, &val);
		lua_api_int_field(L, ts, "segment.ts", "ecr", 0, UINT32_MAX, &ecr);
		uint32_t tv[2] = {(uint32_t)val, (uint32_t)ecr};
		add_opt(L, t, TCPOPT_TS, 2, tv);
	} else if (!lua_isnil(L, -1)) {
		lua_api_error(L, "segment: field 'ts' must be a table {val = N, ecr = N}");
	}
	lua_pop(L, 1);
}

static void tpl_from_table(lua_State *L, int idx, struct tpl *t)
{
	lua_api_known_keys(L, idx, "segment", tpl_keys);
	lua_rawgeti(L, idx, 1);
	char err[300];
	if (lua_isstring(L, -1) && tpl_parse(lua_tostring(L, -1), t, err, sizeof(err)) < 0)
		lua_api_error(L, "%s", err);
	lua_pop(L, 1);
	shorthand_fields(L, idx, t);
	number_fields(L, idx, t);
	payload_fields(L, idx, t);
	option_fields(L, idx, t);
}

struct tpl *lua_tpl_push_empty(lua_State *L)
{
	struct tpl *t = lua_newuserdatauv(L, sizeof(*t), 0);
	tpl_init(t);
	luaL_setmetatable(L, TPL_MT);
	return t;
}

struct tpl *lua_tpl_check(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	struct tpl *t = lua_tpl_push_empty(L);
	char err[300];
	if (lua_type(L, idx) == LUA_TSTRING) {
		if (tpl_parse(lua_tostring(L, idx), t, err, sizeof(err)) < 0)
			lua_api_error(L, "%s", err);
	} else if (lua_istable(L, idx)) {
		tpl_from_table(L, idx, t);
	} else {
		lua_api_error(L, "segment: expected a shorthand string or a table, got %s",
			      luaL_typename(L, idx));
	}
	return t;
}

static int tpl_gc(lua_State *L)
{
	tpl_free(luaL_checkudata(L, 1, TPL_MT));
	return 0;
}

void lua_tpl_register(lua_State *L)
{
	luaL_newmetatable(L, TPL_MT);
	lua_pushcfunction(L, tpl_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
}
