/* Socket verbs of the agent core (PROTOCOL.md 6.2, 6.3): socket bind listen accept
 * connect send recv shutdown getsockname getpeername, on the backend's socket API.
 * Calls that can block hand over to a parked op (agent_ops.c); close is in
 * agent_close.c. */
#include "agent_core_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* See agent_core_int.h. */
void agent_verb_socket(struct agent_server *a, const struct agent_request *rq)
{
	char why[128] = "";
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
	fd = a->b->sock.open(family, why, sizeof(why));
	if (fd < 0) {
		if (why[0])
			agent_out_fail(a, rq->id, agent_errno_name(errno), "socket: %s", why);
		else
			agent_out_errno(a, rq->id, errno);
		return;
	}
	s = agent_slot_add(a, fd, family);
	if (!s) {
		a->b->sock.close(fd);
		agent_out_fail(a, rq->id, "EMFILE", "socket: all %d handles in use",
			       a->max_handles);
		return;
	}
	agent_out_ok(a, rq->id, s->handle);
}

/* See agent_core_int.h. */
void agent_verb_bind(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	struct sockaddr_storage ss;
	socklen_t len;

	if (!s || agent_arg_sockaddr(a, rq, 1, s->family, &ss, &len) < 0)
		return;
	agent_out_status(a, rq->id, a->b->sock.bind(s->fd, (struct sockaddr *)&ss, len));
}

/* See agent_core_int.h. */
void agent_verb_listen(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	long long backlog;

	if (!s || agent_arg_num(a, rq, 1, "backlog", -1, 65535, &backlog) < 0)
		return;
	agent_out_status(a, rq->id, a->b->sock.listen(s->fd, (int)backlog));
}

/* See agent_core_int.h. */
void agent_verb_accept(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	struct agent_opts o;
	struct agent_op *op;

	if (!s || agent_arg_opts(a, rq, 1, OPT_WAIT, &o) < 0)
		return;
	agent_opts_apply_nonblock(s, &o);
	op = agent_op_start(a, rq, s, OP_ACCEPT, &o);
	if (op)
		agent_op_launch(a, op, o.wait_ms, 0);
}

/* See agent_core_int.h. */
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
	agent_opts_apply_nonblock(s, &o);
	op = agent_op_start(a, rq, s, OP_CONNECT, &o);
	if (!op)
		return;
	if (a->b->sock.connect(s->fd, (struct sockaddr *)&ss, len) < 0)
		err = errno;
	agent_op_launch(a, op, o.wait_ms, err);
}

/* A stack without urgent data (backend no_oob) refuses oob rather than send or read
 * the bytes in line, which would pass a test of MSG_OOB for the wrong reason. */
static int refuse_oob(struct agent_server *a, const struct agent_request *rq,
		      const struct agent_opts *o)
{
	if (!o->oob || !a->b->no_oob)
		return 0;
	agent_out_fail(a, rq->id, "EOPNOTSUPP", "%s: %s", rq->verb, a->b->no_oob);
	return 1;
}

/* A stack that cannot pass MSG_MORE refuses `more` rather than send without it, which
 * would pass or fail a test of MSG_MORE for the wrong reason (PROTOCOL.md 2). */
static int refuse_more(struct agent_server *a, const struct agent_request *rq,
		       const struct agent_opts *o)
{
	if (!o->more || a->b->msg_more)
		return 0;
	agent_out_fail(a, rq->id, "ENOSYS", "send: more (MSG_MORE) is not supported by this "
		       "agent (no msg_more cap)");
	return 1;
}

/* The pattern of send len=<n> (byte i is 'a' + i % 26) for one send() of up to
 * AGENT_SEND_PIECE_MAX bytes from any offset: the buffer holds 26 bytes more, so the
 * piece at offset k starts at buf + k % 26 (agent_ops.c). */
