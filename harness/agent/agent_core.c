/* The agent core's server (agent_core.h): the verb table, hello/quit, and the event
 * loop. Shape: one opaque struct agent_server (agent_core_int.h) holding the control
 * channel's buffers, the handle table and the parked calls. One loop waits in poll(2)
 * on the control channel and on a completion socket for lingering closes, and learns
 * that parked calls are ready in one of two ways, chosen by the backend:
 *   - its sockets are host fds (Linux): they are in the same poll(2);
 *   - they are not (lwIP: a socket is an index into lwIP's own table): the loop wakes
 *     every tick_ms while calls are parked and asks the backend's zero-timeout poll.
 * Handlers for immediate verbs reply at once; blocking verbs try once and, if the stack
 * says EAGAIN / EINPROGRESS, park an op that the loop finishes or times out later. */
#include "agent_core_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- verbs */

/* The greeting line (PROTOCOL.md 2): sent unasked with id 0, and as hello's reply. */
static void out_greeting(struct agent_server *a, uint32_t id)
{
	agent_out_begin(a, id, 0, "-");
	agent_out_raw(a, " %s", a->greeting);
	agent_out_end(a);
}

static void verb_hello(struct agent_server *a, const struct agent_request *rq)
{
	out_greeting(a, rq->id);
}

/* Parked calls are canceled now; the quit reply itself waits for running
 * linger-closes, so that it is the last line the agent ever writes. Holders end with
 * every other socket when the server is freed. */
static void verb_quit(struct agent_server *a, const struct agent_request *rq)
{
	agent_op_cancel_all(a);
	a->quit = 1;
	a->quit_id = rq->id;
}

static const struct agent_verb core_verbs[] = {
	{ "hello", 0, 0, verb_hello, "hello" },
	{ "quit", 0, 0, verb_quit, "quit" },
	{ "socket", 1, 2, agent_verb_socket, "socket <inet|inet6> [stream]" },
	{ "bind", 3, 3, agent_verb_bind, "bind <h> <addr> <port>" },
	{ "listen", 2, 2, agent_verb_listen, "listen <h> <backlog>" },
	{ "accept", 1, 2, agent_verb_accept, "accept <h> [wait=<ms>]" },
	{ "connect", 3, 4, agent_verb_connect, "connect <h> <addr> <port> [wait=<ms>]" },
	{ "send", 2, 6, agent_verb_send,
	  "send <h> <hex>|-|len=<n> [wait=<ms>] [oob] [more] [dontwait]" },
	{ "recv", 2, 6, agent_verb_recv,
	  "recv <h> <maxlen> [wait=<ms>] [peek] [waitall] [oob] [dontwait]" },
	{ "close", 1, 2, agent_verb_close, "close <h> [wait=<ms>]" },
	{ "shutdown", 2, 2, agent_verb_shutdown, "shutdown <h> <rd|wr|rdwr>" },
	{ "setsockopt", 3, 4, agent_verb_setsockopt, "setsockopt <h> <name> <value> [secs]" },
	{ "getsockopt", 2, 2, agent_verb_getsockopt, "getsockopt <h> <name>" },
	{ "getsockname", 1, 1, agent_verb_getsockname, "getsockname <h>" },
	{ "getpeername", 1, 1, agent_verb_getpeername, "getpeername <h>" },
	{ "state", 1, 4, agent_verb_state, "state <laddr> <lport> <raddr> <rport> | state <h>" },
};

