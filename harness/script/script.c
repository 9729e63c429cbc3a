/* script: Lua states, loading of scripts and running of their tests (see script.h). */
#include "script.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lua_api.h"
#include "script_mem.h"
#include "script_state.h"

#define HOOK_EVERY 10000   /* instructions between checks for time-outs and Ctrl-C */

struct script {
	lua_State *L;
	char *path;
	int ntests;
	struct script_test *tests;
	double deadline;           /* CLOCK_MONOTONIC seconds; 0: none */
	struct script_mem mem;     /* what the Lua state holds, and its limit */
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Stops runaway scripts (while true do end) and honours Ctrl-C between instructions. */
static void script_hook(lua_State *L, lua_Debug *ar)
{
	struct script *s = *(struct script **)lua_getextraspace(L);
	const char *why = NULL;
	if (lab_interrupted())
		why = "interrupted";
	else if (s && s->deadline > 0 && mono_now() > s->deadline)
		why = "test exceeded its time limit";
	if (why) {
		char where[256];
		lua_api_where(L, where, sizeof(where));
		lua_pushfstring(L, "%s %s", where, why);
		lua_error(L);
	}
}

static char *dupstr(const char *s)
{
	return strdup(s ? s : "");
}

/* Copies the registered tests (tcpconform._tests()) into C. Runs protected (a
 * lua_CFunction: any allocation may meet the memory limit); each entry is counted in
 * s->ntests before it is filled, so script_free frees whatever was copied when an
 * error cuts the copy short. */
static int collect_tests(lua_State *L)
{
	struct script *s = *(struct script **)lua_getextraspace(L);
	lua_getglobal(L, "require");
	lua_pushstring(L, "tcpconform");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "_tests");
	lua_call(L, 0, 1);
	int n = (int)luaL_len(L, -1);
	s->tests = calloc((size_t)(n ? n : 1), sizeof(*s->tests));
	if (!s->tests)
		return luaL_error(L, "out of memory");
	for (int i = 0; i < n; i++) {
		struct script_test *t = &s->tests[i];
		s->ntests = i + 1;
		lua_rawgeti(L, -1, i + 1);
		lua_getfield(L, -1, "name");
		t->name = dupstr(lua_tostring(L, -1));
		lua_getfield(L, -2, "id");
		t->id = dupstr(lua_tostring(L, -1));
		lua_getfield(L, -3, "rfc");
		t->rfc = dupstr(lua_tostring(L, -1));
		lua_getfield(L, -4, "where");
		t->where = dupstr(lua_tostring(L, -1));
		lua_getfield(L, -5, "timeout");
		t->timeout = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : 0;
		lua_pop(L, 5);
		lua_getfield(L, -1, "mtu");
		t->mtu = lua_isinteger(L, -1) ? (unsigned)lua_tointeger(L, -1) : 0;
		lua_pop(L, 1);
		lua_getfield(L, -1, "tags");
		int ntags = (int)luaL_len(L, -1);
		const char **tags = calloc((size_t)ntags + 1, sizeof(*tags));
		t->tags = tags;
		for (int j = 0; tags && j < ntags; j++) {
			lua_rawgeti(L, -1, j + 1);
			tags[j] = dupstr(lua_tostring(L, -1));
			lua_pop(L, 1);
		}
		lua_pop(L, 2);
	}
	return 0;
}

/* The chunk at 1 run in an environment of its own guarded by strict.lua (2: the
 * script's path). _ENV of the chunk: a fresh table falling back on the standard
 * globals, made strict so an undefined name is an error with file:line. Protected, as
 * collect_tests. */
static int run_chunk(lua_State *L)
{
	lua_getglobal(L, "require");
	lua_pushstring(L, "strict");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "protect");
	lua_remove(L, -2);
	lua_newtable(L);
	lua_pushglobaltable(L);
	lua_pushvalue(L, 2);
	lua_call(L, 3, 1);
	lua_setupvalue(L, 1, 1);
	lua_settop(L, 1);
	lua_call(L, 0, 0);
	return 0;
}

/* err = the error at the top of the stack, or the memory limit's message when that is
 * what ended the call (LUA_ERRMEM says only "not enough memory"). */
static void load_error(struct script *s, char *err, size_t errlen)
{
	lua_State *L = s->L;
	const char *msg;
	if (s->mem.exceeded) {
		char text[256];
		script_mem_message(&s->mem, text, sizeof(text));
		snprintf(err, errlen, "%s: %s", s->path, text);
		return;
	}
	if (!lua_api_is_failure(L, -1, &msg))
		msg = lua_tostring(L, -1);
	snprintf(err, errlen, "%s", msg ? msg : "error while loading");
}

