/* TCP state by 4-tuple through NETLINK_SOCK_DIAG (see sockdiag.h).
 *
 * A connection (remote port non-zero) is looked up with a targeted SOCK_DIAG_BY_FAMILY
 * get: the kernel's own demultiplexing lookup (inet_lookup: the established hash --
 * full, request and timewait socks -- then the listeners, wildcards included), so what
 * it does not find no arriving segment would reach either. A dump walks the
 * namespace's whole established hash and fills a message for every socket, twice (both
 * families): with the hundreds of connections of a fuzzing lab, the state after every
 * step took half the campaign's CPU time (perf: tcp_diag_dump).
 *
 * A listener query (remote port 0) is a dump, but one the kernel keeps small:
 * idiag_states = TCPF_LISTEN makes inet_diag_dump_icsk walk only the listening hash
 * (it skips the bound-only walk of the bind hash without TCPF_BOUND_INACTIVE and the
 * established hash when no state but LISTEN is asked), and a non-zero id.idiag_sport
 * makes that walk skip every listener on another port before a message is filled. So
 * only the listeners on the query's port come back, and the addresses are matched here
 * as for any query. Only a listener has remote port 0 (a connecting or connected
 * socket has its peer's port), so nothing the dump of every state found is missed,
 * except the bound-only sockets of kernels >= 6.7 (TCP_BOUND_INACTIVE), which are no
 * connection: their reply was already "CLOSED".
 *
 * The agent keeps one netlink socket for all its queries (opened on the first, closed
 * after any error so that the next starts afresh): opening, binding and closing one per
 * query cost four system calls and a socket allocation each time. Each request has a
 * sequence number of its own, and replies to any other -- a late one, or the rest of a
 * query that was cut short -- are read past. */
#include "sockdiag.h"
#include "sockdiag_int.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Linux's numbering of TCP states (include/net/tcp_states.h), with the RFC 9293
 * section 3.3.2 names spelled as the protocol spells them. */
static const char *const state_names[] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT",  [3] = "SYN_RECV",  [4] = "FIN_WAIT_1",
	[5] = "FIN_WAIT_2",  [6] = "TIME_WAIT", [7] = "CLOSED",    [8] = "CLOSE_WAIT",
	[9] = "LAST_ACK",    [10] = "LISTEN",   [11] = "CLOSING",  [12] = "SYN_RECV",
};
#define TCP_STATE_CLOSE 7
#define TCP_STATE_LISTEN 10

const char *sockdiag_state_name(int state)
{
	if (state <= 0 || state >= (int)(sizeof(state_names) / sizeof(state_names[0])) ||
	    !state_names[state])
		return "CLOSED";
	return state_names[state];
}

/* idiag_timer codes (net/ipv4/inet_diag.c, inet_sk_diag_fill). */
static const char *timer_name(int t)
{
	switch (t) {
	case 0: return "none";
	case 1: return "retrans";
	case 2: return "keepalive";
	case 3: return "timewait";
	case 4: return "probe";
	default: return "other";
	}
}

/* The query, normalised to IPv6 form (IPv4 as ::ffff:a.b.c.d) so that sockets of
 * either family compare the same way. */
struct query {
	struct in6_addr laddr, raddr;
	uint16_t lport, rport;         /* host order */
	struct sockdiag_info *out;
	int best;                      /* 0 none, 1 wildcard match, 2 exact match */
};

static void to_v6(int family, const void *addr, struct in6_addr *out)
{
	if (family == AF_INET6) {
		memcpy(out, addr, sizeof(*out));
		return;
	}
	memset(out, 0, sizeof(*out));
	out->s6_addr[10] = 0xff;
	out->s6_addr[11] = 0xff;
	memcpy(&out->s6_addr[12], addr, 4);
}

