/* The targets a run can name (see target.h). */
#include "target.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_core.h"

int target_fail_greeting(int ctl, const char *msg)
{
	agent_greet_failure(ctl, "EIO", msg);
	return 1;
}

const char *target_names(void)
{
	return "linux, lwip, exec:COMMAND";
}

/* The lwIP agent is built next to tcpconform (build/targets/lwip/tcpconform-lwip);
 * TCPCONFORM_LWIP overrides. */
static int find_lwip(char *out, size_t len, char *err, size_t errlen)
{
	const char *env = getenv("TCPCONFORM_LWIP");
	if (env && *env) {
		snprintf(out, len, "%s", env);
	} else {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0) {
			snprintf(err, errlen, "cannot find the lwIP agent: /proc/self/exe unreadable");
			return -1;
		}
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash)
			*slash = 0;
		snprintf(out, len, "%s/targets/lwip/tcpconform-lwip", self);
	}
	if (access(out, X_OK) != 0) {
		snprintf(err, errlen,
			 "target lwip: agent %s not found or not executable (build it: it needs "
			 "liblwip-dev; or set TCPCONFORM_LWIP)", out);
		return -1;
	}
	return 0;
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
