/* script_state: a fresh Lua state with tcpconform's library (see script_state.h). */
#include "script_state.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>

#include "lua_api.h"
#include "lua_embedded.h"

/* Without a protected call around it, an error is fatal: say so before Lua aborts. */
static int script_panic(lua_State *L)
{
	const char *msg = lua_tostring(L, -1);
	fprintf(stderr, "tcpconform: Lua error outside a protected call: %s\n", msg ? msg : "?");
	return 0;
}

lua_State *script_state_new(struct script_mem *mem)
{
	lua_State *L = lua_newstate(script_mem_alloc, mem);
	if (!L)
		return NULL;
	lua_atpanic(L, script_panic);
	*(void **)lua_getextraspace(L) = NULL;
	return L;
}

int script_state_traceback(lua_State *L)
{
	const char *failure;
	if (lua_api_is_failure(L, 1, &failure) || lua_api_is_skip(L, 1, &failure))
		return 1;   /* failures and skips carry their own message; no traceback */
	const char *msg = lua_tostring(L, 1);
	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* Loads the embedded modules of lua/ as package.preload entries. */
static int embedded_loader(lua_State *L)
{
	const struct lua_embedded *m = lua_touserdata(L, lua_upvalueindex(1));
	if (luaL_loadbufferx(L, m->src, m->len, m->chunk, "t") != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 1);
	return 1;
}

static void open_embedded(lua_State *L)
{
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	for (const struct lua_embedded *m = lua_embedded_modules; m->name; m++) {
		lua_pushlightuserdata(L, (void *)m);
		lua_pushcclosure(L, embedded_loader, 1);
		lua_setfield(L, -2, m->name);
	}
	lua_pop(L, 1);
}

int script_state_open_libs(lua_State *L)
{
	luaL_openlibs(L);
	open_embedded(L);
	lua_api_open(L);
	return 0;
}