static int pattern_alloc(struct agent_op *op)
{
	size_t n = (op->len < AGENT_SEND_PIECE_MAX ? op->len : AGENT_SEND_PIECE_MAX) + 26, i;

	op->buf = malloc(n);
	if (!op->buf)
		return -1;
	for (i = 0; i < n; i++)
		op->buf[i] = (unsigned char)('a' + i % 26);
	return 0;
}

/* The data of a send: len=<n> (the pattern), "-" (no bytes: PROTOCOL.md 6.3) or hex
 * (decoded into op->buf). Returns 0, or -1 after a reply. */
static int send_data(struct agent_server *a, const struct agent_request *rq,
		     struct agent_op *op, const char *data)
{
	size_t cap;
	long n;

	if (strncmp(data, "len=", 4) == 0) {
		long long len;

		if (agent_parse_num(data + 4, 0, AGENT_SEND_LEN_MAX, &len) < 0) {
			agent_out_fail(a, rq->id, "EINVAL", "send: len \"%.24s\" is not a byte "
				       "count in 0..%u", data + 4, AGENT_SEND_LEN_MAX);
			return -1;
		}
		op->pattern = 1;
		op->len = (size_t)len;
		if (pattern_alloc(op) < 0) {
			agent_out_errno(a, rq->id, ENOMEM);
			return -1;
		}
		return 0;
	}
	if (strcmp(data, "-") == 0) {
		op->len = 0;            /* an empty send: one send() of zero bytes */
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

/* See agent_core_int.h. */
void agent_verb_send(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	struct agent_opts o;
	struct agent_op *op;

	if (!s || agent_arg_opts(a, rq, 2, OPT_WAIT | OPT_OOB | OPT_MORE | OPT_DONTWAIT, &o) < 0 ||
	    refuse_oob(a, rq, &o) || refuse_more(a, rq, &o))
		return;
	agent_opts_apply_nonblock(s, &o);
	op = agent_op_start(a, rq, s, OP_SEND, &o);
	if (!op)
		return;
	op->flags = (o.oob ? MSG_OOB : 0) | (o.more ? MSG_MORE : 0);
	if (send_data(a, rq, op, rq->args[1]) < 0) {
		agent_op_free(op);
		return;
	}
	agent_op_launch(a, op, o.wait_ms, 0);
}

/* See agent_core_int.h. */
void agent_verb_recv(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	long long maxlen;
	struct agent_opts o;
	struct agent_op *op;

	if (!s || agent_arg_num(a, rq, 1, "maxlen", 1, AGENT_RECV_MAX, &maxlen) < 0 ||
	    agent_arg_opts(a, rq, 2, OPT_WAIT | OPT_PEEK | OPT_WAITALL | OPT_OOB | OPT_DONTWAIT,
			   &o) < 0 || refuse_oob(a, rq, &o))
		return;
	agent_opts_apply_nonblock(s, &o);
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

/* See agent_core_int.h. */
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
	agent_out_status(a, rq->id, a->b->sock.shutdown(s->fd, h));
}

/* getsockname / getpeername; a held handle answers with the addresses it had when it
 * was handed to its holder. */
static void getname(struct agent_server *a, const struct agent_request *rq, int peer)
{
	struct agent_slot *s = agent_arg_handle(a, rq, 0);
	struct sockaddr_storage ss;

	if (!s)
		return;
	if (agent_slot_name(a, s, peer, &ss) < 0) {
		agent_out_errno(a, rq->id, errno);
		return;
	}
	agent_out_begin(a, rq->id, 0, "-");
	agent_out_sockaddr(a, "addr", "port", &ss);
	agent_out_end(a);
}

/* See agent_core_int.h. */
void agent_verb_getsockname(struct agent_server *a, const struct agent_request *rq)
{
	getname(a, rq, 0);
}

/* See agent_core_int.h. */
void agent_verb_getpeername(struct agent_server *a, const struct agent_request *rq)
{
	getname(a, rq, 1);
}
