/* getsockopt tcp_info of the lwIP agent (PROTOCOL.md 6.4.1): the socket's own PCB,
 * read under the core lock, as struct agent_tcpi. lwIP keeps no counters for most of
 * Linux's keys (rcv_mss, sacked, lost, retrans, total_retrans, bytes_*, delivered,
 * pmtu, advmss, rcv_space, ato); those are left out, not sent as 0 (README.md). */
#include "lwip_stack.h"

#include <lwip/api.h>
#include <lwip/priv/sockets_priv.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/tcp.h>
#include <lwip/tcpip.h>

#include <errno.h>

/* Linux's ca_state from lwIP's flags: fast recovery is TF_INFR (RFC 5681 3.2); a
 * segment being retransmitted on its RTO is "loss" (lwIP has no CWR or disorder). */
static const char *ca_state(const struct tcp_pcb *pcb)
{
	if (pcb->flags & TF_INFR)
		return "recovery";
	return pcb->nrtx > 0 ? "loss" : "open";
}

static void pcb_tcpi(const struct tcp_pcb *pcb, struct agent_tcpi *o)
{
	const struct tcp_seg *s;
	unsigned unacked = 0;
	const uint64_t tick_us = TCP_SLOW_INTERVAL * 1000u;

	o->ca_state = ca_state(pcb);
	agent_tcpi_set(o, AGENT_TCPI_RETRANSMITS, pcb->nrtx);
	agent_tcpi_set(o, AGENT_TCPI_BACKOFF, pcb->nrtx);   /* lwIP backs off by nrtx */
	agent_tcpi_set(o, AGENT_TCPI_PROBES, pcb->persist_probe ? pcb->persist_probe :
		       pcb->keep_cnt_sent);
	o->has_options = 1;
	if (pcb->flags & TF_WND_SCALE) {
		o->options |= AGENT_TCPOPT_WSCALE;
		agent_tcpi_set(o, AGENT_TCPI_SND_WSCALE, pcb->snd_scale);
		agent_tcpi_set(o, AGENT_TCPI_RCV_WSCALE, pcb->rcv_scale);
	}
	agent_tcpi_set(o, AGENT_TCPI_RTO_US, (uint64_t)(pcb->rto > 0 ? pcb->rto : 0) * tick_us);
	agent_tcpi_set(o, AGENT_TCPI_SND_MSS, pcb->mss);
	for (s = pcb->unacked; s; s = s->next)
		unacked++;
	agent_tcpi_set(o, AGENT_TCPI_UNACKED, unacked);
	/* sa is 8 x the smoothed RTT and sv 4 x its variation, both in slow-timer ticks
	 * (Jacobson/Karels, as tcp_receive keeps them): 500 ms resolution. */
	if (pcb->sa > 0) {
		agent_tcpi_set(o, AGENT_TCPI_RTT_US, (uint64_t)(pcb->sa >> 3) * tick_us);
		agent_tcpi_set(o, AGENT_TCPI_RTTVAR_US, (uint64_t)(pcb->sv >> 2) * tick_us);
	}
	if (pcb->mss) {
		agent_tcpi_set(o, AGENT_TCPI_SND_CWND, pcb->cwnd / pcb->mss);
		agent_tcpi_set(o, AGENT_TCPI_SND_SSTHRESH, pcb->ssthresh / pcb->mss);
	}
}

/* See lwip_stack.h. */
int lwip_stack_tcp_info(int fd, struct agent_tcpi *o)
{
	struct lwip_sock *sock;
	const struct tcp_pcb *pcb;
	int rc = 0;

	LOCK_TCPIP_CORE();
	sock = lwip_socket_dbg_get_socket(fd);
	if (!sock || !sock->conn || NETCONNTYPE_GROUP(sock->conn->type) != NETCONN_TCP) {
		rc = -1;
	} else {
		pcb = sock->conn->pcb.tcp;
		/* No PCB: never connected, or lwIP freed it (reset, aborted). A listener's
		 * struct tcp_pcb_listen ends before the fields read below: its state only. */
		o->state_name = lwip_stack_state_name(pcb ? (int)pcb->state : CLOSED);
		if (pcb && pcb->state != LISTEN && pcb->state != CLOSED)
			pcb_tcpi(pcb, o);
	}
	UNLOCK_TCPIP_CORE();
	if (rc < 0)
		errno = EBADF;
	return rc;
}
