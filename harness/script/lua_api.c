/* lua_api: module "tcpconform.core" -- lab, connection and agent primitives for Lua.
 * Misuse (a wrong argument type, a port of 70000) raises a Lua error naming the field,
 * expected and actual; a mismatch on the wire raises a *failure* object instead, so the
 * runner can tell <failure> from <error>. */
#include "lua_api.h"

#include "lua_api_int.h"

#include <arpa/inet.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent_proto.h"
#include "conn.h"
#include "flood.h"
#include "match.h"
#include "segment.h"
#include "tpl.h"

#define LAB_MT "tcpconform.lab"
#define CONN_MT "tcpconform.conn"
#define FAILURE_MT "tcpconform.failure"
#define SKIP_MT "tcpconform.skip"
#define DEFAULT_WITHIN 1.0

struct lua_lab {
	struct lab *lab;         /* NULL once the test has ended */
	struct strbuf *log;
	uint16_t next_port;
	uint32_t next_iss;
};

struct lua_conn {
	struct conn *c;
	struct lua_lab *owner;   /* kept alive through the userdata's user value */
};

/* ---- errors and failures ---- */

void lua_api_where(lua_State *L, char *buf, size_t len)
{
	lua_Debug ar;
	/* From level 0: inside a hook that is the running script function itself; C
	 * functions have no current line and are skipped. */
	for (int level = 0; lua_getstack(L, level, &ar); level++) {
		if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0)
			continue;
		if (strncmp(ar.source, "@lua/", 5) == 0)
			continue;
		snprintf(buf, len, "%s:%d:", ar.short_src, ar.currentline);
		return;
	}
	snprintf(buf, len, "?:");
}

/* Raises a failure object {msg = "file:line: text"}. */
static int raise_failure(lua_State *L, const char *text)
{
	char where[256];
	lua_api_where(L, where, sizeof(where));
	lua_newtable(L);
	lua_pushfstring(L, "%s %s", where, text);
	lua_setfield(L, -2, "msg");
	luaL_setmetatable(L, FAILURE_MT);
	return lua_error(L);
}

/* A script mistake: "file:line: text", as an ordinary error. */
int lua_api_error(lua_State *L, const char *fmt, ...)
{
	char where[256], text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	lua_api_where(L, where, sizeof(where));
	/* lua_error, not luaL_error: the location is the script's, already in `where`. */
	lua_pushfstring(L, "%s %s", where, text);
	return lua_error(L);
}

/* An error value raised by core.fail / core.skip: a table with metatable mt and a msg. */
static bool marked_msg(lua_State *L, int idx, const char *mt, const char **msg);

bool lua_api_is_failure(lua_State *L, int idx, const char **msg)
{
	return marked_msg(L, idx, FAILURE_MT, msg);
}

static int core_fail(lua_State *L)
{
	return raise_failure(L, luaL_checkstring(L, 1));
}

/* core.skip(reason): the test cannot run on this target (a capability it lacks). */
static int core_skip(lua_State *L)
{
	lua_newtable(L);
	lua_pushstring(L, luaL_checkstring(L, 1));
	lua_setfield(L, -2, "msg");
	luaL_setmetatable(L, SKIP_MT);
	return lua_error(L);
}

static bool has_metatable(lua_State *L, int idx, const char *mt)
{
	if (!lua_istable(L, idx) || !lua_getmetatable(L, idx))
		return false;
	luaL_getmetatable(L, mt);
	bool same = lua_rawequal(L, -1, -2);
	lua_pop(L, 2);
	return same;
}

static bool marked_msg(lua_State *L, int idx, const char *mt, const char **msg)
{
	if (!has_metatable(L, idx, mt))
		return false;
	lua_getfield(L, idx, "msg");
	*msg = lua_tostring(L, -1);
	lua_pop(L, 1);
	return *msg != NULL;
}

bool lua_api_is_skip(lua_State *L, int idx, const char **msg)
{
	return marked_msg(L, idx, SKIP_MT, msg);
}

/* ---- hex helpers (payloads cross the agent protocol as hex) ---- */

