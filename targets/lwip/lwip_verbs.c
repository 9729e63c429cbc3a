/* The verbs of the lwIP agent (PROTOCOL.md section 6), one function each, on lwIP's
 * socket API. Every handler replies exactly once, now or (blocking verbs) later
 * through a parked op (lwip_agent.c). */
#include "lwip_agent_int.h"
#include "lwip_stack.h"

#include <lwip/init.h>
#include <lwip/sockets.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if LWIP_TCP_KEEPALIVE
#define CAP_KEEPALIVE ",keepalive"
#else
#define CAP_KEEPALIVE ""
#endif
#if LWIP_SO_LINGER
#define CAP_LINGER ",linger"
#else
#define CAP_LINGER ""
#endif

/* See lwip_agent_int.h. "params" is this agent's own cap: the `params` verb works. */
const char *verbs_greeting(void)
{
	return "hello=tcpconform-agent version=1 stack=lwip caps=state" CAP_KEEPALIVE
	       CAP_LINGER ",params lwip=" LWIP_VERSION_STRING;
}

/* ---------------------------------------------------------------- arguments */

/* See lwip_agent_int.h. Decimal only, at most 12 digits, optional leading '-'. */
int parse_num(const char *s, long long min, long long max, long long *out)
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

static int arg_num(struct agent_server *a, const struct agent_request *rq, int idx,
		   const char *name, long long min, long long max, long long *out)
{
	if (parse_num(rq->args[idx], min, max, out) == 0)
		return 0;
	reply_fail(a, rq->id, "EINVAL", "%s: %s \"%.24s\" is not an integer in %lld..%lld",
		   rq->verb, name, rq->args[idx], min, max);
	return -1;
}

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

/* Address literal + port for a socket of `family`: an IPv4 literal on an inet6 socket
 * becomes the v4-mapped address (PROTOCOL.md 6.2), which lwIP unmaps itself. */
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
		return 0;   /* on an inet socket lwIP answers for itself */
	reply_fail(a, rq->id, "EINVAL", "%s: address \"%.48s\" is neither IPv4 nor IPv6",
		   rq->verb, rq->args[idx]);
	return -1;
}

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
				   "option this verb takes", rq->verb, i + 1, s);
			return -1;
		}
	}
	return 0;
}

/* lwIP has no urgent data (it neither sends URG nor delivers it out of band). */
static int refuse_oob(struct agent_server *a, const struct agent_request *rq,
		      const struct opts *o)
{
	if (!o->oob)
		return 0;
	reply_fail(a, rq->id, "EOPNOTSUPP", "%s: lwIP has no urgent data (MSG_OOB)", rq->verb);
	return -1;
}

/* ---------------------------------------------------------------- sockets */

static void verb_hello(struct agent_server *a, const struct agent_request *rq)
{
	reply_begin(a, rq->id, 0, "-");
	reply_raw(a, " %s", verbs_greeting());
	reply_end(a);
}

static void verb_params(struct agent_server *a, const struct agent_request *rq)
{
	reply_begin(a, rq->id, 0, "-");
	reply_raw(a, " %s", lwip_stack_params());
	reply_end(a);
}

