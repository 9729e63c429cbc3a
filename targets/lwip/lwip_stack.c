/* The lab's lwIP stack (lwip_stack.h): bring-up, compiled-in parameters, and the TCP
 * state of a connection read straight from lwIP's PCB lists.
 *
 * Locking: this build has NO_SYS=0 and LWIP_TCPIP_CORE_LOCKING=1, so raw-API calls and
 * PCB list walks from the agent's thread are done between LOCK_TCPIP_CORE() and
 * UNLOCK_TCPIP_CORE() (the library asserts the lock is held). */
#include "lwip_stack.h"
#include "lwip_tap.h"

#include <lwip/init.h>
#include <lwip/ip_addr.h>
#include <lwip/netif.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/sys.h>
#include <lwip/tcp.h>
#include <lwip/tcpip.h>

#include <stdio.h>
#include <string.h>

static struct netif lab_netif;    /* lives as long as the process (lwIP keeps a pointer) */

static void on_tcpip_ready(void *arg)
{
	sys_sem_signal((sys_sem_t *)arg);
}

static void ip4_from_prefix(int prefix, ip4_addr_t *mask)
{
	uint32_t m = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);

	ip4_addr_set_u32(mask, lwip_htonl(m));
}

#if LWIP_IPV6
/* A static address, usable at once: DAD is skipped (RFC 4862 5.4 allows it to be
 * disabled) because a lab's link holds only the harness, and waiting for it would add
 * a second to every test. Setting the state also joins the solicited-node group. */
static int add_ip6_preferred(struct netif *n, const ip6_addr_t *a, s8_t *idx)
{
	if (netif_add_ip6_address(n, a, idx) != ERR_OK)
		return -1;
	netif_ip6_addr_set_state(n, *idx, IP6_ADDR_PREFERRED);
	return 0;
}

static int start_ipv6(const struct lwip_stack_config *c, char *err, size_t errlen)
{
	ip6_addr_t a;
	s8_t idx;

	netif_create_ip6_linklocal_address(&lab_netif, 1);
	netif_ip6_addr_set_state(&lab_netif, 0, IP6_ADDR_PREFERRED);
	if (!c->has_addr6)
		return 0;
	memset(&a, 0, sizeof(a));
	memcpy(a.addr, &c->addr6, sizeof(a.addr));
	if (add_ip6_preferred(&lab_netif, &a, &idx) < 0) {
		snprintf(err, errlen, "netif_add_ip6_address failed");
		return -1;
	}
	return 0;
}
#endif

/* See lwip_stack.h. */
int lwip_stack_start(const struct lwip_stack_config *c, char *err, size_t errlen)
{
	struct lwip_tap *tap = lwip_tap_open(c->tap, err, errlen);
	ip4_addr_t ip, mask, gw;
	sys_sem_t ready;
	int rc = 0;

	if (!tap)
		return -1;
	lwip_tap_set_mac(tap, c->mac);
	if (sys_sem_new(&ready, 0) != ERR_OK) {
		snprintf(err, errlen, "sys_sem_new failed");
		return -1;
	}
	tcpip_init(on_tcpip_ready, &ready);
	sys_sem_wait(&ready);
	sys_sem_free(&ready);

	ip4_addr_set_u32(&ip, c->addr4.s_addr);
	ip4_from_prefix(c->prefix4, &mask);
	ip4_addr_set_zero(&gw);
	LOCK_TCPIP_CORE();
	if (!netif_add(&lab_netif, &ip, &mask, &gw, tap, lwip_tap_netif_init, tcpip_input)) {
		snprintf(err, errlen, "netif_add on TAP \"%s\" failed", c->tap);
		rc = -1;
	}
#if LWIP_IPV6
	if (rc == 0)
		rc = start_ipv6(c, err, errlen);
#endif
	if (rc == 0) {
		netif_set_default(&lab_netif);
		netif_set_up(&lab_netif);
		netif_set_link_up(&lab_netif);
#if LWIP_IPV6 && LWIP_IPV6_SEND_ROUTER_SOLICIT
		/* No router in a lab: keep the wire quiet (set after "up", which arms it). */
		lab_netif.rs_count = 0;
#endif
	}
	UNLOCK_TCPIP_CORE();
	return rc;
}

/* See lwip_stack.h. */
int lwip_stack_has_ipv6(void)
{
	return LWIP_IPV6;
}

/* ---------------------------------------------------------------- state */

static const char *const state_names[] = {
	[CLOSED] = "CLOSED", [LISTEN] = "LISTEN", [SYN_SENT] = "SYN_SENT",
	[SYN_RCVD] = "SYN_RECV", [ESTABLISHED] = "ESTABLISHED", [FIN_WAIT_1] = "FIN_WAIT_1",
	[FIN_WAIT_2] = "FIN_WAIT_2", [CLOSE_WAIT] = "CLOSE_WAIT", [CLOSING] = "CLOSING",
	[LAST_ACK] = "LAST_ACK", [TIME_WAIT] = "TIME_WAIT",
};