static int core_hex(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	luaL_Buffer b;
	char *out = luaL_buffinitsize(L, &b, len * 2 + 1);
	agent_hex_encode(s, len, out, len * 2 + 1);
	luaL_pushresultsize(&b, len * 2);
	return 1;
}

static int core_unhex(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	luaL_Buffer b;
	char *out = luaL_buffinitsize(L, &b, len / 2 + 1);
	long n = agent_hex_decode(s, out, len / 2 + 1);
	if (n < 0)
		return lua_api_error(L, "agent sent bad hex data (%zu characters)", len);
	luaL_pushresultsize(&b, (size_t)n);
	return 1;
}

/* ---- lab ---- */

static struct lua_lab *check_lab(lua_State *L, int idx)
{
	struct lua_lab *ll = luaL_checkudata(L, idx, LAB_MT);
	if (!ll->lab)
		lua_api_error(L, "this lab belongs to a test that has ended");
	return ll;
}

bool lua_api_int_field(lua_State *L, int idx, const char *what, const char *key,
		       lua_Integer lo, lua_Integer hi, lua_Integer *out)
{
	lua_getfield(L, idx, key);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return false;
	}
	int isnum;
	lua_Integer v = lua_tointegerx(L, -1, &isnum);
	if (!isnum)
		lua_api_error(L, "%s: field '%s' must be an integer in %lld..%lld, got %s", what, key,
			      (long long)lo, (long long)hi, luaL_tolstring(L, -1, NULL));
	if (v < lo || v > hi)
		lua_api_error(L, "%s: field '%s' must be in %lld..%lld, got %lld", what, key,
			      (long long)lo, (long long)hi, (long long)v);
	lua_pop(L, 1);
	*out = v;
	return true;
}

/* Reads an integer field of table idx within [lo, hi]; dflt when absent. */
static lua_Integer opt_int_field(lua_State *L, int idx, const char *what, const char *key,
				 lua_Integer lo, lua_Integer hi, lua_Integer dflt)
{
	lua_Integer v = dflt;
	lua_api_int_field(L, idx, what, key, lo, hi, &v);
	return v;
}

void lua_api_known_keys(lua_State *L, int idx, const char *what, const char *const *keys)
{
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		bool ok = false;
		if (lua_type(L, -1) == LUA_TSTRING)
			for (const char *const *k = keys; *k; k++)
				ok |= strcmp(*k, lua_tostring(L, -1)) == 0;
		if (lua_type(L, -1) == LUA_TNUMBER && lua_tointeger(L, -1) == 1)
			ok = strcmp(keys[0], "[1]") == 0;
		if (!ok) {
			const char *k = luaL_tolstring(L, -1, NULL);
			lua_api_error(L, "%s: unknown field '%s'", what, k);
		}
	}
}

/* lab:conn{port = N, sport = N, family = "inet"|"inet6", iss = N} -> connection (no
 * segment is sent). */
static int lab_conn(lua_State *L)
{
	struct lua_lab *ll = check_lab(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	static const char *const keys[] = {"port", "sport", "family", "iss", NULL};
	lua_api_known_keys(L, 2, "lab:conn", keys);
	struct conn_addr a = {.family = AF_INET};
	lua_Integer port;
	if (!lua_api_int_field(L, 2, "lab:conn", "port", 1, 65535, &port))
		lua_api_error(L, "lab:conn: field 'port' (the target's port) is required");
	a.rport = (uint16_t)port;
	a.lport = (uint16_t)opt_int_field(L, 2, "lab:conn", "sport", 1, 65535, ll->next_port);
	if (a.lport == ll->next_port)
		ll->next_port = ll->next_port >= 60999 ? 40000 : ll->next_port + 1;
	a.iss = (uint32_t)opt_int_field(L, 2, "lab:conn", "iss", 0, UINT32_MAX, ll->next_iss);
	ll->next_iss = ll->next_iss * 1103515245u + 12345u;
	lua_getfield(L, 2, "family");
	const char *fam = lua_isnil(L, -1) ? "inet" : lua_tostring(L, -1);
	if (!fam || (strcmp(fam, "inet") && strcmp(fam, "inet6")))
		lua_api_error(L, "lab:conn: field 'family' must be \"inet\" or \"inet6\", got %s",
			    luaL_tolstring(L, -1, NULL));
	a.family = strcmp(fam, "inet6") == 0 ? AF_INET6 : AF_INET;
	lua_pop(L, 1);

	struct lua_conn *lc = lua_newuserdatauv(L, sizeof(*lc), 1);
	lc->c = NULL;
	lc->owner = ll;
	luaL_setmetatable(L, CONN_MT);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 1);
	lc->c = conn_new(ll->lab, &a);
	if (!lc->c)
		return luaL_error(L, "out of memory");
	return 1;
}

