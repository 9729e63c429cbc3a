/* lua_lab: the lab object a test gets (userdata "tcpconform.lab"): connections, the
 * lab's clock, its log, its addresses, calls to the target's agent, the one-step pump,
 * and labs that Lua owns (core.lab_open: the sweep keeps one lab for many cases). Part of the Lua
 * binding family (lua_api.h). */
#include "lua_api.h"

#include "lua_api_int.h"

#include <arpa/inet.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent_proto.h"
#include "conn.h"

#define LAB_MT "tcpconform.lab"

static struct lua_lab *check_lab(lua_State *L, int idx)
{
	struct lua_lab *ll = luaL_checkudata(L, idx, LAB_MT);
	if (!ll->lab)
		lua_api_error(L, "this lab belongs to a test that has ended");
	return ll;
}

/* lab:conn{port = N, sport = N, family = "inet"|"inet6", iss = N, ts = "relative"} ->
 * connection (no segment is sent). */
static int lab_conn(lua_State *L)
{
	struct lua_lab *ll = check_lab(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	static const char *const keys[] = {"port", "sport", "family", "iss", "ts", NULL};
	lua_api_known_keys(L, 2, "lab:conn", keys);
	struct conn_addr a = {.family = AF_INET};
	lua_Integer port;
	if (!lua_api_int_field(L, 2, "lab:conn", "port", 1, 65535, &port))
		lua_api_error(L, "lab:conn: field 'port' (the target's port) is required");
	a.rport = (uint16_t)port;
	a.lport = (uint16_t)lua_api_opt_int_field(L, 2, "lab:conn", "sport", 1, 65535, ll->next_port);
	if (a.lport == ll->next_port)
		ll->next_port = ll->next_port >= 60999 ? 40000 : ll->next_port + 1;
	a.iss = (uint32_t)lua_api_opt_int_field(L, 2, "lab:conn", "iss", 0, UINT32_MAX, ll->next_iss);
	ll->next_iss = ll->next_iss * 1103515245u + 12345u;
	lua_getfield(L, 2, "family");
	const char *fam = lua_isnil(L, -1) ? "inet" : lua_tostring(L, -1);
	if (!fam || (strcmp(fam, "inet") && strcmp(fam, "inet6")))
		lua_api_error(L, "lab:conn: field 'family' must be \"inet\" or \"inet6\", got %s",
			    luaL_tolstring(L, -1, NULL));
	a.family = strcmp(fam, "inet6") == 0 ? AF_INET6 : AF_INET;
	lua_pop(L, 1);
	lua_getfield(L, 2, "ts");
	const char *ts = lua_isnil(L, -1) ? "absolute" : lua_tostring(L, -1);
	if (!ts || (strcmp(ts, "absolute") && strcmp(ts, "relative")))
		lua_api_error(L, "lab:conn: field 'ts' must be \"absolute\" or \"relative\", got %s",
			      luaL_tolstring(L, -1, NULL));
	a.ts_rel = strcmp(ts, "relative") == 0;
	lua_pop(L, 1);

	lua_conn_push(L, 1, &a);
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
	char err[LAB_ERR_MAX];
	while (lab_now(ll->lab) < until)
		if (lab_pump(ll->lab, until, err, sizeof(err)) < 0)
			return lua_api_error(L, "%s", err);
	return 0;
}

/* lab:pump_once(deadline) -> true when a frame or an agent line arrived, false at
 * `deadline` (lab time; one in the past polls without waiting). One lab_pump: the
 * sweep's scheduler pumps once, then lets every waiting case look at what came, so no
 * case's wait holds up the others. */
static int lab_pump_once_l(lua_State *L)
{
	struct lua_lab *ll = check_lab(L, 1);
	double deadline = luaL_checknumber(L, 2);
	char err[LAB_ERR_MAX];
	int rc = lab_pump(ll->lab, deadline, err, sizeof(err));
	if (rc < 0)
		return lua_api_error(L, "%s", err);
	lua_pushboolean(L, rc > 0);
	return 1;
}

/* lab:log_count() -> frames in the lab's log so far (it only grows: the engine
 * recycles a lab whose log is long). */
static int lab_log_count_l(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)lab_log_count(check_lab(L, 1)->lab));
	return 1;
}

/* lab:inbound_ports(from) -> {[port] = true}: the harness ports that TCP segments from
 * the target reached in log records from..end (from counts from 0). The sweep's
 * scheduler wakes only the cases whose port got something, instead of all of them. */
static int lab_inbound_ports_l(lua_State *L)
{
	struct lua_lab *ll = check_lab(L, 1);
	lua_Integer from = luaL_checkinteger(L, 2);
	size_t n = lab_log_count(ll->lab);
	lua_newtable(L);
	for (size_t i = from < 0 ? 0 : (size_t)from; i < n; i++) {
		const struct lab_rec *r = lab_log_get(ll->lab, i);
		if (!r->inbound || r->seg.kind != SEG_KIND_TCP)
			continue;
		lua_pushboolean(L, 1);
		lua_rawseti(L, -2, r->seg.dport);
	}
	return 1;
}

