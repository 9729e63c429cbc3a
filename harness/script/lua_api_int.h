#ifndef TCPCONFORM_LUA_API_INT_H
#define TCPCONFORM_LUA_API_INT_H
#include <lua.h>
#include <stdbool.h>
#include <stdint.h>
#include "conn.h"
#include "lab.h"
#include "strbuf.h"
#include "tpl.h"

/* Internals shared by the Lua binding family: lua_api.c (errors, checks, the module),
 * lua_lab.c (the lab object), lua_conn.c (the connection object), lua_tpl.c (segment
 * templates). */

/* The lab userdata: a test's handle on its lab, detached (lab NULL) when the test ends. */
struct lua_lab {
	struct lab *lab;         /* NULL once the test has ended */
	struct strbuf *log;
	uint16_t next_port;
	uint32_t next_iss;
	bool owned;              /* made by core.lab_open: destroyed by lab:close / __gc */
	struct strbuf own_log;   /* lab:log text of an owned lab */
	bool log_full;           /* lab:log reached LAB_LOG_MAX (lua_lab.c) */
};

/* core.lab_open{target=, id=, pcap=, seed=} -> a lab userdata that owns its lab
 * (lua_lab.c): for code that keeps one lab over many cases (the sweep's engine). */
int lua_lab_open(lua_State *L);

/* A test failure (not an error): raises {msg = "file:line: text"} with the failure
 * metatable, which lua_api_is_failure recognises. */
int lua_api_fail(lua_State *L, const char *text);

/* A script mistake: raises "file:line: text" (the script's line, see lua_api_where). */
int lua_api_error(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* If table idx has `key`, stores it in *out (an integer within [lo, hi], else a script
 * error naming what, the field, the range and the value) and returns true. */
bool lua_api_int_field(lua_State *L, int idx, const char *what, const char *key,
		       lua_Integer lo, lua_Integer hi, lua_Integer *out);

/* Like lua_api_int_field, dflt when the field is absent. */
lua_Integer lua_api_opt_int_field(lua_State *L, int idx, const char *what, const char *key,
				  lua_Integer lo, lua_Integer hi, lua_Integer dflt);

/* Raises a script error for any key of table idx not in keys (NULL-terminated; "[1]"
 * allows the array slot 1). */
void lua_api_known_keys(lua_State *L, int idx, const char *what, const char *const *keys);

/* The segment template at idx -- a shorthand string or a table (lua/README.md) -- as a
 * template owned by a userdata pushed on the stack, so an error half-way leaks nothing. */
struct tpl *lua_tpl_check(lua_State *L, int idx);
/* An empty template, the same way. */
struct tpl *lua_tpl_push_empty(lua_State *L);
/* Registers the template userdata's metatable. */
void lua_tpl_register(lua_State *L);


/* lab:counters() (lua_counters.c): the Tcp and TcpExt counters of the target's network
 * namespace, {["Tcp.InSegs"] = n, ["TcpExt.TCPChallengeACK"] = n, ...}, or nil and why. */
int lua_lab_counters(lua_State *L, struct lab *lab);

/* Registers the lab userdata's metatable (lua_lab.c). */
void lua_lab_register(lua_State *L);
/* Registers the connection userdata's metatable and its method table, the latter also
 * as registry["tcpconform.conn_methods"] so that Lua can add methods (lua_conn.c). */
void lua_conn_register(lua_State *L);
/* Pushes a new connection of the lab userdata at labidx with addresses a, owned by the
 * userdata (freed by its __gc). Raises a Lua error when out of memory. */
void lua_conn_push(lua_State *L, int labidx, const struct conn_addr *a);

#endif
