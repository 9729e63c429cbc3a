/* lua_counters: lab:counters(), the SNMP counters of the target's network namespace
 * (/proc/<pid>/net/snmp "Tcp:" and /proc/<pid>/net/netstat "TcpExt:", RFC 4022's MIB
 * and Linux's extensions). The fuzzer (lua/fuzz/coverage.lua) counts a counter a case
 * moved for the first time as new coverage: the kernel's own record of which code
 * paths ran, without a recompiled target. /proc/PID/net shows PID's namespace. */
#include "lua_api_int.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

#define LINE_MAX_BYTES 8192

/* The file holds pairs of lines "Prefix: Name1 Name2 ...", "Prefix: v1 v2 ...": each
 * pair whose prefix is `want` adds "<want>.<Name>" = value to the table at -1. */
static int read_pairs(lua_State *L, const char *path, const char *want)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	static char names[LINE_MAX_BYTES], values[LINE_MAX_BYTES];
	size_t wl = strlen(want);
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, want, wl) != 0 || names[wl] != ':' ||
		    strncmp(values, want, wl) != 0 || values[wl] != ':')
			continue;
		char *sn = NULL, *sv = NULL;
		char *n = strtok_r(names + wl + 1, " \n", &sn);
		char *v = strtok_r(values + wl + 1, " \n", &sv);
		while (n && v) {
			lua_pushfstring(L, "%s.%s", want, n);
			lua_pushinteger(L, (lua_Integer)strtoll(v, NULL, 10));
			lua_settable(L, -3);
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
	}
	fclose(f);
	return 0;
}

int lua_lab_counters(lua_State *L, struct lab *lab)
{
	int pid = lab_target_pid(lab);
	if (pid <= 0) {
		lua_pushnil(L);
		lua_pushstring(L, "the target has no process");
		return 2;
	}
	char path[64];
	lua_newtable(L);
	snprintf(path, sizeof(path), "/proc/%d/net/snmp", pid);
	int a = read_pairs(L, path, "Tcp");
	snprintf(path, sizeof(path), "/proc/%d/net/netstat", pid);
	int b = read_pairs(L, path, "TcpExt");
	if (a < 0 && b < 0) {
		lua_pop(L, 1);
		lua_pushnil(L);
		lua_pushfstring(L, "cannot read /proc/%d/net/snmp or netstat", pid);
		return 2;
	}
	return 1;
}
