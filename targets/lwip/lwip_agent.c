/* The lwIP agent's server (lwip_agent.h): control channel, replies, handle table and
 * parked calls. The verbs themselves are in lwip_verbs.c.
 *
 * Two kinds of descriptors meet here and must not be confused: the control channel and
 * the linger-close pipe are host fds (poll, read, write); sockets are lwIP fds (lwip_*
 * calls only). */
#include "lwip_agent.h"
#include "lwip_agent_int.h"

#include <lwip/sockets.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OUT_HIGH_WATER (1u << 20)      /* stop reading requests while replies pile up */
#define MSG_MAX 256

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int would_block(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* ---------------------------------------------------------------- replies */

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

static void reply_vformat(struct agent_server *a, const char *fmt, va_list ap)
{
	size_t room = REPLY_CAP - a->replylen;
	int n = vsnprintf(a->reply + a->replylen, room, fmt, ap);

	if (n > 0)
		a->replylen += (size_t)n < room ? (size_t)n : room - 1;
}

/* See lwip_agent_int.h. */
void reply_raw(struct agent_server *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_vformat(a, fmt, ap);
	va_end(ap);
}

/* See lwip_agent_int.h. */
void reply_begin(struct agent_server *a, uint32_t id, long long ret, const char *errname)
{
	a->replylen = 0;
	reply_raw(a, "%u %lld %s", id, ret, errname);
}

/* See lwip_agent_int.h. */
void reply_kv(struct agent_server *a, const char *key, const char *fmt, ...)
{
	va_list ap;

	reply_raw(a, " %s=", key);
	va_start(ap, fmt);
	reply_vformat(a, fmt, ap);
	va_end(ap);
}

/* See lwip_agent_int.h. */
void reply_end(struct agent_server *a)
{
	a->reply[a->replylen++] = '\n';
	out_append(a, a->reply, a->replylen);
	a->replylen = 0;
}

/* Blanks become '_', anything outside 0x21..0x7e '?' (PROTOCOL.md 4.2). */
static void msg_sanitize(char *msg)
{
	for (; *msg; msg++) {
		if (*msg == ' ')
			*msg = '_';
		else if (*msg < 0x21 || *msg > 0x7e)
			*msg = '?';
	}
}

/* See lwip_agent_int.h. */
void reply_fail(struct agent_server *a, uint32_t id, const char *errname, const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	msg_sanitize(msg);
	reply_begin(a, id, -1, errname);
	reply_kv(a, "msg", "%s", msg);
	reply_end(a);
}

/* See lwip_agent_int.h. lwIP sets the host's errno (LWIP_ERRNO_STDINCLUDE). */
void reply_errno(struct agent_server *a, uint32_t id, int err)
{
	reply_begin(a, id, -1, agent_errno_name(err ? err : EIO));
	reply_end(a);
}

/* See lwip_agent_int.h. */
void reply_ok(struct agent_server *a, uint32_t id, long long ret)
{
	reply_begin(a, id, ret, "-");
	reply_end(a);
}

static void kv_sockaddr(struct agent_server *a, const char *akey, const char *pkey,
			const struct sockaddr_storage *ss)
{
	char buf[INET6_ADDRSTRLEN] = "none";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof(buf));
		port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof(buf));
		port = ntohs(s6->sin6_port);
	}
	reply_kv(a, akey, "%s", buf);
	reply_kv(a, pkey, "%u", port);
}

