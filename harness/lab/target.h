#ifndef TCPCONFORM_TARGET_H
#define TCPCONFORM_TARGET_H
#include <stdbool.h>
#include <stddef.h>
#include "lab.h"

/* A target is a stack under test. Its `child_main` runs in the lab's forked child, already
 * inside the new (empty) network namespace whose link end is named TARGET_LINK; it sets
 * up its side of the lab and then serves the agent protocol (targets/PROTOCOL.md) on ctl
 * until the harness closes it -- itself (linux) or by exec'ing the stack's own agent. */

#define TARGET_LINK "tc0"

struct target_ops {
	const char *name;
	const char *summary;
	/* The stack is not the namespace's kernel: it sits behind a bridge and a TAP, and
	 * the link's end in the namespace gets a MAC of its own (the stack uses the lab's
	 * target MAC). */
	bool bridged;
	/* Runs in the child right after unshare(CLONE_NEWNET), before the link exists
	 * (e.g. to set per-netns defaults that new devices inherit). May be NULL. */
	int (*child_pre)(const struct lab_addrs *a, char *err, size_t errlen);
	/* Runs in the child once the link exists; `arg` is the target's argument (the
	 * command of an exec target). Returns the child's exit status. Set-up errors are
	 * reported to the harness as a failed greeting: "0 -1 EIO msg=..." */
	int (*child_main)(int ctl, const struct lab_addrs *a, const char *arg);
};

extern const struct target_ops target_linux;
extern const struct target_ops target_exec;

/* A target option: a sysctl set in every lab of the target (issue 10 item 6). */
#define TARGET_MAX_SYSCTLS 8
struct target_sysctl {
	char name[208];         /* "net.ipv4.tcp_rfc1337", checked by base/sysctl_name.h */
	char value[64];         /* "1"; a list as PROTOCOL.md 6.6 writes it: "4096,65536" */
};

/* A target named on the command line: "linux", "lwip" (the lwIP agent built with
 * tcpconform), or "exec:COMMAND" (any stack speaking PROTOCOL.md; README "Testing your
 * own stack"); a named one may carry options, "NAME:sysctl=value[:sysctl=value...]". */
struct target_spec {
	const struct target_ops *ops;
	char name[64];          /* "linux", "lwip", "exec" */
	char arg[4096];         /* the command for exec targets */
	char label[4096];       /* the spec as given, what reports call it:
				 * "linux:net.ipv4.tcp_rfc1337=1"; lab_create takes it */
	int nsysctls;
	struct target_sysctl sysctls[TARGET_MAX_SYSCTLS];
};

/* Resolves spec. Returns 0, or -1 with err naming what is wrong (unknown name, the lwIP
 * agent not built, an option that is no "sysctl=value" or names a sysctl outside net.).
 * Whether the target can take options is known only from its agent's greeting (the
 * `sysctl` capability): lab_create checks that and applies them. */
int target_resolve(const char *spec, struct target_spec *out, char *err, size_t errlen);

/* target_resolve for each of specs[0..n-1] into out[0..n-1] (a command's --target
 * list): 0, or -1 with err of the first that does not resolve. */
int target_resolve_all(const char *const *specs, int n, struct target_spec *out, char *err,
		       size_t errlen);

/* Reports a set-up failure from the child as a failed greeting ("0 -1 EIO msg=...",
 * PROTOCOL.md) and returns the child's exit status for it (1). */
int target_fail_greeting(int ctl, const char *msg);

/* The names a user can give, for messages and --help. */
const char *target_names(void);

#endif
