#ifndef TCPCONFORM_LUA_EMBEDDED_H
#define TCPCONFORM_LUA_EMBEDDED_H
#include <stddef.h>

/* One Lua module of lua/ compiled into the binary (see embed_lua.cmake). */
struct lua_embedded {
	const char *name;   /* module name for require() */
	const char *chunk;  /* chunk name for error messages: "@lua/tcpconform.lua" */
	const char *src;
	size_t len;
};

/* Terminated by an entry whose name is NULL. */
extern const struct lua_embedded lua_embedded_modules[];

#endif
