/* Unit tests of sweep.json (lua/sweep/json.lua): runs tests/sweep_json_spec.lua in a
 * fresh Lua state with lua/ of the source tree on package.path (sweep.json is
 * lua/sweep/json.lua), so a change is tested without a rebuild. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

static int traceback(lua_State *L)
{
	luaL_traceback(L, L, lua_tostring(L, 1), 1);
	return 1;
}

static void test_json_spec(void **state)
{
	(void)state;
	char src[4096], path[4200];
	snprintf(src, sizeof(src), "%s", __FILE__);
	for (int i = 0; i < 2; i++) {
		char *slash = strrchr(src, '/');
		if (slash)
			*slash = '\0';
	}
	lua_State *L = luaL_newstate();
	assert_non_null(L);
	luaL_openlibs(L);
	lua_getglobal(L, "package");
	lua_pushfstring(L, "%s/lua/?.lua", src);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
	snprintf(path, sizeof(path), "%s/tests/sweep_json_spec.lua", src);
	lua_pushcfunction(L, traceback);
	if (luaL_loadfile(L, path) != LUA_OK)
		fail_msg("%s", lua_tostring(L, -1));
	if (lua_pcall(L, 0, 2, -2) != LUA_OK)
		fail_msg("sweep_json_spec.lua: %s", lua_tostring(L, -1));
	lua_Integer passed = lua_tointeger(L, -2), failed = lua_tointeger(L, -1);
	lua_close(L);
	assert_int_equal(failed, 0);
	assert_true(passed >= 17);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_json_spec)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
