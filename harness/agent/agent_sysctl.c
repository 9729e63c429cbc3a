/* The sysctl verb of the Linux agent (PROTOCOL.md 6.6): read or write a setting under
 * /proc/sys/net of the agent's own network namespace. */
#include "agent_linux_int.h"
#include "sysctl_name.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SYSCTL_VALUE_MAX 4096

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

	if (sysctl_name_path(rq->args[0], path, sizeof(path), why, sizeof(why)) < 0) {
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
