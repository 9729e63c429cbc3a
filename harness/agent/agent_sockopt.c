/* setsockopt / getsockopt of the agent core (PROTOCOL.md 6.4) over the backend's option
 * table. A name missing from the table is ENOSYS, so that a script can tell "this
 * agent cannot" from "the stack refused" (EINVAL). Two names are the core's own on any
 * stack: o_nonblock, the handle's flag (PROTOCOL.md 5), and tcp_info, read through the
 * backend's tcp_info hook (agent_tcpinfo.c). */
#include "agent_core_int.h"

#include <errno.h>
#include <string.h>

static const struct agent_sockopt *sockopt_find(struct agent_server *a,
						const struct agent_request *rq)
{
	size_t i;

	for (i = 0; i < a->b->nsockopts; i++)
		if (strcmp(a->b->sockopts[i].name, rq->args[1]) == 0)
			return &a->b->sockopts[i];
	agent_out_fail(a, rq->id, "ENOSYS", "%s: option \"%.32s\" %s", rq->verb, rq->args[1],
		       a->b->sockopt_missing);
	return NULL;
}

/* o_nonblock: only the agent's flag changes; the stack's socket is non-blocking
 * underneath whatever it says. */
static void set_nonblock(struct agent_server *a, const struct agent_request *rq,
			 struct agent_slot *s)
{
	long long v;

	if (rq->nargs != 3) {
		agent_out_fail(a, rq->id, "EINVAL", "setsockopt: o_nonblock takes one value "
			       "(0 or 1), got %d", rq->nargs - 2);
		return;
	}
	if (agent_arg_num(a, rq, 2, "o_nonblock value", 0, 1, &v) < 0)
		return;
	s->nonblock = (int)v;
	agent_out_ok(a, rq->id, 0);
}

/* See agent_core_int.h. */
void agent_verb_setsockopt(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	const struct agent_sockopt *d;
	long long v, secs;
	struct linger l;
	int iv, rc;

	if (!s)
		return;
	if (strcmp(rq->args[1], AGENT_OPT_NONBLOCK_NAME) == 0) {
		set_nonblock(a, rq, s);
		return;
	}
	if (strcmp(rq->args[1], AGENT_OPT_TCPINFO_NAME) == 0 && a->b->tcp_info) {
		agent_out_fail(a, rq->id, "EINVAL", "setsockopt: tcp_info can only be read");
		return;
	}
	if (!(d = sockopt_find(a, rq)))
		return;
	if (d->kind == AGENT_OPT_ERROR) {
		agent_out_fail(a, rq->id, "EINVAL", "setsockopt: %s can only be read", d->name);
		return;
	}
	if (rq->nargs != (d->kind == AGENT_OPT_LINGER ? 4 : 3)) {
		agent_out_fail(a, rq->id, "EINVAL", "setsockopt: %s takes %s, got %d value(s)",
			       d->name, d->kind == AGENT_OPT_LINGER ? "<on> <secs>" :
			       "one integer", rq->nargs - 2);
		return;
	}
	if (agent_arg_num(a, rq, 2, "value", INT32_MIN, INT32_MAX, &v) < 0)
		return;
	if (d->kind == AGENT_OPT_LINGER) {
		if (agent_arg_num(a, rq, 3, "secs", 0, INT32_MAX, &secs) < 0)
			return;
		l.l_onoff = v != 0;
		l.l_linger = (int)secs;
		rc = a->b->sock.setsockopt(s->fd, d->level, d->opt, &l, sizeof(l));
	} else {
		iv = (int)v;
		rc = a->b->sock.setsockopt(s->fd, d->level, d->opt, &iv, sizeof(iv));
	}
	agent_out_status(a, rq->id, rc);
}

static void get_linger(struct agent_server *a, const struct agent_request *rq,
		       const struct agent_slot *s, const struct agent_sockopt *d)
{
	struct linger l;
	socklen_t len = sizeof(l);

	memset(&l, 0, sizeof(l));
	if (a->b->sock.getsockopt(s->fd, d->level, d->opt, &l, &len) < 0) {
		agent_out_errno(a, rq->id, errno);
		return;
	}
	agent_out_begin(a, rq->id, 0, "-");
	agent_out_kv(a, "value", "%d,%d", l.l_onoff ? 1 : 0, l.l_linger);
	agent_out_end(a);
}

/* See agent_core_int.h. so_error comes back as an errno name ("-" for none), since
 * numbers differ between stacks (PROTOCOL.md 4.1). */
void agent_verb_getsockopt(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	const struct agent_sockopt *d;
	socklen_t len;
	int iv = 0;

	if (!s)
		return;
	if (strcmp(rq->args[1], AGENT_OPT_NONBLOCK_NAME) == 0) {
		agent_out_begin(a, rq->id, 0, "-");
		agent_out_kv(a, "value", "%d", s->nonblock);
		agent_out_end(a);
		return;
	}
	if (strcmp(rq->args[1], AGENT_OPT_TCPINFO_NAME) == 0 && a->b->tcp_info) {
		agent_tcpinfo_reply(a, rq, s);
		return;
	}
	if (!(d = sockopt_find(a, rq)))
		return;
	if (d->kind == AGENT_OPT_LINGER) {
		get_linger(a, rq, s, d);
		return;
	}
	len = sizeof(iv);
	if (a->b->sock.getsockopt(s->fd, d->level, d->opt, &iv, &len) < 0) {
		agent_out_errno(a, rq->id, errno);
		return;
	}
	agent_out_begin(a, rq->id, 0, "-");
	if (d->kind == AGENT_OPT_ERROR)
		agent_out_kv(a, "value", "%s", agent_errno_name(iv));
	else if (d->kind == AGENT_OPT_BOOL)
		agent_out_kv(a, "value", "%d", iv != 0);
	else
		agent_out_kv(a, "value", "%d", iv);
	agent_out_end(a);
}
