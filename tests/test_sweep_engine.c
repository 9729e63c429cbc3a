/* The sweep's engine (lua/sweep/engine.lua) on real labs of the Linux target, with the
 * stand-in cases, materializer and judge of tests/sweep_standin/ (the real ones are
 * lua/sweep/cases.lua etc.): every case comes back as one JSON line, a case whose
 * expected reply never comes ends when its window does, a case whose state no prefix
 * reaches is an error of that case alone, the lab is recycled after RECYCLE cases, and
 * nothing is left behind (no child process, no link). Needs root (labs), like the
 * self-tests. SWEEP_N=2000 makes it the engine's benchmark: cases per second printed. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <net/if.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "lab.h"
#include "script_mem.h"
#include "script_state.h"

static const char *source_dir(char *buf, size_t size)
{
	snprintf(buf, size, "%s", __FILE__);
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return buf;
}

/* The labs' links (harness ends "tch<id>", lab.c); not the fallback tunnels (sit0 ...)
 * the kernel adds to a namespace once their modules are loaded. */
static int links(void)
{
	struct if_nameindex *ifs = if_nameindex();
	int n = 0;
	for (struct if_nameindex *i = ifs; i && i->if_index; i++)
		n += strncmp(i->if_name, "tch", 3) == 0;
	if_freenameindex(ifs);
	return n;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static lua_Integer field_int(lua_State *L, int t, const char *k)
{
	lua_getfield(L, t, k);
	lua_Integer v = lua_tointeger(L, -1);
	lua_pop(L, 1);
	return v;
}

static long env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	return v && *v ? strtol(v, NULL, 10) : dflt;
}

