/* The agent core's control channel (agent_core_int.h): bytes in are cut into lines
 * (PROTOCOL.md 1), each line is parsed and dispatched; replies queued in a->out go out
 * as the channel takes them. The channel is a host stream fd, set non-blocking. */
#include "agent_core_int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The id at the start of a line that could not be parsed whole, so the error reply
 * can still be matched; 0 when there is none. */
static uint32_t leading_id(const char *line, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(line[i] - '0');
		if (v > UINT32_MAX)
			return 0;
	}
	if (i == 0 || (i < len && line[i] != ' ' && line[i] != '\t'))
		return 0;
	return (uint32_t)v;
}

static void handle_line(struct agent_server *a, char *line, size_t len)
{
	struct agent_request rq;
	char err[200];
	size_t i;

	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len)
		return;                 /* blank lines are ignored (hand-typed sessions) */
	if (memchr(line, '\0', len)) {
		uint32_t id = leading_id(line, len);

		agent_out_fail(a, id, id ? "EINVAL" : "EPROTO", "request: NUL byte in line");
		return;
	}
	if (agent_request_parse(line, &rq, err, sizeof(err)) < 0) {
		agent_out_fail(a, rq.id, rq.id ? "EINVAL" : "EPROTO", "%s", err);
		return;
	}
	if (a->quit)
		return;
	agent_dispatch(a, &rq);
}

/* Split the input buffer into lines. A line longer than AGENT_LINE_MAX is dropped up
 * to its LF and answered with one error, addressed to its id when it starts with one. */
static void take_lines(struct agent_server *a)
{
	size_t start = 0;
	char *lf;

	while (!a->quit && (lf = memchr(a->in + start, '\n', a->inlen - start))) {
		size_t len = (size_t)(lf - (a->in + start));

		*lf = '\0';
		if (a->discarding) {
			a->discarding = 0;
			agent_out_fail(a, a->discard_id, a->discard_id ? "EINVAL" : "EPROTO",
				       "request: line longer than %d bytes", AGENT_LINE_MAX);
		} else {
			handle_line(a, a->in + start, len);
		}
		start += len + 1;
	}
	memmove(a->in, a->in + start, a->inlen - start);
	a->inlen -= start;
	if (a->inlen == IN_CAP) {
		if (!a->discarding)
			a->discard_id = leading_id(a->in, a->inlen);
		a->discarding = 1;
		a->inlen = 0;
	}
}

/* See agent_core_int.h. */
int agent_ctl_read(struct agent_server *a)
{
	ssize_t n = read(a->ctl, a->in + a->inlen, IN_CAP - a->inlen);

	if (n < 0)
		return agent_would_block(errno) ? 0 : -1;
	if (n == 0)
		return 1;
	a->inlen += (size_t)n;
	take_lines(a);
	return 0;
}

/* See agent_core_int.h. send() with MSG_NOSIGNAL where the channel is a socket, so a
 * harness that went away is an EPIPE here, never a SIGPIPE. */
int agent_ctl_write(struct agent_server *a)
{
	ssize_t n = send(a->ctl, a->out, a->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && errno == ENOTSOCK)
		n = write(a->ctl, a->out, a->outlen);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
		return 1;               /* the harness went away: as good as EOF */
	if (n < 0)
		return agent_would_block(errno) ? 0 : -1;
	memmove(a->out, a->out + n, a->outlen - (size_t)n);
	a->outlen -= (size_t)n;
	return 0;
}