static const struct agent_verb *verb_find(const struct agent_verb *v, size_t n,
					  const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* See agent_core_int.h. */
void agent_dispatch(struct agent_server *a, const struct agent_request *rq)
{
	const struct agent_verb *v = verb_find(a->b->verbs, a->b->nverbs, rq->verb);

	if (!v)
		v = verb_find(core_verbs, sizeof(core_verbs) / sizeof(core_verbs[0]), rq->verb);
	if (!v) {
		agent_out_fail(a, rq->id, "ENOSYS", "unknown verb \"%.32s\"", rq->verb);
		return;
	}
	if (rq->nargs < v->min_args || rq->nargs > v->max_args) {
		agent_out_fail(a, rq->id, "EINVAL", "%s: got %d arguments, usage: %s",
			       v->name, rq->nargs, v->usage);
		return;
	}
	v->fn(a, rq);
}

/* ---------------------------------------------------------------- the server */

static struct agent_server *server_new(int ctl, const struct agent_backend *b)
{
	struct agent_server *a = calloc(1, sizeof(*a));
	int i, fl;

	if (!a)
		return NULL;
	a->b = b;
	a->ctl = ctl;
	a->next_handle = 1;
	a->max_handles = b->max_handles > 0 && b->max_handles < AGENT_MAX_HANDLES
		? b->max_handles : b->max_handles > 0 ? AGENT_MAX_HANDLES : AGENT_DEFAULT_HANDLES;
	a->max_pending = b->max_pending > 0 && b->max_pending < AGENT_MAX_PENDING
		? b->max_pending : b->max_pending > 0 ? AGENT_MAX_PENDING : AGENT_DEFAULT_PENDING;
	a->notify[0] = a->notify[1] = -1;
	for (i = 0; i < AGENT_MAX_HANDLES; i++)
		agent_slot_forget(&a->slots[i]);
	for (i = 0; i < AGENT_MAX_PENDING; i++)
		a->ops[i].fd = -1;
	a->in = malloc(IN_CAP);
	a->reply = malloc(REPLY_CAP + 1);
	fl = fcntl(ctl, F_GETFL);
	if (!a->in || !a->reply || fl < 0 || fcntl(ctl, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, a->notify) < 0 ||
	    agent_greet_build(a) < 0) {
		if (a->notify[0] >= 0) {
			close(a->notify[0]);
			close(a->notify[1]);
		}
		free(a->greeting);
		free(a->in);
		free(a->reply);
		free(a);
		return NULL;
	}
	return a;
}

static void server_free(struct agent_server *a)
{
	int i;

	for (i = 0; i < AGENT_MAX_PENDING; i++)
		if (a->ops[i].used)
			agent_op_free(&a->ops[i]);
	agent_close_all(a);
	/* Close threads still running hold their own dup of notify[1]. */
	close(a->notify[0]);
	close(a->notify[1]);
	free(a->greeting);
	free(a->in);
	free(a->out);
	free(a->reply);
	free(a);
}

/* ---------------------------------------------------------------- the loop */

/* The fds of parked calls go to p[first..]; opidx says whose they are. */
static int watch_ops(struct agent_server *a, struct pollfd *p, int *opidx, int first)
{
	int n = first, i;

	for (i = 0; i < AGENT_MAX_PENDING; i++) {
		struct agent_op *op = &a->ops[i];

		if (!op->used)
			continue;
		p[n].fd = op->fd;
		p[n].events = agent_op_is_read_side(op->kind) ? POLLIN : POLLOUT;
		p[n].revents = 0;
		opidx[n++] = i;
	}
	return n;
}

/* How long poll(2) may sleep: until the nearest deadline, forever when nothing is
 * parked, and at most one tick when parked calls are not host fds. */
static int loop_timeout(struct agent_server *a, int nops)
{
	int64_t now = agent_now_ms();
	int t = agent_op_next_timeout(a, now), tc = agent_close_next_timeout(a, now);

	if (tc >= 0 && (t < 0 || tc < t))
		t = tc;
	if (!a->b->host_fds && nops > 0 && (t < 0 || t > a->b->tick_ms))
		t = a->b->tick_ms;
	return t;
}

/* Wait for the control channel, the close completions and (host fds) parked calls;
 * then, for a backend whose sockets are not host fds, ask it which calls are ready.
 * Returns the number of entries in p, 0 when interrupted, -1 on a fatal error. */
static int loop_wait(struct agent_server *a, struct pollfd *p, int *opidx)
{
	int n = watch_ops(a, p, opidx, 2);
	int nhost = a->b->host_fds ? n : 2;
	int rc;

	p[0].fd = a->ctl;
	p[0].events = (short)((!a->quit && a->outlen < OUT_HIGH_WATER ? POLLIN : 0) |
			      (a->outlen ? POLLOUT : 0));
	p[1].fd = a->notify[0];
	p[1].events = POLLIN;
	p[0].revents = p[1].revents = 0;
	rc = poll(p, (nfds_t)nhost, loop_timeout(a, n - 2));
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	if (nhost < n && a->b->sock.poll(p + 2, (nfds_t)(n - 2)) <= 0) {
		int i;

		for (i = 2; i < n; i++)
			p[i].revents = 0;
	}
	return n;
}

/* One round: returns 1 to stop (EOF or quit done), -1 on a fatal error, 0 to go on. */
static int server_step(struct agent_server *a)
{
	struct pollfd p[2 + AGENT_MAX_PENDING];
	int opidx[2 + AGENT_MAX_PENDING];
	int n = loop_wait(a, p, opidx), i, rc;

	if (n <= 0)
		return n;               /* -1: fatal; 0: EINTR, go round again */
	for (i = 2; i < n; i++) {
		struct agent_op *op = &a->ops[opidx[i]];

		if (p[i].revents && op->used && agent_op_try(a, op))
			agent_op_free(op);
	}
	if (p[1].revents & POLLIN)
		agent_close_done(a);
	agent_op_expire_due(a, agent_now_ms());
	agent_close_expire_due(a, agent_now_ms());
	if (p[0].revents & (POLLIN | POLLHUP | POLLERR) && p[0].events & POLLIN) {
		rc = agent_ctl_read(a);
		if (rc != 0)
			return rc;
	}
	if (a->outlen) {
		rc = agent_ctl_write(a);
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

/* See agent_core.h. */
int agent_serve(int ctl_fd, const struct agent_backend *b)
{
	struct agent_server *a = server_new(ctl_fd, b);
	int rc;

	if (!a)
		return 1;
	out_greeting(a, 0);
	do
		rc = server_step(a);
	while (rc == 0);
	server_free(a);
	return rc < 0 ? 1 : 0;
}
