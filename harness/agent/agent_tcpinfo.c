/* getsockopt <h> tcp_info of the agent core (PROTOCOL.md 6.4.1): the backend fills a
 * struct agent_tcpi with what its stack keeps; this file turns it into reply keys,
 * leaving out each key the stack does not have. */
#include "agent_core_int.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* Key names in enum agent_tcpi_key order (PROTOCOL.md 6.4.1). */
static const char *const tcpi_names[AGENT_TCPI_NKEYS] = {
	[AGENT_TCPI_RETRANSMITS] = "retransmits",
	[AGENT_TCPI_PROBES] = "probes",
	[AGENT_TCPI_BACKOFF] = "backoff",
	[AGENT_TCPI_SND_WSCALE] = "snd_wscale",
	[AGENT_TCPI_RCV_WSCALE] = "rcv_wscale",
	[AGENT_TCPI_RTO_US] = "rto_us",
	[AGENT_TCPI_ATO_US] = "ato_us",
	[AGENT_TCPI_SND_MSS] = "snd_mss",
	[AGENT_TCPI_RCV_MSS] = "rcv_mss",
	[AGENT_TCPI_UNACKED] = "unacked",
	[AGENT_TCPI_SACKED] = "sacked",
	[AGENT_TCPI_LOST] = "lost",
	[AGENT_TCPI_RETRANS] = "retrans",
	[AGENT_TCPI_FACKETS] = "fackets",
	[AGENT_TCPI_PMTU] = "pmtu",
	[AGENT_TCPI_RCV_SSTHRESH] = "rcv_ssthresh",
	[AGENT_TCPI_RTT_US] = "rtt_us",
	[AGENT_TCPI_RTTVAR_US] = "rttvar_us",
	[AGENT_TCPI_SND_SSTHRESH] = "snd_ssthresh",
	[AGENT_TCPI_SND_CWND] = "snd_cwnd",
	[AGENT_TCPI_ADVMSS] = "advmss",
	[AGENT_TCPI_REORDERING] = "reordering",
	[AGENT_TCPI_RCV_SPACE] = "rcv_space",
	[AGENT_TCPI_TOTAL_RETRANS] = "total_retrans",
	[AGENT_TCPI_BYTES_ACKED] = "bytes_acked",
	[AGENT_TCPI_BYTES_RECEIVED] = "bytes_received",
	[AGENT_TCPI_DELIVERED] = "delivered",
};

/* See agent_core.h. */
void agent_tcpi_set(struct agent_tcpi *t, enum agent_tcpi_key k, uint64_t v)
{
	t->v[k] = v;
	t->have |= UINT32_C(1) << k;
}

/* See agent_core_int.h. */
void agent_tcpinfo_reply(struct agent_server *a, const struct agent_request *rq,
			 const struct agent_slot *s)
{
	struct agent_tcpi t;
	int k;

	memset(&t, 0, sizeof(t));
	if (a->b->tcp_info(s->fd, &t) < 0) {
		agent_out_errno(a, rq->id, errno);
		return;
	}
	agent_out_begin(a, rq->id, 0, "-");
	if (t.state_name)
		agent_out_kv(a, "state", "%s", t.state_name);
	if (t.ca_state)
		agent_out_kv(a, "ca_state", "%s", t.ca_state);
	if (t.has_options)
		agent_out_tcp_options(a, t.options);
	for (k = 0; k < AGENT_TCPI_NKEYS; k++)
		if (t.have & (UINT32_C(1) << k))
			agent_out_kv(a, tcpi_names[k], "%" PRIu64, t.v[k]);
	agent_out_end(a);
}
