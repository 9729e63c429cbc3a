/* Parked calls of the agent core (agent_core_int.h): accept, connect, send and recv on
 * the backend's non-blocking sockets. A blocking verb tries its call once; if the stack
 * says EAGAIN / EINPROGRESS, the op is parked, and the loop (agent_core.c) tries it
 * again on readiness or expires it at its deadline (PROTOCOL.md section 5). */
#include "agent_core_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* See agent_core.h. */
int64_t agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* See agent_core_int.h. */
int agent_would_block(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

static struct agent_op *op_alloc(struct agent_server *a)
{
	int i;

	for (i = 0; i < a->max_pending; i++)
		if (!a->ops[i].used) {
			memset(&a->ops[i], 0, sizeof(a->ops[i]));
			a->ops[i].used = 1;
			a->ops[i].fd = -1;
			return &a->ops[i];
		}
	return NULL;
}

/* See agent_core_int.h. */
void agent_op_free(struct agent_op *op)
{
	free(op->buf);
	memset(op, 0, sizeof(*op));
	op->fd = -1;
}

/* See agent_core_int.h. */
int agent_op_is_read_side(enum agent_op_kind k)
{
	return k == OP_ACCEPT || k == OP_RECV;
}

static const char *op_name(enum agent_op_kind k)
{
	static const char *const names[] = { "accept", "connect", "send", "recv" };

	return names[k];
}

/* The first op parked on handle, of either side (side -1) or of the side that
 * agent_op_is_read_side gives (0 or 1); NULL when there is none. */
static const struct agent_op *op_find(struct agent_server *a, uint32_t handle, int side)
{
	int i;

	for (i = 0; i < AGENT_MAX_PENDING; i++)
		if (a->ops[i].used && a->ops[i].handle == handle &&
		    (side < 0 || agent_op_is_read_side(a->ops[i].kind) == side))
			return &a->ops[i];
	return NULL;
}

/* See agent_core.h. */
int agent_op_pending(struct agent_server *a, uint32_t handle)
{
	return op_find(a, handle, -1) != NULL;
}

/* See agent_core_int.h. */
struct agent_op *agent_op_start(struct agent_server *a, const struct agent_request *rq,
				struct agent_slot *s, enum agent_op_kind kind,
				const struct agent_opts *o)
{
	const struct agent_op *busy = op_find(a, s->handle, agent_op_is_read_side(kind));
	struct agent_op *op;

	if (busy) {
		agent_out_fail(a, rq->id, "EBUSY", "%s: handle %u already has a pending %s",
			       rq->verb, s->handle, op_name(busy->kind));
		return NULL;
	}
	op = op_alloc(a);
	if (!op) {
		agent_out_fail(a, rq->id, "EBUSY", "%s: %d operations already pending",
			       rq->verb, a->max_pending);
		return NULL;
	}
	op->kind = kind;
	op->id = rq->id;
	op->handle = s->handle;
	op->fd = s->fd;
	op->deadline_ms = agent_now_ms() + o->wait_ms;
	return op;
}

/* Each try function attempts the call once more; it returns 1 when the op completed
 * (reply queued), 0 when it must wait for readiness. */

static int try_accept(struct agent_server *a, struct agent_op *op)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct agent_slot *listener = agent_slot_find(a, op->handle), *s;
	int fd = a->b->sock.accept(op->fd, (struct sockaddr *)&ss, &len);

	if (fd < 0) {
		if (agent_would_block(errno))
			return 0;
		agent_out_errno(a, op->id, errno);
		return 1;
	}
	s = agent_slot_add(a, fd, listener ? listener->family : ss.ss_family);
	if (!s) {
		a->b->sock.close(fd);
		agent_out_fail(a, op->id, "EMFILE", "accept: all %d handles in use",
			       a->max_handles);
		return 1;
	}
	agent_out_begin(a, op->id, s->handle, "-");
	agent_out_names(a, fd, 1);
	agent_out_end(a);
	return 1;
}

static void reply_connected(struct agent_server *a, struct agent_op *op)
{
	agent_out_begin(a, op->id, 0, "-");
	agent_out_names(a, op->fd, 1);
	agent_out_end(a);
}

