/* The lwIP agent (lwip_agent.h): the agent core (harness/agent/agent_core.h) with a backend
 * for lwIP's socket API. Only what is lwIP's own is here:
 *   - socket calls are lwip_* calls on lwIP descriptors, which are not host fds: the
 *     core's loop cannot poll(2) them, so it wakes every LWIP_AGENT_STEP_MS while calls
 *     are parked and asks lwip_poll() (host_fds 0);
 *   - the option table is what this lwIP build implements;
 *   - state reads lwIP's PCB lists (lwip_stack.h);
 *   - params is this agent's own verb; sysctl, hold and kill are ENOSYS (no runtime
 *     settings, no processes: PROTOCOL.md 6.6, 6.7).
 * lwIP sets the host's errno (LWIP_ERRNO_STDINCLUDE) and takes the host's socket
 * constants and structs (LWIP_SOCKET_EXTERNAL_HEADERS), as the core's contract asks. */
#include "lwip_agent.h"
#include "lwip_stack.h"

#include <lwip/init.h>
#include <lwip/sockets.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

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

/* ---------------------------------------------------------------- socket calls */

static int lw_open(int family, char *why, size_t whylen)
{
	int fd = lwip_socket(family, SOCK_STREAM, IPPROTO_TCP);

	if (fd < 0) {
		if (errno == ENFILE)
			snprintf(why, whylen, "lwIP's socket table is full");
		return -1;
	}
	lwip_fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static int lw_accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	int nfd = lwip_accept(fd, sa, len);

	/* lwIP does not pass O_NONBLOCK on to accepted sockets. */
	if (nfd >= 0)
		lwip_fcntl(nfd, F_SETFL, O_NONBLOCK);
	return nfd;
}

static ssize_t lw_send(int fd, const void *buf, size_t len, int flags)
{
	return lwip_send(fd, buf, len, flags | MSG_DONTWAIT);
}

static ssize_t lw_recv(int fd, void *buf, size_t len, int flags)
{
	return lwip_recv(fd, buf, len, flags | MSG_DONTWAIT);
}

/* A listener's SO_LINGER is cleared before lwIP closes it. Why: lwIP 2.1's close
 * (lwip_netconn_do_close_internal) decides on an abortive close by reading
 * pcb->unsent and pcb->unacked whenever the linger is set, also for a listener, whose
 * struct tcp_pcb_listen ends long before those fields (88 bytes here; unsent at 184):
 * it reads the next heap block, and when that is not zero calls tcp_abort() on the
 * listener, which lwIP refuses ("don't call tcp_abort/tcp_abandon for listen-pcbs")
 * by aborting the process. A listener has nothing to linger on: RFC 9293 3.10.4 CLOSE
 * in LISTEN just deletes the TCB, so clearing the option changes nothing on the wire. */
static void unlinger_listener(int fd)
{
	struct linger off = { 0, 0 };
	int listening = 0;
	socklen_t len = sizeof(listening);

	if (lwip_getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 &&
	    listening)
		lwip_setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, sizeof(off));
}

static int lw_close(int fd)
{
	unlinger_listener(fd);
	return lwip_close(fd);
}

/* A non-blocking socket with SO_LINGER on refuses to close (EWOULDBLOCK) instead of
 * waiting for the peer's ACK (RFC 9293 3.6): made blocking, in the helper thread. */
static int lw_close_linger(int fd)
{
	lwip_fcntl(fd, F_SETFL, 0);
	return lw_close(fd);
}

/* shutdown(SHUT_RDWR) of a listener takes the same path in lwIP as close. */
static int lw_shutdown(int fd, int how)
{
	unlinger_listener(fd);
	return lwip_shutdown(fd, how);
}

static int lw_poll(struct pollfd *fds, nfds_t n)
{
	return lwip_poll(fds, n, 0);
}

/* ---------------------------------------------------------------- verbs of lwIP */

static void verb_params(struct agent_server *a, const struct agent_request *rq)
{
	agent_out_begin(a, rq->id, 0, "-");
	agent_out_raw(a, " %s", lwip_stack_params());
	agent_out_end(a);
}

static void verb_sysctl(struct agent_server *a, const struct agent_request *rq)
{
	agent_out_fail(a, rq->id, "ENOSYS", "sysctl: lwIP has no runtime settings; its "
		       "compiled-in parameters are in the params verb");
}