static void verb_socket(struct agent_server *a, const struct agent_request *rq)
{
	int family, fd, err;
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
	fd = lwip_socket(family, SOCK_STREAM, IPPROTO_TCP);
	if (fd < 0) {
		err = errno;
		if (err == ENFILE)
			reply_fail(a, rq->id, "ENFILE", "socket: lwIP's socket table is full");
		else
			reply_errno(a, rq->id, err);
		return;
	}
	lwip_fcntl(fd, F_SETFL, O_NONBLOCK);
	s = slot_add(a, fd, family);
	if (!s) {
		lwip_close(fd);
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
	if (lwip_bind(s->fd, (struct sockaddr *)&ss, len) < 0)
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
	if (lwip_listen(s->fd, (int)backlog) < 0)
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
	if (lwip_connect(s->fd, (struct sockaddr *)&ss, len) < 0)
		err = errno;
	op_launch(a, op, o.wait_ms, err);
}

static int send_payload(struct agent_server *a, const struct agent_request *rq,
			const char *data, struct op *op)
{
	size_t cap;
	long n;

	if (strncmp(data, "len=", 4) == 0) {
		long long v;

		if (parse_num(data + 4, 0, SEND_LEN_MAX, &v) < 0) {
			reply_fail(a, rq->id, "EINVAL", "send: len \"%.24s\" is not a byte count "
				   "in 0..%u", data + 4, SEND_LEN_MAX);
			return -1;
		}
		op->pattern = 1;
		op->len = (size_t)v;
		return 0;
	}
	cap = strlen(data) / 2 + 1;
	op->buf = malloc(cap);
	n = op->buf ? agent_hex_decode(data, op->buf, cap) : -1;
	if (n < 0) {
		reply_fail(a, rq->id, op->buf ? "EINVAL" : "ENOMEM", "send: data is neither hex "
			   "(even count of 0-9a-f) nor len=<n>: \"%.24s\"", data);
		return -1;
	}
	op->len = (size_t)n;
	return 0;
}

static void verb_send(struct agent_server *a, const struct agent_request *rq)
{
	struct slot *s = arg_slot(a, rq, 0);
	struct opts o;
	struct op *op;

	if (!s || arg_opts(a, rq, 2, OPT_WAIT | OPT_OOB, &o) < 0 || refuse_oob(a, rq, &o) < 0)
		return;
	op = op_start(a, rq, s, OP_SEND, &o);
	if (!op)
		return;
	if (send_payload(a, rq, rq->args[1], op) < 0) {
		op_free(op);
		return;
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
	    arg_opts(a, rq, 2, OPT_WAIT | OPT_PEEK | OPT_WAITALL | OPT_OOB, &o) < 0 ||
	    refuse_oob(a, rq, &o) < 0)
		return;
	if (o.peek && o.waitall) {
		/* A peek leaves the data readable, so waiting for more would spin. */
		reply_fail(a, rq->id, "EINVAL", "recv: peek and waitall cannot be combined");
		return;
	}
	op = op_start(a, rq, s, OP_RECV, &o);
	if (!op)
		return;
	op->flags = o.peek ? MSG_PEEK : 0;
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

static int lingers(int fd)
{
#if LWIP_SO_LINGER
	struct linger l;
	socklen_t len = sizeof(l);

	memset(&l, 0, sizeof(l));
	if (lwip_getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len) < 0)
		return 0;
	return l.l_onoff && l.l_linger > 0;
#else
	return 0;
#endif
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
	if (lingers(fd) && close_in_thread(a, fd, rq->id) == 0)
		return;                  /* the thread's completion replies */
	if (lwip_close(fd) < 0)
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
	if (lwip_shutdown(s->fd, h) < 0)
		reply_errno(a, rq->id, errno);
	else
		reply_ok(a, rq->id, 0);
}

/* ---------------------------------------------------------------- socket options */

enum opt_kind { OPTK_INT, OPTK_BOOL, OPTK_LINGER, OPTK_GETONLY };

/* What this lwIP build implements (sockets.c of lwIP 2.1, with this lwipopts.h). Left
 * out on purpose: so_rcvbuf (lwIP takes it but it sizes UDP/raw receive queues only,
 * not the TCP window), so_sndbuf, so_oobinline, tcp_maxseg and the Linux-only TCP_*
 * options, which lwIP does not have. Those answer ENOSYS (PROTOCOL.md 6.4). */
static const struct sockopt_def {
	const char *name;
	int level, opt;
	enum opt_kind kind;
} sockopts[] = {
#if LWIP_SO_LINGER
	{ "so_linger", SOL_SOCKET, SO_LINGER, OPTK_LINGER },
#endif
	{ "so_keepalive", SOL_SOCKET, SO_KEEPALIVE, OPTK_BOOL },
#if SO_REUSE
	{ "so_reuseaddr", SOL_SOCKET, SO_REUSEADDR, OPTK_BOOL },
#endif
	{ "so_error", SOL_SOCKET, SO_ERROR, OPTK_GETONLY },
	{ "tcp_nodelay", IPPROTO_TCP, TCP_NODELAY, OPTK_BOOL },
#if LWIP_TCP_KEEPALIVE
	{ "tcp_keepidle", IPPROTO_TCP, TCP_KEEPIDLE, OPTK_INT },
	{ "tcp_keepintvl", IPPROTO_TCP, TCP_KEEPINTVL, OPTK_INT },
	{ "tcp_keepcnt", IPPROTO_TCP, TCP_KEEPCNT, OPTK_INT },
#endif
#if LWIP_IPV6
	{ "ipv6_v6only", IPPROTO_IPV6, IPV6_V6ONLY, OPTK_BOOL },
#endif
};

static const struct sockopt_def *sockopt_find(struct agent_server *a,
					      const struct agent_request *rq)
{
	size_t i;

	for (i = 0; i < sizeof(sockopts) / sizeof(sockopts[0]); i++)
		if (strcmp(sockopts[i].name, rq->args[1]) == 0)
			return &sockopts[i];
	reply_fail(a, rq->id, "ENOSYS", "%s: option \"%.32s\" not supported by lwIP "
		   "(see targets/lwip/README.md)", rq->verb, rq->args[1]);
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
		rc = lwip_setsockopt(s->fd, d->level, d->opt, &l, sizeof(l));
	} else {
		iv = (int)v;
		rc = lwip_setsockopt(s->fd, d->level, d->opt, &iv, sizeof(iv));
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
		if (lwip_getsockopt(s->fd, d->level, d->opt, &l, &len) < 0) {
			reply_errno(a, rq->id, errno);
			return;
		}
		reply_begin(a, rq->id, 0, "-");
		reply_kv(a, "value", "%d,%d", l.l_onoff ? 1 : 0, l.l_linger);
		reply_end(a);
		return;
	}
	len = sizeof(iv);
	if (lwip_getsockopt(s->fd, d->level, d->opt, &iv, &len) < 0) {
		reply_errno(a, rq->id, errno);
		return;
	}
	reply_begin(a, rq->id, 0, "-");
	if (d->kind == OPTK_GETONLY)
		reply_kv(a, "value", "%s", iv ? agent_errno_name(iv) : "-");
	else if (d->kind == OPTK_BOOL)
		reply_kv(a, "value", "%d", iv != 0);   /* lwIP returns its SOF_* flag bit */
	else
		reply_kv(a, "value", "%d", iv);
	reply_end(a);
}

