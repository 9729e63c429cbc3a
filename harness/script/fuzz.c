/* fuzz: the C entry points of the fuzzer's core (see fuzz.h): a Lua state with the
 * memory limit, the options as a table, fuzz.campaign's run or case_script, each JSON
 * line to emit(). Also the two file-system helpers Lua lacks, given to the campaign in
 * its options: listdir (the corpus directory) and mkdir -p (a finding's folder), and
 * verify, which runs a finding's T.test script the way `tcpconform run` runs one
 * (script_load, a fresh lab, script_test_run) on one target. */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "lua_opts.h"
#include "script.h"
#include "script_mem.h"
#include "script_state.h"
#include "target.h"

#define FUZZ_MEM_DEFAULT ((size_t)1024 << 20)

struct fuzz_call {
	const struct fuzz_opts *o;
	const char *fn;        /* fuzz.campaign's "run" or "case_script" */
	const char *case_json; /* case_script's input */
	struct lua_opts_emit out;
};

/* listdir(path) -> {names...} (no "." or ".."); a directory that does not exist yet is
 * an empty corpus. */
static int listdir_l(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	lua_newtable(L);
	DIR *d = opendir(path);
	if (!d) {
		if (errno == ENOENT)
			return 1;
		return luaL_error(L, "%s: %s", path, strerror(errno));
	}
	struct dirent *e;
	lua_Integer n = 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		lua_pushstring(L, e->d_name);
		lua_rawseti(L, -2, ++n);
	}
	closedir(d);
	return 1;
}

/* mkdir -p path; an error names the path. */
static int mkdir_l(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return luaL_error(L, "mkdir: path too long: %s", path);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return luaL_error(L, "mkdir %s: %s", buf, strerror(errno));
			*p = saved;
			if (!saved)
				break;
		}
	}
	return 0;
}

/* verify(text, target, descriptor|nil, seed) -> verdict ("PASS" "FAIL" "ERROR"
 * "SKIP"), message: the script text (one T.test) written to a temporary file, loaded in
 * a Lua state of its own and run on a fresh lab of that target, as run's worker does
 * (worker.c); every test of the script, the first not passing decides. */
static int verify_l(lua_State *L)
{
	static const char *const names[] = {"PASS", "FAIL", "ERROR", "SKIP"};
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	const char *target = luaL_checkstring(L, 2);
	const char *descriptor = luaL_optstring(L, 3, NULL);
	unsigned seed = (unsigned)luaL_optinteger(L, 4, 1);
	char path[] = "/tmp/tcpconform-fuzz-XXXXXX";
	char err[4096];
	int fd = mkstemp(path);
	if (fd < 0)
		return luaL_error(L, "verify: mkstemp: %s", strerror(errno));
	FILE *f = fdopen(fd, "w");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		unlink(path);
		return luaL_error(L, "verify: writing %s failed", path);
	}
	struct script *sc = script_load(path, 0, err, sizeof(err));
	unlink(path);
	if (!sc) {
		lua_pushstring(L, "ERROR");
		lua_pushstring(L, err);
		return 2;
	}
	enum verdict worst = VERDICT_PASS;
	char msg[1024] = "";
	static unsigned serial;
	for (int i = 0; i < script_test_count(sc); i++) {
		struct lab *lab = lab_create(&(struct lab_opts){.target = target,
			.id = ((uint32_t)getpid() * 1000u + 900u + (serial++ % 100u))}, err, sizeof(err));
		struct script_result res = {0};
		if (!lab) {
			res.status = VERDICT_ERROR;
			strbuf_addf(&res.message, "lab set-up failed: %.*s", (int)strcspn(err, "\n"), err);
		} else {
			struct script_run how = {10.0, seed, descriptor};
			script_test_run(sc, i, lab, &how, &res);
			lab_stop(lab);
			lab_destroy(lab);
		}
		if (res.status != VERDICT_PASS && worst == VERDICT_PASS) {
			worst = res.status;
			snprintf(msg, sizeof(msg), "%s", strbuf_str(&res.message));
		}
		script_result_free(&res);
	}
	script_free(sc);
	lua_pushstring(L, names[worst]);
	lua_pushstring(L, msg);
	return 2;
}