/* See lwip_agent_int.h. */
void reply_names(struct agent_server *a, int fd, int with_peer)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	len = sizeof(ss);
	if (lwip_getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		kv_sockaddr(a, "laddr", "lport", &ss);
	if (!with_peer)
		return;
	memset(&ss, 0, sizeof(ss));
	len = sizeof(ss);
	if (lwip_getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		kv_sockaddr(a, "raddr", "rport", &ss);
}

/* ---------------------------------------------------------------- handles */

/* See lwip_agent_int.h. */
struct slot *slot_find(struct agent_server *a, uint32_t handle)
{
	int i;

	if (handle == 0)
		return NULL;
	for (i = 0; i < MAX_HANDLES; i++)
		if (a->slots[i].handle == handle)
			return &a->slots[i];
	return NULL;
}

/* See lwip_agent_int.h. Handles are never reused within a session (PROTOCOL.md 5). */
struct slot *slot_add(struct agent_server *a, int fd, int family)
{
	int i;

	for (i = 0; i < MAX_HANDLES; i++) {
		if (a->slots[i].handle == 0) {
			a->slots[i].handle = a->next_handle++;
			if (a->next_handle == 0)
				a->next_handle = 1;
			a->slots[i].fd = fd;
			a->slots[i].family = family;
			return &a->slots[i];
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- parked calls */

static struct op *op_alloc(struct agent_server *a)
{
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (!a->ops[i].used) {
			memset(&a->ops[i], 0, sizeof(a->ops[i]));
			a->ops[i].used = 1;
			a->ops[i].fd = -1;
			return &a->ops[i];
		}
	return NULL;
}

/* See lwip_agent_int.h. */
void op_free(struct op *op)
{
	free(op->buf);
	memset(op, 0, sizeof(*op));
	op->fd = -1;
}

static int op_is_read_side(enum op_kind k)
{
	return k == OP_ACCEPT || k == OP_RECV;
}

static const char *op_name(enum op_kind k)
{
	static const char *const names[] = { "accept", "connect", "send", "recv" };

	return names[k];
}

/* See lwip_agent_int.h. */
struct op *op_start(struct agent_server *a, const struct agent_request *rq,
		    struct slot *s, enum op_kind kind, const struct opts *o)
{
	struct op *op;
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used && a->ops[i].handle == s->handle &&
		    op_is_read_side(a->ops[i].kind) == op_is_read_side(kind)) {
			reply_fail(a, rq->id, "EBUSY", "%s: handle %u already has a pending %s",
				   rq->verb, s->handle, op_name(a->ops[i].kind));
			return NULL;
		}
	op = op_alloc(a);
	if (!op) {
		reply_fail(a, rq->id, "EBUSY", "%s: %d operations already pending", rq->verb,
			   MAX_PENDING);
		return NULL;
	}
	op->kind = kind;
	op->id = rq->id;
	op->handle = s->handle;
	op->fd = s->fd;
	op->deadline_ms = now_ms() + o->wait_ms;
	return op;
}

/* Each try_* attempts the call once more: 1 when the op is answered, 0 to wait. */

static int try_accept(struct agent_server *a, struct op *op)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct slot *listener = slot_find(a, op->handle), *s;
	int fd = lwip_accept(op->fd, (struct sockaddr *)&ss, &len);

	if (fd < 0) {
		if (would_block(errno))
			return 0;
		reply_errno(a, op->id, errno);
		return 1;
	}
	/* lwIP does not pass O_NONBLOCK on to accepted sockets. */
	lwip_fcntl(fd, F_SETFL, O_NONBLOCK);
	s = slot_add(a, fd, listener ? listener->family : ss.ss_family);
	if (!s) {
		lwip_close(fd);
		reply_fail(a, op->id, "EMFILE", "accept: all %d handles in use", MAX_HANDLES);
		return 1;
	}
	reply_begin(a, op->id, s->handle, "-");
	reply_names(a, fd, 1);
	reply_end(a);
	return 1;
}

/* A non-blocking connect is done when lwIP reports the socket writable or in error;
 * SO_ERROR then says which (lwIP keeps the error of the handshake there). */
static int try_connect(struct agent_server *a, struct op *op)
{
	struct pollfd p = { .fd = op->fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	if (lwip_poll(&p, 1, 0) <= 0 || !(p.revents & (POLLOUT | POLLERR | POLLHUP)))
		return 0;
	if (lwip_getsockopt(op->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		reply_errno(a, op->id, err);
		return 1;
	}
	reply_begin(a, op->id, 0, "-");
	reply_names(a, op->fd, 1);
	reply_end(a);
	return 1;
}

/* The pattern of send len=<n>: byte i of the send is 'a' + i % 26 (PROTOCOL.md 6.3). */
static void pattern_fill(unsigned char *buf, size_t n, size_t offset)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)('a' + (offset + i) % 26);
}

static int try_send(struct agent_server *a, struct op *op)
{
	unsigned char chunk[4096];

	while (op->done < op->len) {
		size_t n = op->len - op->done;
		const void *p = op->pattern ? chunk : op->buf + op->done;
		ssize_t r;

		if (op->pattern) {
			n = n < sizeof(chunk) ? n : sizeof(chunk);
			pattern_fill(chunk, n, op->done);
		}
		r = lwip_send(op->fd, p, n, MSG_DONTWAIT);
		if (r < 0) {
			if (would_block(errno))
				return 0;
			/* Like send(2): bytes already taken are reported, not the error. */
			if (op->done > 0)
				reply_ok(a, op->id, (long long)op->done);
			else
				reply_errno(a, op->id, errno);
			return 1;
		}
		op->done += (size_t)r;
	}
	reply_ok(a, op->id, (long long)op->done);
	return 1;
}

static void reply_recv(struct agent_server *a, struct op *op)
{
	char *hex = malloc(op->done * 2 + 1);

	if (!hex) {
		reply_errno(a, op->id, ENOMEM);
		return;
	}
	agent_hex_encode(op->buf, op->done, hex, op->done * 2 + 1);
	reply_begin(a, op->id, (long long)op->done, "-");
	reply_kv(a, "data", "%s", hex);
	reply_end(a);
	free(hex);
}

static int try_recv(struct agent_server *a, struct op *op)
{
	while (op->done < op->len) {
		ssize_t r = lwip_recv(op->fd, op->buf + op->done, op->len - op->done,
				      op->flags | MSG_DONTWAIT);

		if (r < 0) {
			if (would_block(errno))
				return 0;
			if (op->done > 0)
				reply_recv(a, op);
			else
				reply_errno(a, op->id, errno);
			return 1;
		}
		if (r == 0)
			break;          /* the peer's FIN: what we have, 0 if nothing */
		op->done += (size_t)r;
		if (!op->waitall)
			break;
	}
	reply_recv(a, op);
	return 1;
}

static int op_try(struct agent_server *a, struct op *op)
{
	switch (op->kind) {
	case OP_ACCEPT: return try_accept(a, op);
	case OP_CONNECT: return try_connect(a, op);
	case OP_SEND: return try_send(a, op);
	case OP_RECV: return try_recv(a, op);
	}
	return 1;
}

/* The wait ran out: partial sends and reads report their count, as a blocking call
 * with SO_SNDTIMEO / SO_RCVTIMEO would; everything else gets TIMEOUT. */
static void op_expire(struct agent_server *a, struct op *op)
{
	if (op->kind == OP_SEND && op->done > 0)
		reply_ok(a, op->id, (long long)op->done);
	else if (op->kind == OP_RECV && op->done > 0)
		reply_recv(a, op);
	else
		reply_fail(a, op->id, "TIMEOUT", "%s: not done within the wait",
			   op_name(op->kind));
	op_free(op);
}

/* See lwip_agent_int.h. */
void op_launch(struct agent_server *a, struct op *op, int64_t wait_ms, int first_err)
{
	if (op->kind == OP_CONNECT && first_err != EINPROGRESS) {
		if (first_err) {
			reply_errno(a, op->id, first_err);
		} else {
			reply_begin(a, op->id, 0, "-");
			reply_names(a, op->fd, 1);
			reply_end(a);
		}
		op_free(op);
		return;
	}
	if (op->kind != OP_CONNECT && op_try(a, op)) {
		op_free(op);
		return;
	}
	if (wait_ms > 0)
		return;                  /* parked: the loop owns it now */
	/* wait=0 is a non-blocking call: the stack's own answer comes back. */
	if (op->kind == OP_CONNECT)
		reply_errno(a, op->id, EINPROGRESS);
	else if (op->done > 0)
		op_expire(a, op);
	else
		reply_errno(a, op->id, EAGAIN);
	if (op->used)
		op_free(op);
}

/* See lwip_agent_int.h. */
void op_cancel_handle(struct agent_server *a, uint32_t handle)
{
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used && a->ops[i].handle == handle) {
			reply_fail(a, a->ops[i].id, "CANCELED", "handle %u was closed", handle);
			op_free(&a->ops[i]);
		}
}

/* ---------------------------------------------------------------- linger close */

/* Why a thread: with SO_LINGER on and a non-zero time, lwip_close() waits inside lwIP
 * until the peer has acknowledged everything (RFC 9293 3.6) or the time is up, and a
 * non-blocking socket would refuse instead (EWOULDBLOCK), so the socket is made
 * blocking and closed here while the loop keeps serving. */
struct close_job {
	int fd;
	int notify;             /* host fd: the pipe's write end, shared */
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

	d.ret = lwip_close(job->fd);
	d.err = d.ret < 0 ? errno : 0;
	/* A pipe write this small is atomic; if the agent is gone nobody reads it. */
	if (write(job->notify, &d, sizeof(d)) < 0)
		d.ret = 0;
	free(job);
	return NULL;
}

/* See lwip_agent_int.h. */
int close_in_thread(struct agent_server *a, int fd, uint32_t id)
{
	struct close_job *job = malloc(sizeof(*job));
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (!job)
		return -1;
	job->fd = fd;
	job->id = id;
	job->notify = a->notify[1];
	lwip_fcntl(fd, F_SETFL, 0);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, close_thread, job);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		lwip_fcntl(fd, F_SETFL, O_NONBLOCK);
		free(job);
		return -1;
	}
	a->closing++;
	return 0;
}

