/* Running a Lua specification file (tests/NAME_spec.lua) from a cmocka test: a fresh Lua
 * state whose package.path is the source tree's lua/ folder, so a change to the Lua
 * modules is tested without a rebuild, and SOURCE_DIR set for files the spec reads.
 * Header-only (static functions): each tests/test_*.c is its own executable and the
 * build globs only those files. Include after <cmocka.h>. */
#ifndef TCPCONFORM_LUA_SPEC_H
#define TCPCONFORM_LUA_SPEC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

/* The source tree: TCPCONFORM_SOURCE_DIR, else the directory above this file (CMake
 * compiles the tests by absolute path). */
static const char *lua_spec_source_dir(char *buf, size_t size)
{
	const char *env = getenv("TCPCONFORM_SOURCE_DIR");
	if (env && *env)
		return env;
	snprintf(buf, size, "%s", __FILE__);
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';          /* .../tests */
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';          /* the source tree */
	else
		snprintf(buf, size, ".");
	return buf;
}

static int lua_spec_traceback(lua_State *L)
{
	luaL_traceback(L, L, lua_tostring(L, 1), 1);
	return 1;
}

/* Runs tests/NAME (which returns passed, failed) and fails the cmocka test unless no
 * assertion failed and at least min_passed passed. A Lua error fails it with the
 * traceback. */
static void lua_spec_run(const char *name, long min_passed)
{
	char buf[4096], path[4200];
	const char *src = lua_spec_source_dir(buf, sizeof(buf));
	lua_State *L = luaL_newstate();
	assert_non_null(L);
	luaL_openlibs(L);
	lua_getglobal(L, "package");
	lua_pushfstring(L, "%s/lua/?.lua", src);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
	lua_pushstring(L, src);
	lua_setglobal(L, "SOURCE_DIR");
	snprintf(path, sizeof(path), "%s/tests/%s", src, name);
	lua_pushcfunction(L, lua_spec_traceback);
	if (luaL_loadfile(L, path) != LUA_OK)
		fail_msg("%s", lua_tostring(L, -1));
	if (lua_pcall(L, 0, 2, -2) != LUA_OK)
		fail_msg("%s: %s", name, lua_tostring(L, -1));
	lua_Integer passed = lua_tointeger(L, -2), failed = lua_tointeger(L, -1);
	lua_close(L);
	assert_int_equal(failed, 0);
	assert_true(passed >= min_passed);
}

#endif
