#ifndef TCPCONFORM_LUA_OPTS_H
#define TCPCONFORM_LUA_OPTS_H
#include <lua.h>
#include <stddef.h>

/* What the engines' C entry points (sweep.c, fuzz.c) share: filling the options table
 * their Lua engine takes, and running that engine in a state of its own. */

struct target_spec;

/* t[k] = v on the table at the top of the stack; a NULL v leaves the field unset. */
void lua_opts_str(lua_State *L, const char *k, const char *v);
void lua_opts_int(lua_State *L, const char *k, lua_Integer v);
void lua_opts_num(lua_State *L, const char *k, double v);
/* t[k] = {v[0], ..., v[n-1]} (an empty list for n 0). */
void lua_opts_strv(lua_State *L, const char *k, const char *const *v, int n);

/* Pushes the target as lab_create takes it: the spec as given ("linux",
 * "linux:net.ipv4.tcp_rfc1337=1", "exec:COMMAND"), so its options reach every lab;
 * "linux" for NULL. */
void lua_opts_push_target(lua_State *L, const struct target_spec *t);

/* Pushes emit(json), which calls e->fn(e->ctx, json): the closure an engine reports each
 * JSON object through. *e stays the caller's and must outlive the call. */
struct lua_opts_emit {
	void (*fn)(void *ctx, const char *json);
	void *ctx;
};
void lua_opts_push_emit(lua_State *L, const struct lua_opts_emit *e);

/* Runs enter(ud) under lua_pcall in a fresh state (script_state.h) holding at most
 * limit bytes, with the library open and Ctrl-C honoured between instructions. what
 * names the engine in the messages ("sweep", "fuzz"). Returns 0, or -1 with err: the Lua
 * error ("file:line: ..."), or the memory limit's message when the state met it. Labs
 * the engine left open are destroyed (their __gc) before it returns. */
int lua_opts_run(size_t limit, lua_CFunction enter, void *ud, const char *what, char *err,
		 size_t errlen);

#endif
