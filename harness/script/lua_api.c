/* lua_api: module "tcpconform.core" -- what the Lua binding family shares: errors and
 * failures, argument checks, hex helpers and the module's registration. The lab object
 * is lua_lab.c's, the connection object lua_conn.c's, segment templates lua_tpl.c's.
 * Misuse (a wrong argument type, a port of 70000) raises a Lua error naming the field,
 * expected and actual; a mismatch on the wire raises a *failure* object instead, so the
 * runner can tell <failure> from <error>. */
#include "lua_api.h"

#include "lua_api_int.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>

#include "agent_proto.h"

#define FAILURE_MT "tcpconform.failure"
#define SKIP_MT "tcpconform.skip"

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

int lua_api_fail(lua_State *L, const char *text)
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
	char where[256], text[LAB_ERR_MAX];
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
	return lua_api_fail(L, luaL_checkstring(L, 1));
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

/* ---- argument checks ---- */

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
lua_Integer lua_api_opt_int_field(lua_State *L, int idx, const char *what, const char *key,
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

/* core.interrupted() -> true once Ctrl-C or SIGTERM came: code that catches a lab's
 * errors (the sweep's engine) must let this one end the run. */
static int core_interrupted(lua_State *L)
{
	lua_pushboolean(L, lab_interrupted());
	return 1;
}

/* ---- registration ---- */

static int core_open(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{"fail", core_fail}, {"skip", core_skip}, {"hex", core_hex}, {"unhex", core_unhex},
		{"lab_open", lua_lab_open}, {"interrupted", core_interrupted}, {NULL, NULL}};

	lua_lab_register(L);
	lua_conn_register(L);
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