/* lab:agent_news() -> {[id] = true} of the agent replies read since the last call
 * (lab_agent_news), nil when none came, or true when too many came to tell (any may
 * have). The sweep's scheduler wakes a case waiting on the agent only when its reply is
 * among them. */
static int lab_agent_news_l(lua_State *L)
{
	size_t n;
	bool lost;
	const uint32_t *ids = lab_agent_news(check_lab(L, 1)->lab, &n, &lost);
	if (lost || n == 0) {
		if (lost)
			lua_pushboolean(L, 1);
		else
			lua_pushnil(L);
		return 1;
	}
	lua_createtable(L, 0, (int)(n < 64 ? n : 64));
	for (size_t i = 0; i < n; i++) {
		lua_pushboolean(L, 1);
		lua_rawseti(L, -2, (lua_Integer)ids[i]);
	}
	return 1;
}

/* What a test may log: the log lives in C memory, outside the Lua state's limit
 * (--memory-limit), and goes whole into the JUnit <system-out>; a script that logs in a
 * loop must not grow the worker without bound. Past it one marker line, then nothing. */
#define LAB_LOG_MAX (1u << 20)

/* lab:log(text): a line in the testcase's <system-out>. */
static int lab_log_l(lua_State *L)
{
	struct lua_lab *ll = check_lab(L, 1);
	size_t n;
	const char *text = luaL_checklstring(L, 2, &n);
	if (ll->log_full)
		return 0;
	if (ll->log->len + n + 1 > LAB_LOG_MAX) {
		strbuf_addf(ll->log, "[lab:log: the test logged more than %u KiB; the rest is "
				     "left out]\n", LAB_LOG_MAX / 1024);
		ll->log_full = true;
		return 0;
	}
	strbuf_add(ll->log, text, n);
	strbuf_add(ll->log, "\n", 1);
	return 0;
}

static void push_addr(lua_State *L, int family, const void *a, const char *key)
{
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(family, a, buf, sizeof(buf));
	lua_pushstring(L, buf);
	lua_setfield(L, -2, key);
}

/* The greeting's limit `key` (handles=, pending=: PROTOCOL.md 2) as an integer; dflt
 * when the agent does not say (an older agent: the protocol's limits before it said
 * them) or says something that is not a positive number. */
static void push_limit(lua_State *L, struct lua_lab *ll, const char *key, long dflt)
{
	const char *v = lab_target_info(ll->lab, key);
	char *end;
	long n = v ? strtol(v, &end, 10) : 0;
	lua_pushinteger(L, v && *v && !*end && n > 0 && n <= 1000000 ? n : dflt);
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
	/* The socket options the agent takes (PROTOCOL.md 2), when its greeting lists them. */
	const char *sockopts = lab_target_info(ll->lab, "sockopts");
	lua_pushstring(L, sockopts ? sockopts : "");
	lua_setfield(L, -2, "sockopts");
	lua_pushinteger(L, lab_mtu(ll->lab));
	lua_setfield(L, -2, "mtu");
	push_limit(L, ll, "handles", AGENT_DEFAULT_HANDLES);
	push_limit(L, ll, "pending", AGENT_DEFAULT_PENDING);
	return 1;
}

/* Turns a reply line into {ret=, err=, key=value...} (wait_reply adds t). */
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
	char err[LAB_ERR_MAX];
	if (lab_agent_send(ll->lab, line, &id, err, sizeof(err)) < 0)
		lua_api_error(L, "%s", err);
	return id;
}

/* The agent's reply line, held by a userdata whose __gc frees it: building the reply
 * table allocates, and an allocation that fails (the script's memory limit, LUA_ERRMEM)
 * or a bad reply raises an error that would otherwise leak the line. */
#define REPLY_MT "tcpconform.reply"

static int reply_gc(lua_State *L)
{
	char **box = luaL_checkudata(L, 1, REPLY_MT);
	free(*box);
	*box = NULL;
	return 0;
}

/* Waits for reply id; pushes its table (1), or nothing at the deadline (0). A lost agent
 * is a script error naming what. */
static int wait_reply(lua_State *L, struct lua_lab *ll, uint32_t id, double timeout,
		      const char *what)
{
	char **box = lua_newuserdatauv(L, sizeof(*box), 0);
	*box = NULL;
	luaL_setmetatable(L, REPLY_MT);
	char err[LAB_ERR_MAX];
	double at = 0;
	if (lab_agent_wait_at(ll->lab, id, lab_now(ll->lab) + timeout, box, &at, err, sizeof(err)) < 0)
		return lua_api_error(L, "%s: %s", what, err);
	if (!*box)
		return 0;
	push_reply(L, *box);
	free(*box);
	*box = NULL;
	/* t: when the reply came off the control channel (the call's return as the harness
	 * saw it), not when the script collected it. */
	lua_pushnumber(L, at);
	lua_setfield(L, -2, "t");
	return 1;
}