static void verb_getname(struct agent_server *a, const struct agent_request *rq, int peer)
{
	struct slot *s = arg_slot(a, rq, 0);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[INET6_ADDRSTRLEN] = "none";
	unsigned port = 0;
	int rc;

	if (!s)
		return;
	memset(&ss, 0, sizeof(ss));
	rc = peer ? lwip_getpeername(s->fd, (struct sockaddr *)&ss, &len) :
		    lwip_getsockname(s->fd, (struct sockaddr *)&ss, &len);
	if (rc < 0) {
		reply_errno(a, rq->id, errno);
		return;
	}
	if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, sizeof(buf));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, sizeof(buf));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	reply_begin(a, rq->id, 0, "-");
	reply_kv(a, "addr", "%s", buf);
	reply_kv(a, "port", "%u", port);
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

/* ---------------------------------------------------------------- state */

struct tuple_arg {
	int family;
	struct in6_addr l, r;
	long long lport, rport;
};

static int state_tuple(struct agent_server *a, const struct agent_request *rq,
		       struct tuple_arg *t)
{
	struct in_addr l4, r4;

	if (rq->nargs != 4) {
		reply_fail(a, rq->id, "EINVAL", "state: expected <h> or <laddr> <lport> "
			   "<raddr> <rport>, got %d arguments", rq->nargs);
		return -1;
	}
	if (arg_num(a, rq, 1, "lport", 0, 65535, &t->lport) < 0 ||
	    arg_num(a, rq, 3, "rport", 0, 65535, &t->rport) < 0)
		return -1;
	if (inet_pton(AF_INET, rq->args[0], &l4) == 1 &&
	    inet_pton(AF_INET, rq->args[2], &r4) == 1) {
		t->family = AF_INET;
		memcpy(&t->l, &l4, 4);
		memcpy(&t->r, &r4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, rq->args[0], &t->l) == 1 &&
	    inet_pton(AF_INET6, rq->args[2], &t->r) == 1) {
		t->family = AF_INET6;
		return 0;
	}
	reply_fail(a, rq->id, "EINVAL", "state: \"%.48s\" and \"%.48s\" are not two addresses "
		   "of one family", rq->args[0], rq->args[2]);
	return -1;
}

static void sockaddr_split(const struct sockaddr_storage *ss, struct in6_addr *addr,
			   long long *port)
{
	if (ss->ss_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		*port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		*addr = ((const struct sockaddr_in6 *)ss)->sin6_addr;
		*port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	}
}

