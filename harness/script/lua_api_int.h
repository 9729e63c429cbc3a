#ifndef TCPCONFORM_LUA_API_INT_H
#define TCPCONFORM_LUA_API_INT_H
#include <lua.h>
#include <stdbool.h>
#include "tpl.h"

/* Internals shared by the Lua binding family (lua_api.c, lua_tpl.c). */

/* A script mistake: raises "file:line: text" (the script's line, see lua_api_where). */
int lua_api_error(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* If table idx has `key`, stores it in *out (an integer within [lo, hi], else a script
 * error naming what, the field, the range and the value) and returns true. */
bool lua_api_int_field(lua_State *L, int idx, const char *what, const char *key,
		       lua_Integer lo, lua_Integer hi, lua_Integer *out);

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

#endif
