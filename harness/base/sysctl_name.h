#ifndef TCPCONFORM_SYSCTL_NAME_H
#define TCPCONFORM_SYSCTL_NAME_H
#include <stddef.h>

/* The one check of a sysctl name that anything in tcpconform may write (the harness's
 * own namespace set-up in lab/netcfg.c, a script's `lab:sysctl` through the agent's
 * sysctl verb, PROTOCOL.md 6.9), and its /proc/sys path. */

/* Why so strict: a sysctl is the one write that reaches outside the lab's sockets. Only
 * names under net. reach the caller's own network namespace (/proc/sys/net is per
 * netns); anything else (kernel., vm., fs.) would change the whole machine. The
 * character set [A-Za-z0-9_.-] rules out '/', and no component is empty, so no name can
 * climb out of /proc/sys/net. At most 200 bytes.
 *
 * Returns 0 with path "/proc/sys/net/..." (dots as slashes), or -1 with why saying what
 * is wrong, e.g. "name \"kernel.hostname\" is not under net.". */
int sysctl_name_path(const char *name, char *path, size_t pathlen, char *why, size_t whylen);

#endif
