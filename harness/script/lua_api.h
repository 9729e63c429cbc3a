#ifndef TCPCONFORM_LUA_API_H
#define TCPCONFORM_LUA_API_H
#include <lua.h>
#include <stdbool.h>
#include "lab.h"
#include "strbuf.h"

/* The Lua face of the C core: module "tcpconform.core" (lab, connection and agent
 * primitives; see lua/README.md). Together with script.c (and the family
 * lua_lab.c, lua_conn.c, lua_tpl.c) this is the only code that speaks the Lua C API. */

/* Registers package.preload["tcpconform.core"]. */
void lua_api_open(lua_State *L);

/* Pushes a lab userdata bound to lab; lab:log() text goes to *log. The userdata does not
 * own the lab: lua_api_lab_end() detaches it when the test ends, after which any use from
 * Lua (a connection kept in a global, say) is an error instead of a use-after-free.
 * seed determines the harness's default ISNs and source ports. */
void lua_api_push_lab(lua_State *L, struct lab *lab, struct strbuf *log, unsigned seed);
void lua_api_lab_end(lua_State *L, int idx);

/* True when the value at idx is a test failure raised by an expectation or assertion
 * (as opposed to a script error); *msg is its message ("file:line: ..."). */
bool lua_api_is_failure(lua_State *L, int idx, const char **msg);

/* True when the value at idx is a skip raised by T.skip (a capability the target
 * lacks); *msg is the reason. */
bool lua_api_is_skip(lua_State *L, int idx, const char **msg);

/* "file:line:" of the innermost script frame (frames of the embedded library are
 * skipped), written to buf. */
void lua_api_where(lua_State *L, char *buf, size_t len);

#endif
