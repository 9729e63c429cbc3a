/* The Linux agent: serves targets/PROTOCOL.md on a control socket (agent_linux.h).
 *
 * Shape: one opaque struct agent_server (agent_linux_int.h) holding the control
 * channel's buffers, a handle table (protocol handle -> socket, or -> the process that
 * holds it), and a table of pending operations with deadlines. One poll loop, here,
 * waits on the control socket, on the fds of pending operations and on a completion
 * socket for linger-closes. Handlers for immediate verbs reply at once; blocking verbs
 * try once and, if the kernel says EAGAIN / EINPROGRESS, park an operation that the
 * loop finishes or times out later. The verbs themselves live in agent_sock.c,
 * agent_sockopt.c, agent_state.c, agent_sysctl.c and agent_hold.c. */
#include "agent_linux.h"

#include "agent_linux_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define GREETING_KEYS "hello=tcpconform-agent version=1 stack=linux " \
	"caps=sysctl,state,keepalive,linger,hold"

/* ---------------------------------------------------------------- verbs */

static void verb_hello(struct agent_server *a, const struct agent_request *rq)
{
	agent_out_begin(a, rq->id, 0, "-");
	agent_out_raw(a, " %s", GREETING_KEYS);
	agent_out_end(a);
}

/* Pending operations are canceled now; the quit reply itself waits for running
 * linger-closes, so that it is the last line the agent ever writes. Holders are
 * killed with every other socket when the server is freed. */
static void verb_quit(struct agent_server *a, const struct agent_request *rq)
{
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used) {
			agent_out_fail(a, a->ops[i].id, "CANCELED", "the agent is quitting");
			agent_op_free(&a->ops[i]);
		}
	a->quit = 1;
	a->quit_id = rq->id;
}

static const struct verb {
	const char *name;
	int min_args, max_args;
	void (*fn)(struct agent_server *a, const struct agent_request *rq);
	const char *usage;
} verbs[] = {
	{ "hello", 0, 0, verb_hello, "hello" },
	{ "quit", 0, 0, verb_quit, "quit" },
	{ "socket", 1, 2, agent_verb_socket, "socket <inet|inet6> [stream]" },
	{ "bind", 3, 3, agent_verb_bind, "bind <h> <addr> <port>" },
	{ "listen", 2, 2, agent_verb_listen, "listen <h> <backlog>" },
	{ "accept", 1, 2, agent_verb_accept, "accept <h> [wait=<ms>]" },
	{ "connect", 3, 4, agent_verb_connect, "connect <h> <addr> <port> [wait=<ms>]" },
	{ "send", 2, 4, agent_verb_send, "send <h> <hex>|len=<n> [wait=<ms>] [oob]" },
	{ "recv", 2, 5, agent_verb_recv,
	  "recv <h> <maxlen> [wait=<ms>] [peek] [waitall] [oob]" },
	{ "close", 1, 1, agent_verb_close, "close <h>" },
	{ "shutdown", 2, 2, agent_verb_shutdown, "shutdown <h> <rd|wr|rdwr>" },
	{ "setsockopt", 3, 4, agent_verb_setsockopt, "setsockopt <h> <name> <value> [secs]" },
	{ "getsockopt", 2, 2, agent_verb_getsockopt, "getsockopt <h> <name>" },
	{ "getsockname", 1, 1, agent_verb_getsockname, "getsockname <h>" },
	{ "getpeername", 1, 1, agent_verb_getpeername, "getpeername <h>" },
	{ "state", 1, 4, agent_verb_state, "state <laddr> <lport> <raddr> <rport> | state <h>" },
	{ "sysctl", 1, 2, agent_verb_sysctl, "sysctl <net.name> [value[,value...]]" },
	{ "hold", 1, 1, agent_verb_hold, "hold <h>" },
	{ "kill", 1, 1, agent_verb_kill, "kill <h>" },
};

static void dispatch(struct agent_server *a, const struct agent_request *rq)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		const struct verb *v = &verbs[i];

		if (strcmp(v->name, rq->verb) != 0)
			continue;
		if (rq->nargs < v->min_args || rq->nargs > v->max_args) {
			agent_out_fail(a, rq->id, "EINVAL", "%s: got %d arguments, usage: %s",
				       v->name, rq->nargs, v->usage);
			return;
		}
		v->fn(a, rq);
		return;
	}
	agent_out_fail(a, rq->id, "ENOSYS", "unknown verb \"%.32s\"", rq->verb);
}

/* ---------------------------------------------------------------- the control channel */

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
	dispatch(a, &rq);
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

/* Returns 1 on EOF, -1 on a fatal error, 0 otherwise. */
static int ctl_read(struct agent_server *a)
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