/* clock() -> seconds on the monotonic clock: the campaign's budget counts wall time,
 * the minimisations' and re-runs' labs included. */
static int clock_l(lua_State *L)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushnumber(L, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	return 1;
}

/* Protected, 1: the fuzz_call. require("fuzz.campaign")[fn](opts, [case,] emit). */
static int fuzz_enter(lua_State *L)
{
	const struct fuzz_call *c = lua_touserdata(L, 1);
	const struct fuzz_opts *o = c->o;
	lua_getglobal(L, "require");
	lua_pushstring(L, "fuzz.campaign");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, c->fn);
	lua_newtable(L);
	int n = o->ntargets > 0 ? o->ntargets : 1;
	if (n > 8)
		n = 8;
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		lua_opts_push_target(L, o->ntargets > 0 ? o->targets[i] : NULL);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "targets");
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		const struct target_spec *t = o->ntargets > 0 ? o->targets[i] : NULL;
		lua_pushstring(L, t ? t->name : "linux");
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "target_bases");
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		const char *nm = o->ntargets > 0 ? o->target_names[i] : NULL;
		if (nm)
			lua_pushstring(L, nm);
		else
			lua_opts_push_target(L, o->ntargets > 0 ? o->targets[i] : NULL);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "target_names");
	lua_opts_str(L, "descriptor", o->descriptor);
	lua_opts_str(L, "state", o->state);
	lua_opts_str(L, "family", o->family);
	lua_opts_str(L, "corpus_dir", o->corpus_dir);
	lua_opts_str(L, "out_dir", o->out_dir);
	lua_opts_int(L, "shard_k", o->shard_n > 0 ? o->shard_k : 1);
	lua_opts_int(L, "shard_n", o->shard_n > 0 ? o->shard_n : 1);
	lua_opts_int(L, "seed", (lua_Integer)o->seed);
	lua_opts_num(L, "seconds", o->seconds);
	lua_opts_int(L, "max_cases", o->max_cases);
	lua_opts_int(L, "in_flight", o->in_flight);
	lua_opts_strv(L, "known", o->known, o->nknown);
	/* Workers forked after lab_runtime_init share one harness namespace: link names
	 * must differ, so lab ids start from the pid (as the sweep's do). */
	lua_opts_int(L, "lab_base", (lua_Integer)((uint32_t)getpid() * 1000u));
	lua_pushcfunction(L, listdir_l);
	lua_setfield(L, -2, "listdir");
	lua_pushcfunction(L, mkdir_l);
	lua_setfield(L, -2, "mkdir");
	lua_pushcfunction(L, verify_l);
	lua_setfield(L, -2, "verify");
	lua_pushcfunction(L, clock_l);
	lua_setfield(L, -2, "clock");
	int nargs = 2;
	if (c->case_json) {
		lua_pushstring(L, c->case_json);
		nargs = 3;
	}
	lua_opts_push_emit(L, &c->out);
	lua_call(L, nargs, 0);
	return 0;
}

static int fuzz_call(const struct fuzz_call *c, char *err, size_t errlen)
{
	size_t limit = c->o->memory_limit ? c->o->memory_limit : FUZZ_MEM_DEFAULT;
	return lua_opts_run(limit, fuzz_enter, (void *)c, "fuzz", err, errlen);
}

int script_fuzz_run(const struct fuzz_opts *o, fuzz_emit_fn emit, void *ctx,
		    char *err, size_t errlen)
{
	struct fuzz_call c = {o, "run", NULL, {emit, ctx}};
	return fuzz_call(&c, err, errlen);
}

int script_fuzz_case_script(const char *case_json, const struct fuzz_opts *o,
			    fuzz_emit_fn emit, void *ctx, char *err, size_t errlen)
{
	struct fuzz_call c = {o, "case_script", case_json, {emit, ctx}};
	return fuzz_call(&c, err, errlen);
}
