/* TCP state by 4-tuple through NETLINK_SOCK_DIAG (see sockdiag.h).
 *
 * A connection (remote port non-zero) is looked up with a targeted SOCK_DIAG_BY_FAMILY
 * get: the kernel's own demultiplexing lookup (inet_lookup: the established hash --
 * full, request and timewait socks -- then the listeners, wildcards included), so what
 * it does not find no arriving segment would reach either. A dump walks the
 * namespace's whole established hash and fills a message for every socket, twice (both
 * families): with the hundreds of connections of a fuzzing lab, the state after every
 * step took half the campaign's CPU time (perf: tcp_diag_dump). A listener query (remote
 * port 0), rare, dumps every state and matches in userspace. */
#include "sockdiag.h"

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

/* One dump of every TCP socket of one family. */
static int dump_family(struct mnl_socket *nl, int family, struct query *q, char *err,
		       size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	unsigned seq = (unsigned)time(NULL) ^ (unsigned)family, portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int rc;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = IPPROTO_TCP;
	/* Every state: the kernel widens TCPF_SYN_RECV to NEW_SYN_RECV request socks and
	 * includes timewait socks when their bits are set. */
	req->idiag_states = 0xffffffffu;
	req->idiag_ext = 1 << (INET_DIAG_INFO - 1);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, errlen, "sock_diag: sendto: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			snprintf(err, errlen, "sock_diag: recv: %s", strerror(errno));
			return -1;
		}
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, on_msg, q);
		if (rc == MNL_CB_STOP)
			return 0;
		if (rc == MNL_CB_ERROR) {
			snprintf(err, errlen, "sock_diag: dump of family %d failed: %s", family,
				 strerror(errno));
			return -1;
		}
	}
}

/* The targeted get of the connection q names, asked in family's terms. Returns 0 (found
 * or not: q->best says), or -1 with err. */
static int get_one(struct mnl_socket *nl, int family, const void *laddr, const void *raddr,
		   struct query *q, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	unsigned seq = (unsigned)time(NULL) ^ 0x5eedu, portid = mnl_socket_get_portid(nl);
	size_t alen = family == AF_INET ? 4 : 16;
	ssize_t n;
	int rc;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = 0xffffffffu;
	req->idiag_ext = 1 << (INET_DIAG_INFO - 1);
	req->id.idiag_sport = htons(q->lport);
	req->id.idiag_dport = htons(q->rport);
	memcpy(req->id.idiag_src, laddr, alen);
	memcpy(req->id.idiag_dst, raddr, alen);
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, errlen, "sock_diag: sendto: %s", strerror(errno));
		return -1;
	}
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0) {
		snprintf(err, errlen, "sock_diag: recv: %s", strerror(errno));
		return -1;
	}
	rc = mnl_cb_run(buf, (size_t)n, seq, portid, on_msg, q);
	if (rc == MNL_CB_ERROR && errno != ENOENT) {
		snprintf(err, errlen, "sock_diag: get in family %d failed: %s", family,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* See sockdiag.h. Opens one netlink socket per call: a lab asks rarely, and holding
 * none keeps the agent's fd table simple. */
int sockdiag_state(int family, const void *laddr, uint16_t lport, const void *raddr,
		   uint16_t rport, struct sockdiag_info *out, char *err, size_t errlen)
{
	struct query q;
	struct mnl_socket *nl;
	int rc;

	memset(out, 0, sizeof(*out));
	out->state = TCP_STATE_CLOSE;
	out->state_name = "CLOSED";
	out->timer_name = "none";
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
	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl) {
		snprintf(err, errlen, "sock_diag: socket: %s", strerror(errno));
		return -1;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "sock_diag: bind: %s", strerror(errno));
		mnl_socket_close(nl);
		return -1;
	}
	/* A listener query: an IPv4 connection can live on an AF_INET6 socket (mapped address), so both
	 * tables are searched whatever the query's family. */
	if (rport != 0) {
		rc = get_one(nl, family, laddr, raddr, &q, err, errlen);
	} else {
		rc = dump_family(nl, AF_INET, &q, err, errlen);
		if (rc == 0)
			rc = dump_family(nl, AF_INET6, &q, err, errlen);
	}
	mnl_socket_close(nl);
	if (rc < 0) {
		memset(out, 0, sizeof(*out));
		out->state = TCP_STATE_CLOSE;
		out->state_name = "CLOSED";
		out->timer_name = "none";
	}
	return rc;
}