static int agent_reply_l(lua_State *L, struct lua_lab *ll, uint32_t id, double timeout,
			 const char *what)
{
	if (!wait_reply(L, ll, id, timeout, what))
		return lua_api_error(L, "%s: the target's agent did not answer within %.1f s", what, timeout);
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
	if (!wait_reply(L, ll, id, timeout, "agent reply"))
		lua_pushnil(L);
	return 1;
}

void lua_api_push_lab(lua_State *L, struct lab *lab, struct strbuf *log, unsigned seed)
{
	struct lua_lab *ll = lua_newuserdatauv(L, sizeof(*ll), 0);
	ll->lab = lab;
	ll->log = log;
	ll->owned = false;
	ll->own_log = (struct strbuf){0};
	ll->log_full = false;
	/* Ports 40000..60999 and ISNs from the seed: reproducible, yet different per run
	 * when the seed is. Seed 0 gives the historical 40000 / 0x5eed0001. */
	ll->next_port = (uint16_t)(40000 + seed % 1000);
	ll->next_iss = 0x5eed0001u ^ (seed * 2654435761u);
	luaL_setmetatable(L, LAB_MT);
}

/* An owned lab is destroyed (its target, namespace and link go); a test's lab is only
 * detached, its runner destroys it. Idempotent. */
static void lab_release(struct lua_lab *ll)
{
	if (ll->owned && ll->lab)
		lab_destroy(ll->lab);
	if (ll->owned)
		strbuf_free(&ll->own_log);
	ll->lab = NULL;
}

/* lab:close(): ends an owned lab now; using it or its connections afterwards is an
 * error. */
static int lab_close_l(lua_State *L)
{
	struct lua_lab *ll = luaL_checkudata(L, 1, LAB_MT);
	if (!ll->owned)
		return lua_api_error(L, "lab:close: this lab belongs to a test; its runner ends it");
	lab_release(ll);
	return 0;
}

static int lab_gc(lua_State *L)
{
	lab_release(luaL_checkudata(L, 1, LAB_MT));
	return 0;
}

/* See lua_api_int.h. The userdata is made (and its metatable set) before the lab, so
 * an allocation that fails leaves nothing; a lab that cannot be made is an error with
 * lab_create's message (target not found, set-up failed). */
int lua_lab_open(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	static const char *const keys[] = {"target", "id", "pcap", "seed", NULL};
	lua_api_known_keys(L, 1, "lab_open", keys);
	lua_getfield(L, 1, "target");
	const char *target = luaL_optstring(L, -1, "linux");
	lua_getfield(L, 1, "pcap");
	const char *pcap = luaL_optstring(L, -1, NULL);
	unsigned id = (unsigned)lua_api_opt_int_field(L, 1, "lab_open", "id", 0, UINT32_MAX, 1);
	unsigned seed = (unsigned)lua_api_opt_int_field(L, 1, "lab_open", "seed", 0, UINT32_MAX, 0);
	lua_api_push_lab(L, NULL, NULL, seed);
	struct lua_lab *ll = lua_touserdata(L, -1);
	ll->owned = true;
	ll->log = &ll->own_log;
	char err[LAB_ERR_MAX];
	struct lab *lab = lab_create(&(struct lab_opts){.target = target, .id = id}, err, sizeof(err));
	if (!lab)
		return lua_api_error(L, "lab_open: %s", err);
	ll->lab = lab;
	if (pcap && lab_pcap_open(lab, pcap, err, sizeof(err)) < 0)
		return lua_api_error(L, "lab_open: %s", err);
	return 1;
}

static int lab_counters_l(lua_State *L)
{
	return lua_lab_counters(L, check_lab(L, 1)->lab);
}

void lua_api_lab_end(lua_State *L, int idx)
{
	struct lua_lab *ll = luaL_checkudata(L, idx, LAB_MT);
	ll->lab = NULL;
}

void lua_lab_register(lua_State *L)
{
	static const luaL_Reg lab_methods[] = {
		{"conn", lab_conn},	      {"now", lab_now_l},	{"pump", lab_pump_l},
		{"log", lab_log_l},	      {"addresses", lab_addresses}, {"call", lab_call},
		{"call_async", lab_call_async}, {"reply", lab_reply},
		{"pump_once", lab_pump_once_l}, {"log_count", lab_log_count_l},
		{"inbound_ports", lab_inbound_ports_l}, {"agent_news", lab_agent_news_l},
		{"counters", lab_counters_l},
		{"close", lab_close_l},	      {NULL, NULL}};
	luaL_newmetatable(L, LAB_MT);
	luaL_newlib(L, lab_methods);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, lab_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_newmetatable(L, REPLY_MT);
	lua_pushcfunction(L, reply_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
}
