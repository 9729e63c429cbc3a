/* The targets a run can name (see target.h). */
#include "target.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_core.h"
#include "self_exe.h"

int target_fail_greeting(int ctl, const char *msg)
{
	agent_greet_failure(ctl, "EIO", msg);
	return 1;
}

const char *target_names(void)
{
	return "linux, lwip, exec:COMMAND";
}

/* Where an installed binary finds the lwIP agent, relative to its own directory (set by
 * the install section of the top-level CMakeLists from GNUInstallDirs). */
#ifndef TCPCONFORM_LWIP_FROM_BIN
#define TCPCONFORM_LWIP_FROM_BIN "../libexec/tcpconform/tcpconform-lwip"
#endif

/* Writes path single-quoted for sh -c ('\'' for a quote). Returns 0, or -1 when the
 * result would not fit in len. */
static int sh_quote(const char *path, char *out, size_t len)
{
	size_t o = 0;
	out[o++] = '\'';
	for (; *path && o + 6 < len; path++) {
		if (*path == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = *path;
		}
	}
	out[o++] = '\'';
	out[o] = 0;
	return *path ? -1 : 0;
}

/* The lwIP agent: $TCPCONFORM_LWIP if set; else installed, found relative to
 * /proc/self/exe (<prefix>/bin -> <prefix>/libexec/tcpconform/, so a moved prefix works);
 * else the build tree (build/tcpconform -> build/targets/lwip/). Writes it to out
 * single-quoted, as the exec target hands it to sh -c (a prefix may hold spaces).
 * Returns 0, or -1 with err listing every place tried. */
static int find_lwip(char *out, size_t len, char *err, size_t errlen)
{
	char tried[2][PATH_MAX];
	int ntried = 0;
	const char *env = getenv("TCPCONFORM_LWIP");
	if (env && *env) {
		snprintf(tried[0], PATH_MAX, "%s", env);
		ntried = 1;
	} else if (self_exe_path(TCPCONFORM_LWIP_FROM_BIN, tried[0], PATH_MAX) < 0 ||
		   self_exe_path("targets/lwip/tcpconform-lwip", tried[1], PATH_MAX) < 0) {
		snprintf(err, errlen, "cannot find the lwIP agent: /proc/self/exe: %s", strerror(errno));
		return -1;
	} else {
		ntried = 2;
	}
	for (int i = 0; i < ntried; i++) {
		if (access(tried[i], X_OK) != 0)
			continue;
		if (sh_quote(tried[i], out, len) == 0)
			return 0;
		snprintf(err, errlen, "target lwip: agent path too long: %s", tried[i]);
		return -1;
	}
	if (env && *env)
		snprintf(err, errlen, "target lwip: TCPCONFORM_LWIP=%s is not an executable file", env);
	else
		snprintf(err, errlen,
			 "target lwip: no lwIP agent at %s (installed) nor %s (build tree); build "
			 "it (it needs liblwip-dev) or set TCPCONFORM_LWIP", tried[0], tried[1]);
	return -1;
}

int target_resolve(const char *spec, struct target_spec *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(spec, "linux") == 0) {
		out->ops = &target_linux;
		snprintf(out->name, sizeof(out->name), "linux");
		return 0;
	}
	if (strcmp(spec, "lwip") == 0) {
		out->ops = &target_exec;
		snprintf(out->name, sizeof(out->name), "lwip");
		return find_lwip(out->arg, sizeof(out->arg), err, errlen);
	}
	if (strncmp(spec, "exec:", 5) == 0) {
		if (!spec[5]) {
			snprintf(err, errlen, "target exec: needs a command, as in exec:/path/to/agent");
			return -1;
		}
		out->ops = &target_exec;
		snprintf(out->name, sizeof(out->name), "exec");
		snprintf(out->arg, sizeof(out->arg), "%s", spec + 5);
		return 0;
	}
	snprintf(err, errlen, "unknown target \"%s\" (known: %s)", spec, target_names());
	return -1;
}
