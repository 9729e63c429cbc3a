/* The state verb of the Linux agent (PROTOCOL.md 6.5): the TCP state of one connection
 * by 4-tuple, through sock_diag (sockdiag.h), which also sees sockets no handle refers
 * to (un-accepted SYN_RECV, orphaned FIN_WAIT_2, TIME_WAIT). */
#include "agent_linux_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "sockdiag.h"

/* The 4-tuple of a state request, in the family's own address width. */
struct tuple {
	int family;
	struct in6_addr l, r;
	long long lport, rport;
};

/* state <laddr> <lport> <raddr> <rport> */
static int tuple_of_args(struct agent_server *a, const struct agent_request *rq,
			 struct tuple *t)
{
	struct in_addr l4, r4;

	if (rq->nargs != 4) {
		agent_out_fail(a, rq->id, "EINVAL", "state: expected <h> or <laddr> <lport> "
			       "<raddr> <rport>, got %d arguments", rq->nargs);
		return -1;
	}
	if (agent_arg_num(a, rq, 1, "lport", 0, 65535, &t->lport) < 0 ||
	    agent_arg_num(a, rq, 3, "rport", 0, 65535, &t->rport) < 0)
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
	agent_out_fail(a, rq->id, "EINVAL", "state: \"%.48s\" and \"%.48s\" are not two "
		       "addresses of one family", rq->args[0], rq->args[2]);
	return -1;
}

static void tuple_end(const struct sockaddr_storage *ss, struct in6_addr *addr,
		      long long *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		memcpy(addr, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		*addr = s6->sin6_addr;
		*port = ntohs(s6->sin6_port);
	}
}

/* state <h>: the handle's own addresses; a held handle's are those it had when it
 * was handed over, so its connection stays observable until and after kill. */
static int tuple_of_handle(struct agent_server *a, const struct agent_request *rq,
			   struct tuple *t)
{
	struct agent_slot *s = agent_arg_handle(a, rq, 0);
	struct sockaddr_storage ls, rs;

	if (!s)
		return -1;
	if (agent_slot_name(s, 0, &ls) < 0) {
		agent_out_errno(a, rq->id, errno);
		return -1;
	}
	if (agent_slot_name(s, 1, &rs) < 0) {
		memset(&rs, 0, sizeof(rs));
		rs.ss_family = ls.ss_family;     /* listener or unconnected: any:0 */
	}
	t->family = ls.ss_family;
	tuple_end(&ls, &t->l, &t->lport);
	tuple_end(&rs, &t->r, &t->rport);
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
	agent_out_kv(a, "options", "%s", buf[0] ? buf + 1 : "none");
}

static void kv_tcp_info(struct agent_server *a, const struct sockdiag_info *in)
{
	agent_out_kv(a, "rto_us", "%u", in->tcp_rto_us);
	agent_out_kv(a, "snd_mss", "%u", in->tcp_snd_mss);
	agent_out_kv(a, "rcv_mss", "%u", in->tcp_rcv_mss);
	agent_out_kv(a, "cwnd", "%u", in->tcp_snd_cwnd);
	agent_out_kv(a, "unacked", "%u", in->tcp_unacked);
	agent_out_kv(a, "snd_wnd", "%u", in->tcp_snd_wnd);
	kv_tcp_options(a, in->tcp_options);
	agent_out_kv(a, "wscale", "%u,%u", in->tcp_snd_wscale, in->tcp_rcv_wscale);
	agent_out_kv(a, "total_retrans", "%u", in->tcp_total_retrans);
}

/* See agent_linux_int.h. */
void agent_verb_state(struct agent_server *a, const struct agent_request *rq)
{
	struct sockdiag_info in;
	struct tuple t;
	char err[200];

	memset(&t, 0, sizeof(t));
	if ((rq->nargs == 1 ? tuple_of_handle(a, rq, &t) : tuple_of_args(a, rq, &t)) < 0)
		return;
	if (sockdiag_state(t.family, &t.l, (uint16_t)t.lport, &t.r, (uint16_t)t.rport, &in,
			   err, sizeof(err)) < 0) {
		agent_out_fail(a, rq->id, "EIO", "state: %s", err);
		return;
	}
	agent_out_begin(a, rq->id, 0, "-");
	agent_out_kv(a, "state", "%s", in.state_name);
	if (in.found) {
		agent_out_kv(a, "rqueue", "%u", in.rqueue);
		agent_out_kv(a, "wqueue", "%u", in.wqueue);
		agent_out_kv(a, "timer", "%s", in.timer_name);
		agent_out_kv(a, "expires_ms", "%u", in.expires_ms);
		agent_out_kv(a, "retrans", "%u", in.retrans);
		agent_out_kv(a, "orphan", "%d", in.orphan);
	}
	/* A listener's control block is all zeros: leave it out rather than mislead. */
	if (in.has_info && strcmp(in.state_name, "LISTEN") != 0)
		kv_tcp_info(a, &in);
	agent_out_end(a);
}
