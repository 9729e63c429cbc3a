/* The Linux agent: serves targets/PROTOCOL.md on a control socket (agent_linux.h).
 *
 * Shape: one opaque struct agent_server holding the control channel's buffers, a
 * handle table (protocol handle -> socket), and a table of pending operations with
 * deadlines. One poll loop waits on the control socket, on the fds of pending
 * operations and on a completion socket for linger-closes. Handlers for immediate
 * verbs reply at once; blocking verbs try once and, if the kernel says EAGAIN /
 * EINPROGRESS, park an operation that the loop finishes or times out later.
 *
 * Why a handle is not the fd number: handles are never reused within a session, so a
 * stale handle gives EBADF instead of silently hitting a newer socket; and a later
 * version may keep a socket in a helper process (see PROTOCOL.md, reserved "kill"),
 * where there is no local fd at all. */
#include "agent_linux.h"

#include "agent_proto.h"
#include "sockdiag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HANDLES 256
#define MAX_PENDING 64
#define DEFAULT_WAIT_MS 2000
#define MAX_WAIT_MS 600000
#define RECV_MAX 65536                 /* hex of it fits AGENT_LINE_MAX */
#define SEND_LEN_MAX (64u << 20)       /* send len=<n>: generated, not carried */
#define OUT_HIGH_WATER (1u << 20)      /* stop reading requests while replies pile up */
#define PATTERN_CHUNK 65536
#define SYSCTL_VALUE_MAX 4096
#define MSG_MAX 256

#define GREETING_KEYS "hello=tcpconform-agent version=1 stack=linux " \
	"caps=sysctl,state,keepalive,linger"

/* ---------------------------------------------------------------- the server */

struct slot {
	uint32_t handle;        /* 0: free */
	int fd;
	int family;
};

enum op_kind { OP_ACCEPT, OP_CONNECT, OP_SEND, OP_RECV };

/* One request whose reply waits on the kernel. Read-side (accept, recv) and
 * write-side (connect, send) ops may be pending at once on one handle, but not two of
 * the same side: their completion order would be ambiguous. */
struct op {
	int used;
	enum op_kind kind;
	uint32_t id;            /* request id the reply goes to */
	uint32_t handle;
	int fd;
	int64_t deadline_ms;
	int flags;              /* MSG_* for send/recv */
	int waitall;
	int pattern;            /* send len=<n>: bytes generated on the fly */
	unsigned char *buf;     /* send data or recv buffer (owned) */
	size_t len, done;
};

struct agent_server {
	int ctl;
	int notify[2];          /* [0] read by the loop, [1] dup'ed by close threads */
	uint32_t next_handle;
	int quit;               /* "quit" seen: read no more requests */
	uint32_t quit_id;       /* its reply is the last line, once closes are done */
	int closing;            /* linger-close threads not yet reported */
	struct slot slots[MAX_HANDLES];
	struct op ops[MAX_PENDING];
	char *in;               /* request bytes not yet ending in LF */
	size_t inlen;
	int discarding;         /* inside a line longer than AGENT_LINE_MAX */
	uint32_t discard_id;
	char *out;              /* replies not yet written to ctl */
	size_t outlen, outcap;
	char *reply;            /* the reply being built */
	size_t replylen;
	int oom;
};

#define IN_CAP (AGENT_LINE_MAX + 2)    /* line + optional CR + LF */
#define REPLY_CAP (AGENT_LINE_MAX + 2)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- replies */

/* Queue bytes for the control socket; the loop writes them when it can. */
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

