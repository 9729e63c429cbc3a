/* getsockopt tcp_info of the Linux agent (PROTOCOL.md 6.4.1): the kernel's struct
 * tcp_info (TCP_INFO) as struct agent_tcpi. The uapi header's struct is used, not
 * glibc's, which stops at tcpi_total_retrans; a field the running kernel did not fill
 * (an older kernel returns a shorter struct) is left out, not reported as 0. */
#include "agent_linux_int.h"

#include <linux/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "sockdiag.h"

/* Linux's enum tcp_ca_state (include/uapi/linux/tcp.h) by PROTOCOL.md's names. */
static const char *ca_state_name(unsigned s)
{
	switch (s) {
	case TCP_CA_Open: return "open";
	case TCP_CA_Disorder: return "disorder";
	case TCP_CA_CWR: return "cwr";
	case TCP_CA_Recovery: return "recovery";
	case TCP_CA_Loss: return "loss";
	}
	return "unknown";
}

#define FILLED(len, field) ((len) >= offsetof(struct tcp_info, field) + \
			    sizeof(((struct tcp_info *)0)->field))

/* See agent_linux_int.h. */
int agent_linux_tcp_info(int fd, struct agent_tcpi *o)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return -1;
	o->state_name = sockdiag_state_name(ti.tcpi_state);
	o->ca_state = ca_state_name(ti.tcpi_ca_state);
	o->has_options = 1;
	o->options = ti.tcpi_options;          /* TCPI_OPT_*: the AGENT_TCPOPT_* bits */
	agent_tcpi_set(o, AGENT_TCPI_RETRANSMITS, ti.tcpi_retransmits);
	agent_tcpi_set(o, AGENT_TCPI_PROBES, ti.tcpi_probes);
	agent_tcpi_set(o, AGENT_TCPI_BACKOFF, ti.tcpi_backoff);
	agent_tcpi_set(o, AGENT_TCPI_SND_WSCALE, ti.tcpi_snd_wscale);
	agent_tcpi_set(o, AGENT_TCPI_RCV_WSCALE, ti.tcpi_rcv_wscale);
	agent_tcpi_set(o, AGENT_TCPI_RTO_US, ti.tcpi_rto);
	agent_tcpi_set(o, AGENT_TCPI_ATO_US, ti.tcpi_ato);
	agent_tcpi_set(o, AGENT_TCPI_SND_MSS, ti.tcpi_snd_mss);
	agent_tcpi_set(o, AGENT_TCPI_RCV_MSS, ti.tcpi_rcv_mss);
	agent_tcpi_set(o, AGENT_TCPI_UNACKED, ti.tcpi_unacked);
	agent_tcpi_set(o, AGENT_TCPI_SACKED, ti.tcpi_sacked);
	agent_tcpi_set(o, AGENT_TCPI_LOST, ti.tcpi_lost);
	agent_tcpi_set(o, AGENT_TCPI_RETRANS, ti.tcpi_retrans);
	agent_tcpi_set(o, AGENT_TCPI_FACKETS, ti.tcpi_fackets);
	agent_tcpi_set(o, AGENT_TCPI_PMTU, ti.tcpi_pmtu);
	agent_tcpi_set(o, AGENT_TCPI_RCV_SSTHRESH, ti.tcpi_rcv_ssthresh);
	agent_tcpi_set(o, AGENT_TCPI_RTT_US, ti.tcpi_rtt);
	agent_tcpi_set(o, AGENT_TCPI_RTTVAR_US, ti.tcpi_rttvar);
	agent_tcpi_set(o, AGENT_TCPI_SND_SSTHRESH, ti.tcpi_snd_ssthresh);
	agent_tcpi_set(o, AGENT_TCPI_SND_CWND, ti.tcpi_snd_cwnd);
	agent_tcpi_set(o, AGENT_TCPI_ADVMSS, ti.tcpi_advmss);
	agent_tcpi_set(o, AGENT_TCPI_REORDERING, ti.tcpi_reordering);
	agent_tcpi_set(o, AGENT_TCPI_RCV_SPACE, ti.tcpi_rcv_space);
	agent_tcpi_set(o, AGENT_TCPI_TOTAL_RETRANS, ti.tcpi_total_retrans);
	if (FILLED(len, tcpi_bytes_acked))
		agent_tcpi_set(o, AGENT_TCPI_BYTES_ACKED, ti.tcpi_bytes_acked);
	if (FILLED(len, tcpi_bytes_received))
		agent_tcpi_set(o, AGENT_TCPI_BYTES_RECEIVED, ti.tcpi_bytes_received);
	if (FILLED(len, tcpi_delivered))
		agent_tcpi_set(o, AGENT_TCPI_DELIVERED, ti.tcpi_delivered);
	return 0;
}