static int lab_now_l(lua_State *L)
{
	lua_pushnumber(L, lab_now(check_lab(L, 1)->lab));
	return 1;
}

/* lab:pump(seconds): lets time pass while the wire and the agent are serviced. */
static int lab_pump_l(lua_State *L)
{
	struct lua_lab *ll = check_lab(L, 1);
	double until = lab_now(ll->lab) + luaL_checknumber(L, 2);
	char err[256];
	while (lab_now(ll->lab) < until)
		if (lab_pump(ll->lab, until, err, sizeof(err)) < 0)
			return lua_api_error(L, "%s", err);
	return 0;
}

static int lab_log_l(lua_State *L)
{
	struct lua_lab *ll = check_lab(L, 1);
	strbuf_addf(ll->log, "%s\n", luaL_checkstring(L, 2));
	return 0;
}

static void push_addr(lua_State *L, int family, const void *a, const char *key)
{
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(family, a, buf, sizeof(buf));
	lua_pushstring(L, buf);
	lua_setfield(L, -2, key);
}

static int lab_addresses(lua_State *L)
{
	struct lua_lab *ll = check_lab(L, 1);
	const struct lab_addrs *a = lab_addrs(ll->lab);
	lua_newtable(L);
	push_addr(L, AF_INET, a->harness4, "harness4");
	push_addr(L, AF_INET, a->target4, "target4");
	push_addr(L, AF_INET6, a->harness6, "harness6");
	push_addr(L, AF_INET6, a->target6, "target6");
	lua_pushstring(L, lab_target_name(ll->lab));
	lua_setfield(L, -2, "target");
	const char *caps = lab_target_info(ll->lab, "caps"), *stack = lab_target_info(ll->lab, "stack");
	lua_pushstring(L, caps ? caps : "");
	lua_setfield(L, -2, "caps");
	lua_pushstring(L, stack ? stack : "");
	lua_setfield(L, -2, "stack");
	return 1;
}

/* Turns a reply line into {ret=, err=, key=value...}. */
static int push_reply(lua_State *L, char *line)
{
	struct agent_reply r;
	char err[200];
	if (agent_reply_parse(line, &r, err, sizeof(err)) < 0)
		return lua_api_error(L, "the target's agent sent a bad reply: %s", err);
	lua_newtable(L);
	lua_pushinteger(L, (lua_Integer)r.ret);
	lua_setfield(L, -2, "ret");
	if (strcmp(r.errname, "-") != 0) {
		lua_pushstring(L, r.errname);
		lua_setfield(L, -2, "err");
	}
	for (int i = 0; i < r.nkv; i++) {
		lua_pushstring(L, r.kv[i].val);
		lua_setfield(L, -2, r.kv[i].key);
	}
	return 1;
}

static uint32_t agent_send_l(lua_State *L, struct lua_lab *ll, const char *line)
{
	if (strchr(line, '\n'))
		lua_api_error(L, "agent request must be one line");
	uint32_t id;
	char err[256];
	if (lab_agent_send(ll->lab, line, &id, err, sizeof(err)) < 0)
		lua_api_error(L, "%s", err);
	return id;
}

static int agent_reply_l(lua_State *L, struct lua_lab *ll, uint32_t id, double timeout,
			 const char *what)
{
	char *line = NULL, err[256];
	if (lab_agent_wait(ll->lab, id, lab_now(ll->lab) + timeout, &line, err, sizeof(err)) < 0)
		return lua_api_error(L, "%s: %s", what, err);
	if (!line)
		return lua_api_error(L, "%s: the target's agent did not answer within %.1f s", what, timeout);
	push_reply(L, line);
	free(line);
	return 1;
}

