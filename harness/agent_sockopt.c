/* Socket options of the Linux agent (PROTOCOL.md 6.4): the table of names the protocol
 * knows and the setsockopt / getsockopt verbs. A name missing here is ENOSYS, so that
 * a script can tell "this agent cannot" from "the stack refused" (EINVAL). */
#include "agent_linux_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

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
	agent_out_fail(a, rq->id, "ENOSYS", "%s: option \"%.32s\" unknown (see PROTOCOL.md)",
		       rq->verb, rq->args[1]);
	return NULL;
}

/* See agent_linux_int.h. */
void agent_verb_setsockopt(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	const struct sockopt_def *d;
	long long v, secs;
	struct linger l;
	int iv, rc;

	if (!s || !(d = sockopt_find(a, rq)))
		return;
	if (d->kind == OPTK_GETONLY) {
		agent_out_fail(a, rq->id, "EINVAL", "setsockopt: %s can only be read", d->name);
		return;
	}
	if (rq->nargs != (d->kind == OPTK_LINGER ? 4 : 3)) {
		agent_out_fail(a, rq->id, "EINVAL", "setsockopt: %s takes %s, got %d value(s)",
			       d->name, d->kind == OPTK_LINGER ? "<on> <secs>" : "one integer",
			       rq->nargs - 2);
		return;
	}
	if (agent_arg_num(a, rq, 2, "value", INT32_MIN, INT32_MAX, &v) < 0)
		return;
	if (d->kind == OPTK_LINGER) {
		if (agent_arg_num(a, rq, 3, "secs", 0, INT32_MAX, &secs) < 0)
			return;
		l.l_onoff = v != 0;
		l.l_linger = (int)secs;
		rc = setsockopt(s->fd, d->level, d->opt, &l, sizeof(l));
	} else {
		iv = (int)v;
		rc = setsockopt(s->fd, d->level, d->opt, &iv, sizeof(iv));
	}
	if (rc < 0)
		agent_out_errno(a, rq->id, errno);
	else
		agent_out_ok(a, rq->id, 0);
}

static void get_linger(struct agent_server *a, const struct agent_request *rq,
		       const struct agent_slot *s, const struct sockopt_def *d)
{
	struct linger l;
	socklen_t len = sizeof(l);

	memset(&l, 0, sizeof(l));
	if (getsockopt(s->fd, d->level, d->opt, &l, &len) < 0) {
		agent_out_errno(a, rq->id, errno);
		return;
	}
	agent_out_begin(a, rq->id, 0, "-");
	agent_out_kv(a, "value", "%d,%d", l.l_onoff ? 1 : 0, l.l_linger);
	agent_out_end(a);
}

/* See agent_linux_int.h. so_error comes back as an errno name ("-" for none), since
 * numbers differ between stacks (PROTOCOL.md 4.1). */
void agent_verb_getsockopt(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	const struct sockopt_def *d;
	socklen_t len;
	int iv = 0;

	if (!s || !(d = sockopt_find(a, rq)))
		return;
	if (d->kind == OPTK_LINGER) {
		get_linger(a, rq, s, d);
		return;
	}
	len = sizeof(iv);
	if (getsockopt(s->fd, d->level, d->opt, &iv, &len) < 0) {
		agent_out_errno(a, rq->id, errno);
		return;
	}
	agent_out_begin(a, rq->id, 0, "-");
	if (d->opt == SO_ERROR && d->level == SOL_SOCKET)
		agent_out_kv(a, "value", "%s", agent_errno_name(iv));
	else
		agent_out_kv(a, "value", "%d", iv);
	agent_out_end(a);
}
