#ifndef TCPCONFORM_TARGET_H
#define TCPCONFORM_TARGET_H
#include <stddef.h>
#include "lab.h"

/* A target is a stack under test. Its `child_main` runs in the lab's forked child, already
 * inside the new (empty) network namespace whose link end is named TARGET_LINK; it sets
 * up its side of the lab and then serves the agent protocol (targets/PROTOCOL.md) on ctl
 * until the harness closes it. It never returns on success paths that exec. */

#define TARGET_LINK "tc0"

struct target_ops {
	const char *name;
	const char *summary;
	/* Runs in the child right after unshare(CLONE_NEWNET), before the link exists
	 * (e.g. to set per-netns defaults that new devices inherit). May be NULL. */
	int (*child_pre)(const struct lab_addrs *a, char *err, size_t errlen);
	/* Runs in the child once the link exists; returns the child's exit status. Errors during set-up are
	 * reported to the harness as a failed greeting: "0 -1 EIO msg=..." */
	int (*child_main)(int ctl, const struct lab_addrs *a);
};

extern const struct target_ops target_linux;

/* Reports a set-up failure from the child as a failed greeting ("0 -1 EIO msg=...",
 * PROTOCOL.md) and returns the child's exit status for it (1). */
int target_fail_greeting(int ctl, const char *msg);

/* The target called name, or NULL. */
const struct target_ops *target_find(const char *name);
/* Comma-separated names of all built-in targets, for messages and --help. */
const char *target_names(void);

#endif