static int is_any(const struct in6_addr *a)
{
	static const unsigned char v4any[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (IN6_IS_ADDR_UNSPECIFIED(a))
		return 1;
	/* An IPv4 socket bound to 0.0.0.0 shows up here as ::ffff:0.0.0.0. */
	return memcmp(a->s6_addr, v4any, 12) == 0 &&
	       memcmp(&a->s6_addr[12], "\0\0\0\0", 4) == 0;
}

/* 2 when every field equals, 1 when the socket's addresses are wildcards where they
 * differ, 0 when it does not match. */
static int match_score(const struct query *q, const struct in6_addr *sl, uint16_t slport,
		       const struct in6_addr *sr, uint16_t srport)
{
	int exact = 1;

	if (slport != q->lport || srport != q->rport)
		return 0;
	if (memcmp(sl, &q->laddr, sizeof(*sl)) != 0) {
		if (!is_any(sl))
			return 0;
		exact = 0;
	}
	if (memcmp(sr, &q->raddr, sizeof(*sr)) != 0) {
		if (!is_any(sr))
			return 0;
		exact = 0;
	}
	return exact ? 2 : 1;
}

static void fill_tcp_info(struct sockdiag_info *o, const void *payload, size_t len)
{
	struct tcp_info ti;

	/* The kernel's struct may be shorter (older) or longer (newer) than ours. */
	memset(&ti, 0, sizeof(ti));
	memcpy(&ti, payload, len < sizeof(ti) ? len : sizeof(ti));
	o->has_info = 1;
	o->tcp_rto_us = ti.tcpi_rto;
	o->tcp_snd_mss = ti.tcpi_snd_mss;
	o->tcp_rcv_mss = ti.tcpi_rcv_mss;
	o->tcp_snd_cwnd = ti.tcpi_snd_cwnd;
	o->tcp_snd_ssthresh = ti.tcpi_snd_ssthresh;
	o->tcp_unacked = ti.tcpi_unacked;
	o->tcp_total_retrans = ti.tcpi_total_retrans;
	o->tcp_snd_wnd = ti.tcpi_snd_wnd;
	o->tcp_options = ti.tcpi_options;
	o->tcp_snd_wscale = ti.tcpi_snd_wscale;
	o->tcp_rcv_wscale = ti.tcpi_rcv_wscale;
	o->tcp_backoff = ti.tcpi_backoff;
	o->tcp_probes = ti.tcpi_probes;
}

static void fill_info(struct sockdiag_info *o, const struct nlmsghdr *nlh,
		      const struct inet_diag_msg *m)
{
	const struct nlattr *attr;

	memset(o, 0, sizeof(*o));
	o->found = 1;
	o->state = m->idiag_state;
	o->state_name = sockdiag_state_name(m->idiag_state);
	o->rqueue = m->idiag_rqueue;
	o->wqueue = m->idiag_wqueue;
	o->timer_name = timer_name(m->idiag_timer);
	o->expires_ms = m->idiag_expires;
	o->retrans = m->idiag_retrans;
	o->inode = m->idiag_inode;
	/* No file refers to it: closed by its owner (always so for request and timewait
	 * socks, which never had a file). */
	o->orphan = m->idiag_inode == 0;
	mnl_attr_for_each(attr, nlh, sizeof(*m)) {
		if (mnl_attr_get_type(attr) == INET_DIAG_INFO)
			fill_tcp_info(o, mnl_attr_get_payload(attr),
				      mnl_attr_get_payload_len(attr));
	}
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct query *q = data;
	const struct inet_diag_msg *m;
	struct in6_addr sl, sr;
	int score;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return MNL_CB_OK;
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return MNL_CB_OK;
	to_v6(m->idiag_family, m->id.idiag_src, &sl);
	to_v6(m->idiag_family, m->id.idiag_dst, &sr);
	score = match_score(q, &sl, ntohs(m->id.idiag_sport), &sr, ntohs(m->id.idiag_dport));
	if (score > q->best) {
		q->best = score;
		fill_info(q->out, nlh, m);
	}
	return MNL_CB_OK;
}

/* The agent's one sock_diag socket: opened by the first query, closed (and so reopened
 * by the next) after an error. The agent is one thread; a holder (agent_hold.c) is a
 * fork that closes every descriptor but its socket and never asks. */
static struct mnl_socket *diag_nl;
static unsigned diag_seq;

static void diag_drop(void)
{
	if (diag_nl)
		mnl_socket_close(diag_nl);
	diag_nl = NULL;
}

static int diag_open(char *err, size_t errlen)
{
	if (diag_nl)
		return 0;
	diag_nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!diag_nl) {
		snprintf(err, errlen, "sock_diag: socket: %s", strerror(errno));
		return -1;
	}
	if (mnl_socket_bind(diag_nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "sock_diag: bind: %s", strerror(errno));
		diag_drop();
		return -1;
	}
	/* Any start will do: what matters is that no two requests share one. */
	diag_seq = (unsigned)time(NULL);
	return 0;
}

