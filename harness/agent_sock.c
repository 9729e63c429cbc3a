/* Socket verbs of the Linux agent (PROTOCOL.md 6.2, 6.3): socket bind listen accept
 * connect send recv close shutdown getsockname getpeername. Calls that can block hand
 * over to a pending op (agent_ops.c); a close that lingers runs in a helper thread. */
#include "agent_linux_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* See agent_linux_int.h. */
void agent_verb_socket(struct agent_server *a, const struct agent_request *rq)
{
	int family, fd;
	struct agent_slot *s;

	if (strcmp(rq->args[0], "inet") == 0) {
		family = AF_INET;
	} else if (strcmp(rq->args[0], "inet6") == 0) {
		family = AF_INET6;
	} else {
		agent_out_fail(a, rq->id, "EINVAL", "socket: family \"%.24s\" is not inet or "
			       "inet6", rq->args[0]);
		return;
	}
	if (rq->nargs > 1 && strcmp(rq->args[1], "stream") != 0) {
		agent_out_fail(a, rq->id, "ENOSYS", "socket: type \"%.24s\" unsupported, only "
			       "stream", rq->args[1]);
		return;
	}
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		agent_out_errno(a, rq->id, errno);
		return;
	}
	s = agent_slot_add(a, fd, family);
	if (!s) {
		close(fd);
		agent_out_fail(a, rq->id, "EMFILE", "socket: all %d handles in use",
			       MAX_HANDLES);
		return;
	}
	agent_out_ok(a, rq->id, s->handle);
}

/* See agent_linux_int.h. */
void agent_verb_bind(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	struct sockaddr_storage ss;
	socklen_t len;

	if (!s || agent_arg_sockaddr(a, rq, 1, s->family, &ss, &len) < 0)
		return;
	if (bind(s->fd, (struct sockaddr *)&ss, len) < 0)
		agent_out_errno(a, rq->id, errno);
	else
		agent_out_ok(a, rq->id, 0);
}

/* See agent_linux_int.h. */
void agent_verb_listen(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	long long backlog;

	if (!s || agent_arg_num(a, rq, 1, "backlog", -1, 65535, &backlog) < 0)
		return;
	if (listen(s->fd, (int)backlog) < 0)
		agent_out_errno(a, rq->id, errno);
	else
		agent_out_ok(a, rq->id, 0);
}

/* See agent_linux_int.h. */
void agent_verb_accept(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	struct agent_opts o;
	struct agent_op *op;

	if (!s || agent_arg_opts(a, rq, 1, OPT_WAIT, &o) < 0)
		return;
	op = agent_op_start(a, rq, s, OP_ACCEPT, &o);
	if (op)
		agent_op_launch(a, op, o.wait_ms, 0);
}

/* See agent_linux_int.h. */
void agent_verb_connect(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	struct sockaddr_storage ss;
	socklen_t len;
	struct agent_opts o;
	struct agent_op *op;
	int err = 0;

	if (!s || agent_arg_sockaddr(a, rq, 1, s->family, &ss, &len) < 0 ||
	    agent_arg_opts(a, rq, 3, OPT_WAIT, &o) < 0)
		return;
	op = agent_op_start(a, rq, s, OP_CONNECT, &o);
	if (!op)
		return;
	if (connect(s->fd, (struct sockaddr *)&ss, len) < 0)
		err = errno;
	agent_op_launch(a, op, o.wait_ms, err);
}

/* The data of a send: len=<n> (generated on the fly) or hex (decoded into op->buf).
 * Returns 0, or -1 after a reply. */
static int send_data(struct agent_server *a, const struct agent_request *rq,
		     struct agent_op *op, const char *data)
{
	size_t cap;
	long n;

	if (strncmp(data, "len=", 4) == 0) {
		long long len;

		if (agent_parse_num(data + 4, 0, SEND_LEN_MAX, &len) < 0) {
			agent_out_fail(a, rq->id, "EINVAL", "send: len \"%.24s\" is not a byte "
				       "count in 0..%u", data + 4, SEND_LEN_MAX);
			return -1;
		}
		op->pattern = 1;
		op->len = (size_t)len;
		return 0;
	}
	cap = strlen(data) / 2 + 1;
	op->buf = malloc(cap);
	n = op->buf ? agent_hex_decode(data, op->buf, cap) : -1;
	if (n < 0) {
		agent_out_fail(a, rq->id, op->buf ? "EINVAL" : "ENOMEM", "send: data is "
			       "neither hex (even count of 0-9a-f) nor len=<n>: \"%.24s\"", data);
		return -1;
	}
	op->len = (size_t)n;
	return 0;
}

/* See agent_linux_int.h. */
void agent_verb_send(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	struct agent_opts o;
	struct agent_op *op;

	if (!s || agent_arg_opts(a, rq, 2, OPT_WAIT | OPT_OOB, &o) < 0)
		return;
	op = agent_op_start(a, rq, s, OP_SEND, &o);
	if (!op)
		return;
	op->flags = o.oob ? MSG_OOB : 0;
	if (send_data(a, rq, op, rq->args[1]) < 0) {
		agent_op_free(op);
		return;
	}
	agent_op_launch(a, op, o.wait_ms, 0);
}

