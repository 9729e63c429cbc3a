/* The Linux agent (agent_linux.h): the agent core (agent_core.h) with a backend for the
 * kernel's TCP stack of the network namespace it runs in. Only what is Linux's own is
 * here, in agent_sysctl.c (the sysctl verb), in agent_hold.c (hold / kill: a socket
 * owned by a helper process) and in agent_tcpinfo_linux.c (getsockopt tcp_info):
 *   - socket calls are the kernel's, on host fds, so the core's loop polls them
 *     together with the control channel (host_fds);
 *   - the option table is the kernel's full set (PROTOCOL.md 6.4);
 *   - state comes from sock_diag (sockdiag.h), which also sees orphans and TIME_WAIT;
 *   - send ... more is MSG_MORE, which the kernel honours (it corks the data). */
#include "agent_linux.h"

#include "agent_linux_int.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockdiag.h"

/* ---------------------------------------------------------------- socket calls
 * Wrappers where the kernel's call needs flags the core's contract implies
 * (non-blocking, close-on-exec, no SIGPIPE), or where glibc's prototype (a transparent
 * union for struct sockaddr under _GNU_SOURCE) does not match the hook's. */

static int linux_open(int family, char *why, size_t whylen)
{
	return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
}

static int linux_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	return bind(fd, sa, len);
}

static int linux_accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	return accept4(fd, sa, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

static int linux_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return connect(fd, sa, len);
}

static ssize_t linux_send(int fd, const void *buf, size_t len, int flags)
{
	return send(fd, buf, len, flags | MSG_NOSIGNAL | MSG_DONTWAIT);
}

static ssize_t linux_recv(int fd, void *buf, size_t len, int flags)
{
	return recv(fd, buf, len, flags | MSG_DONTWAIT);
}

static int linux_getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	return getsockname(fd, sa, len);
}

static int linux_getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	return getpeername(fd, sa, len);
}

static int linux_poll(struct pollfd *fds, nfds_t n)
{
	return poll(fds, n, 0);
}

/* ---------------------------------------------------------------- state */

/* sock_diag's view of a socket in the core's terms. A listener's control block is all
 * zeros: it is left out rather than mislead. */
static int linux_state(const struct agent_tuple *t, struct agent_tcp_info *o, char *err,
		       size_t errlen)
{
	struct sockdiag_info in;

	if (sockdiag_state(t->family, &t->l, t->lport, &t->r, t->rport, &in, err, errlen) < 0)
		return -1;
	o->found = in.found;
	o->state_name = in.state_name;
	o->has_queues = 1;
	o->rqueue = in.rqueue;
	o->wqueue = in.wqueue;
	o->timer_name = in.timer_name;
	o->expires_ms = in.expires_ms;
	o->retrans = in.retrans;
	o->orphan = in.orphan;
	o->has_info = in.has_info && in.state != TCP_LISTEN;
	o->rto_us = in.tcp_rto_us;
	o->snd_mss = in.tcp_snd_mss;
	o->has_rcv_mss = 1;
	o->rcv_mss = in.tcp_rcv_mss;
	o->cwnd = in.tcp_snd_cwnd;
	o->unacked = in.tcp_unacked;
	o->snd_wnd = in.tcp_snd_wnd;
	o->options = in.tcp_options;            /* TCPI_OPT_*: the AGENT_TCPOPT_* bits */
	o->snd_wscale = in.tcp_snd_wscale;
	o->rcv_wscale = in.tcp_rcv_wscale;
	o->has_total_retrans = 1;
	o->total_retrans = in.tcp_total_retrans;
	return 0;
}

/* ---------------------------------------------------------------- the backend */

