/* lua_conn: the connection object (userdata "tcpconform.conn"): send, expect, await,
 * silence, flood, the non-blocking next and its numbers. It keeps its lab alive through its user value and
 * refuses use once the lab's test has ended. Part of the Lua binding family. */
#include "lua_api_int.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "flood.h"
#include "match.h"
#include "segment.h"
#include "tpl.h"

#define CONN_MT "tcpconform.conn"
#define DEFAULT_WITHIN 1.0

struct lua_conn {
	struct conn *c;
	struct lua_lab *owner;   /* kept alive through the userdata's user value */
};

void lua_conn_push(lua_State *L, int labidx, const struct conn_addr *a)
{
	labidx = lua_absindex(L, labidx);
	struct lua_lab *ll = lua_touserdata(L, labidx);
	/* The userdata first, the C connection after: should Lua run out of memory, there is
	 * no C object yet to leak; once it exists, __gc frees it. */
	struct lua_conn *lc = lua_newuserdatauv(L, sizeof(*lc), 1);
	lc->c = NULL;
	lc->owner = ll;
	luaL_setmetatable(L, CONN_MT);
	lua_pushvalue(L, labidx);
	lua_setiuservalue(L, -2, 1);
	lc->c = conn_new(ll->lab, a);
	if (!lc->c)
		luaL_error(L, "out of memory");
}

static struct lua_conn *check_conn(lua_State *L, int idx)
{
	struct lua_conn *lc = luaL_checkudata(L, idx, CONN_MT);
	if (!lc->c || !lc->owner->lab)
		lua_api_error(L, "this connection belongs to a test that has ended");
	return lc;
}

/* ext = "hbh,dst" or {"hbh", "dst"}: the IPv6 extension headers, in order. */
static void send_ext(lua_State *L, int idx, struct frame_ip_opts *ip)
{
	char names[FRAME_EXT_MAX + 1][32];
	int n = 0;
	lua_getfield(L, idx, "ext");
	if (lua_type(L, -1) == LUA_TSTRING) {
		const char *p = lua_tostring(L, -1);
		while (*p && n <= FRAME_EXT_MAX) {
			size_t k = strcspn(p, ",");
			snprintf(names[n++], sizeof(names[0]), "%.*s", (int)(k < 31 ? k : 31), p);
			p += k + (p[k] == ',');
		}
	} else if (lua_istable(L, -1)) {
		for (lua_Integer i = 1; n <= FRAME_EXT_MAX; i++) {
			if (lua_rawgeti(L, -1, i) == LUA_TNIL) {
				lua_pop(L, 1);
				break;
			}
			const char *e = lua_tostring(L, -1);
			snprintf(names[n++], sizeof(names[0]), "%s", e ? e : "?");
			lua_pop(L, 1);
		}
	} else if (!lua_isnil(L, -1)) {
		lua_api_error(L, "send: field 'ext' must be a string \"hbh,dst\" or a list, got %s",
			      luaL_typename(L, -1));
	}
	lua_pop(L, 1);
	if (n > FRAME_EXT_MAX)
		lua_api_error(L, "send: field 'ext' has more than %d headers", FRAME_EXT_MAX);
	for (int i = 0; i < n; i++) {
		ip->ext[i] = frame_ext_parse(names[i]);
		if (!ip->ext[i])
			lua_api_error(L, "send: field 'ext' [%d] is \"%s\", expected hbh, dst, "
				      "hbh_discard or dst_discard", i + 1, names[i]);
	}
	ip->next = (uint8_t)n;
}

/* frag, frag_order, frag_drop, ext of c:send's options (lua/README.md). */
static void send_ip(lua_State *L, int idx, struct frame_ip_opts *ip)
{
	ip->frag = (uint16_t)lua_api_opt_int_field(L, idx, "send", "frag", 8, 65528, 0);
	lua_getfield(L, idx, "frag_order");
	const char *order = lua_tostring(L, -1);
	if (order && strcmp(order, "reverse") == 0)
		ip->reverse = true;
	else if (order && strcmp(order, "inorder") != 0)
		lua_api_error(L, "send: field 'frag_order' is \"%s\", expected inorder or reverse",
			      order);
	lua_pop(L, 1);
	lua_getfield(L, idx, "frag_drop");
	const char *drop = lua_tostring(L, -1);
	if (drop && strcmp(drop, "first") == 0)
		ip->drop = FRAME_DROP_FIRST;
	else if (drop && strcmp(drop, "last") == 0)
		ip->drop = FRAME_DROP_LAST;
	else if (drop)
		lua_api_error(L, "send: field 'frag_drop' is \"%s\", expected first or last", drop);
	lua_pop(L, 1);
	send_ext(L, idx, ip);
}