/* state <h>: the handle's own tuple; a listener's (or unconnected) remote is any:0. */
static int state_of_handle(struct agent_server *a, const struct agent_request *rq,
			   struct tuple_arg *t)
{
	struct slot *s = arg_slot(a, rq, 0);
	struct sockaddr_storage ls, rs;
	socklen_t len = sizeof(ls);

	if (!s)
		return -1;
	memset(&ls, 0, sizeof(ls));
	memset(&rs, 0, sizeof(rs));
	if (lwip_getsockname(s->fd, (struct sockaddr *)&ls, &len) < 0) {
		reply_errno(a, rq->id, errno);
		return -1;
	}
	len = sizeof(rs);
	if (lwip_getpeername(s->fd, (struct sockaddr *)&rs, &len) < 0)
		rs.ss_family = ls.ss_family;
	t->family = ls.ss_family == AF_INET6 ? AF_INET6 : AF_INET;
	sockaddr_split(&ls, &t->l, &t->lport);
	sockaddr_split(&rs, &t->r, &t->rport);
	return 0;
}

static void kv_tcp_options(struct agent_server *a, unsigned opt)
{
	char buf[64] = "";

	if (opt & LWIP_TCPOPT_TS)
		strcat(buf, ",ts");
	if (opt & LWIP_TCPOPT_SACK)
		strcat(buf, ",sack");
	if (opt & LWIP_TCPOPT_WSCALE)
		strcat(buf, ",wscale");
	reply_kv(a, "options", "%s", buf[0] ? buf + 1 : "none");
}

static void verb_state(struct agent_server *a, const struct agent_request *rq)
{
	struct lwip_tcp_info in;
	struct tuple_arg t;
	int rc;

	memset(&t, 0, sizeof(t));
	rc = rq->nargs == 1 ? state_of_handle(a, rq, &t) : state_tuple(a, rq, &t);
	if (rc < 0)
		return;
	lwip_stack_tcp_state(t.family, &t.l, (uint16_t)t.lport, &t.r, (uint16_t)t.rport, &in);
	reply_begin(a, rq->id, 0, "-");
	reply_kv(a, "state", "%s", in.state_name);
	if (in.found) {
		if (in.has_queues) {
			reply_kv(a, "rqueue", "%u", in.rqueue);
			reply_kv(a, "wqueue", "%u", in.wqueue);
		}
		reply_kv(a, "timer", "%s", in.timer_name);
		reply_kv(a, "expires_ms", "%u", in.expires_ms);
		reply_kv(a, "retrans", "%u", in.retrans);
		reply_kv(a, "orphan", "%d", in.orphan);
	}
	if (in.has_info) {
		reply_kv(a, "rto_us", "%u", in.rto_us);
		reply_kv(a, "snd_mss", "%u", in.snd_mss);
		reply_kv(a, "cwnd", "%u", in.cwnd);
		reply_kv(a, "unacked", "%u", in.unacked);
		reply_kv(a, "snd_wnd", "%u", in.snd_wnd);
		kv_tcp_options(a, in.options);
		reply_kv(a, "wscale", "%u,%u", in.snd_wscale, in.rcv_wscale);
	}
	reply_end(a);
}

/* ---------------------------------------------------------------- not here */

static void verb_sysctl(struct agent_server *a, const struct agent_request *rq)
{
	reply_fail(a, rq->id, "ENOSYS", "sysctl: lwIP has no runtime settings; its "
		   "compiled-in parameters are in the params verb");
}

static void verb_reserved(struct agent_server *a, const struct agent_request *rq)
{
	reply_fail(a, rq->id, "ENOSYS", "%s: not implemented by the lwIP agent (lwIP "
		   "sockets live in the agent's own process)", rq->verb);
}

static const struct verb {
	const char *name;
	int min_args, max_args;
	void (*fn)(struct agent_server *a, const struct agent_request *rq);
	const char *usage;
} verbs[] = {
	{ "hello", 0, 0, verb_hello, "hello" },
	{ "params", 0, 0, verb_params, "params" },
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
	{ "sysctl", 0, AGENT_MAX_ARGS, verb_sysctl, "sysctl (not supported)" },
	{ "kill", 0, AGENT_MAX_ARGS, verb_reserved, "kill (not supported)" },
	{ "hold", 0, AGENT_MAX_ARGS, verb_reserved, "hold (not supported)" },
};

/* See lwip_agent_int.h. ("quit" is handled by the loop, which owns shutdown.) */
void verbs_dispatch(struct agent_server *a, const struct agent_request *rq)
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