static const struct agent_sockopt linux_sockopts[] = {
	{ "so_linger", SOL_SOCKET, SO_LINGER, AGENT_OPT_LINGER },
	{ "so_keepalive", SOL_SOCKET, SO_KEEPALIVE, AGENT_OPT_INT },
	{ "so_reuseaddr", SOL_SOCKET, SO_REUSEADDR, AGENT_OPT_INT },
	{ "so_reuseport", SOL_SOCKET, SO_REUSEPORT, AGENT_OPT_INT },
	{ "so_rcvbuf", SOL_SOCKET, SO_RCVBUF, AGENT_OPT_INT },
	{ "so_sndbuf", SOL_SOCKET, SO_SNDBUF, AGENT_OPT_INT },
	{ "so_oobinline", SOL_SOCKET, SO_OOBINLINE, AGENT_OPT_INT },
	{ "so_error", SOL_SOCKET, SO_ERROR, AGENT_OPT_ERROR },
	{ "tcp_nodelay", IPPROTO_TCP, TCP_NODELAY, AGENT_OPT_INT },
	{ "tcp_maxseg", IPPROTO_TCP, TCP_MAXSEG, AGENT_OPT_INT },
	{ "tcp_cork", IPPROTO_TCP, TCP_CORK, AGENT_OPT_INT },
	{ "tcp_keepidle", IPPROTO_TCP, TCP_KEEPIDLE, AGENT_OPT_INT },
	{ "tcp_keepintvl", IPPROTO_TCP, TCP_KEEPINTVL, AGENT_OPT_INT },
	{ "tcp_keepcnt", IPPROTO_TCP, TCP_KEEPCNT, AGENT_OPT_INT },
	{ "tcp_syncnt", IPPROTO_TCP, TCP_SYNCNT, AGENT_OPT_INT },
	{ "tcp_linger2", IPPROTO_TCP, TCP_LINGER2, AGENT_OPT_INT },
	{ "tcp_user_timeout", IPPROTO_TCP, TCP_USER_TIMEOUT, AGENT_OPT_INT },
	{ "tcp_defer_accept", IPPROTO_TCP, TCP_DEFER_ACCEPT, AGENT_OPT_INT },
	{ "tcp_quickack", IPPROTO_TCP, TCP_QUICKACK, AGENT_OPT_INT },
	{ "tcp_window_clamp", IPPROTO_TCP, TCP_WINDOW_CLAMP, AGENT_OPT_INT },
	{ "ipv6_v6only", IPPROTO_IPV6, IPV6_V6ONLY, AGENT_OPT_INT },
};

static const struct agent_verb linux_verbs[] = {
	{ "sysctl", 1, 2, agent_verb_sysctl, "sysctl <net.name> [value[,value...]]" },
	{ "hold", 1, 1, agent_verb_hold, "hold <h>" },
	{ "kill", 1, 1, agent_verb_kill, "kill <h>" },
};

static const struct agent_backend linux_backend = {
	.greeting = "hello=tcpconform-agent version=1 stack=linux "
		    "caps=sysctl,state,keepalive,linger,hold",
	.sock = {
		.open = linux_open,
		.bind = linux_bind,
		.listen = listen,
		.accept = linux_accept,
		.connect = linux_connect,
		.send = linux_send,
		.recv = linux_recv,
		.shutdown = shutdown,
		.close = close,
		.close_linger = close,      /* blocks in the kernel, socket flags or not */
		.getsockname = linux_getsockname,
		.getpeername = linux_getpeername,
		.setsockopt = setsockopt,
		.getsockopt = getsockopt,
		.poll = linux_poll,
	},
	.host_fds = 1,
	.sockopts = linux_sockopts,
	.nsockopts = sizeof(linux_sockopts) / sizeof(linux_sockopts[0]),
	.sockopt_missing = "unknown (see PROTOCOL.md)",
	.msg_more = 1,
	.tcp_info = agent_linux_tcp_info,
	.state = linux_state,
	.verbs = linux_verbs,
	.nverbs = sizeof(linux_verbs) / sizeof(linux_verbs[0]),
	.held_end = agent_hold_end,    /* kill and reap: nothing outlives the agent */
};

/* Descriptors the agent needs beside its handles' sockets: stdio, the control channel,
 * the close notifier, sock_diag's netlink socket, a hold's pidfd and pipe. */
#define LINUX_FDS_SPARE 64

/* How many handles the kernel's side can take: AGENT_MAX_HANDLES (a fuzzing campaign
 * keeps up to a thousand cases in flight on one lab, engine.max_in_flight, each holding
 * up to two handles), as far as RLIMIT_NOFILE allows once its soft limit is raised to
 * the hard one (often 1024 soft: too few). */
static int linux_max_handles(void)
{
	struct rlimit rl;
	rlim_t want = AGENT_MAX_HANDLES + LINUX_FDS_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return AGENT_DEFAULT_HANDLES;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rlim_t old = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			rl.rlim_cur = old;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return AGENT_MAX_HANDLES;
	return rl.rlim_cur > LINUX_FDS_SPARE + AGENT_DEFAULT_HANDLES
		? (int)(rl.rlim_cur - LINUX_FDS_SPARE) : AGENT_DEFAULT_HANDLES;
}

/* See agent_linux.h. */
int agent_linux_serve(int ctl_fd)
{
	struct agent_backend b = linux_backend;

	b.max_handles = linux_max_handles();
	b.max_pending = AGENT_MAX_PENDING;
	return agent_serve(ctl_fd, &b);
}