static void test_engine_runs_cases_over_recycled_labs(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	char buf[4096], err[LAB_ERR_MAX];
	const char *src = source_dir(buf, sizeof(buf));
	assert_int_equal(lab_runtime_init(err, sizeof(err)), 0);
	int links_before = links();
	struct script_mem mem = {.limit = (size_t)512 << 20};
	lua_State *L = script_state_new(&mem);
	assert_non_null(L);
	lua_pushcfunction(L, script_state_traceback);
	lua_pushcfunction(L, script_state_open_libs);
	assert_int_equal(lua_pcall(L, 0, 0, 1), LUA_OK);
	lua_getglobal(L, "package");
	lua_pushfstring(L, "%s/tests/sweep_standin/?.lua", src);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
	long n = env_long("SWEEP_N", 120);
	/* the benchmark (SWEEP_N set) times the sweep alone */
	bool trouble = getenv("SWEEP_N") == NULL;
	lua_pushboolean(L, trouble);
	lua_setglobal(L, "TROUBLE");
	lua_pushinteger(L, n);
	lua_setglobal(L, "N");
	lua_pushinteger(L, env_long("SWEEP_RECYCLE", 50));
	lua_setglobal(L, "RECYCLE");
	lua_pushinteger(L, env_long("SWEEP_BATCH", 25));
	lua_setglobal(L, "BATCH");
	lua_pushinteger(L, env_long("SWEEP_IN_FLIGHT", 32));
	lua_setglobal(L, "IN_FLIGHT");
	char path[4200];
	/* SWEEP_SPEC: another driver (an experiment, a benchmark of other cases) */
	const char *spec = getenv("SWEEP_SPEC");
	if (spec && *spec)
		snprintf(path, sizeof(path), "%s", spec);
	else
		snprintf(path, sizeof(path), "%s/tests/sweep_engine_spec.lua", src);
	if (luaL_loadfile(L, path) != LUA_OK)
		fail_msg("%s", lua_tostring(L, -1));
	double t0 = mono();
	if (lua_pcall(L, 0, 1, 1) != LUA_OK)
		fail_msg("sweep_engine_spec.lua: %s", lua_tostring(L, -1));
	double wall = mono() - t0;
	int f = lua_gettop(L);
	lua_Integer lines = field_int(L, f, "lines"), total = field_int(L, f, "total");
	lua_Integer labs = field_int(L, f, "labs");
	printf("# %lld cases in %.2f s: %.0f cases/s (%lld agree, %lld differ, %lld errors, %lld labs)\n",
	       (long long)lines, wall, (double)lines / wall, (long long)field_int(L, f, "agree"),
	       (long long)field_int(L, f, "differs"), (long long)field_int(L, f, "error"),
	       (long long)labs);
	lua_getfield(L, f, "errors");
	for (int i = 1; i <= 5 && lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
		printf("# error: %.300s\n", lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	lua_settop(L, f);
	/* every case, once */
	assert_int_equal(lines, total);
	assert_int_equal(field_int(L, f, "emitted"), total);
	/* every line has every field of the contract */
	lua_getfield(L, f, "missing");
	assert_string_equal(lua_tostring(L, -1), "");
	lua_pop(L, 1);
	/* shards are disjoint and cover the list; max_cases caps one */
	lua_getfield(L, f, "shards_ok");
	assert_true(lua_toboolean(L, -1));
	lua_getfield(L, f, "capped");
	assert_true(lua_toboolean(L, -1));
	lua_pop(L, 2);
	/* recycled: RECYCLE cases per lab at most */
	assert_true(labs >= (total + env_long("SWEEP_RECYCLE", 50) - 1) / env_long("SWEEP_RECYCLE", 50));
	/* the case whose expected ACK never came: it differs, having waited its window */
	lua_getfield(L, f, "expired");
	assert_true(lua_istable(L, -1));
	lua_getfield(L, -1, "verdict");
	assert_string_equal(lua_tostring(L, -1), "differs");
	lua_getfield(L, -2, "t");
	assert_true(lua_tonumber(L, -1) >= 0.25);
	lua_pop(L, 3);
	/* the case no prefix reaches: an error of its own, naming the state */
	lua_getfield(L, f, "nowhere");
	assert_true(lua_istable(L, -1));
	lua_getfield(L, -1, "verdict");
	assert_string_equal(lua_tostring(L, -1), "error");
	lua_getfield(L, -2, "line");
	assert_non_null(strstr(lua_tostring(L, -1), "unknown state"));
	lua_pop(L, 3);
	/* the agent quit mid-run: the cases in flight then (8, and those that started before
	 * its end was read: more on a loaded machine) fail with their lab; a second lab runs
	 * the rest, and a retry pass (engine.retry_widths) runs the failed ones again, where
	 * they pass: every case has its line and none is an error */
	lua_getfield(L, f, "trouble");
	if (!trouble)
		goto no_trouble;
	printf("# trouble: %lld lines, %lld errors, %lld labs, %lld retried\n",
	       (long long)field_int(L, -1, "lines"), (long long)field_int(L, -1, "error"),
	       (long long)field_int(L, -1, "labs"), (long long)field_int(L, -1, "retried"));
	assert_int_equal(field_int(L, -1, "lines"), 60);
	assert_true(field_int(L, -1, "labs") >= 3);
	assert_int_equal(field_int(L, -1, "error"), 0);
	assert_true(field_int(L, -1, "retried") >= 1 && field_int(L, -1, "retried") <= 30);
	assert_true(field_int(L, -1, "agree") >= 40);
	/* seconds = 0.5: some cases, far from all */
	printf("# budget of 0.5 s: %lld cases\n", (long long)field_int(L, f, "budget"));
	assert_true(field_int(L, f, "budget") > 0 && field_int(L, f, "budget") < total / 2);
no_trouble:
	lua_pop(L, 1);
	/* most cases reached their state: errors are the planted one and few others */
	assert_true(field_int(L, f, "error") <= 1 + total / 50);
	lua_close(L);
	/* nothing left: every lab's target reaped, every link gone */
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	/* every link gone: the kernel frees a dead namespace's veth asynchronously (bounded
	 * wait); an orphan the clean-up left retransmitting would keep it alive */
	for (int i = 0; i < 100 && links() != links_before; i++)
		usleep(50 * 1000);
	assert_int_equal(links(), links_before);
	lab_runtime_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_runs_cases_over_recycled_labs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
