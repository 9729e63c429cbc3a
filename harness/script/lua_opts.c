/* lua_opts: the options table and the protected call the engines' entry points share
 * (see lua_opts.h), so the sweep and the fuzzer build their options and meet their
 * errors the same way. */
#include "lua_opts.h"

#include <lauxlib.h>
#include <stdio.h>

#include "lab.h"
#include "script_mem.h"
#include "script_state.h"
#include "target.h"

#define HOOK_EVERY 10000

void lua_opts_str(lua_State *L, const char *k, const char *v)
{
	if (!v)
		return;
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

void lua_opts_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

void lua_opts_num(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

void lua_opts_strv(lua_State *L, const char *k, const char *const *v, int n)
{
	lua_createtable(L, n > 0 ? n : 0, 0);
	for (int i = 0; i < n; i++) {
		lua_pushstring(L, v[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, k);
}

void lua_opts_push_target(lua_State *L, const struct target_spec *t)
{
	if (!t)
		lua_pushstring(L, "linux");
	else if (t->label[0])
		lua_pushstring(L, t->label);
	else if (t->arg[0])
		lua_pushfstring(L, "%s:%s", t->name, t->arg);
	else
		lua_pushstring(L, t->name);
}

static int emit_l(lua_State *L)
{
	const struct lua_opts_emit *e = lua_touserdata(L, lua_upvalueindex(1));
	e->fn(e->ctx, luaL_checkstring(L, 1));
	return 0;
}

void lua_opts_push_emit(lua_State *L, const struct lua_opts_emit *e)
{
	lua_pushlightuserdata(L, (void *)e);
	lua_pushcclosure(L, emit_l, 1);
}

/* Ctrl-C between instructions, as a test script's state honours it (script.c). */
static void engine_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	if (lab_interrupted())
		luaL_error(L, "interrupted");
}

int lua_opts_run(size_t limit, lua_CFunction enter, void *ud, const char *what, char *err,
		 size_t errlen)
{
	struct script_mem mem = {.limit = limit};
	lua_State *L = script_state_new(&mem);
	if (!L) {
		snprintf(err, errlen, "%s: out of memory", what);
		return -1;
	}
	lua_sethook(L, engine_hook, LUA_MASKCOUNT, HOOK_EVERY);
	lua_pushcfunction(L, script_state_traceback);
	lua_pushcfunction(L, script_state_open_libs);
	int rc = lua_pcall(L, 0, 0, 1);
	if (rc == LUA_OK) {
		lua_pushcfunction(L, enter);
		lua_pushlightuserdata(L, ud);
		rc = lua_pcall(L, 1, 0, 1);
	}
	if (rc != LUA_OK || mem.exceeded) {
		if (mem.exceeded) {
			script_mem_message(&mem, err, errlen);
		} else {
			const char *msg = lua_tostring(L, -1);
			if (msg)
				snprintf(err, errlen, "%s", msg);
			else
				snprintf(err, errlen, "%s: error (no message)", what);
		}
	}
	/* Labs still open (an error half-way) are destroyed by their __gc here. */
	lua_close(L);
	return rc == LUA_OK && !mem.exceeded ? 0 : -1;
}