static int try_connect(struct agent_server *a, struct agent_op *op)
{
	int err = 0;
	socklen_t len = sizeof(err);
	struct pollfd p = { .fd = op->fd, .events = POLLOUT };

	/* The loop calls this only after the socket polled ready, but agent_op_try does not
	 * require it, and SO_ERROR is 0 as well while the handshake is still running: only
	 * once the socket is writable or in error does it say how the handshake ended. So
	 * readiness is checked once more here (zero timeout). */
	if (a->b->sock.poll(&p, 1) <= 0 || !(p.revents & (POLLOUT | POLLERR | POLLHUP)))
		return 0;
	if (a->b->sock.getsockopt(op->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		agent_out_errno(a, op->id, err);
		return 1;
	}
	reply_connected(a, op);
	return 1;
}

/* One send() of everything not yet taken (PROTOCOL.md 6.3: the segmentation on the
 * wire must be the stack's, not ours), as a blocking send(2) hands the whole buffer
 * to the kernel. A short count leaves the op parked until the socket is writable
 * again; then the rest goes, again in one call. A len=<n> pattern goes in pieces of
 * at most AGENT_SEND_PIECE_MAX (more than a send buffer takes at once). An empty
 * send is one send() of zero bytes, so the stack's answer to it comes back. */
static int try_send(struct agent_server *a, struct agent_op *op)
{
	size_t n = op->len - op->done;
	const unsigned char empty = 0;
	const void *p = op->len == 0 ? &empty : op->buf + op->done;
	ssize_t r;

	if (op->pattern) {
		p = op->buf + op->done % 26;
		if (n > AGENT_SEND_PIECE_MAX)
			n = AGENT_SEND_PIECE_MAX;
	}
	r = a->b->sock.send(op->fd, p, n, op->flags);
	if (r < 0) {
		if (agent_would_block(errno))
			return 0;
		/* Like send(2): bytes already taken are reported, not the error. */
		if (op->done > 0)
			agent_out_ok(a, op->id, (long long)op->done);
		else
			agent_out_errno(a, op->id, errno);
		return 1;
	}
	op->done += (size_t)r;
	if (op->done < op->len)
		return 0;
	agent_out_ok(a, op->id, (long long)op->done);
	return 1;
}

static void reply_recv(struct agent_server *a, struct agent_op *op)
{
	agent_out_begin(a, op->id, (long long)op->done, "-");
	agent_out_hex(a, "data", op->buf, op->done);
	agent_out_end(a);
}

static int try_recv(struct agent_server *a, struct agent_op *op)
{
	while (op->done < op->len) {
		ssize_t r = a->b->sock.recv(op->fd, op->buf + op->done, op->len - op->done,
					    op->flags);

		if (r < 0) {
			if (agent_would_block(errno))
				return 0;
			if (op->done > 0)
				reply_recv(a, op);
			else
				agent_out_errno(a, op->id, errno);
			return 1;
		}
		if (r == 0)
			break;          /* orderly EOF: report what we have, 0 if nothing */
		op->done += (size_t)r;
		if (!op->waitall)
			break;
	}
	reply_recv(a, op);
	return 1;
}

/* See agent_core_int.h. */
int agent_op_try(struct agent_server *a, struct agent_op *op)
{
	switch (op->kind) {
	case OP_ACCEPT: return try_accept(a, op);
	case OP_CONNECT: return try_connect(a, op);
	case OP_SEND: return try_send(a, op);
	case OP_RECV: return try_recv(a, op);
	}
	return 1;
}

/* See agent_core_int.h. Partial sends and reads report their count (as a blocking
 * call with SO_SNDTIMEO / SO_RCVTIMEO would); everything else gets TIMEOUT. */
void agent_op_expire(struct agent_server *a, struct agent_op *op)
{
	if (op->kind == OP_SEND && op->done > 0)
		agent_out_ok(a, op->id, (long long)op->done);
	else if (op->kind == OP_RECV && op->done > 0)
		reply_recv(a, op);
	else
		agent_out_fail(a, op->id, "TIMEOUT", "%s: not done within the wait",
			       op_name(op->kind));
	agent_op_free(op);
}

/* See agent_core_int.h. */
void agent_op_launch(struct agent_server *a, struct agent_op *op, int64_t wait_ms,
		     int first_err)
{
	if (op->kind == OP_CONNECT && first_err != EINPROGRESS) {
		if (first_err)
			agent_out_errno(a, op->id, first_err);
		else
			reply_connected(a, op);     /* connected at once */
		agent_op_free(op);
		return;
	}
	if (op->kind != OP_CONNECT && agent_op_try(a, op)) {
		agent_op_free(op);
		return;
	}
	if (wait_ms > 0)
		return;                  /* pending: the loop owns it now */
	/* wait=0 is a non-blocking call: the stack's own answer comes back. */
	if (op->kind != OP_CONNECT && op->done > 0) {
		agent_op_expire(a, op);  /* the partial count; frees op */
		return;
	}
	agent_out_errno(a, op->id, op->kind == OP_CONNECT ? EINPROGRESS : EAGAIN);
	agent_op_free(op);
}

/* Answer the ops of handle (or every op, all 1) with CANCELED and `why`, and free
 * them. */
static void ops_cancel(struct agent_server *a, int all, uint32_t handle, const char *why)
{
	int i;

	for (i = 0; i < AGENT_MAX_PENDING; i++)
		if (a->ops[i].used && (all || a->ops[i].handle == handle)) {
			agent_out_fail(a, a->ops[i].id, "CANCELED", "%s", why);
			agent_op_free(&a->ops[i]);
		}
}

/* See agent_core_int.h. */
void agent_op_cancel_handle(struct agent_server *a, uint32_t handle)
{
	char why[40];

	snprintf(why, sizeof(why), "handle %u was closed", handle);
	ops_cancel(a, 0, handle, why);
}

/* See agent_core_int.h. */
void agent_op_cancel_all(struct agent_server *a)
{
	ops_cancel(a, 1, 0, "the agent is quitting");
}

/* See agent_core_int.h. */
int agent_op_next_timeout(struct agent_server *a, int64_t now)
{
	int64_t t = -1;
	int i;

	for (i = 0; i < AGENT_MAX_PENDING; i++)
		if (a->ops[i].used) {
			int64_t left = a->ops[i].deadline_ms - now;

			if (left < 0)
				left = 0;
			if (t < 0 || left < t)
				t = left;
		}
	return (int)t;
}

/* See agent_core_int.h. */
void agent_op_expire_due(struct agent_server *a, int64_t now)
{
	int i;

	for (i = 0; i < AGENT_MAX_PENDING; i++)
		if (a->ops[i].used && a->ops[i].deadline_ms <= now)
			agent_op_expire(a, &a->ops[i]);
}