static void on_close_done(struct agent_server *a)
{
	struct close_done d;

	while (read(a->notify[0], &d, sizeof(d)) == (ssize_t)sizeof(d)) {
		if (d.ret < 0)
			reply_errno(a, d.id, d.err);
		else
			reply_ok(a, d.id, 0);
		a->closing--;
	}
}

/* ---------------------------------------------------------------- control channel */

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
		return;                 /* blank lines get no reply */
	if (memchr(line, '\0', len)) {
		uint32_t id = leading_id(line, len);

		reply_fail(a, id, id ? "EINVAL" : "EPROTO", "request: NUL byte in line");
		return;
	}
	if (agent_request_parse(line, &rq, err, sizeof(err)) < 0) {
		reply_fail(a, rq.id, rq.id ? "EINVAL" : "EPROTO", "%s", err);
		return;
	}
	if (strcmp(rq.verb, "quit") == 0 && rq.nargs > 0) {
		reply_fail(a, rq.id, "EINVAL", "quit: got %d arguments, usage: quit", rq.nargs);
		return;
	}
	if (strcmp(rq.verb, "quit") == 0) {
		for (i = 0; i < MAX_PENDING; i++)
			if (a->ops[i].used) {
				reply_fail(a, a->ops[i].id, "CANCELED", "the agent is quitting");
				op_free(&a->ops[i]);
			}
		a->quit = 1;
		a->quit_id = rq.id;
		return;
	}
	verbs_dispatch(a, &rq);
}