/* See lwip_stack.h. */
const char *lwip_stack_state_name(int state)
{
	if (state < 0 || state >= (int)(sizeof(state_names) / sizeof(state_names[0])))
		return "CLOSED";
	return state_names[state];
}

/* The looked-up tuple, with a v4-mapped IPv6 tuple already turned into IPv4. */
struct tuple {
	int v6;
	uint8_t l[16], r[16];
	uint16_t lport, rport;
};

static int is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return 0;
	return 1;
}

/* 2: the PCB's address is the queried one; 1: the PCB's is a wildcard; 0: no match. */
static int addr_score(const ip_addr_t *pcb, const struct tuple *t, const uint8_t *q)
{
	const void *bytes;
	size_t n;

	if (IP_IS_ANY_TYPE_VAL(*pcb))
		return 1;                /* dual-stack wildcard (bound to ::, v6only off) */
#if LWIP_IPV6
	if (IP_IS_V6_VAL(*pcb)) {
		if (!t->v6)
			return 0;
		bytes = ip_2_ip6(pcb)->addr;
		n = 16;
	} else
#endif
	{
		if (t->v6)
			return 0;
		bytes = &ip_2_ip4(pcb)->addr;
		n = 4;
	}
	if (memcmp(bytes, q, n) == 0)
		return 2;
	return is_zero(bytes, n) ? 1 : 0;
}

static int pcb_score(const ip_addr_t *lip, uint16_t lport, const ip_addr_t *rip,
		     uint16_t rport, const struct tuple *t)
{
	int ls, rs;

	if (lport != t->lport || rport != t->rport)
		return 0;
	ls = addr_score(lip, t, t->l);
	rs = rip ? addr_score(rip, t, t->r) : (is_zero(t->r, t->v6 ? 16 : 4) ? 2 : 1);
	return ls && rs ? ls + rs : 0;
}

static unsigned elapsed_ms(const struct tcp_pcb *pcb)
{
	return (unsigned)(tcp_ticks - pcb->tmr) * TCP_SLOW_INTERVAL;
}

static unsigned left_ms(unsigned total, unsigned spent)
{
	return spent < total ? total - spent : 0;
}

/* Which timer is armed, the way Linux's inet_diag names them (PROTOCOL.md 6.5). lwIP
 * runs them all from its 500 ms slow timer, so times are in steps of 500 ms. */
static void pcb_timer(const struct tcp_pcb *pcb, struct agent_tcp_info *o)
{
	o->timer_name = "none";
	if (pcb->state == TIME_WAIT) {
		o->timer_name = "timewait";
		o->expires_ms = left_ms(2 * TCP_MSL, elapsed_ms(pcb));
	} else if (pcb->persist_backoff > 0) {
		o->timer_name = "probe";      /* lwIP keeps no expiry for it: left at 0 */
		o->retrans = pcb->persist_probe;
	} else if (pcb->rtime >= 0 && (pcb->unacked || pcb->unsent)) {
		o->timer_name = "retrans";
		o->expires_ms = pcb->rto > pcb->rtime ?
				(unsigned)(pcb->rto - pcb->rtime) * TCP_SLOW_INTERVAL : 0;
		o->retrans = pcb->nrtx;
	} else if (pcb->state == FIN_WAIT_2 && (pcb->flags & TF_RXCLOSED)) {
		/* lwIP's bound on an orphaned FIN_WAIT_2, like Linux's tcp_fin_timeout. */
		o->timer_name = "timewait";
		o->expires_ms = left_ms(TCP_FIN_WAIT_TIMEOUT, elapsed_ms(pcb));
	} else if (ip_get_option(pcb, SOF_KEEPALIVE) &&
		   (pcb->state == ESTABLISHED || pcb->state == CLOSE_WAIT)) {
		o->timer_name = "keepalive";
		o->expires_ms = left_ms(pcb->keep_idle + pcb->keep_cnt_sent * pcb->keep_intvl,
					elapsed_ms(pcb));
		o->retrans = pcb->keep_cnt_sent;
	}
}

