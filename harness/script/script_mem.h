#ifndef TCPCONFORM_SCRIPT_MEM_H
#define TCPCONFORM_SCRIPT_MEM_H
#include <stdbool.h>
#include <stddef.h>

/* What a script's Lua state holds and may hold (--memory-limit): a runaway script --
 * strings built without bound -- ends as its test's ERROR instead of taking the
 * machine's memory, and the run goes on. */

struct script_mem {
	size_t used;               /* bytes the Lua state holds */
	size_t limit;              /* what it may hold; 0: no limit */
	bool exceeded;             /* an allocation was refused: sticky, the verdict says so */
};

/* The lua_Alloc of a state made with lua_newstate(script_mem_alloc, mem): counts what
 * the state holds in *mem and refuses (NULL) an allocation that would take it past
 * mem->limit, setting mem->exceeded. Lua then collects and retries once before it
 * raises LUA_ERRMEM, so the limit bounds live data, not garbage. */
void *script_mem_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* "the script exceeded the memory limit of 512 MiB (--memory-limit)": what a script
 * that met its limit is told, in place of Lua's "not enough memory". */
void script_mem_message(const struct script_mem *mem, char *buf, size_t len);

#endif
