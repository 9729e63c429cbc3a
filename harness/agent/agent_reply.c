/* Replies of the agent core (agent_core.h): one line at a time is built in a->reply,
 * then queued in a->out, which the loop writes to the control channel when it can. A
 * reply never blocks and never fails: text past REPLY_CAP is cut, and running out of
 * memory sets a->oom, which ends the server. */
#include "agent_core_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Queue bytes for the control socket. */
static void out_append(struct agent_server *a, const char *s, size_t n)
{
	if (a->outlen + n > a->outcap) {
		size_t cap = a->outcap ? a->outcap : 4096;
		char *p;

		while (cap < a->outlen + n)
			cap *= 2;
		p = realloc(a->out, cap);
		if (!p) {
			a->oom = 1;
			return;
		}
		a->out = p;
		a->outcap = cap;
	}
	memcpy(a->out + a->outlen, s, n);
	a->outlen += n;
}

static void out_vformat(struct agent_server *a, const char *fmt, va_list ap)
{
	size_t room = REPLY_CAP - a->replylen;
	int n = vsnprintf(a->reply + a->replylen, room, fmt, ap);

	if (n > 0)
		a->replylen += (size_t)n < room ? (size_t)n : room - 1;
}

/* See agent_core.h. */
void agent_out_raw(struct agent_server *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_vformat(a, fmt, ap);
	va_end(ap);
}

/* See agent_core.h. */
void agent_out_begin(struct agent_server *a, uint32_t id, long long ret, const char *errname)
{
	a->replylen = 0;
	agent_out_raw(a, "%u %lld %s", id, ret, errname);
}

/* See agent_core.h. */
void agent_out_kv(struct agent_server *a, const char *key, const char *fmt, ...)
{
	va_list ap;

	agent_out_raw(a, " %s=", key);
	va_start(ap, fmt);
	out_vformat(a, fmt, ap);
	va_end(ap);
}

/* See agent_core.h. */
void agent_out_hex(struct agent_server *a, const char *key, const void *data, size_t len)
{
	agent_out_raw(a, " %s=", key);
	a->replylen += agent_hex_encode(data, len, a->reply + a->replylen,
					REPLY_CAP - a->replylen);
}

/* See agent_core.h. */
void agent_out_end(struct agent_server *a)
{
	a->reply[a->replylen++] = '\n';
	out_append(a, a->reply, a->replylen);
	a->replylen = 0;
}

/* See agent_core.h. The message is for people (PROTOCOL.md 4.2). */
void agent_out_fail(struct agent_server *a, uint32_t id, const char *errname,
		    const char *fmt, ...)
{
	char text[MSG_MAX], msg[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	agent_msg_escape(text, msg, sizeof(msg));
	agent_out_begin(a, id, -1, errname);
	agent_out_kv(a, "msg", "%s", msg);
	agent_out_end(a);
}

/* See agent_core.h. */
void agent_out_errno(struct agent_server *a, uint32_t id, int err)
{
	agent_out_begin(a, id, -1, agent_errno_name(err ? err : EIO));
	agent_out_end(a);
}

/* See agent_core.h. */
void agent_out_ok(struct agent_server *a, uint32_t id, long long ret)
{
	agent_out_begin(a, id, ret, "-");
	agent_out_end(a);
}

/* See agent_core.h. */
void agent_out_status(struct agent_server *a, uint32_t id, int rc)
{
	if (rc < 0)
		agent_out_errno(a, id, errno);
	else
		agent_out_ok(a, id, 0);
}

/* See agent_core.h. */
void agent_out_sockaddr(struct agent_server *a, const char *akey, const char *pkey,
			const struct sockaddr_storage *ss)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned port = 0;

	buf[0] = '\0';
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof(buf));
		port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof(buf));
		port = ntohs(s6->sin6_port);
	} else {
		snprintf(buf, sizeof(buf), "none");
	}
	agent_out_kv(a, akey, "%s", buf);
	agent_out_kv(a, pkey, "%u", port);
}

/* See agent_core_int.h. */
void agent_out_names(struct agent_server *a, int fd, int with_peer)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	len = sizeof(ss);
	if (a->b->sock.getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		agent_out_sockaddr(a, "laddr", "lport", &ss);
	if (!with_peer)
		return;
	memset(&ss, 0, sizeof(ss));
	len = sizeof(ss);
	if (a->b->sock.getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		agent_out_sockaddr(a, "raddr", "rport", &ss);
}

/* See agent_core.h. */
void agent_greet_failure(int ctl_fd, const char *errname, const char *why)
{
	char line[MSG_MAX + 64], msg[MSG_MAX];
	struct pollfd p = { .fd = ctl_fd, .events = POLLOUT };
	int n;

	agent_msg_escape(why, msg, sizeof(msg));
	n = snprintf(line, sizeof(line), "0 -1 %s msg=%s\n", errname, msg);
	if (n > 0 && poll(&p, 1, 1000) > 0 && write(ctl_fd, line, (size_t)n) < 0)
		return;
}
