/* sweep: the C entry points of the sweep (see sweep.h): a Lua state with the memory
 * limit, the options as a table, sweep.engine's run or list, each result to emit(). */
#include "sweep.h"

#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lua_opts.h"
#include "target.h"

#define SWEEP_MEM_DEFAULT ((size_t)512 << 20)

struct sweep_call {
	const struct sweep_opts *o;
	const char *module, *fn;   /* sweep.engine's "run" or "list", sweep.emit's "main" */
	const char *emit_id;       /* the case --emit names (NULL: none) */
	struct lua_opts_emit out;
};

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
	lua_opts_push_target(L, o->target);
	lua_setfield(L, -2, "target");
	lua_opts_str(L, "target_name", o->target ? o->target->name : "linux");
	lua_opts_str(L, "descriptor", o->descriptor);
	lua_opts_str(L, "state", o->state);
	lua_opts_str(L, "family", o->family);
	lua_opts_int(L, "shard_k", o->shard_n > 0 ? o->shard_k : 1);
	lua_opts_int(L, "shard_n", o->shard_n > 0 ? o->shard_n : 1);
	lua_opts_int(L, "seed", o->seed);
	lua_opts_num(L, "seconds", o->seconds);
	lua_opts_int(L, "max_cases", o->max_cases);
	lua_opts_str(L, "pcap_dir", o->pcap_dir);
	lua_opts_int(L, "in_flight", o->in_flight);
	lua_opts_str(L, "emit", c->emit_id);
	/* Labs of several sweep workers may share one harness namespace (forked after
	 * lab_runtime_init): their links' names must differ, so ids start from the pid. */
	lua_opts_int(L, "lab_base", (lua_Integer)((uint32_t)getpid() * 1000u));
	lua_opts_push_emit(L, &c->out);
	lua_call(L, 2, 0);
	return 0;
}

static int sweep_call(const struct sweep_call *c, char *err, size_t errlen)
{
	size_t limit = c->o->memory_limit ? c->o->memory_limit : SWEEP_MEM_DEFAULT;
	return lua_opts_run(limit, sweep_enter, (void *)c, "sweep", err, errlen);
}

int script_sweep_run(const struct sweep_opts *o, sweep_emit_fn emit, void *ctx, char *err,
		     size_t errlen)
{
	struct sweep_call c = {o, "sweep.engine", "run", NULL, {emit, ctx}};
	return sweep_call(&c, err, errlen);
}

int script_sweep_list(const struct sweep_opts *o, sweep_emit_fn emit, void *ctx, char *err,
		      size_t errlen)
{
	struct sweep_call c = {o, "sweep.engine", "list", NULL, {emit, ctx}};
	return sweep_call(&c, err, errlen);
}

int script_sweep_emit(const struct sweep_opts *o, const char *case_id, sweep_emit_fn emit,
		      void *ctx, char *err, size_t errlen)
{
	struct sweep_call c = {o, "sweep.emit", "main", case_id, {emit, ctx}};
	return sweep_call(&c, err, errlen);
}