static void pcb_info(const struct tcp_pcb *pcb, struct agent_tcp_info *o)
{
	const struct tcp_seg *s;

	o->has_queues = 1;
	o->orphan = pcb->callback_arg == NULL || pcb->state == TIME_WAIT;
	pcb_timer(pcb, o);
	if (pcb->state == TIME_WAIT)
		return;
	/* wqueue: written and not acknowledged (Linux: write_seq - snd_una); rqueue:
	 * received and not yet read, which lwIP counts as window not yet reopened by
	 * tcp_recved() when the application reads. */
	o->wqueue = pcb->snd_lbb - pcb->lastack;
	o->rqueue = TCP_WND_MAX(pcb) > pcb->rcv_wnd ? TCP_WND_MAX(pcb) - pcb->rcv_wnd : 0;
	o->has_info = 1;
	o->rto_us = (unsigned)(pcb->rto > 0 ? pcb->rto : 0) * TCP_SLOW_INTERVAL * 1000u;
	o->snd_mss = pcb->mss;
	o->cwnd = pcb->mss ? pcb->cwnd / pcb->mss : 0;   /* segments, as Linux reports */
	for (s = pcb->unacked; s; s = s->next)
		o->unacked++;
	o->snd_wnd = pcb->snd_wnd;
	if (pcb->flags & TF_WND_SCALE) {
		o->options |= AGENT_TCPOPT_WSCALE;
		o->snd_wscale = pcb->snd_scale;
		o->rcv_wscale = pcb->rcv_scale;
	}
#if LWIP_TCP_TIMESTAMPS
	if (pcb->flags & TF_TIMESTAMP)
		o->options |= AGENT_TCPOPT_TS;
#endif
#if LWIP_TCP_SACK_OUT
	if (pcb->flags & TF_SACK)
		o->options |= AGENT_TCPOPT_SACK;
#endif
}

static void tuple_make(const struct agent_tuple *q, struct tuple *t)
{
	const struct in6_addr *l = &q->l, *r = &q->r;

	memset(t, 0, sizeof(*t));
	t->lport = q->lport;
	t->rport = q->rport;
	t->v6 = q->family == AF_INET6;
	if (t->v6 && IN6_IS_ADDR_V4MAPPED(l) &&
	    (IN6_IS_ADDR_V4MAPPED(r) || IN6_IS_ADDR_UNSPECIFIED(r))) {
		t->v6 = 0;
		memcpy(t->l, l->s6_addr + 12, 4);
		if (!IN6_IS_ADDR_UNSPECIFIED(r))
			memcpy(t->r, r->s6_addr + 12, 4);
		return;
	}
	memcpy(t->l, l->s6_addr, t->v6 ? 16 : 4);
	memcpy(t->r, r->s6_addr, t->v6 ? 16 : 4);
}

/* See lwip_stack.h. */
void lwip_stack_tcp_state(const struct agent_tuple *q, struct agent_tcp_info *out)
{
	struct tcp_pcb *const *lists[] = { &tcp_active_pcbs, &tcp_tw_pcbs };
	const struct tcp_pcb *best = NULL;
	const struct tcp_pcb_listen *lbest = NULL;
	const struct tcp_pcb_listen *lp;
	struct tuple t;
	int best_score = 0, score;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->state_name = "CLOSED";
	tuple_make(q, &t);
	LOCK_TCPIP_CORE();
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		const struct tcp_pcb *pcb;

		for (pcb = *lists[i]; pcb; pcb = pcb->next) {
			score = pcb_score(&pcb->local_ip, pcb->local_port, &pcb->remote_ip,
					  pcb->remote_port, &t);
			if (score > best_score) {
				best_score = score;
				best = pcb;
			}
		}
	}
	/* A listener has no remote end: it matches a query for remote port 0 only. */
	for (lp = tcp_listen_pcbs.listen_pcbs; lp; lp = lp->next) {
		score = pcb_score(&lp->local_ip, lp->local_port, NULL, 0, &t);
		if (score > best_score) {
			best_score = score;
			lbest = lp;
			best = NULL;
		}
	}
	if (best) {
		out->found = 1;
		out->state_name = state_names[best->state];
		pcb_info(best, out);
	} else if (lbest) {
		out->found = 1;
		out->state_name = "LISTEN";
		out->timer_name = "none";
		out->orphan = lbest->callback_arg == NULL;
	}
	UNLOCK_TCPIP_CORE();
}

/* ---------------------------------------------------------------- params */

/* See lwip_stack.h. */
const char *lwip_stack_params(void)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "tcp_mss=%d tcp_wnd=%lu tcp_rcv_scale=%d tcp_snd_buf=%lu "
		 "tcp_synmaxrtx=%d tcp_maxrtx=%d tcp_msl_ms=%lu tcp_ttl=%d "
		 "tcp_fin_wait_timeout_ms=%d tcp_syn_rcvd_timeout_ms=%d tcp_slow_tmr_ms=%d "
		 "listen_backlog=%d sack_out=%d timestamps=%d ipv6=%d keepidle_ms=%lu",
		 TCP_MSS, (unsigned long)TCP_WND,
#if LWIP_WND_SCALE
		 TCP_RCV_SCALE,
#else
		 0,
#endif
		 (unsigned long)TCP_SND_BUF, TCP_SYNMAXRTX, TCP_MAXRTX,
		 (unsigned long)TCP_MSL, TCP_TTL, TCP_FIN_WAIT_TIMEOUT, TCP_SYN_RCVD_TIMEOUT,
		 TCP_SLOW_INTERVAL, TCP_LISTEN_BACKLOG, LWIP_TCP_SACK_OUT,
		 LWIP_TCP_TIMESTAMPS, LWIP_IPV6, (unsigned long)TCP_KEEPIDLE_DEFAULT);
	return buf;
}