/* See agent_linux_int.h. */
void agent_verb_recv(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	long long maxlen;
	struct agent_opts o;
	struct agent_op *op;

	if (!s || agent_arg_num(a, rq, 1, "maxlen", 1, RECV_MAX, &maxlen) < 0 ||
	    agent_arg_opts(a, rq, 2, OPT_WAIT | OPT_PEEK | OPT_WAITALL | OPT_OOB, &o) < 0)
		return;
	if (o.peek && o.waitall) {
		/* A peek leaves the data readable, so waiting for more would spin. */
		agent_out_fail(a, rq->id, "EINVAL", "recv: peek and waitall cannot be "
			       "combined");
		return;
	}
	op = agent_op_start(a, rq, s, OP_RECV, &o);
	if (!op)
		return;
	op->flags = (o.peek ? MSG_PEEK : 0) | (o.oob ? MSG_OOB : 0);
	op->waitall = o.waitall;
	op->len = (size_t)maxlen;
	op->buf = malloc(op->len);
	if (!op->buf) {
		agent_out_errno(a, rq->id, ENOMEM);
		agent_op_free(op);
		return;
	}
	agent_op_launch(a, op, o.wait_ms, 0);
}

/* ---------------------------------------------------------------- close */

/* A linger-close in a helper thread. Why: with SO_LINGER on and a non-zero time, the
 * kernel's close() waits for the peer's ACK of our FIN (RFC 9293 3.6) whether or not
 * the socket is non-blocking, and the agent must keep answering meanwhile. */
struct close_job {
	int fd;
	int notify;             /* the job's own dup of the completion socket */
	uint32_t id;
};

struct close_done {
	uint32_t id;
	int ret, err;
};

static void *close_thread(void *arg)
{
	struct close_job *job = arg;
	struct close_done d = { .id = job->id };

	d.ret = close(job->fd);
	d.err = d.ret < 0 ? errno : 0;
	/* If the agent is gone the send fails quietly: nobody waits for this reply. */
	(void)send(job->notify, &d, sizeof(d), MSG_NOSIGNAL | MSG_DONTWAIT);
	close(job->notify);
	free(job);
	return NULL;
}

static int close_in_thread(struct agent_server *a, int fd, uint32_t id)
{
	struct close_job *job = malloc(sizeof(*job));
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (!job)
		return -1;
	job->fd = fd;
	job->id = id;
	job->notify = fcntl(a->notify[1], F_DUPFD_CLOEXEC, 0);
	if (job->notify < 0) {
		free(job);
		return -1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, close_thread, job);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		close(job->notify);
		free(job);
		return -1;
	}
	return 0;
}

/* See agent_linux_int.h. */
void agent_close_done(struct agent_server *a)
{
	struct close_done d;

	while (recv(a->notify[0], &d, sizeof(d), MSG_DONTWAIT) == (ssize_t)sizeof(d)) {
		if (d.ret < 0)
			agent_out_errno(a, d.id, d.err);
		else
			agent_out_ok(a, d.id, 0);
		a->closing--;
	}
}

static int lingers(int fd)
{
	struct linger l;
	socklen_t len = sizeof(l);

	memset(&l, 0, sizeof(l));
	if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len) < 0)
		return 0;
	return l.l_onoff && l.l_linger > 0;
}

/* See agent_linux_int.h. */
void agent_verb_close(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	int fd;

	if (!s)
		return;
	fd = s->fd;
	agent_op_cancel_handle(a, s->handle);
	agent_slot_forget(s);
	if (lingers(fd) && close_in_thread(a, fd, rq->id) == 0) {
		a->closing++;
		return;                  /* the thread's completion replies */
	}
	if (close(fd) < 0)
		agent_out_errno(a, rq->id, errno);
	else
		agent_out_ok(a, rq->id, 0);
}

/* See agent_linux_int.h. */
void agent_verb_shutdown(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	const char *how = rq->args[1];
	int h;

	if (!s)
		return;
	if (strcmp(how, "rd") == 0) {
		h = SHUT_RD;
	} else if (strcmp(how, "wr") == 0) {
		h = SHUT_WR;
	} else if (strcmp(how, "rdwr") == 0) {
		h = SHUT_RDWR;
	} else {
		agent_out_fail(a, rq->id, "EINVAL", "shutdown: how \"%.24s\" is not rd, wr or "
			       "rdwr", how);
		return;
	}
	if (shutdown(s->fd, h) < 0)
		agent_out_errno(a, rq->id, errno);
	else
		agent_out_ok(a, rq->id, 0);
}

/* getsockname / getpeername; a held handle answers with the addresses it had when it
 * was handed to its holder. */
static void getname(struct agent_server *a, const struct agent_request *rq, int peer)
{
	struct agent_slot *s = agent_arg_handle(a, rq, 0);
	struct sockaddr_storage ss;

	if (!s)
		return;
	if (agent_slot_name(s, peer, &ss) < 0) {
		agent_out_errno(a, rq->id, errno);
		return;
	}
	agent_out_begin(a, rq->id, 0, "-");
	agent_out_sockaddr(a, "addr", "port", &ss);
	agent_out_end(a);
}

/* See agent_linux_int.h. */
void agent_verb_getsockname(struct agent_server *a, const struct agent_request *rq)
{
	getname(a, rq, 0);
}

/* See agent_linux_int.h. */
void agent_verb_getpeername(struct agent_server *a, const struct agent_request *rq)
{
	getname(a, rq, 1);
}
