/* script_mem: the memory limit of a script's Lua state (see script_mem.h). */
#include "script_mem.h"

#include <stdio.h>
#include <stdlib.h>

/* Counts what the state holds and refuses an allocation that would take it past the
 * limit. Lua then runs an emergency collection and retries once before raising
 * LUA_ERRMEM ("not enough memory"), so the limit is on live data, and a runaway script
 * stops at it instead of taking the machine's memory. Freeing and shrinking never fail
 * (the contract of lua_Alloc, Lua 5.4 manual 4.8). */
void *script_mem_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct script_mem *s = ud;
	size_t old = ptr ? osize : 0;   /* without ptr, osize is the kind of object */
	if (nsize == 0) {
		free(ptr);
		s->used -= old;
		return NULL;
	}
	if (s->limit && nsize > old && nsize - old > s->limit - s->used) {
		s->exceeded = true;
		return NULL;
	}
	void *p = realloc(ptr, nsize);
	if (!p)
		return nsize <= old ? ptr : NULL;
	s->used = s->used - old + nsize;
	return p;
}

/* "512 MiB", "1 GiB", "1500 bytes": the limit as the user gave it (--memory-limit). */
static void format_size(size_t n, char *buf, size_t len)
{
	static const char *const units[] = {"GiB", "MiB", "KiB"};
	for (int i = 0; i < 3; i++) {
		size_t unit = (size_t)1 << (10 * (3 - i));
		if (n >= unit && n % unit == 0) {
			snprintf(buf, len, "%zu %s", n / unit, units[i]);
			return;
		}
	}
	snprintf(buf, len, "%zu bytes", n);
}

void script_mem_message(const struct script_mem *s, char *buf, size_t len)
{
	char size[64];
	format_size(s->limit, size, sizeof(size));
	snprintf(buf, len, "the script exceeded the memory limit of %s (--memory-limit)", size);
}