/* lab:call(line, wait) -> reply table; waits `wait` seconds plus a margin for the agent. */
static int lab_call(lua_State *L)
{
	struct lua_lab *ll = check_lab(L, 1);
	const char *line = luaL_checkstring(L, 2);
	double wait = luaL_optnumber(L, 3, 2.0);
	uint32_t id = agent_send_l(L, ll, line);
	return agent_reply_l(L, ll, id, wait + 2.0, line);
}

static int lab_call_async(lua_State *L)
{
	struct lua_lab *ll = check_lab(L, 1);
	lua_pushinteger(L, agent_send_l(L, ll, luaL_checkstring(L, 2)));
	return 1;
}

/* lab:reply(id[, timeout]) -> reply table, or nil when it has not come within timeout
 * (the operation may still complete later; its reply is then kept for a later call). */
static int lab_reply(lua_State *L)
{
	struct lua_lab *ll = check_lab(L, 1);
	uint32_t id = (uint32_t)luaL_checkinteger(L, 2);
	double timeout = luaL_optnumber(L, 3, 5.0);
	char *line = NULL, err[256];
	if (lab_agent_wait(ll->lab, id, lab_now(ll->lab) + timeout, &line, err, sizeof(err)) < 0)
		return lua_api_error(L, "agent reply: %s", err);
	if (!line) {
		lua_pushnil(L);
		return 1;
	}
	push_reply(L, line);
	free(line);
	return 1;
}

/* ---- connection ---- */

static struct lua_conn *check_conn(lua_State *L, int idx)
{
	struct lua_conn *lc = luaL_checkudata(L, idx, CONN_MT);
	if (!lc->c || !lc->owner->lab)
		lua_api_error(L, "this connection belongs to a test that has ended");
	return lc;
}

static int conn_send_l(lua_State *L)
{
	struct lua_conn *lc = check_conn(L, 1);
	struct tpl *t = lua_tpl_check(L, 2);
	double at;
	char err[300];
	if (conn_send(lc->c, t, &at, err, sizeof(err)) < 0)
		return lua_api_error(L, "send: %s", err);
	lua_pushnumber(L, at);
	return 1;
}

/* c:flood(seg, {count = N, seconds = T, ports = P}) -> {sent =, seconds =, pps =}: N
 * distinct copies of seg from P source ports starting at c's (flood.h). */
