/* The sysctl verb of the Linux agent (PROTOCOL.md 6.6): read or write a setting under
 * /proc/sys/net of the agent's own network namespace. */
#include "agent_linux_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SYSCTL_VALUE_MAX 4096

/* Why so strict: sysctl is the one verb that writes outside the lab's sockets. Only
 * names under net. reach the caller's own network namespace (/proc/sys/net is per
 * netns); anything else (kernel., vm., fs.) would change the whole machine. The
 * character set rules out '/', so no name can climb out of /proc/sys/net. */
static int sysctl_path(const char *name, char *path, size_t pathlen, char *why, size_t whylen)
{
	size_t i, n = strlen(name);

	if (strncmp(name, "net.", 4) != 0) {
		snprintf(why, whylen, "name \"%.48s\" is not under net.", name);
		return -1;
	}
	if (n > 200) {
		snprintf(why, whylen, "name is %zu bytes, at most 200", n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.')) {
			snprintf(why, whylen, "name \"%.48s\" has '%c' at %zu: only [A-Za-z0-9_.-]",
				 name, c, i + 1);
			return -1;
		}
		if (c == '.' && (name[i + 1] == '.' || name[i + 1] == '\0')) {
			snprintf(why, whylen, "name \"%.48s\" has an empty component", name);
			return -1;
		}
	}
	snprintf(path, pathlen, "/proc/sys/%s", name);
	for (i = strlen("/proc/sys/"); path[i]; i++)
		if (path[i] == '.')
			path[i] = '/';
	return 0;
}

/* Read a sysctl into value: runs of blanks (multi-field values like tcp_rmem) become
 * ',' so the value stays one protocol token. */
static int sysctl_read(const char *path, char *value, size_t len)
{
	char raw[SYSCTL_VALUE_MAX];
	ssize_t n;
	size_t i, o = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), e;

	if (fd < 0)
		return -1;
	n = read(fd, raw, sizeof(raw) - 1);
	e = errno;
	close(fd);
	errno = e;
	if (n < 0)
		return -1;
	for (i = 0; i < (size_t)n && o + 1 < len; i++) {
		char c = raw[i];

		if (c == ' ' || c == '\t' || c == '\n') {
			if (o > 0 && value[o - 1] != ',')
				value[o++] = ',';
		} else {
			value[o++] = (c < 0x21 || c > 0x7e) ? '?' : c;
		}
	}
	while (o > 0 && value[o - 1] == ',')
		o--;
	value[o] = '\0';
	return 0;
}

/* Write value (fields joined by ',' in the protocol, by ' ' in /proc/sys). */
static int sysctl_write(const char *path, const char *value)
{
	char buf[SYSCTL_VALUE_MAX];
	size_t o = 0, i;
	ssize_t n;
	int fd, e;

	for (i = 0; value[i] && o + 2 < sizeof(buf); i++)
		buf[o++] = value[i] == ',' ? ' ' : value[i];
	buf[o++] = '\n';
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	n = write(fd, buf, o);
	e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

/* See agent_linux_int.h. */
void agent_verb_sysctl(struct agent_server *a, const struct agent_request *rq)
{
	char path[256], why[160], value[SYSCTL_VALUE_MAX];

	if (sysctl_path(rq->args[0], path, sizeof(path), why, sizeof(why)) < 0) {
		agent_out_fail(a, rq->id, "EPERM", "sysctl: %s", why);
		return;
	}
	if (rq->nargs == 2 && sysctl_write(path, rq->args[1]) < 0) {
		agent_out_errno(a, rq->id, errno);
		return;
	}
	if (sysctl_read(path, value, sizeof(value)) < 0) {
		agent_out_errno(a, rq->id, errno);
		return;
	}
	agent_out_begin(a, rq->id, 0, "-");
	agent_out_kv(a, "value", "%s", value);
	agent_out_end(a);
}