/* Opens the libraries, runs `path` and copies its tests, each step protected. */
static int load_file(struct script *s, char *err, size_t errlen)
{
	lua_State *L = s->L;
	lua_pushcfunction(L, script_state_traceback);
	int tb = lua_gettop(L);
	lua_pushcfunction(L, script_state_open_libs);
	int rc = lua_pcall(L, 0, 0, 0);
	if (rc == LUA_OK) {
		lua_pushcfunction(L, run_chunk);
		rc = luaL_loadfilex(L, s->path, "t");
		if (rc == LUA_OK) {
			lua_pushstring(L, s->path);
			rc = lua_pcall(L, 2, 0, tb);
		}
	}
	if (rc == LUA_OK) {
		lua_pushcfunction(L, collect_tests);
		rc = lua_pcall(L, 0, 0, 0);
	}
	/* A script that caught its memory error (pcall) is still one that met the limit. */
	if (rc != LUA_OK || s->mem.exceeded) {
		load_error(s, err, errlen);
		lua_settop(L, 0);
		return -1;
	}
	lua_settop(L, 0);
	return 0;
}

struct script *script_load(const char *path, size_t mem_limit, char *err, size_t errlen)
{
	struct script *s = calloc(1, sizeof(*s));
	if (s)
		s->mem.limit = mem_limit;
	if (!s || !(s->path = strdup(path)) || !(s->L = script_state_new(&s->mem))) {
		snprintf(err, errlen, "%s: out of memory", path);
		script_free(s);
		return NULL;
	}
	*(struct script **)lua_getextraspace(s->L) = s;
	lua_sethook(s->L, script_hook, LUA_MASKCOUNT, HOOK_EVERY);
	if (load_file(s, err, errlen) < 0) {
		script_free(s);
		return NULL;
	}
	return s;
}

void script_free(struct script *s)
{
	if (!s)
		return;
	if (s->L)
		lua_close(s->L);
	for (int i = 0; i < s->ntests; i++) {
		struct script_test *t = &s->tests[i];
		free((char *)t->name);
		free((char *)t->id);
		free((char *)t->rfc);
		free((char *)t->where);
		for (const char *const *g = t->tags; g && *g; g++)
			free((char *)*g);
		free((void *)t->tags);
	}
	free(s->tests);
	free(s->path);
	free(s);
}

int script_test_count(const struct script *s)
{
	return s->ntests;
}

const struct script_test *script_test_get(const struct script *s, int i)
{
	return i >= 0 && i < s->ntests ? &s->tests[i] : NULL;
}

static void first_line(struct strbuf *dst, const char *text)
{
	size_t n = strcspn(text, "\n");
	strbuf_add(dst, text, n);
}

static const char *const status_names[] = {"pass", "fail", "error", "skip"};

/* Lets tcpconform.lua's _judge turn the raw result into the verdict on this target
 * (known deviations). Protected: 1 the result (light userdata), 2 T, 3 the test, 4 the
 * lab object; returns _judge's status, message, deviation. */
static int judge_call(lua_State *L)
{
	const struct script_result *res = lua_touserdata(L, 1);
	lua_getfield(L, 2, "_judge");
	lua_pushvalue(L, 4);
	lua_pushvalue(L, 3);
	lua_pushstring(L, status_names[res->status]);
	lua_pushstring(L, strbuf_str(&res->detail));
	lua_call(L, 4, 3);
	return 3;
}

static void judge(lua_State *L, int t, int test, int labobj, struct script_result *res)
{
	lua_pushcfunction(L, judge_call);
	lua_pushlightuserdata(L, res);
	lua_pushvalue(L, t);
	lua_pushvalue(L, test);
	lua_pushvalue(L, labobj);
	if (lua_pcall(L, 4, 3, 0) != LUA_OK) {
		res->status = VERDICT_ERROR;
		strbuf_reset(&res->message);
		strbuf_addf(&res->message, "target descriptor: %s", lua_tostring(L, -1));
		strbuf_addf(&res->detail, "\n%s", strbuf_str(&res->message));
		lua_pop(L, 1);
		return;
	}
	const char *st = lua_tostring(L, -3), *msg = lua_tostring(L, -2);
	res->deviation = lua_toboolean(L, -1);
	int k = 0, n = (int)(sizeof(status_names) / sizeof(status_names[0]));
	while (st && k < n && strcmp(st, status_names[k]) != 0)
		k++;
	if (st && k < n && (enum verdict)k != res->status) {
		res->status = (enum verdict)k;
		strbuf_reset(&res->message);
		first_line(&res->message, msg ? msg : "");
		strbuf_reset(&res->detail);
		strbuf_addf(&res->detail, "%s", msg ? msg : "");
	}
	lua_pop(L, 3);
}