/* See sockdiag_int.h. */
int sockdiag_fd(void)
{
	return diag_nl ? mnl_socket_get_fd(diag_nl) : -1;
}

/* Reads the reply to request seq (a dump when dump is set), passing each socket to
 * on_msg. Messages of any other sequence number belong to a request whose reply was
 * not read to its end: skipped. A get's reply is one message, the socket or an error
 * (ENOENT: no such socket, which is an answer); a dump's ends with NLMSG_DONE. Returns
 * 0, or -1 with err. */
static int diag_recv(unsigned seq, int dump, int family, struct query *q, char *err,
		     size_t errlen)
{
	static char buf[32768];
	unsigned portid = mnl_socket_get_portid(diag_nl);

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(diag_nl, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "sock_diag: recv: %s", strerror(errno));
			return -1;
		}
		for (len = (int)n; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				int code = nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)) ? EPROTO :
					   -e->error;

				if (code == 0 || (!dump && code == ENOENT))
					return 0;
				snprintf(err, errlen, "sock_diag: %s in family %d failed: %s",
					 dump ? "dump" : "get", family, strerror(code));
				return -1;
			}
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			on_msg(nlh, q);
			if (!dump)
				return 0;
		}
	}
}

/* One request: the connection q names (a get, addresses in family's terms) or, with
 * dump set, the listeners of family on q's local port. Returns 0 (q->best says whether
 * a socket matched), or -1 with err. */
static int diag_ask(int family, int dump, const void *laddr, const void *raddr,
		    struct query *q, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	size_t alen = family == AF_INET ? 4 : 16;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0);
	nlh->nlmsg_seq = ++diag_seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_ext = 1 << (INET_DIAG_INFO - 1);
	req->id.idiag_sport = htons(q->lport);
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (dump) {
		/* The listening hash only, the local port filtered in the kernel (see the top
		 * of this file); the addresses are left to match_score. */
		req->idiag_states = 1u << TCP_STATE_LISTEN;
	} else {
		/* Every state: the kernel widens TCPF_SYN_RECV to NEW_SYN_RECV request socks
		 * and includes timewait socks when their bits are set. */
		req->idiag_states = 0xffffffffu;
		req->id.idiag_dport = htons(q->rport);
		memcpy(req->id.idiag_src, laddr, alen);
		memcpy(req->id.idiag_dst, raddr, alen);
	}
	if (mnl_socket_sendto(diag_nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, errlen, "sock_diag: sendto: %s", strerror(errno));
		return -1;
	}
	return diag_recv(nlh->nlmsg_seq, dump, family, q, err, errlen);
}

static void set_closed(struct sockdiag_info *out)
{
	memset(out, 0, sizeof(*out));
	out->state = TCP_STATE_CLOSE;
	out->state_name = "CLOSED";
	out->timer_name = "none";
}

/* See sockdiag.h. */
int sockdiag_state(int family, const void *laddr, uint16_t lport, const void *raddr,
		   uint16_t rport, struct sockdiag_info *out, char *err, size_t errlen)
{
	struct query q;
	int rc;

	set_closed(out);
	if (family != AF_INET && family != AF_INET6) {
		snprintf(err, errlen, "sock_diag: family %d is neither AF_INET nor AF_INET6",
			 family);
		return -1;
	}
	memset(&q, 0, sizeof(q));
	to_v6(family, laddr, &q.laddr);
	to_v6(family, raddr, &q.raddr);
	q.lport = lport;
	q.rport = rport;
	q.out = out;
	if (diag_open(err, errlen) < 0)
		return -1;
	/* A listener query: an IPv4 connection can live on an AF_INET6 socket (mapped
	 * address), so both tables are searched whatever the query's family. */
	if (rport != 0) {
		rc = diag_ask(family, 0, laddr, raddr, &q, err, errlen);
	} else {
		rc = diag_ask(AF_INET, 1, NULL, NULL, &q, err, errlen);
		if (rc == 0)
			rc = diag_ask(AF_INET6, 1, NULL, NULL, &q, err, errlen);
	}
	if (rc < 0) {
		diag_drop();
		set_closed(out);
	}
	return rc;
}
