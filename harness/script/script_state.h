#ifndef TCPCONFORM_SCRIPT_STATE_H
#define TCPCONFORM_SCRIPT_STATE_H
#include <lua.h>
#include "script_mem.h"

/* What every Lua state of tcpconform starts with, shared by the test scripts (script.c)
 * and the sweep (sweep.c) so both load the same library the same way. */

/* A new Lua state counting its memory in *mem (script_mem.h; mem->limit set by the
 * caller), with a panic handler that says what happened. NULL when out of memory. The
 * libraries are not open yet: script_state_open_libs. */
lua_State *script_state_new(struct script_mem *mem);

/* A lua_CFunction, to be called with lua_pcall (a small memory limit may refuse its
 * allocations): the standard libraries, the embedded modules of lua/ and the target
 * descriptors as package.preload entries, and tcpconform.core. */
int script_state_open_libs(lua_State *L);

/* The message handler of every lua_pcall: failures and skips (lua_api.h) pass through
 * as they are, any other error gets a traceback. */
int script_state_traceback(lua_State *L);

#endif
