/* target_opts: the options of a target spec, "linux:net.ipv4.tcp_rfc1337=1:...", parsed
 * (target_opts_parse) and applied in a new lab through the agent's sysctl verb
 * (lab_apply_options). Why the agent verb and not the child's own /proc writes: it is
 * the one path every target shares (PROTOCOL.md 6.6), so an exec: stack with per-lab
 * settings takes options too, and a stack without them says so by leaving `sysctl` out
 * of its caps -- a clear error instead of a setting silently written to a kernel that is
 * not the stack under test. */
#include "lab_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_proto.h"
#include "sysctl_name.h"

/* A value is what PROTOCOL.md 6.6 carries in one word: no space, no '=' or ':' (which
 * would be read as the next option). */
static int value_ok(const char *v)
{
	if (!*v)
		return 0;
	for (; *v; v++)
		if (!((*v >= '0' && *v <= '9') || (*v >= 'a' && *v <= 'z') ||
		      (*v >= 'A' && *v <= 'Z') || strchr("_.,-", *v)))
			return 0;
	return 1;
}

/* See lab_int.h. */
int target_opts_parse(const char *opts, struct target_spec *out, char *err, size_t errlen)
{
	const char *p = opts;
	while (*p) {
		size_t n = strcspn(p, ":");
		char opt[512];
		if (n == 0 || n >= sizeof(opt)) {
			snprintf(err, errlen, "target %s: option %d is %s (expected sysctl=value, "
				 "as in %s:net.ipv4.tcp_rfc1337=1)", out->label, out->nsysctls + 1,
				 n ? "too long" : "empty", out->name);
			return -1;
		}
		memcpy(opt, p, n);
		opt[n] = 0;
		p += n + (p[n] == ':');
		char *eq = strchr(opt, '=');
		if (!eq || !value_ok(eq + 1)) {
			snprintf(err, errlen, "target %s: option \"%s\": expected sysctl=value with a "
				 "value of [A-Za-z0-9_.,-], as in %s:net.ipv4.tcp_rfc1337=1",
				 out->label, opt, out->name);
			return -1;
		}
		*eq = 0;
		char path[512], why[256];
		if (sysctl_name_path(opt, path, sizeof(path), why, sizeof(why)) < 0) {
			snprintf(err, errlen, "target %s: option \"%s\": %s", out->label, opt, why);
			return -1;
		}
		if (out->nsysctls == TARGET_MAX_SYSCTLS) {
			snprintf(err, errlen, "target %s: at most %d options", out->label,
				 TARGET_MAX_SYSCTLS);
			return -1;
		}
		struct target_sysctl *s = &out->sysctls[out->nsysctls++];
		snprintf(s->name, sizeof(s->name), "%s", opt);
		snprintf(s->value, sizeof(s->value), "%s", eq + 1);
		if (strlen(eq + 1) >= sizeof(s->value)) {
			snprintf(err, errlen, "target %s: option %s: value longer than %zu bytes",
				 out->label, opt, sizeof(s->value) - 1);
			return -1;
		}
	}
	return 0;
}

/* Whether the greeting's comma-separated caps hold cap. */
static int has_cap(const char *caps, const char *cap)
{
	size_t n = strlen(cap);
	for (const char *p = caps; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, cap, n) == 0)
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

/* See lab_int.h. */
int lab_apply_options(struct lab *lab, char *err, size_t errlen)
{
	const struct target_spec *t = &lab->target;
	if (t->nsysctls == 0)
		return 0;
	const char *caps = lab_target_info(lab, "caps");
	if (!has_cap(caps, "sysctl")) {
		snprintf(err, errlen, "target %s: its options need the agent's sysctl capability, "
			 "and %s's agent has none (caps=%s): give the target without options",
			 t->label, t->name, caps && *caps ? caps : "(none)");
		return -1;
	}
	for (int i = 0; i < t->nsysctls; i++) {
		char body[400], *line = NULL;
		uint32_t id;
		snprintf(body, sizeof(body), "sysctl %s %s", t->sysctls[i].name, t->sysctls[i].value);
		if (lab_agent_send(lab, body, &id, err, errlen) < 0 ||
		    lab_agent_wait(lab, id, lab_now(lab) + LAB_START_TIMEOUT, &line, err, errlen) < 0)
			return -1;
		if (!line) {
			snprintf(err, errlen, "target %s: the agent did not answer \"%s\" within %.0f s",
				 t->label, body, LAB_START_TIMEOUT);
			return -1;
		}
		struct agent_reply r;
		char perr[128], *copy = strdup(line);
		int ok = copy && agent_reply_parse(copy, &r, perr, sizeof(perr)) == 0 && r.ret >= 0;
		if (!ok)
			snprintf(err, errlen, "target %s: option %s=%s refused by the agent: %s",
				 t->label, t->sysctls[i].name, t->sysctls[i].value, line);
		free(copy);
		free(line);
		if (!ok)
			return -1;
	}
	return 0;
}
