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
	return "linux, lwip, gvisor, exec:COMMAND";
}

/* An agent program built next to tcpconform (build/targets/<dir>/<file>), which an
 * environment variable overrides: the lwIP and the gVisor agents. */
struct built_agent {
	const char *target; /* the --target name */
	const char *env;    /* the override */
	const char *rel;    /* path beside the binary */
	const char *needs;  /* the Debian packages it is built from */
};

static const struct built_agent lwip_agent = {"lwip", "TCPCONFORM_LWIP",
					      "targets/lwip/tcpconform-lwip", "liblwip-dev"};
static const struct built_agent gvisor_agent = {
	"gvisor", "TCPCONFORM_GVISOR", "targets/gvisor/tcpconform-gvisor",
	"golang-go and golang-gvisor-gvisor-dev"};

static int find_agent(const struct built_agent *b, char *out, size_t len, char *err,
		      size_t errlen)
{
	const char *env = getenv(b->env);
	if (env && *env) {
		snprintf(out, len, "%s", env);
	} else {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0) {
			snprintf(err, errlen, "cannot find the %s agent: /proc/self/exe unreadable",
				 b->target);
			return -1;
		}
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash)
			*slash = 0;
		snprintf(out, len, "%s/%s", self, b->rel);
	}
	if (access(out, X_OK) != 0) {
		snprintf(err, errlen,
			 "target %s: agent %s not found or not executable (build it: it needs "
			 "%s; or set %s)", b->target, out, b->needs, b->env);
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
		return find_agent(&lwip_agent, out->arg, sizeof(out->arg), err, errlen);
	}
	if (strcmp(spec, "gvisor") == 0) {
		out->ops = &target_exec;
		snprintf(out->name, sizeof(out->name), "gvisor");
		return find_agent(&gvisor_agent, out->arg, sizeof(out->arg), err, errlen);
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