/* Split the input into lines; a line longer than AGENT_LINE_MAX is dropped up to its
 * LF and answered once, addressed to its id when it starts with one. */
static void take_lines(struct agent_server *a)
{
	size_t start = 0;
	char *lf;

	while (!a->quit && (lf = memchr(a->in + start, '\n', a->inlen - start))) {
		size_t len = (size_t)(lf - (a->in + start));

		*lf = '\0';
		if (a->discarding) {
			a->discarding = 0;
			reply_fail(a, a->discard_id, a->discard_id ? "EINVAL" : "EPROTO",
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

/* 1 on EOF, -1 on a fatal error, 0 otherwise. */
static int ctl_read(struct agent_server *a)
{
	ssize_t n = read(a->ctl, a->in + a->inlen, IN_CAP - a->inlen);

	if (n < 0)
		return would_block(errno) ? 0 : -1;
	if (n == 0)
		return 1;
	a->inlen += (size_t)n;
	take_lines(a);
	return 0;
}

/* 1 when the harness is gone, -1 on a fatal error, 0 otherwise. */
static int ctl_write(struct agent_server *a)
{
	ssize_t n = send(a->ctl, a->out, a->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && errno == ENOTSOCK)
		n = write(a->ctl, a->out, a->outlen);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
		return 1;
	if (n < 0)
		return would_block(errno) ? 0 : -1;
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
		a->slots[i].fd = -1;
	for (i = 0; i < MAX_PENDING; i++)
		a->ops[i].fd = -1;
	a->in = malloc(IN_CAP);
	a->reply = malloc(REPLY_CAP + 1);
	fl = fcntl(ctl, F_GETFL);
	if (!a->in || !a->reply || fl < 0 || fcntl(ctl, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    pipe2(a->notify, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(a->in);
		free(a->reply);
		free(a);
		return NULL;
	}
	return a;
}

/* Close every socket the agent opened; SO_LINGER is cleared first so that none of
 * these closes waits on a peer. */
static void server_free(struct agent_server *a)
{
	struct linger off = { 0, 0 };
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used)
			op_free(&a->ops[i]);
	for (i = 0; i < MAX_HANDLES; i++)
		if (a->slots[i].handle) {
			lwip_setsockopt(a->slots[i].fd, SOL_SOCKET, SO_LINGER, &off, sizeof(off));
			lwip_close(a->slots[i].fd);
		}
	/* The pipe stays open: a linger-close thread may still write to it. */
	free(a->in);
	free(a->out);
	free(a->reply);
	free(a);
}

static int any_pending(const struct agent_server *a)
{
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used)
			return 1;
	return 0;
}

/* How long the host poll() may sleep: forever when nothing is parked, else one step
 * (lwIP sockets cannot be in that poll) or until the nearest deadline. */
static int next_timeout(const struct agent_server *a, int64_t now)
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
	if (t > LWIP_AGENT_STEP_MS)
		t = LWIP_AGENT_STEP_MS;
	return (int)t;
}

/* Try the parked calls lwIP reports ready (zero-timeout lwip_poll), then time out the
 * ones whose wait ran out. */
static void ops_step(struct agent_server *a)
{
	struct pollfd p[MAX_PENDING];
	int idx[MAX_PENDING];
	int n = 0, i;
	int64_t now;

	for (i = 0; i < MAX_PENDING; i++) {
		if (!a->ops[i].used)
			continue;
		p[n].fd = a->ops[i].fd;
		p[n].events = op_is_read_side(a->ops[i].kind) ? POLLIN : POLLOUT;
		p[n].revents = 0;
		idx[n++] = i;
	}
	if (n > 0 && lwip_poll(p, (nfds_t)n, 0) > 0)
		for (i = 0; i < n; i++)
			if (p[i].revents && a->ops[idx[i]].used && op_try(a, &a->ops[idx[i]]))
				op_free(&a->ops[idx[i]]);
	now = now_ms();
	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used && a->ops[i].deadline_ms <= now)
			op_expire(a, &a->ops[i]);
}

/* One round: 1 to stop (EOF, or quit answered), -1 on a fatal error, 0 to go on. */
static int server_step(struct agent_server *a)
{
	struct pollfd p[2];
	int rc;

	p[0].fd = a->ctl;
	p[0].events = (short)((!a->quit && a->outlen < OUT_HIGH_WATER ? POLLIN : 0) |
			      (a->outlen ? POLLOUT : 0));
	p[1].fd = a->notify[0];
	p[1].events = POLLIN;
	p[0].revents = p[1].revents = 0;
	rc = poll(p, 2, a->outlen ? 0 : next_timeout(a, now_ms()));
	if (rc < 0 && errno != EINTR)
		return -1;
	if (any_pending(a))
		ops_step(a);
	if (p[1].revents & POLLIN)
		on_close_done(a);
	if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && (p[0].events & POLLIN)) {
		rc = ctl_read(a);
		if (rc != 0)
			return rc;
	}
	if (a->outlen) {
		rc = ctl_write(a);
		if (rc != 0)
			return rc;
		if (a->outlen) {
			/* The harness reads slowly: wait for room rather than spin. */
			p[0].events = POLLOUT;
			poll(p, 1, LWIP_AGENT_STEP_MS);
		}
	}
	if (a->oom)
		return -1;
	if (a->quit && a->closing == 0) {
		if (a->quit_id) {
			reply_ok(a, a->quit_id, 0);
			a->quit_id = 0;
		}
		return a->outlen == 0 ? 1 : 0;
	}
	return 0;
}

/* See lwip_agent.h. */
int lwip_agent_serve(int ctl_fd)
{
	struct agent_server *a = server_new(ctl_fd);
	int rc;

	if (!a)
		return 1;
	reply_begin(a, 0, 0, "-");
	reply_raw(a, " %s", verbs_greeting());
	reply_end(a);
	do
		rc = server_step(a);
	while (rc == 0);
	server_free(a);
	return rc < 0 ? 1 : 0;
}

/* See lwip_agent.h. */
void lwip_agent_greet_failure(int ctl_fd, const char *errname, const char *why)
{
	char line[MSG_MAX + 64], msg[MSG_MAX];
	struct pollfd p = { .fd = ctl_fd, .events = POLLOUT };
	int n;

	snprintf(msg, sizeof(msg), "%s", why);
	msg_sanitize(msg);
	n = snprintf(line, sizeof(line), "0 -1 %s msg=%s\n", errname, msg);
	if (n > 0 && poll(&p, 1, 1000) > 0 && write(ctl_fd, line, (size_t)n) < 0)
		return;
}