/* c:send(seg[, {split = true, frag = N, frag_order =, frag_drop =, ext =}]) -> the lab
 * time it was sent, and how many segments went out (more than one only with split: a
 * payload above the lab's MTU). */
static int conn_send_l(lua_State *L)
{
	struct lua_conn *lc = check_conn(L, 1);
	struct tpl *t = lua_tpl_check(L, 2);
	bool split = false;
	struct frame_ip_opts ip = {0};
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		static const char *const keys[] = {"split", "frag", "frag_order", "frag_drop",
						   "ext", NULL};
		lua_api_known_keys(L, 3, "send options", keys);
		lua_getfield(L, 3, "split");
		split = lua_toboolean(L, -1);
		lua_pop(L, 1);
		send_ip(L, 3, &ip);
	}
	double at;
	int nseg;
	char err[400];
	if (conn_send_split(lc->c, t, split, &ip, &at, &nseg, err, sizeof(err)) < 0)
		return lua_api_error(L, "send: %s", err);
	lua_pushnumber(L, at);
	lua_pushinteger(L, nseg);
	return 2;
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
	o.ports = (unsigned)lua_api_opt_int_field(L, 3, "flood", "ports", 1, 65535,
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
	lua_pushboolean(L, s->opt.malformed);
	lua_setfield(L, -2, "opt_malformed");
	lua_pushboolean(L, (s->opt.present & SEG_OPT_SACKOK) != 0);
	lua_setfield(L, -2, "sackok");
	if (s->opt.present & SEG_OPT_TS) {
		/* Relative when the connection writes timestamps relative (ctx's bases are 0
		 * otherwise), as the shorthand reads them. */
		set_int(L, "ts_val", (uint32_t)(s->opt.ts_val - ctx.ts_val0));
		set_int(L, "ts_ecr", (uint32_t)(s->opt.ts_ecr - ctx.ts_ecr0));
		set_int(L, "ts_val_abs", s->opt.ts_val);
		set_int(L, "ts_ecr_abs", s->opt.ts_ecr);
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
		return lua_api_fail(L, why);
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

/* c:next([segment]) -> the next unconsumed segment from the target on this connection
 * (a table as expect returns), or nil when none has arrived; it never waits, so a
 * coroutine can poll it between lab:pump_once calls. With a template, also true when it
 * matches, else false and the first differing field (match.h). */
static int conn_next_l(lua_State *L)
{
	struct lua_conn *lc = check_conn(L, 1);
	struct tpl *t = lua_isnoneornil(L, 2) ? NULL : lua_tpl_check(L, 2);
	const struct lab_rec *rec;
	conn_next(lc->c, &rec);
	if (!rec) {
		lua_pushnil(L);
		return 1;
	}
	push_rec(L, lc->c, rec);
	if (!t)
		return 1;
	struct match_ctx ctx = conn_ctx(lc->c, &rec->seg);
	char why[300];
	bool ok = match_seg(t, &rec->seg, &ctx, why, sizeof(why));
	lua_pushboolean(L, ok);
	if (ok)
		return 2;
	lua_pushstring(L, why);
	return 3;
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
	/* iss and irs are absolute (they are the origins); snd_nxt and rcv_nxt relative to
	 * them, as the shorthand writes seq and ack, with the absolute numbers beside. */
	set_int(L, "iss", a->iss);
	set_int(L, "snd_nxt", conn_snd_nxt(lc->c));
	set_int(L, "snd_nxt_abs", (uint32_t)(a->iss + conn_snd_nxt(lc->c)));
	/* rcv_nxt before the target's SYN: what its segments advanced (0 when none). */
	set_int(L, "rcv_nxt", conn_rcv_nxt(lc->c));
	if (conn_irs_known(lc->c)) {
		set_int(L, "irs", conn_irs(lc->c));
		set_int(L, "rcv_nxt_abs", (uint32_t)(conn_irs(lc->c) + conn_rcv_nxt(lc->c)));
	}
	lua_pushstring(L, a->ts_rel ? "relative" : "absolute");
	lua_setfield(L, -2, "ts");
	if (a->ts_rel) {
		set_int(L, "ts_base", conn_ts_base(lc->c));
		if (conn_ts_peer_known(lc->c))
			set_int(L, "ts_peer", conn_ts_peer(lc->c));
	}
	int max = conn_max_payload(lc->c, &(struct tpl){0}, NULL, 0);
	set_int(L, "max_payload", max);
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

void lua_conn_register(lua_State *L)
{
	static const luaL_Reg conn_methods[] = {
		{"send", conn_send_l},	   {"expect", conn_expect_l}, {"await", conn_await_l},
		{"silence", conn_silence_l}, {"info", conn_info_l},     {"flood", conn_flood_l},
		{"next", conn_next_l},	   {NULL, NULL}};
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
}