static void reply_raw(struct agent_server *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reply_raw(struct agent_server *a, const char *fmt, ...)
{
	va_list ap;
	size_t room = REPLY_CAP - a->replylen;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(a->reply + a->replylen, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		a->replylen += (size_t)n < room ? (size_t)n : room - 1;
}

static void reply_begin(struct agent_server *a, uint32_t id, long long ret, const char *errname)
{
	a->replylen = 0;
	reply_raw(a, "%u %lld %s", id, ret, errname);
}

/* " key=value"; the value must contain no blanks (all callers pass numbers, names,
 * addresses or hex). */
static void reply_kv(struct agent_server *a, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply_kv(struct agent_server *a, const char *key, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	reply_raw(a, " %s=", key);
	room = REPLY_CAP - a->replylen;
	va_start(ap, fmt);
	n = vsnprintf(a->reply + a->replylen, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		a->replylen += (size_t)n < room ? (size_t)n : room - 1;
}

static void reply_hex(struct agent_server *a, const char *key, const void *data, size_t len)
{
	reply_raw(a, " %s=", key);
	a->replylen += agent_hex_encode(data, len, a->reply + a->replylen,
					REPLY_CAP - a->replylen);
}

static void reply_end(struct agent_server *a)
{
	a->reply[a->replylen++] = '\n';
	out_append(a, a->reply, a->replylen);
	a->replylen = 0;
}

/* "<id> -1 <errname> msg=<text>": the message is for people; blanks become '_' and
 * anything outside printable ASCII '?' (PROTOCOL.md "Error messages"). */
static void reply_fail(struct agent_server *a, uint32_t id, const char *errname,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void reply_fail(struct agent_server *a, uint32_t id, const char *errname,
		       const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; msg[i]; i++) {
		if (msg[i] == ' ')
			msg[i] = '_';
		else if (msg[i] < 0x21 || msg[i] > 0x7e)
			msg[i] = '?';
	}
	reply_begin(a, id, -1, errname);
	reply_kv(a, "msg", "%s", msg);
	reply_end(a);
}

static void reply_errno(struct agent_server *a, uint32_t id, int err)
{
	reply_begin(a, id, -1, agent_errno_name(err ? err : EIO));
	reply_end(a);
}

static void reply_ok(struct agent_server *a, uint32_t id, long long ret)
{
	reply_begin(a, id, ret, "-");
	reply_end(a);
}

/* ---------------------------------------------------------------- addresses */

static void kv_sockaddr(struct agent_server *a, const char *akey, const char *pkey,
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
	reply_kv(a, akey, "%s", buf);
	reply_kv(a, pkey, "%u", port);
}

static void kv_names(struct agent_server *a, int fd, int with_peer)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		kv_sockaddr(a, "laddr", "lport", &ss);
	if (!with_peer)
		return;
	memset(&ss, 0, sizeof(ss));
	len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		kv_sockaddr(a, "raddr", "rport", &ss);
}

/* ---------------------------------------------------------------- arguments */

static int parse_num(const char *s, long long min, long long max, long long *out)
{
	long long v = 0;
	int neg = (*s == '-');
	const char *p = s + neg;

	if (!*p || strlen(p) > 12)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Argument idx as an integer in [min, max], or an EINVAL reply naming it. */
static int arg_num(struct agent_server *a, const struct agent_request *rq, int idx,
		   const char *name, long long min, long long max, long long *out)
{
	if (parse_num(rq->args[idx], min, max, out) == 0)
		return 0;
	reply_fail(a, rq->id, "EINVAL", "%s: %s \"%.24s\" is not an integer in %lld..%lld",
		   rq->verb, name, rq->args[idx], min, max);
	return -1;
}

static struct slot *slot_find(struct agent_server *a, uint32_t handle)
{
	int i;

	if (handle == 0)
		return NULL;
	for (i = 0; i < MAX_HANDLES; i++)
		if (a->slots[i].handle == handle)
			return &a->slots[i];
	return NULL;
}

/* Argument idx as a live handle, or an EINVAL / EBADF reply. */
static struct slot *arg_slot(struct agent_server *a, const struct agent_request *rq, int idx)
{
	long long h;
	struct slot *s;

	if (arg_num(a, rq, idx, "handle", 1, UINT32_MAX, &h) < 0)
		return NULL;
	s = slot_find(a, (uint32_t)h);
	if (!s)
		reply_fail(a, rq->id, "EBADF", "%s: no open handle %lld", rq->verb, h);
	return s;
}

/* Address literal + port into a sockaddr for a socket of `family`: an IPv4 literal on
 * an inet6 socket becomes the v4-mapped address, as a dual-stack program would use. */
static int arg_sockaddr(struct agent_server *a, const struct agent_request *rq, int idx,
			int family, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct in_addr v4;
	long long port;

	if (arg_num(a, rq, idx + 1, "port", 0, 65535, &port) < 0)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, rq->args[idx], &v4) == 1 && family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_addr = v4;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	*len = sizeof(*s6);
	if (inet_pton(AF_INET, rq->args[idx], &v4) == 1) {
		s6->sin6_addr.s6_addr[10] = 0xff;
		s6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&s6->sin6_addr.s6_addr[12], &v4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, rq->args[idx], &s6->sin6_addr) == 1)
		return 0;   /* on an inet socket the kernel answers (EAFNOSUPPORT) */
	reply_fail(a, rq->id, "EINVAL", "%s: address \"%.48s\" is neither IPv4 nor IPv6",
		   rq->verb, rq->args[idx]);
	return -1;
}

/* Options after the positional arguments: wait=<ms> and bare flags. */
struct opts {
	int64_t wait_ms;
	int peek, waitall, oob;
};

#define OPT_WAIT 1
#define OPT_PEEK 2
#define OPT_WAITALL 4
#define OPT_OOB 8

static int arg_opts(struct agent_server *a, const struct agent_request *rq, int first,
		    int allowed, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->wait_ms = DEFAULT_WAIT_MS;
	for (i = first; i < rq->nargs; i++) {
		const char *s = rq->args[i];
		long long v;

		if ((allowed & OPT_WAIT) && strncmp(s, "wait=", 5) == 0) {
			if (parse_num(s + 5, 0, MAX_WAIT_MS, &v) < 0) {
				reply_fail(a, rq->id, "EINVAL", "%s: wait \"%.24s\" is not "
					   "milliseconds in 0..%d", rq->verb, s + 5, MAX_WAIT_MS);
				return -1;
			}
			o->wait_ms = v;
		} else if ((allowed & OPT_PEEK) && strcmp(s, "peek") == 0) {
			o->peek = 1;
		} else if ((allowed & OPT_WAITALL) && strcmp(s, "waitall") == 0) {
			o->waitall = 1;
		} else if ((allowed & OPT_OOB) && strcmp(s, "oob") == 0) {
			o->oob = 1;
		} else {
			reply_fail(a, rq->id, "EINVAL", "%s: argument %d \"%.24s\" is not an "
				   "option this verb takes%s%s%s%s", rq->verb, i + 1, s,
				   (allowed & OPT_WAIT) ? " wait=<ms>" : " (none)",
				   (allowed & OPT_PEEK) ? " peek" : "",
				   (allowed & OPT_WAITALL) ? " waitall" : "",
				   (allowed & OPT_OOB) ? " oob" : "");
			return -1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- handles */

static struct slot *slot_add(struct agent_server *a, int fd, int family)
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

/* ---------------------------------------------------------------- pending ops */

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

static void op_free(struct op *op)
{
	free(op->buf);
	memset(op, 0, sizeof(*op));
	op->fd = -1;
}

static int op_is_read_side(enum op_kind k)
{
	return k == OP_ACCEPT || k == OP_RECV;
}

static int op_busy(struct agent_server *a, uint32_t handle, enum op_kind kind)
{
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used && a->ops[i].handle == handle &&
		    op_is_read_side(a->ops[i].kind) == op_is_read_side(kind))
			return 1;
	return 0;
}

/* A new op for a blocking verb, or a reply saying why there is none. */
static struct op *op_start(struct agent_server *a, const struct agent_request *rq,
			   struct slot *s, enum op_kind kind, const struct opts *o)
{
	struct op *op;

	if (op_busy(a, s->handle, kind)) {
		reply_fail(a, rq->id, "EBUSY", "%s: handle %u already has a pending %s",
			   rq->verb, s->handle, op_is_read_side(kind) ? "accept/recv" :
			   "connect/send");
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

static int would_block(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* Each try function attempts the call once more; it returns 1 when the op completed
 * (reply queued), 0 when it must wait for readiness. */

static int try_accept(struct agent_server *a, struct op *op)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct slot *listener = slot_find(a, op->handle), *s;
	int fd = accept4(op->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0) {
		if (would_block(errno))
			return 0;
		reply_errno(a, op->id, errno);
		return 1;
	}
	s = slot_add(a, fd, listener ? listener->family : ss.ss_family);
	if (!s) {
		close(fd);
		reply_fail(a, op->id, "EMFILE", "accept: all %d handles in use", MAX_HANDLES);
		return 1;
	}
	reply_begin(a, op->id, s->handle, "-");
	kv_names(a, fd, 1);
	reply_end(a);
	return 1;
}

static int try_connect(struct agent_server *a, struct op *op)
{
	int err = 0;
	socklen_t len = sizeof(err);
	struct pollfd p = { .fd = op->fd, .events = POLLOUT };

	/* Readiness is rechecked here because the loop also calls us after a deadline
	 * sweep; SO_ERROR is only meaningful once the socket is writable or in error. */
	if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLOUT | POLLERR | POLLHUP)))
		return 0;
	if (getsockopt(op->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		reply_errno(a, op->id, err);
		return 1;
	}
	reply_begin(a, op->id, 0, "-");
	kv_names(a, op->fd, 1);
	reply_end(a);
	return 1;
}

/* The pattern of send len=<n>: byte i of the send is 'a' + i % 26. */
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
		r = send(op->fd, p, n, op->flags | MSG_NOSIGNAL | MSG_DONTWAIT);
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
	reply_begin(a, op->id, (long long)op->done, "-");
	reply_hex(a, "data", op->buf, op->done);
	reply_end(a);
}

static int try_recv(struct agent_server *a, struct op *op)
{
	while (op->done < op->len) {
		ssize_t r = recv(op->fd, op->buf + op->done, op->len - op->done,
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
			break;          /* orderly EOF: report what we have, 0 if nothing */
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

/* The deadline passed: partial sends and reads report their count (as a blocking call
 * with SO_SNDTIMEO / SO_RCVTIMEO would); everything else gets TIMEOUT. */
static void op_expire(struct agent_server *a, struct op *op)
{
	if (op->kind == OP_SEND && op->done > 0)
		reply_ok(a, op->id, (long long)op->done);
	else if (op->kind == OP_RECV && op->done > 0)
		reply_recv(a, op);
	else
		reply_fail(a, op->id, "TIMEOUT", "%s: not done within the wait",
			   op->kind == OP_ACCEPT ? "accept" : op->kind == OP_CONNECT ?
			   "connect" : op->kind == OP_SEND ? "send" : "recv");
	op_free(op);
}

/* First attempt of a fresh op: finish it, fail it (wait=0), or leave it pending. */
static void op_launch(struct agent_server *a, struct op *op, int64_t wait_ms, int first_err)
{
	if (op->kind == OP_CONNECT && first_err != EINPROGRESS) {
		if (first_err)
			reply_errno(a, op->id, first_err);
		else
			try_connect(a, op);
		op_free(op);
		return;
	}
	if (op->kind != OP_CONNECT && op_try(a, op)) {
		op_free(op);
		return;
	}
	if (wait_ms > 0)
		return;                  /* pending: the loop owns it now */
	/* wait=0 is a non-blocking call: the kernel's own answer comes back. */
	if (op->kind == OP_CONNECT)
		reply_errno(a, op->id, EINPROGRESS);
	else if (op->done > 0)
		op_expire(a, op);
	else
		reply_errno(a, op->id, EAGAIN);
	if (op->used)
		op_free(op);
}

static void op_cancel_handle(struct agent_server *a, uint32_t handle)
{
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used && a->ops[i].handle == handle) {
			reply_fail(a, a->ops[i].id, "CANCELED", "handle %u was closed", handle);
			op_free(&a->ops[i]);
		}
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

static void on_close_done(struct agent_server *a)
{
	struct close_done d;

	while (recv(a->notify[0], &d, sizeof(d), MSG_DONTWAIT) == (ssize_t)sizeof(d)) {
		if (d.ret < 0)
			reply_errno(a, d.id, d.err);
		else
			reply_ok(a, d.id, 0);
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

/* ---------------------------------------------------------------- verbs */

static void verb_hello(struct agent_server *a, const struct agent_request *rq)
{
	reply_begin(a, rq->id, 0, "-");
	reply_raw(a, " %s", GREETING_KEYS);
	reply_end(a);
}

/* Pending operations are canceled now; the quit reply itself waits for running
 * linger-closes, so that it is the last line the agent ever writes. */
static void verb_quit(struct agent_server *a, const struct agent_request *rq)
{
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used) {
			reply_fail(a, a->ops[i].id, "CANCELED", "the agent is quitting");
			op_free(&a->ops[i]);
		}
	a->quit = 1;
	a->quit_id = rq->id;
}

static void verb_socket(struct agent_server *a, const struct agent_request *rq)
{
	int family, fd;
	struct slot *s;

	if (strcmp(rq->args[0], "inet") == 0) {
		family = AF_INET;
	} else if (strcmp(rq->args[0], "inet6") == 0) {
		family = AF_INET6;
	} else {
		reply_fail(a, rq->id, "EINVAL", "socket: family \"%.24s\" is not inet or inet6",
			   rq->args[0]);
		return;
	}
	if (rq->nargs > 1 && strcmp(rq->args[1], "stream") != 0) {
		reply_fail(a, rq->id, "ENOSYS", "socket: type \"%.24s\" unsupported, only stream",
			   rq->args[1]);
		return;
	}
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		reply_errno(a, rq->id, errno);
		return;
	}
	s = slot_add(a, fd, family);
	if (!s) {
		close(fd);
		reply_fail(a, rq->id, "EMFILE", "socket: all %d handles in use", MAX_HANDLES);
		return;
	}
	reply_ok(a, rq->id, s->handle);
}

static void verb_bind(struct agent_server *a, const struct agent_request *rq)
{
	struct slot *s = arg_slot(a, rq, 0);
	struct sockaddr_storage ss;
	socklen_t len;

	if (!s || arg_sockaddr(a, rq, 1, s->family, &ss, &len) < 0)
		return;
	if (bind(s->fd, (struct sockaddr *)&ss, len) < 0)
		reply_errno(a, rq->id, errno);
	else
		reply_ok(a, rq->id, 0);
}

static void verb_listen(struct agent_server *a, const struct agent_request *rq)
{
	struct slot *s = arg_slot(a, rq, 0);
	long long backlog;

	if (!s || arg_num(a, rq, 1, "backlog", -1, 65535, &backlog) < 0)
		return;
	if (listen(s->fd, (int)backlog) < 0)
		reply_errno(a, rq->id, errno);
	else
		reply_ok(a, rq->id, 0);
}

static void verb_accept(struct agent_server *a, const struct agent_request *rq)
{
	struct slot *s = arg_slot(a, rq, 0);
	struct opts o;
	struct op *op;

	if (!s || arg_opts(a, rq, 1, OPT_WAIT, &o) < 0)
		return;
	op = op_start(a, rq, s, OP_ACCEPT, &o);
	if (op)
		op_launch(a, op, o.wait_ms, 0);
}

static void verb_connect(struct agent_server *a, const struct agent_request *rq)
{
	struct slot *s = arg_slot(a, rq, 0);
	struct sockaddr_storage ss;
	socklen_t len;
	struct opts o;
	struct op *op;
	int err = 0;

	if (!s || arg_sockaddr(a, rq, 1, s->family, &ss, &len) < 0 ||
	    arg_opts(a, rq, 3, OPT_WAIT, &o) < 0)
		return;
	op = op_start(a, rq, s, OP_CONNECT, &o);
	if (!op)
		return;
	if (connect(s->fd, (struct sockaddr *)&ss, len) < 0)
		err = errno;
	op_launch(a, op, o.wait_ms, err);
}

static void verb_send(struct agent_server *a, const struct agent_request *rq)
{
	struct slot *s = arg_slot(a, rq, 0);
	const char *data = rq->args[1];
	struct opts o;
	struct op *op;

	if (!s || arg_opts(a, rq, 2, OPT_WAIT | OPT_OOB, &o) < 0)
		return;
	op = op_start(a, rq, s, OP_SEND, &o);
	if (!op)
		return;
	op->flags = o.oob ? MSG_OOB : 0;
	if (strncmp(data, "len=", 4) == 0) {
		long long n;

		if (parse_num(data + 4, 0, SEND_LEN_MAX, &n) < 0) {
			reply_fail(a, rq->id, "EINVAL", "send: len \"%.24s\" is not a byte count "
				   "in 0..%u", data + 4, SEND_LEN_MAX);
			op_free(op);
			return;
		}
		op->pattern = 1;
		op->len = (size_t)n;
	} else {
		size_t cap = strlen(data) / 2 + 1;
		long n;

		op->buf = malloc(cap);
		n = op->buf ? agent_hex_decode(data, op->buf, cap) : -1;
		if (n < 0) {
			reply_fail(a, rq->id, op->buf ? "EINVAL" : "ENOMEM", "send: data is "
				   "neither hex (even count of 0-9a-f) nor len=<n>: \"%.24s\"", data);
			op_free(op);
			return;
		}
		op->len = (size_t)n;
	}
	op_launch(a, op, o.wait_ms, 0);
}

static void verb_recv(struct agent_server *a, const struct agent_request *rq)
{
	struct slot *s = arg_slot(a, rq, 0);
	long long maxlen;
	struct opts o;
	struct op *op;

	if (!s || arg_num(a, rq, 1, "maxlen", 1, RECV_MAX, &maxlen) < 0 ||
	    arg_opts(a, rq, 2, OPT_WAIT | OPT_PEEK | OPT_WAITALL | OPT_OOB, &o) < 0)
		return;
	if (o.peek && o.waitall) {
		/* A peek leaves the data readable, so waiting for more would spin. */
		reply_fail(a, rq->id, "EINVAL", "recv: peek and waitall cannot be combined");
		return;
	}
	op = op_start(a, rq, s, OP_RECV, &o);
	if (!op)
		return;
	op->flags = (o.peek ? MSG_PEEK : 0) | (o.oob ? MSG_OOB : 0);
	op->waitall = o.waitall;
	op->len = (size_t)maxlen;
	op->buf = malloc(op->len);
	if (!op->buf) {
		reply_errno(a, rq->id, ENOMEM);
		op_free(op);
		return;
	}
	op_launch(a, op, o.wait_ms, 0);
}

static void verb_close(struct agent_server *a, const struct agent_request *rq)
{
	struct slot *s = arg_slot(a, rq, 0);
	int fd;

	if (!s)
		return;
	fd = s->fd;
	op_cancel_handle(a, s->handle);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (lingers(fd) && close_in_thread(a, fd, rq->id) == 0) {
		a->closing++;
		return;                  /* the thread's completion replies */
	}
	if (close(fd) < 0)
		reply_errno(a, rq->id, errno);
	else
		reply_ok(a, rq->id, 0);
}

static void verb_shutdown(struct agent_server *a, const struct agent_request *rq)
{
	struct slot *s = arg_slot(a, rq, 0);
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
		reply_fail(a, rq->id, "EINVAL", "shutdown: how \"%.24s\" is not rd, wr or rdwr",
			   how);
		return;
	}
	if (shutdown(s->fd, h) < 0)
		reply_errno(a, rq->id, errno);
	else
		reply_ok(a, rq->id, 0);
}

enum opt_kind { OPTK_INT, OPTK_LINGER, OPTK_GETONLY };

static const struct sockopt_def {
	const char *name;
	int level, opt;
	enum opt_kind kind;
} sockopts[] = {
	{ "so_linger", SOL_SOCKET, SO_LINGER, OPTK_LINGER },
	{ "so_keepalive", SOL_SOCKET, SO_KEEPALIVE, OPTK_INT },
	{ "so_reuseaddr", SOL_SOCKET, SO_REUSEADDR, OPTK_INT },
	{ "so_reuseport", SOL_SOCKET, SO_REUSEPORT, OPTK_INT },
	{ "so_rcvbuf", SOL_SOCKET, SO_RCVBUF, OPTK_INT },
	{ "so_sndbuf", SOL_SOCKET, SO_SNDBUF, OPTK_INT },
	{ "so_oobinline", SOL_SOCKET, SO_OOBINLINE, OPTK_INT },
	{ "so_error", SOL_SOCKET, SO_ERROR, OPTK_GETONLY },
	{ "tcp_nodelay", IPPROTO_TCP, TCP_NODELAY, OPTK_INT },
	{ "tcp_maxseg", IPPROTO_TCP, TCP_MAXSEG, OPTK_INT },
	{ "tcp_cork", IPPROTO_TCP, TCP_CORK, OPTK_INT },
	{ "tcp_keepidle", IPPROTO_TCP, TCP_KEEPIDLE, OPTK_INT },
	{ "tcp_keepintvl", IPPROTO_TCP, TCP_KEEPINTVL, OPTK_INT },
	{ "tcp_keepcnt", IPPROTO_TCP, TCP_KEEPCNT, OPTK_INT },
	{ "tcp_syncnt", IPPROTO_TCP, TCP_SYNCNT, OPTK_INT },
	{ "tcp_linger2", IPPROTO_TCP, TCP_LINGER2, OPTK_INT },
	{ "tcp_user_timeout", IPPROTO_TCP, TCP_USER_TIMEOUT, OPTK_INT },
	{ "tcp_defer_accept", IPPROTO_TCP, TCP_DEFER_ACCEPT, OPTK_INT },
	{ "tcp_quickack", IPPROTO_TCP, TCP_QUICKACK, OPTK_INT },
	{ "tcp_window_clamp", IPPROTO_TCP, TCP_WINDOW_CLAMP, OPTK_INT },
	{ "ipv6_v6only", IPPROTO_IPV6, IPV6_V6ONLY, OPTK_INT },
};

static const struct sockopt_def *sockopt_find(struct agent_server *a,
					      const struct agent_request *rq)
{
	size_t i;

	for (i = 0; i < sizeof(sockopts) / sizeof(sockopts[0]); i++)
		if (strcmp(sockopts[i].name, rq->args[1]) == 0)
			return &sockopts[i];
	reply_fail(a, rq->id, "ENOSYS", "%s: option \"%.32s\" unknown (see PROTOCOL.md)",
		   rq->verb, rq->args[1]);
	return NULL;
}

static void verb_setsockopt(struct agent_server *a, const struct agent_request *rq)
{
	struct slot *s = arg_slot(a, rq, 0);
	const struct sockopt_def *d;
	long long v, secs;
	struct linger l;
	int iv, rc;

	if (!s || !(d = sockopt_find(a, rq)))
		return;
	if (d->kind == OPTK_GETONLY) {
		reply_fail(a, rq->id, "EINVAL", "setsockopt: %s can only be read", d->name);
		return;
	}
	if (rq->nargs != (d->kind == OPTK_LINGER ? 4 : 3)) {
		reply_fail(a, rq->id, "EINVAL", "setsockopt: %s takes %s, got %d value(s)",
			   d->name, d->kind == OPTK_LINGER ? "<on> <secs>" : "one integer",
			   rq->nargs - 2);
		return;
	}
	if (arg_num(a, rq, 2, "value", INT32_MIN, INT32_MAX, &v) < 0)
		return;
	if (d->kind == OPTK_LINGER) {
		if (arg_num(a, rq, 3, "secs", 0, INT32_MAX, &secs) < 0)
			return;
		l.l_onoff = v != 0;
		l.l_linger = (int)secs;
		rc = setsockopt(s->fd, d->level, d->opt, &l, sizeof(l));
	} else {
		iv = (int)v;
		rc = setsockopt(s->fd, d->level, d->opt, &iv, sizeof(iv));
	}
	if (rc < 0)
		reply_errno(a, rq->id, errno);
	else
		reply_ok(a, rq->id, 0);
}

static void verb_getsockopt(struct agent_server *a, const struct agent_request *rq)
{
	struct slot *s = arg_slot(a, rq, 0);
	const struct sockopt_def *d;
	struct linger l;
	socklen_t len;
	int iv = 0;

	if (!s || !(d = sockopt_find(a, rq)))
		return;
	if (d->kind == OPTK_LINGER) {
		memset(&l, 0, sizeof(l));
		len = sizeof(l);
		if (getsockopt(s->fd, d->level, d->opt, &l, &len) < 0) {
			reply_errno(a, rq->id, errno);
			return;
		}
		reply_begin(a, rq->id, 0, "-");
		reply_kv(a, "value", "%d,%d", l.l_onoff ? 1 : 0, l.l_linger);
		reply_end(a);
		return;
	}
	len = sizeof(iv);
	if (getsockopt(s->fd, d->level, d->opt, &iv, &len) < 0) {
		reply_errno(a, rq->id, errno);
		return;
	}
	reply_begin(a, rq->id, 0, "-");
	if (d->opt == SO_ERROR && d->level == SOL_SOCKET)
		reply_kv(a, "value", "%s", agent_errno_name(iv));
	else
		reply_kv(a, "value", "%d", iv);
	reply_end(a);
}

static void verb_getname(struct agent_server *a, const struct agent_request *rq, int peer)
{
	struct slot *s = arg_slot(a, rq, 0);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int rc;

	if (!s)
		return;
	memset(&ss, 0, sizeof(ss));
	rc = peer ? getpeername(s->fd, (struct sockaddr *)&ss, &len) :
		    getsockname(s->fd, (struct sockaddr *)&ss, &len);
	if (rc < 0) {
		reply_errno(a, rq->id, errno);
		return;
	}
	reply_begin(a, rq->id, 0, "-");
	kv_sockaddr(a, "addr", "port", &ss);
	reply_end(a);
}

static void verb_getsockname(struct agent_server *a, const struct agent_request *rq)
{
	verb_getname(a, rq, 0);
}

static void verb_getpeername(struct agent_server *a, const struct agent_request *rq)
{
	verb_getname(a, rq, 1);
}

/* state <laddr> <lport> <raddr> <rport>, or state <h> for a handle's own tuple. */
static int state_tuple(struct agent_server *a, const struct agent_request *rq, int *family,
		       struct in6_addr *l, long long *lport, struct in6_addr *r, long long *rport)
{
	struct in_addr l4, r4;

	if (rq->nargs != 4) {
		reply_fail(a, rq->id, "EINVAL", "state: expected <h> or <laddr> <lport> "
			   "<raddr> <rport>, got %d arguments", rq->nargs);
		return -1;
	}
	if (arg_num(a, rq, 1, "lport", 0, 65535, lport) < 0 ||
	    arg_num(a, rq, 3, "rport", 0, 65535, rport) < 0)
		return -1;
	memset(l, 0, sizeof(*l));
	memset(r, 0, sizeof(*r));
	if (inet_pton(AF_INET, rq->args[0], &l4) == 1 &&
	    inet_pton(AF_INET, rq->args[2], &r4) == 1) {
		*family = AF_INET;
		memcpy(l, &l4, 4);
		memcpy(r, &r4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, rq->args[0], l) == 1 && inet_pton(AF_INET6, rq->args[2], r) == 1) {
		*family = AF_INET6;
		return 0;
	}
	reply_fail(a, rq->id, "EINVAL", "state: \"%.48s\" and \"%.48s\" are not two addresses "
		   "of one family", rq->args[0], rq->args[2]);
	return -1;
}

static int state_of_handle(struct agent_server *a, const struct agent_request *rq,
			   int *family, struct in6_addr *l, long long *lport,
			   struct in6_addr *r, long long *rport)
{
	struct slot *s = arg_slot(a, rq, 0);
	struct sockaddr_storage ls, rs;
	socklen_t len = sizeof(ls);

	if (!s)
		return -1;
	memset(&ls, 0, sizeof(ls));
	memset(&rs, 0, sizeof(rs));
	if (getsockname(s->fd, (struct sockaddr *)&ls, &len) < 0) {
		reply_errno(a, rq->id, errno);
		return -1;
	}
	len = sizeof(rs);
	if (getpeername(s->fd, (struct sockaddr *)&rs, &len) < 0)
		rs.ss_family = ls.ss_family;     /* listener or unconnected: any:0 */
	*family = ls.ss_family;
	memset(l, 0, sizeof(*l));
	memset(r, 0, sizeof(*r));
	if (ls.ss_family == AF_INET) {
		memcpy(l, &((struct sockaddr_in *)&ls)->sin_addr, 4);
		memcpy(r, &((struct sockaddr_in *)&rs)->sin_addr, 4);
		*lport = ntohs(((struct sockaddr_in *)&ls)->sin_port);
		*rport = ntohs(((struct sockaddr_in *)&rs)->sin_port);
	} else {
		*l = ((struct sockaddr_in6 *)&ls)->sin6_addr;
		*r = ((struct sockaddr_in6 *)&rs)->sin6_addr;
		*lport = ntohs(((struct sockaddr_in6 *)&ls)->sin6_port);
		*rport = ntohs(((struct sockaddr_in6 *)&rs)->sin6_port);
	}
	return 0;
}

static void kv_tcp_options(struct agent_server *a, uint8_t opt)
{
	char buf[64] = "";

	if (opt & 1)
		strcat(buf, ",ts");
	if (opt & 2)
		strcat(buf, ",sack");
	if (opt & 4)
		strcat(buf, ",wscale");
	if (opt & 8)
		strcat(buf, ",ecn");
	reply_kv(a, "options", "%s", buf[0] ? buf + 1 : "none");
}

static void verb_state(struct agent_server *a, const struct agent_request *rq)
{
	struct sockdiag_info in;
	struct in6_addr l, r;
	long long lport, rport;
	char err[200];
	int family, rc;

	rc = rq->nargs == 1 ? state_of_handle(a, rq, &family, &l, &lport, &r, &rport) :
			      state_tuple(a, rq, &family, &l, &lport, &r, &rport);
	if (rc < 0)
		return;
	if (sockdiag_state(family, &l, (uint16_t)lport, &r, (uint16_t)rport, &in, err,
			   sizeof(err)) < 0) {
		reply_fail(a, rq->id, "EIO", "state: %s", err);
		return;
	}
	reply_begin(a, rq->id, 0, "-");
	reply_kv(a, "state", "%s", in.state_name);
	if (in.found) {
		reply_kv(a, "rqueue", "%u", in.rqueue);
		reply_kv(a, "wqueue", "%u", in.wqueue);
		reply_kv(a, "timer", "%s", in.timer_name);
		reply_kv(a, "expires_ms", "%u", in.expires_ms);
		reply_kv(a, "retrans", "%u", in.retrans);
		reply_kv(a, "orphan", "%d", in.orphan);
	}
	/* A listener's control block is all zeros: leave it out rather than mislead. */
	if (in.has_info && strcmp(in.state_name, "LISTEN") != 0) {
		reply_kv(a, "rto_us", "%u", in.tcp_rto_us);
		reply_kv(a, "snd_mss", "%u", in.tcp_snd_mss);
		reply_kv(a, "rcv_mss", "%u", in.tcp_rcv_mss);
		reply_kv(a, "cwnd", "%u", in.tcp_snd_cwnd);
		reply_kv(a, "unacked", "%u", in.tcp_unacked);
		reply_kv(a, "snd_wnd", "%u", in.tcp_snd_wnd);
		kv_tcp_options(a, in.tcp_options);
		reply_kv(a, "wscale", "%u,%u", in.tcp_snd_wscale, in.tcp_rcv_wscale);
		reply_kv(a, "total_retrans", "%u", in.tcp_total_retrans);
	}
	reply_end(a);
}

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
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	n = read(fd, raw, sizeof(raw) - 1);
	close(fd);
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

static void verb_sysctl(struct agent_server *a, const struct agent_request *rq)
{
	char path[256], why[160], value[SYSCTL_VALUE_MAX];

	if (sysctl_path(rq->args[0], path, sizeof(path), why, sizeof(why)) < 0) {
		reply_fail(a, rq->id, "EPERM", "sysctl: %s", why);
		return;
	}
	if (rq->nargs == 2 && sysctl_write(path, rq->args[1]) < 0) {
		reply_errno(a, rq->id, errno);
		return;
	}
	if (sysctl_read(path, value, sizeof(value)) < 0) {
		reply_errno(a, rq->id, errno);
		return;
	}
	reply_begin(a, rq->id, 0, "-");
	reply_kv(a, "value", "%s", value);
	reply_end(a);
}

static void verb_kill(struct agent_server *a, const struct agent_request *rq)
{
	reply_fail(a, rq->id, "ENOSYS", "kill: reserved for sockets held by a helper "
		   "process; not implemented by this agent");
}

static const struct verb {
	const char *name;
	int min_args, max_args;
	void (*fn)(struct agent_server *a, const struct agent_request *rq);
	const char *usage;
} verbs[] = {
	{ "hello", 0, 0, verb_hello, "hello" },
	{ "quit", 0, 0, verb_quit, "quit" },
	{ "socket", 1, 2, verb_socket, "socket <inet|inet6> [stream]" },
	{ "bind", 3, 3, verb_bind, "bind <h> <addr> <port>" },
	{ "listen", 2, 2, verb_listen, "listen <h> <backlog>" },
	{ "accept", 1, 2, verb_accept, "accept <h> [wait=<ms>]" },
	{ "connect", 3, 4, verb_connect, "connect <h> <addr> <port> [wait=<ms>]" },
	{ "send", 2, 4, verb_send, "send <h> <hex>|len=<n> [wait=<ms>] [oob]" },
	{ "recv", 2, 5, verb_recv, "recv <h> <maxlen> [wait=<ms>] [peek] [waitall] [oob]" },
	{ "close", 1, 1, verb_close, "close <h>" },
	{ "shutdown", 2, 2, verb_shutdown, "shutdown <h> <rd|wr|rdwr>" },
	{ "setsockopt", 3, 4, verb_setsockopt, "setsockopt <h> <name> <value> [secs]" },
	{ "getsockopt", 2, 2, verb_getsockopt, "getsockopt <h> <name>" },
	{ "getsockname", 1, 1, verb_getsockname, "getsockname <h>" },
	{ "getpeername", 1, 1, verb_getpeername, "getpeername <h>" },
	{ "state", 1, 4, verb_state, "state <laddr> <lport> <raddr> <rport> | state <h>" },
	{ "sysctl", 1, 2, verb_sysctl, "sysctl <net.name> [value[,value...]]" },
	{ "kill", 1, 1, verb_kill, "kill <h> (reserved)" },
};

static void dispatch(struct agent_server *a, const struct agent_request *rq)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		const struct verb *v = &verbs[i];

		if (strcmp(v->name, rq->verb) != 0)
			continue;
		if (rq->nargs < v->min_args || rq->nargs > v->max_args) {
			reply_fail(a, rq->id, "EINVAL", "%s: got %d arguments, usage: %s",
				   v->name, rq->nargs, v->usage);
			return;
		}
		v->fn(a, rq);
		return;
	}
	reply_fail(a, rq->id, "ENOSYS", "unknown verb \"%.32s\"", rq->verb);
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

		reply_fail(a, id, id ? "EINVAL" : "EPROTO", "request: NUL byte in line");
		return;
	}
	if (agent_request_parse(line, &rq, err, sizeof(err)) < 0) {
		reply_fail(a, rq.id, rq.id ? "EINVAL" : "EPROTO", "%s", err);
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

/* Returns 1 on EOF, -1 on a fatal error, 0 otherwise. */
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

/* Returns 1 when the peer is gone, -1 on a fatal error, 0 otherwise. */
static int ctl_write(struct agent_server *a)
{
	ssize_t n = send(a->ctl, a->out, a->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && errno == ENOTSOCK)
		n = write(a->ctl, a->out, a->outlen);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
		return 1;               /* the harness went away: as good as EOF */
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
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, a->notify) < 0) {
		free(a->in);
		free(a->reply);
		free(a);
		return NULL;
	}
	return a;
}

/* Close everything the agent opened. SO_LINGER is cleared first so a lingering
 * socket closes with a normal FIN instead of blocking the caller. */
static void server_free(struct agent_server *a)
{
	struct linger off = { 0, 0 };
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used)
			op_free(&a->ops[i]);
	for (i = 0; i < MAX_HANDLES; i++)
		if (a->slots[i].handle) {
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
		struct op *op = &a->ops[i];

		if (!op->used)
			continue;
		p[n].fd = op->fd;
		p[n].events = op_is_read_side(op->kind) ? POLLIN : POLLOUT;
		opidx[n++] = i;
	}
	rc = poll(p, (nfds_t)n, next_timeout(a, now_ms()));
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++)
		if (i >= 2 && p[i].revents && a->ops[opidx[i]].used && op_try(a, &a->ops[opidx[i]]))
			op_free(&a->ops[opidx[i]]);
	if (p[1].revents & POLLIN)
		on_close_done(a);
	now = now_ms();
	for (i = 0; i < MAX_PENDING; i++)
		if (a->ops[i].used && a->ops[i].deadline_ms <= now)
			op_expire(a, &a->ops[i]);
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
			reply_ok(a, a->quit_id, 0);
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
	reply_begin(a, 0, 0, "-");
	reply_raw(a, " %s", GREETING_KEYS);
	reply_end(a);
	do
		rc = server_step(a);
	while (rc == 0);
	server_free(a);
	return rc < 0 ? 1 : 0;
}
