/* Request arguments of the agent core and the handle table they name (agent_core.h).
 * Every agent_arg_* reply on bad input names the verb, the argument, what was expected
 * and what came (PROTOCOL.md 4.2).
 *
 * Why a handle is not the fd number: handles are never reused within a session, so a
 * stale handle gives EBADF instead of silently hitting a newer socket; a held handle
 * (Linux's agent_hold.c) has no fd in the agent at all; and a backend's descriptors
 * need not be host fds (lwIP's are not). */
#include "agent_core_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* See agent_core.h. Decimal only, at most 12 digits, optional leading '-'. */
int agent_parse_num(const char *s, long long min, long long max, long long *out)
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

/* See agent_core.h: argument idx as an integer in [min, max], or EINVAL. */
int agent_arg_num(struct agent_server *a, const struct agent_request *rq, int idx,
		  const char *name, long long min, long long max, long long *out)
{
	if (agent_parse_num(rq->args[idx], min, max, out) == 0)
		return 0;
	agent_out_fail(a, rq->id, "EINVAL", "%s: %s \"%.24s\" is not an integer in %lld..%lld",
		       rq->verb, name, rq->args[idx], min, max);
	return -1;
}

/* See agent_core_int.h. */
struct agent_slot *agent_slot_find(struct agent_server *a, uint32_t handle)
{
	int i;

	if (handle == 0)
		return NULL;
	for (i = 0; i < a->slots_used; i++)
		if (a->slots[i].handle == handle)
			return &a->slots[i];
	return NULL;
}

/* See agent_core.h. */
struct agent_slot *agent_arg_handle(struct agent_server *a, const struct agent_request *rq,
				    int idx)
{
	long long h;
	struct agent_slot *s;

	if (agent_arg_num(a, rq, idx, "handle", 1, UINT32_MAX, &h) < 0)
		return NULL;
	s = agent_slot_find(a, (uint32_t)h);
	if (!s)
		agent_out_fail(a, rq->id, "EBADF", "%s: no open handle %lld", rq->verb, h);
	return s;
}

/* See agent_core.h. */
struct agent_slot *agent_arg_slot(struct agent_server *a, const struct agent_request *rq,
				  int idx)
{
	struct agent_slot *s = agent_arg_handle(a, rq, idx);

	if (s && s->holder > 0) {
		agent_out_fail(a, rq->id, "EBUSY", "%s: handle %u is held by process %d (hold); "
			       "only kill, state, getsockname and getpeername reach it",
			       rq->verb, s->handle, (int)s->holder);
		return NULL;
	}
	return s;
}

/* See agent_core_int.h. An IPv4 literal on an inet6 socket becomes the v4-mapped
 * address, as a dual-stack program would use. */
int agent_arg_sockaddr(struct agent_server *a, const struct agent_request *rq, int idx,
		       int family, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct in_addr v4;
	long long port;

	if (agent_arg_num(a, rq, idx + 1, "port", 0, 65535, &port) < 0)
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
	agent_out_fail(a, rq->id, "EINVAL", "%s: address \"%.48s\" is neither IPv4 nor IPv6",
		       rq->verb, rq->args[idx]);
	return -1;
}

/* See agent_core_int.h: options after the positional arguments, wait=<ms> and bare
 * flags, each only where `allowed` says the verb takes it. */
int agent_arg_opts(struct agent_server *a, const struct agent_request *rq, int first,
		   int allowed, struct agent_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->wait_ms = AGENT_DEFAULT_WAIT_MS;
	for (i = first; i < rq->nargs; i++) {
		const char *s = rq->args[i];
		long long v;

		if ((allowed & OPT_WAIT) && strncmp(s, "wait=", 5) == 0) {
			if (agent_parse_num(s + 5, 0, AGENT_MAX_WAIT_MS, &v) < 0) {
				agent_out_fail(a, rq->id, "EINVAL", "%s: wait \"%.24s\" is not "
					       "milliseconds in 0..%d", rq->verb, s + 5,
					       AGENT_MAX_WAIT_MS);
				return -1;
			}
			o->wait_ms = v;
			o->wait_given = 1;
		} else if ((allowed & OPT_PEEK) && strcmp(s, "peek") == 0) {
			o->peek = 1;
		} else if ((allowed & OPT_WAITALL) && strcmp(s, "waitall") == 0) {
			o->waitall = 1;
		} else if ((allowed & OPT_OOB) && strcmp(s, "oob") == 0) {
			o->oob = 1;
		} else if ((allowed & OPT_MORE) && strcmp(s, "more") == 0) {
			o->more = 1;
		} else if ((allowed & OPT_DONTWAIT) && strcmp(s, "dontwait") == 0) {
			o->dontwait = 1;
		} else {
			agent_out_fail(a, rq->id, "EINVAL", "%s: argument %d \"%.24s\" is not an "
				       "option this verb takes%s%s%s%s%s%s", rq->verb, i + 1, s,
				       (allowed & OPT_WAIT) ? " wait=<ms>" : " (none)",
				       (allowed & OPT_PEEK) ? " peek" : "",
				       (allowed & OPT_WAITALL) ? " waitall" : "",
				       (allowed & OPT_OOB) ? " oob" : "",
				       (allowed & OPT_MORE) ? " more" : "",
				       (allowed & OPT_DONTWAIT) ? " dontwait" : "");
			return -1;
		}
	}
	return 0;
}

/* See agent_core_int.h. dontwait wins over a wait= beside it (PROTOCOL.md 5). */
void agent_opts_apply_nonblock(const struct agent_slot *s, struct agent_opts *o)
{
	if (o->dontwait || (s->nonblock && !o->wait_given))
		o->wait_ms = 0;
}

/* See agent_core_int.h. */
struct agent_slot *agent_slot_add(struct agent_server *a, int fd, int family)
{
	int i;

	for (i = 0; i < a->max_handles; i++) {
		struct agent_slot *s = &a->slots[i];

		if (s->handle == 0) {
			if (i >= a->slots_used)
				a->slots_used = i + 1;
			agent_slot_forget(s);
			s->handle = a->next_handle++;
			if (a->next_handle == 0)
				a->next_handle = 1;
			s->fd = fd;
			s->family = family;
			return s;
		}
	}
	return NULL;
}

/* See agent_core.h. */
void agent_slot_forget(struct agent_slot *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->holder_ref = -1;
}

/* See agent_core_int.h. */
int agent_slot_name(struct agent_server *a, const struct agent_slot *s, int peer,
		    struct sockaddr_storage *ss)
{
	socklen_t len = sizeof(*ss);

	memset(ss, 0, sizeof(*ss));
	if (s->holder > 0) {
		if (peer && s->held_peer_err) {
			errno = s->held_peer_err;
			return -1;
		}
		*ss = peer ? s->held_peer : s->held_name;
		return 0;
	}
	return peer ? a->b->sock.getpeername(s->fd, (struct sockaddr *)ss, &len) :
		      a->b->sock.getsockname(s->fd, (struct sockaddr *)ss, &len);
}