/* The lab userdata of the running test, kept reachable from the registry (under this
 * address) so that it can be detached whatever happened to the stack. */
static const char current_lab_key = 0;

struct prepare_args {
	int index;
	struct lab *lab;
	struct script_result *res;
	const struct script_run *how;
};

/* Protected, with 1 the prepare_args (light userdata): pushes T, the test's entry, the
 * lab userdata and the lab object T._lab made of it. */
static int prepare(lua_State *L)
{
	const struct prepare_args *a = lua_touserdata(L, 1);
	lua_getglobal(L, "require");
	lua_pushstring(L, "tcpconform");
	lua_call(L, 1, 1);
	int t = lua_gettop(L);
	lua_getfield(L, t, "_tests");
	lua_call(L, 0, 1);
	lua_rawgeti(L, -1, a->index + 1);
	lua_remove(L, -2);
	lua_api_push_lab(L, a->lab, &a->res->log, a->how->seed);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &current_lab_key);
	lua_getfield(L, t, "_lab");
	lua_pushvalue(L, -2);
	lua_pushstring(L, a->how->descriptor ? a->how->descriptor : "");
	lua_call(L, 2, 1);
	return 4;
}

/* An error result from the value at the top of the stack (a failure, a skip, or an
 * error with its traceback). */
static void result_from_error(lua_State *L, struct script_result *res)
{
	const char *msg;
	if (lua_api_is_failure(L, -1, &msg)) {
		res->status = VERDICT_FAIL;
	} else if (lua_api_is_skip(L, -1, &msg)) {
		res->status = VERDICT_SKIP;
	} else {
		res->status = VERDICT_ERROR;
		msg = lua_tostring(L, -1);
		if (!msg)
			msg = "error (no message)";
	}
	first_line(&res->message, msg);
	strbuf_addf(&res->detail, "%s", msg);
}

/* A script that met its memory limit is an ERROR that says so, whatever else came of it
 * (Lua's own message is only "not enough memory", and a script may have caught it). */
static void memory_verdict(const struct script *s, struct script_result *res)
{
	char text[256];
	script_mem_message(&s->mem, text, sizeof(text));
	res->status = VERDICT_ERROR;
	res->deviation = false;
	strbuf_reset(&res->message);
	strbuf_addf(&res->message, "%s", text);
	struct strbuf was = res->detail;
	res->detail = (struct strbuf){0};
	strbuf_addf(&res->detail, "%s\n%s", text, strbuf_str(&was));
	strbuf_free(&was);
}

/* Ends the test's hold on its lab: the lab userdata is detached, so a connection kept
 * past the test is an error instead of a use-after-free. */
static void end_lab(lua_State *L)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &current_lab_key) == LUA_TUSERDATA)
		lua_api_lab_end(L, -1);
	lua_pop(L, 1);
	lua_pushnil(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &current_lab_key);
}

void script_test_run(struct script *s, int i, struct lab *lab, const struct script_run *how,
		     struct script_result *res)
{
	lua_State *L = s->L;
	lua_settop(L, 0);
	lua_pushcfunction(L, script_state_traceback);
	/* T._run(test, T._lab(core_lab, descriptor)): the test's body, its checks counted */
	struct prepare_args args = {i, lab, res, how};
	lua_pushcfunction(L, prepare);
	lua_pushlightuserdata(L, &args);
	if (lua_pcall(L, 1, 4, 1) != LUA_OK) {
		result_from_error(L, res);
		if (s->mem.exceeded)
			memory_verdict(s, res);
		end_lab(L);
		lua_settop(L, 0);
		return;
	}
	int t = 2, entry = 3, labobj = 5;
	lua_getfield(L, t, "_run");
	lua_pushvalue(L, entry);
	lua_pushvalue(L, labobj);
	s->deadline = mono_now() + how->timeout;
	lab_set_limit(lab, lab_now(lab) + how->timeout);
	int rc = lua_pcall(L, 2, 0, 1);
	lab_set_limit(lab, 0);
	s->deadline = 0;
	if (rc == LUA_OK) {
		res->status = VERDICT_PASS;
	} else {
		result_from_error(L, res);
		lua_pop(L, 1);
	}
	/* What the test body held is garbage now: collect it before the judge needs memory. */
	if (s->mem.exceeded)
		lua_gc(L, LUA_GCCOLLECT);
	judge(L, t, entry, labobj, res);
	if (s->mem.exceeded)
		memory_verdict(s, res);
	end_lab(L);
	lua_settop(L, 0);
	/* Connections of this test are unreachable now: collect them before the lab goes. */
	lua_gc(L, LUA_GCCOLLECT);
}

void script_result_free(struct script_result *res)
{
	strbuf_free(&res->message);
	strbuf_free(&res->detail);
	strbuf_free(&res->log);
}
