#ifndef TCPCONFORM_USERNS_H
#define TCPCONFORM_USERNS_H
#include <stddef.h>

/* Running without root (README "Running without root"): the harness enters a user
 * namespace of its own, in which it is root over the network and PID namespaces it then
 * makes, as `unshare -Ur` does. user_namespaces(7). */

/* The kernel's knobs that decide whether an ordinary user may make a user namespace, as
 * read from /proc/sys (NULL: the file does not exist on this kernel). Read, never
 * written: they are the administrator's. */
struct userns_knobs {
	const char *unprivileged_userns_clone;  /* kernel. (Debian's patch; 0 forbids) */
	const char *max_user_namespaces;        /* user. (0 forbids) */
	const char *apparmor_restrict;          /* kernel.apparmor_restrict_unprivileged_userns */
};

/* Unshares a user namespace and maps the caller's uid and gid to 0 in it (setgroups
 * denied first, as the kernel requires of an unprivileged writer of gid_map). Must run
 * before any other thread exists and before the network namespace is made, so that the
 * namespace is owned by it. Returns 0, or -1 with err saying why and what to do
 * (userns_explain). */
int userns_enter(char *err, size_t errlen);

/* The message for a failed unshare(CLONE_NEWUSER) with errno `e` given the knobs: names
 * the knob that forbids it and what to ask for, or what else causes e. Pure: unit-tested
 * with knob values this machine does not have. */
void userns_explain(int e, const struct userns_knobs *k, char *out, size_t outlen);

#endif