static void verb_reserved(struct agent_server *a, const struct agent_request *rq)
{
	agent_out_fail(a, rq->id, "ENOSYS", "%s: not implemented by the lwIP agent (lwIP "
		       "sockets live in the agent's own process)", rq->verb);
}

static const struct agent_verb lw_verbs[] = {
	{ "params", 0, 0, verb_params, "params" },
	{ "sysctl", 0, AGENT_MAX_ARGS, verb_sysctl, "sysctl (not supported)" },
	{ "kill", 0, AGENT_MAX_ARGS, verb_reserved, "kill (not supported)" },
	{ "hold", 0, AGENT_MAX_ARGS, verb_reserved, "hold (not supported)" },
};

static int lw_state(const struct agent_tuple *t, struct agent_tcp_info *out, char *err,
		    size_t errlen)
{
	lwip_stack_tcp_state(t, out);
	return 0;
}

/* ---------------------------------------------------------------- the backend */

/* What this lwIP build implements (sockets.c of lwIP 2.1, with this lwipopts.h). Left
 * out on purpose: so_rcvbuf (lwIP takes it but it sizes UDP/raw receive queues only,
 * not the TCP window), so_sndbuf, so_oobinline, tcp_maxseg and the Linux-only TCP_*
 * options, which lwIP does not have. Those answer ENOSYS (PROTOCOL.md 6.4). Booleans
 * come back as lwIP's SOF_* flag bits, hence AGENT_OPT_BOOL. */
static const struct agent_sockopt lw_sockopts[] = {
#if LWIP_SO_LINGER
	{ "so_linger", SOL_SOCKET, SO_LINGER, AGENT_OPT_LINGER },
#endif
	{ "so_keepalive", SOL_SOCKET, SO_KEEPALIVE, AGENT_OPT_BOOL },
#if SO_REUSE
	{ "so_reuseaddr", SOL_SOCKET, SO_REUSEADDR, AGENT_OPT_BOOL },
#endif
	{ "so_error", SOL_SOCKET, SO_ERROR, AGENT_OPT_ERROR },
	{ "tcp_nodelay", IPPROTO_TCP, TCP_NODELAY, AGENT_OPT_BOOL },
#if LWIP_TCP_KEEPALIVE
	{ "tcp_keepidle", IPPROTO_TCP, TCP_KEEPIDLE, AGENT_OPT_INT },
	{ "tcp_keepintvl", IPPROTO_TCP, TCP_KEEPINTVL, AGENT_OPT_INT },
	{ "tcp_keepcnt", IPPROTO_TCP, TCP_KEEPCNT, AGENT_OPT_INT },
#endif
#if LWIP_IPV6
	{ "ipv6_v6only", IPPROTO_IPV6, IPV6_V6ONLY, AGENT_OPT_BOOL },
#endif
};

/* "params" is this agent's own cap: the params verb works. */
static const struct agent_backend lw_backend = {
	.greeting = "hello=tcpconform-agent version=1 stack=lwip caps=state" CAP_KEEPALIVE
		    CAP_LINGER ",params lwip=" LWIP_VERSION_STRING,
	.sock = {
		.open = lw_open,
		.bind = lwip_bind,
		.listen = lwip_listen,
		.accept = lw_accept,
		.connect = lwip_connect,
		.send = lw_send,
		.recv = lw_recv,
		.shutdown = lw_shutdown,
		.close = lw_close,
		.close_linger = lw_close_linger,
		.getsockname = lwip_getsockname,
		.getpeername = lwip_getpeername,
		.setsockopt = lwip_setsockopt,
		.getsockopt = lwip_getsockopt,
		.poll = lw_poll,
	},
	.host_fds = 0,
	.tick_ms = LWIP_AGENT_STEP_MS,
	.sockopts = lw_sockopts,
	.nsockopts = sizeof(lw_sockopts) / sizeof(lw_sockopts[0]),
	.sockopt_missing = "not supported by lwIP (see targets/lwip/README.md)",
	.no_oob = "lwIP has no urgent data (MSG_OOB)",
	/* lwip_send passes MSG_MORE on as TCP_WRITE_FLAG_MORE: the segment goes without
	 * PSH; lwIP holds nothing back for it (README.md). */
	.msg_more = 1,
	.tcp_info = lwip_stack_tcp_info,
	.state = lw_state,
	.verbs = lw_verbs,
	.nverbs = sizeof(lw_verbs) / sizeof(lw_verbs[0]),
};

/* See lwip_agent.h. */
int lwip_agent_serve(int ctl_fd)
{
	return agent_serve(ctl_fd, &lw_backend);
}
