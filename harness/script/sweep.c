/* sweep: the C entry points of the sweep (see sweep.h): a Lua state with the memory
 * limit, the options as a table, sweep.engine's run or list, each result to emit(). */
#include "sweep.h"

#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"
#include "script_mem.h"
#include "script_state.h"
#include "target.h"

#define SWEEP_MEM_DEFAULT ((size_t)512 << 20)
#define HOOK_EVERY 10000

struct sweep_call {
	const struct sweep_opts *o;
	const char *module, *fn;   /* sweep.engine's "run" or "list", sweep.emit's "main" */
	const char *emit_id;       /* the case --emit names (NULL: none) */
	sweep_emit_fn emit;
	void *ctx;
};

/* Ctrl-C between instructions, as a test script's state honours it (script.c). */
static void sweep_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	if (lab_interrupted())
		luaL_error(L, "interrupted");
}

static int emit_l(lua_State *L)
{
	const struct sweep_call *c = lua_touserdata(L, lua_upvalueindex(1));
	c->emit(c->ctx, luaL_checkstring(L, 1));
	return 0;
}

static void set_str(lua_State *L, const char *k, const char *v)
{
	if (!v)
		return;
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static void set_num(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

/* The target as lab_create takes it: the spec as given ("linux",
 * "linux:net.ipv4.tcp_rfc1337=1", "exec:COMMAND"), so its options reach every lab. */
static void push_target(lua_State *L, const struct target_spec *t)
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

/* Protected, 1: the sweep_call. require(module)[fn](opts, emit). */
static int sweep_enter(lua_State *L)
{
	const struct sweep_call *c = lua_touserdata(L, 1);
	const struct sweep_opts *o = c->o;
	lua_getglobal(L, "require");
	lua_pushstring(L, c->module);
	lua_call(L, 1, 1);
	lua_getfield(L, -1, c->fn);
	lua_newtable(L);
	push_target(L, o->target);
	lua_setfield(L, -2, "target");
	set_str(L, "target_name", o->target ? o->target->name : "linux");
	set_str(L, "descriptor", o->descriptor);
	set_str(L, "state", o->state);
	set_str(L, "family", o->family);
	set_int(L, "shard_k", o->shard_n > 0 ? o->shard_k : 1);
	set_int(L, "shard_n", o->shard_n > 0 ? o->shard_n : 1);
	set_int(L, "seed", o->seed);
	set_num(L, "seconds", o->seconds);
	set_int(L, "max_cases", o->max_cases);
	set_str(L, "pcap_dir", o->pcap_dir);
	set_int(L, "in_flight", o->in_flight);
	set_str(L, "emit", c->emit_id);
	/* Labs of several sweep workers may share one harness namespace (forked after
	 * lab_runtime_init): their links' names must differ, so ids start from the pid. */
	set_int(L, "lab_base", (lua_Integer)((uint32_t)getpid() * 1000u));
	lua_pushlightuserdata(L, (void *)c);
	lua_pushcclosure(L, emit_l, 1);
	lua_call(L, 2, 0);
	return 0;
}

static int sweep_call(const struct sweep_call *c, char *err, size_t errlen)
{
	struct script_mem mem = {.limit = c->o->memory_limit ? c->o->memory_limit : SWEEP_MEM_DEFAULT};
	lua_State *L = script_state_new(&mem);
	if (!L) {
		snprintf(err, errlen, "sweep: out of memory");
		return -1;
	}
	lua_sethook(L, sweep_hook, LUA_MASKCOUNT, HOOK_EVERY);
	lua_pushcfunction(L, script_state_traceback);
	lua_pushcfunction(L, script_state_open_libs);
	int rc = lua_pcall(L, 0, 0, 1);
	if (rc == LUA_OK) {
		lua_pushcfunction(L, sweep_enter);
		lua_pushlightuserdata(L, (void *)c);
		rc = lua_pcall(L, 1, 0, 1);
	}
	if (rc != LUA_OK || mem.exceeded) {
		if (mem.exceeded) {
			script_mem_message(&mem, err, errlen);
		} else {
			const char *msg = lua_tostring(L, -1);
			snprintf(err, errlen, "%s", msg ? msg : "sweep: error (no message)");
		}
	}
	/* Labs still open (an error half-way) are destroyed by their __gc here. */
	lua_close(L);
	return rc == LUA_OK && !mem.exceeded ? 0 : -1;
}

int script_sweep_run(const struct sweep_opts *o, sweep_emit_fn emit, void *ctx, char *err,
		     size_t errlen)
{
	struct sweep_call c = {o, "sweep.engine", "run", NULL, emit, ctx};
	return sweep_call(&c, err, errlen);
}

int script_sweep_list(const struct sweep_opts *o, sweep_emit_fn emit, void *ctx, char *err,
		      size_t errlen)
{
	struct sweep_call c = {o, "sweep.engine", "list", NULL, emit, ctx};
	return sweep_call(&c, err, errlen);
}

int script_sweep_emit(const struct sweep_opts *o, const char *case_id, sweep_emit_fn emit,
		      void *ctx, char *err, size_t errlen)
{
	struct sweep_call c = {o, "sweep.emit", "main", case_id, emit, ctx};
	return sweep_call(&c, err, errlen);
}
