/* userns: the harness's own user namespace when it is not root (see userns.h). */
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int write_file(const char *path, const char *text, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));
	int saved = errno;
	if (fd >= 0)
		close(fd);
	if (n == (ssize_t)strlen(text))
		return 0;
	snprintf(err, errlen, "user namespace: writing \"%.*s\" to %s: %s",
		 (int)strcspn(text, "\n"), text, path, strerror(saved));
	return -1;
}

/* The first token of /proc/sys/<path> into buf; NULL when it cannot be read. */
static const char *read_knob(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	buf[strcspn(buf, " \t\n")] = 0;
	return buf;
}

static int knob_is(const char *v, const char *want)
{
	return v && strcmp(v, want) == 0;
}

/* See userns.h. */
void userns_explain(int e, const struct userns_knobs *k, char *out, size_t outlen)
{
	const char *head = "tcpconform is not root, and the kernel refused it a user namespace";
	const char *todo = "run tcpconform as root";
	if (knob_is(k->unprivileged_userns_clone, "0"))
		snprintf(out, outlen, "%s (%s): kernel.unprivileged_userns_clone is 0; %s, or ask "
			 "the administrator for sysctl kernel.unprivileged_userns_clone=1",
			 head, strerror(e), todo);
	else if (knob_is(k->max_user_namespaces, "0"))
		snprintf(out, outlen, "%s (%s): user.max_user_namespaces is 0; %s, or ask the "
			 "administrator for sysctl user.max_user_namespaces=10000 (or any limit "
			 "above 0)", head, strerror(e), todo);
	else if ((e == EPERM || e == EACCES) && knob_is(k->apparmor_restrict, "1"))
		snprintf(out, outlen, "%s (%s): kernel.apparmor_restrict_unprivileged_userns is 1; "
			 "%s, or ask the administrator for an AppArmor profile allowing userns "
			 "for tcpconform, or sysctl kernel.apparmor_restrict_unprivileged_userns=0",
			 head, strerror(e), todo);
	else if (e == ENOSPC)
		snprintf(out, outlen, "%s (%s): a limit on user namespaces is reached "
			 "(user.max_user_namespaces is %s here; an enclosing namespace's own "
			 "limit counts too); %s, or ask the administrator to raise "
			 "user.max_user_namespaces", head, strerror(e),
			 k->max_user_namespaces ? k->max_user_namespaces : "unreadable", todo);
	else if (e == EUSERS)
		snprintf(out, outlen, "%s (%s): user namespaces nest 32 deep at most, and this "
			 "process is that deep already; %s", head, strerror(e), todo);
	else if (e == EINVAL)
		snprintf(out, outlen, "%s (%s): the kernel was built without user namespaces "
			 "(CONFIG_USER_NS); %s", head, strerror(e), todo);
	else
		snprintf(out, outlen, "%s (%s): a container, chroot or seccomp filter forbids "
			 "it; %s, or where user namespaces are allowed", head, strerror(e), todo);
}

/* See userns.h. */
int userns_enter(char *err, size_t errlen)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER) < 0) {
		int e = errno;
		char a[32], b[32], c[32];
		struct userns_knobs k = {
			read_knob("/proc/sys/kernel/unprivileged_userns_clone", a, sizeof(a)),
			read_knob("/proc/sys/user/max_user_namespaces", b, sizeof(b)),
			read_knob("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", c,
				  sizeof(c)),
		};
		userns_explain(e, &k, err, errlen);
		return -1;
	}
	/* user_namespaces(7): an unprivileged process must deny setgroups before it may
	 * write gid_map, and may map only its own ids. */
	char map[64];
	if (write_file("/proc/self/setgroups", "deny", err, errlen) < 0)
		return -1;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if (write_file("/proc/self/uid_map", map, err, errlen) < 0)
		return -1;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	return write_file("/proc/self/gid_map", map, err, errlen);
}
