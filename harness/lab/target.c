/* The targets a run can name (see target.h). */
#include "target.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_core.h"
#include "lab_int.h"
#include "self_exe.h"

int target_fail_greeting(int ctl, const char *msg)
{
	agent_greet_failure(ctl, "EIO", msg);
	return 1;
}

const char *target_names(void)
{
	return "linux, lwip, gvisor, exec:COMMAND";
}

/* Where an installed binary finds the agents, relative to its own directory (set by the
 * install section of the top-level CMakeLists from GNUInstallDirs). */
#ifndef TCPCONFORM_AGENTS_FROM_BIN
#define TCPCONFORM_AGENTS_FROM_BIN "../libexec/tcpconform"
#endif

/* A target whose stack runs in an agent program of ours: installed in libexec, or built
 * beside tcpconform (build/targets/<dir>/<file>); an environment variable overrides. */
struct built_agent {
	const char *target; /* the --target name */
	const char *env;    /* the override */
	const char *file;   /* the program's file name */
	const char *dir;    /* its folder under targets/ in the build tree */
	const char *needs;  /* the Debian packages it is built from */
};

static const struct built_agent lwip_agent = {"lwip", "TCPCONFORM_LWIP", "tcpconform-lwip",
					      "lwip", "liblwip-dev"};
static const struct built_agent gvisor_agent = {"gvisor", "TCPCONFORM_GVISOR",
						"tcpconform-gvisor", "gvisor",
						"golang-go and golang-gvisor-gvisor-dev"};

static int target_resolve_name(const char *spec, struct target_spec *out, char *err,
			       size_t errlen);

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

/* The agent of b: $<env> if set; else installed, found relative to /proc/self/exe
 * (<prefix>/bin -> <prefix>/libexec/tcpconform/, so a moved prefix works); else the
 * build tree (build/tcpconform -> build/targets/<dir>/). Writes it to out single-quoted,
 * as the exec target hands it to sh -c (a prefix may hold spaces). Returns 0, or -1 with
 * err listing every place tried. */
static int find_agent(const struct built_agent *b, char *out, size_t len, char *err,
		      size_t errlen)
{
	char tried[2][PATH_MAX], rel[2][128];
	int ntried = 0;
	const char *env = getenv(b->env);
	snprintf(rel[0], sizeof(rel[0]), "%s/%s", TCPCONFORM_AGENTS_FROM_BIN, b->file);
	snprintf(rel[1], sizeof(rel[1]), "targets/%s/%s", b->dir, b->file);
	if (env && *env) {
		snprintf(tried[0], PATH_MAX, "%s", env);
		ntried = 1;
	} else if (self_exe_path(rel[0], tried[0], PATH_MAX) < 0 ||
		   self_exe_path(rel[1], tried[1], PATH_MAX) < 0) {
		snprintf(err, errlen, "cannot find the %s agent: /proc/self/exe: %s", b->target,
			 strerror(errno));
		return -1;
	} else {
		ntried = 2;
	}
	for (int i = 0; i < ntried; i++) {
		if (access(tried[i], X_OK) != 0)
			continue;
		if (sh_quote(tried[i], out, len) == 0)
			return 0;
		snprintf(err, errlen, "target %s: agent path too long: %s", b->target, tried[i]);
		return -1;
	}
	if (env && *env)
		snprintf(err, errlen, "target %s: %s=%s is not an executable file", b->target,
			 b->env, env);
	else
		snprintf(err, errlen,
			 "target %s: no agent at %s (installed) nor %s (build tree); build it (it "
			 "needs %s) or set %s", b->target, tried[0], tried[1], b->needs, b->env);
	return -1;
}

/* See target.h. */
int target_resolve(const char *full, struct target_spec *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (strlen(full) >= sizeof(out->label)) {
		snprintf(err, errlen, "target \"%.40s...\": longer than %zu bytes", full,
			 sizeof(out->label) - 1);
		return -1;
	}
	snprintf(out->label, sizeof(out->label), "%s", full);
	/* "NAME:options" for a named target; exec: keeps the rest as its command. */
	size_t n = strcspn(full, ":");
	if (strncmp(full, "exec:", 5) == 0 || !full[n])
		return target_resolve_name(full, out, err, errlen);
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), full);
	if (target_resolve_name(name, out, err, errlen) < 0)
		return -1;
	if (!full[n + 1]) {
		snprintf(err, errlen, "target %s: no option after ':' (expected %s:sysctl=value, "
			 "as in %s:net.ipv4.tcp_rfc1337=1)", full, name, name);
		return -1;
	}
	return target_opts_parse(full + n + 1, out, err, errlen);
}

int target_resolve_all(const char *const *specs, int n, struct target_spec *out, char *err,
		       size_t errlen)
{
	for (int i = 0; i < n; i++)
		if (target_resolve(specs[i], &out[i], err, errlen) < 0)
			return -1;
	return 0;
}

static int target_resolve_name(const char *spec, struct target_spec *out, char *err,
			       size_t errlen)
{
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