/* Returns 1 when the peer is gone, -1 on a fatal error, 0 otherwise. */
static int ctl_write(struct agent_server *a)
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

/* ---------------------------------------------------------------- the loop */

static struct agent_server *server_new(int ctl)
{
	struct agent_server *a = calloc(1, sizeof(*a));
	int i, fl;

	if (!a)
		return NULL;
	a->ctl = ctl;
	a->next_handle = 1;
	a->notify[0] = a->notify[1] = -1;
	for (i = 0; i < MAX_HANDLES; i++)
		agent_slot_forget(&a->slots[i]);
	for (i = 0; i < MAX_PENDING; i++)
		a->ops[i].fd = -1;
	a->in = malloc(IN_CAP);
	a->reply = malloc(REPLY_CAP + 1);
	fl = fcntl(ctl, F_GETFL);
	if (!a->in || !a->reply || fl < 0 || fcntl(ctl, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, a->notify) < 0) {
		free(a->in);
		free(a->reply);
		free(a);
		return NULL;
	}
	return a;
}

/* Close everything the agent opened. SO_LINGER is cleared first so a lingering
 * socket closes with a normal FIN instead of blocking the caller. Holders are killed
 * and reaped, so no process of ours outlives the agent, not even as a zombie. */
static void server_free(struct agent_server *a)
{
	struct linger off = { 0, 0 };
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used)
			agent_op_free(&a->ops[i]);
	for (i = 0; i < MAX_HANDLES; i++)
		if (a->slots[i].holder > 0) {
			agent_hold_end(&a->slots[i]);
		} else if (a->slots[i].handle) {
			setsockopt(a->slots[i].fd, SOL_SOCKET, SO_LINGER, &off, sizeof(off));
			close(a->slots[i].fd);
		}
	close(a->notify[0]);
	close(a->notify[1]);
	free(a->in);
	free(a->out);
	free(a->reply);
	free(a);
}

static int next_timeout(struct agent_server *a, int64_t now)
{
	int64_t t = -1;
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used) {
			int64_t left = a->ops[i].deadline_ms - now;

			if (left < 0)
				left = 0;
			if (t < 0 || left < t)
				t = left;
		}
	return (int)t;
}

/* One poll round: returns 1 to stop (EOF or quit done), -1 on a fatal error. */
static int server_step(struct agent_server *a)
{
	struct pollfd p[2 + MAX_PENDING];
	int opidx[2 + MAX_PENDING];
	int n = 2, i, rc;
	int64_t now;

	p[0].fd = a->ctl;
	p[0].events = (short)((!a->quit && a->outlen < OUT_HIGH_WATER ? POLLIN : 0) |
			      (a->outlen ? POLLOUT : 0));
	p[1].fd = a->notify[0];
	p[1].events = POLLIN;
	for (i = 0; i < MAX_PENDING; i++) {
		struct agent_op *op = &a->ops[i];

		if (!op->used)
			continue;
		p[n].fd = op->fd;
		p[n].events = agent_op_is_read_side(op->kind) ? POLLIN : POLLOUT;
		opidx[n++] = i;
	}
	rc = poll(p, (nfds_t)n, next_timeout(a, agent_now_ms()));
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 2; i < n; i++) {
		struct agent_op *op = &a->ops[opidx[i]];

		if (p[i].revents && op->used && agent_op_try(a, op))
			agent_op_free(op);
	}
	if (p[1].revents & POLLIN)
		agent_close_done(a);
	now = agent_now_ms();
	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used && a->ops[i].deadline_ms <= now)
			agent_op_expire(a, &a->ops[i]);
	if (p[0].revents & (POLLIN | POLLHUP | POLLERR) && p[0].events & POLLIN) {
		rc = ctl_read(a);
		if (rc != 0)
			return rc;
	}
	if (a->outlen) {
		rc = ctl_write(a);
		if (rc != 0)
			return rc;
	}
	if (a->oom)
		return -1;
	if (a->quit && a->closing == 0) {
		if (a->quit_id) {
			agent_out_ok(a, a->quit_id, 0);
			a->quit_id = 0;
		}
		return a->outlen == 0 ? 1 : 0;
	}
	return 0;
}

/* See agent_linux.h. */
int agent_linux_serve(int ctl_fd)
{
	struct agent_server *a = server_new(ctl_fd);
	int rc;

	if (!a)
		return 1;
	agent_out_begin(a, 0, 0, "-");
	agent_out_raw(a, " %s", GREETING_KEYS);
	agent_out_end(a);
	do
		rc = server_step(a);
	while (rc == 0);
	server_free(a);
	return rc < 0 ? 1 : 0;
}
