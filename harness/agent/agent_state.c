/* The state verb of the agent core (PROTOCOL.md 6.5): the 4-tuple of a request (given,
 * or a handle's own), the backend's lookup, and the reply keys. The lookup is the
 * stack's business: it must see connections no handle refers to (un-accepted SYN_RECV,
 * orphaned FIN_WAIT_2, TIME_WAIT), which Linux does through sock_diag and lwIP by
 * walking its PCB lists. */
#include "agent_core_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* state <laddr> <lport> <raddr> <rport> */
static int tuple_of_args(struct agent_server *a, const struct agent_request *rq,
			 struct agent_tuple *t)
{
	struct in_addr l4, r4;
	long long lport, rport;

	if (rq->nargs != 4) {
		agent_out_fail(a, rq->id, "EINVAL", "state: expected <h> or <laddr> <lport> "
			       "<raddr> <rport>, got %d arguments", rq->nargs);
		return -1;
	}
	if (agent_arg_num(a, rq, 1, "lport", 0, 65535, &lport) < 0 ||
	    agent_arg_num(a, rq, 3, "rport", 0, 65535, &rport) < 0)
		return -1;
	t->lport = (uint16_t)lport;
	t->rport = (uint16_t)rport;
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
		      uint16_t *port)
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
			   struct agent_tuple *t)
{
	struct agent_slot *s = agent_arg_handle(a, rq, 0);
	struct sockaddr_storage ls, rs;

	if (!s)
		return -1;
	if (agent_slot_name(a, s, 0, &ls) < 0) {
		agent_out_errno(a, rq->id, errno);
		return -1;
	}
	if (agent_slot_name(a, s, 1, &rs) < 0) {
		memset(&rs, 0, sizeof(rs));
		rs.ss_family = ls.ss_family;     /* listener or unconnected: any:0 */
	}
	t->family = ls.ss_family == AF_INET6 ? AF_INET6 : AF_INET;
	tuple_end(&ls, &t->l, &t->lport);
	tuple_end(&rs, &t->r, &t->rport);
	return 0;
}

/* See agent_core_int.h. */
void agent_out_tcp_options(struct agent_server *a, unsigned opt)
{
	char buf[64] = "";

	if (opt & AGENT_TCPOPT_TS)
		strcat(buf, ",ts");
	if (opt & AGENT_TCPOPT_SACK)
		strcat(buf, ",sack");
	if (opt & AGENT_TCPOPT_WSCALE)
		strcat(buf, ",wscale");
	if (opt & AGENT_TCPOPT_ECN)
		strcat(buf, ",ecn");
	agent_out_kv(a, "options", "%s", buf[0] ? buf + 1 : "none");
}

/* The control block's keys, in the order of PROTOCOL.md 6.5. */
static void kv_tcp_info(struct agent_server *a, const struct agent_tcp_info *in)
{
	agent_out_kv(a, "rto_us", "%u", in->rto_us);
	agent_out_kv(a, "snd_mss", "%u", in->snd_mss);
	if (in->has_rcv_mss)
		agent_out_kv(a, "rcv_mss", "%u", in->rcv_mss);
	agent_out_kv(a, "cwnd", "%u", in->cwnd);
	agent_out_kv(a, "unacked", "%u", in->unacked);
	agent_out_kv(a, "snd_wnd", "%u", in->snd_wnd);
	agent_out_tcp_options(a, in->options);
	agent_out_kv(a, "wscale", "%u,%u", in->snd_wscale, in->rcv_wscale);
	if (in->has_total_retrans)
		agent_out_kv(a, "total_retrans", "%u", in->total_retrans);
}

/* See agent_core_int.h. */
void agent_verb_state(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_tcp_info in;
	struct agent_tuple t;
	char err[200] = "";

	memset(&t, 0, sizeof(t));
	memset(&in, 0, sizeof(in));
	if ((rq->nargs == 1 ? tuple_of_handle(a, rq, &t) : tuple_of_args(a, rq, &t)) < 0)
		return;
	if (a->b->state(&t, &in, err, sizeof(err)) < 0) {
		agent_out_fail(a, rq->id, "EIO", "state: %s", err);
		return;
	}
	agent_out_begin(a, rq->id, 0, "-");
	agent_out_kv(a, "state", "%s", in.found ? in.state_name : "CLOSED");
	if (in.found) {
		if (in.has_queues) {
			agent_out_kv(a, "rqueue", "%u", in.rqueue);
			agent_out_kv(a, "wqueue", "%u", in.wqueue);
		}
		agent_out_kv(a, "timer", "%s", in.timer_name ? in.timer_name : "none");
		agent_out_kv(a, "expires_ms", "%u", in.expires_ms);
		agent_out_kv(a, "retrans", "%u", in.retrans);
		agent_out_kv(a, "orphan", "%d", in.orphan);
	}
	if (in.has_info)
		kv_tcp_info(a, &in);
	agent_out_end(a);
}
