/* Unit tests of the RFC 9293 model (lua/model/): runs tests/model_spec.lua, the model's
 * own specification written as cases against the RFC's figures and rules, in a fresh
 * Lua state -- once with the modules loaded from the source tree (lua/model/, so a
 * change to the model is tested without a rebuild) and once with the copies compiled
 * into the binary (harness/script/embed_lua.cmake), so the embedding is tested too. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "lua_embedded.h"

/* The source tree: TCPCONFORM_SOURCE_DIR, else the directory above this file (CMake
 * compiles it by absolute path). */
static const char *source_dir(char *buf, size_t size)
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

static int embedded_loader(lua_State *L)
{
	const struct lua_embedded *m = lua_touserdata(L, lua_upvalueindex(1));
	if (luaL_loadbufferx(L, m->src, m->len, m->chunk, "t") != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 1);
	return 1;
}

/* package.preload entries for the embedded model.* modules; returns how many. */
static int preload_embedded_model(lua_State *L)
{
	int n = 0;
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	for (const struct lua_embedded *m = lua_embedded_modules; m->name; m++) {
		if (strncmp(m->name, "model.", 6) != 0)
			continue;
		lua_pushlightuserdata(L, (void *)m);
		lua_pushcclosure(L, embedded_loader, 1);
		lua_setfield(L, -2, m->name);
		n++;
	}
	lua_pop(L, 1);
	return n;
}

static int traceback(lua_State *L)
{
	luaL_traceback(L, L, lua_tostring(L, 1), 1);
	return 1;
}

/* Runs the spec; the spec prints one line per case and returns passed, failed. */
static void run_spec(bool embedded)
{
	char buf[4096], path[4200];
	const char *src = source_dir(buf, sizeof(buf));
	lua_State *L = luaL_newstate();
	assert_non_null(L);
	luaL_openlibs(L);
	if (embedded) {
		/* Only the embedded copies: an empty path, so nothing falls back to the tree. */
		assert_true(preload_embedded_model(L) >= 8);
		luaL_dostring(L, "package.path = ''");
	} else {
		lua_getglobal(L, "package");
		lua_pushfstring(L, "%s/lua/?.lua", src);
		lua_setfield(L, -2, "path");
		lua_pop(L, 1);
	}
	lua_pushstring(L, src);
	lua_setglobal(L, "SOURCE_DIR");
	snprintf(path, sizeof(path), "%s/tests/model_spec.lua", src);
	lua_pushcfunction(L, traceback);
	if (luaL_loadfile(L, path) != LUA_OK)
		fail_msg("%s", lua_tostring(L, -1));
	if (lua_pcall(L, 0, 2, -2) != LUA_OK)
		fail_msg("model_spec.lua: %s", lua_tostring(L, -1));
	lua_Integer passed = lua_tointeger(L, -2), failed = lua_tointeger(L, -1);
	lua_close(L);
	assert_int_equal(failed, 0);
	assert_true(passed >= 80);
}

static void test_model_spec_from_source_tree(void **state)
{
	(void)state;
	run_spec(false);
}

static void test_model_spec_from_embedded_modules(void **state)
{
	(void)state;
	run_spec(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_spec_from_source_tree),
		cmocka_unit_test(test_model_spec_from_embedded_modules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