static int conn_flood_l(lua_State *L)
{
	struct lua_conn *lc = check_conn(L, 1);
	struct tpl *t = lua_tpl_check(L, 2);
	luaL_checktype(L, 3, LUA_TTABLE);
	static const char *const keys[] = {"count", "seconds", "ports", NULL};
	lua_api_known_keys(L, 3, "flood", keys);
	lua_Integer count;
	if (!lua_api_int_field(L, 3, "flood", "count", 1, FLOOD_MAX, &count))
		lua_api_error(L, "flood: field 'count' (how many segments) is required");
	struct flood_opts o;
	o.count = (long)count;
	o.ports = (unsigned)opt_int_field(L, 3, "flood", "ports", 1, 65535,
					  o.count < 65535 ? o.count : 65535);
	lua_getfield(L, 3, "seconds");
	o.seconds = lua_isnil(L, -1) ? 10.0 : luaL_checknumber(L, -1);
	lua_pop(L, 1);
	if (!(o.seconds > 0 && o.seconds <= 3600))
		lua_api_error(L, "flood: field 'seconds' must be in (0, 3600], got %g", o.seconds);
	struct flood_result r;
	char err[300];
	if (flood_run(lc->c, t, &o, &r, err, sizeof(err)) < 0)
		return lua_api_error(L, "flood: %s", err);
	double secs = r.last - r.first;
	lua_newtable(L);
	lua_pushinteger(L, r.sent);
	lua_setfield(L, -2, "sent");
	lua_pushnumber(L, secs);
	lua_setfield(L, -2, "seconds");
	lua_pushnumber(L, secs > 0 ? (double)r.sent / secs : 0);
	lua_setfield(L, -2, "pps");
	lua_pushnumber(L, r.first);
	lua_setfield(L, -2, "t");
	return 1;
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

/* A matched segment as a table (seq/ack relative, time in lab seconds). */
static void push_rec(lua_State *L, const struct conn *c, const struct lab_rec *r)
{
	const struct seg *s = &r->seg;
	struct match_ctx ctx = conn_ctx(c, s);
	char flags[16];
	seg_flags_format(s->flags, flags, sizeof(flags));
	lua_newtable(L);
	lua_pushstring(L, flags);
	lua_setfield(L, -2, "flags");
	set_int(L, "seq", (uint32_t)(s->seq - ctx.irs));
	set_int(L, "ack", (uint32_t)(s->ack - ctx.iss));
	set_int(L, "seq_abs", s->seq);
	set_int(L, "ack_abs", s->ack);
	set_int(L, "win", s->win);
	set_int(L, "urg", s->urg);
	set_int(L, "len", s->payload_len);
	set_int(L, "ttl", s->ttl);
	set_int(L, "tos", s->tos);
	set_int(L, "id", s->ip_id);
	lua_pushboolean(L, s->df);
	lua_setfield(L, -2, "df");
	lua_pushboolean(L, s->tcp_csum_ok);
	lua_setfield(L, -2, "csum_ok");
	lua_pushlstring(L, (const char *)s->payload, s->payload_len);
	lua_setfield(L, -2, "data");
	lua_pushnumber(L, r->t);
	lua_setfield(L, -2, "t");
	if (s->opt.present & SEG_OPT_MSS)
		set_int(L, "mss", s->opt.mss);
	if (s->opt.present & SEG_OPT_WSCALE)
		set_int(L, "wscale", s->opt.wscale);
	lua_pushboolean(L, (s->opt.present & SEG_OPT_SACKOK) != 0);
	lua_setfield(L, -2, "sackok");
	if (s->opt.present & SEG_OPT_TS) {
		set_int(L, "ts_val", s->opt.ts_val);
		set_int(L, "ts_ecr", s->opt.ts_ecr);
	}
	char text[512];
	match_format_seg(s, &ctx, text, sizeof(text));
	lua_pushstring(L, text);
	lua_setfield(L, -2, "text");
}

static double opt_within(lua_State *L, int idx, double dflt)
{
	if (lua_isnoneornil(L, idx))
		return dflt;
	luaL_checktype(L, idx, LUA_TTABLE);
	static const char *const keys[] = {"within", NULL};
	lua_api_known_keys(L, idx, "expect options", keys);
	lua_getfield(L, idx, "within");
	double w = lua_isnil(L, -1) ? dflt : luaL_checknumber(L, -1);
	lua_pop(L, 1);
	if (w < 0 || w > 3600)
		lua_api_error(L, "expect: within must be 0..3600 seconds, got %g", w);
	return w;
}

static int conn_wait_l(lua_State *L, enum conn_wait mode)
{
	struct lua_conn *lc = check_conn(L, 1);
	struct tpl *t = NULL;
	double within;
	if (mode == CONN_NONE) {
		within = luaL_checknumber(L, 2);
		t = lua_tpl_push_empty(L);
	} else {
		within = opt_within(L, 3, DEFAULT_WITHIN);
		t = lua_tpl_check(L, 2);
	}
	const struct lab_rec *rec;
	static char why[16384];
	int rc = conn_wait(lc->c, t, mode, lab_now(lc->owner->lab) + within, &rec, why, sizeof(why));
	if (rc < 0)
		return lua_api_error(L, "%s", why);
	if (rc > 0)
		return raise_failure(L, why);
	if (!rec)
		return 0;
	push_rec(L, lc->c, rec);
	return 1;
}

/* c:expect(segment[, {within = s}]) -- the next segment from the target must match. */
static int conn_expect_l(lua_State *L)
{
	return conn_wait_l(L, CONN_NEXT);
}

/* c:await(segment[, {within = s}]) -- the first matching segment; others pass. */
static int conn_await_l(lua_State *L)
{
	return conn_wait_l(L, CONN_ANY);
}

/* c:silence(seconds) -- nothing at all from the target on this connection meanwhile. */
static int conn_silence_l(lua_State *L)
{
	return conn_wait_l(L, CONN_NONE);
}

static int conn_info_l(lua_State *L)
{
	struct lua_conn *lc = check_conn(L, 1);
	const struct conn_addr *a = conn_addr(lc->c);
	lua_newtable(L);
	lua_pushstring(L, a->family == AF_INET6 ? "inet6" : "inet");
	lua_setfield(L, -2, "family");
	set_int(L, "sport", a->lport);
	set_int(L, "dport", a->rport);
	set_int(L, "iss", a->iss);
	set_int(L, "snd_nxt", conn_snd_nxt(lc->c));
	set_int(L, "rcv_nxt", conn_rcv_nxt(lc->c));
	if (conn_irs_known(lc->c))
		set_int(L, "irs", conn_irs(lc->c));
	return 1;
}

static int conn_gc(lua_State *L)
{
	struct lua_conn *lc = luaL_checkudata(L, 1, CONN_MT);
	conn_free(lc->c);
	lc->c = NULL;
	return 0;
}

static int conn_tostring(lua_State *L)
{
	struct lua_conn *lc = luaL_checkudata(L, 1, CONN_MT);
	if (!lc->c)
		lua_pushstring(L, "connection (closed)");
	else
		lua_pushfstring(L, "connection %d -> %d", conn_addr(lc->c)->lport, conn_addr(lc->c)->rport);
	return 1;
}

/* ---- registration ---- */

void lua_api_push_lab(lua_State *L, struct lab *lab, struct strbuf *log, unsigned seed)
{
	struct lua_lab *ll = lua_newuserdatauv(L, sizeof(*ll), 0);
	ll->lab = lab;
	ll->log = log;
	/* Ports 40000..60999 and ISNs from the seed: reproducible, yet different per run
	 * when the seed is. Seed 0 gives the historical 40000 / 0x5eed0001. */
	ll->next_port = (uint16_t)(40000 + seed % 1000);
	ll->next_iss = 0x5eed0001u ^ (seed * 2654435761u);
	luaL_setmetatable(L, LAB_MT);
}

void lua_api_lab_end(lua_State *L, int idx)
{
	struct lua_lab *ll = luaL_checkudata(L, idx, LAB_MT);
	ll->lab = NULL;
}

static int core_open(lua_State *L)
{
	static const luaL_Reg lab_methods[] = {
		{"conn", lab_conn},	      {"now", lab_now_l},	{"pump", lab_pump_l},
		{"log", lab_log_l},	      {"addresses", lab_addresses}, {"call", lab_call},
		{"call_async", lab_call_async}, {"reply", lab_reply},	{NULL, NULL}};
	static const luaL_Reg conn_methods[] = {
		{"send", conn_send_l},	   {"expect", conn_expect_l}, {"await", conn_await_l},
		{"silence", conn_silence_l}, {"info", conn_info_l},     {"flood", conn_flood_l},
		{NULL, NULL}};
	static const luaL_Reg funcs[] = {
		{"fail", core_fail}, {"skip", core_skip}, {"hex", core_hex}, {"unhex", core_unhex},
		{NULL, NULL}};

	luaL_newmetatable(L, LAB_MT);
	luaL_newlib(L, lab_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);

	luaL_newmetatable(L, CONN_MT);
	luaL_newlib(L, conn_methods);
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, "__index");
	lua_setfield(L, LUA_REGISTRYINDEX, "tcpconform.conn_methods");
	lua_pushcfunction(L, conn_gc);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, conn_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);

	lua_tpl_register(L);

	luaL_newmetatable(L, FAILURE_MT);
	lua_pop(L, 1);
	luaL_newmetatable(L, SKIP_MT);
	lua_pop(L, 1);

	luaL_newlib(L, funcs);
	lua_getfield(L, LUA_REGISTRYINDEX, "tcpconform.conn_methods");
	lua_setfield(L, -2, "conn_methods");
	return 1;
}

void lua_api_open(lua_State *L)
{
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, core_open);
	lua_setfield(L, -2, "tcpconform.core");
	lua_pop(L, 1);
}
