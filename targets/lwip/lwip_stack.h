#ifndef TCPCONFORM_LWIP_STACK_H
#define TCPCONFORM_LWIP_STACK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* The lwIP stack of one lab: brought up once per process on the lab's TAP device, and
 * looked into (TCP control blocks) for the agent's `state` verb. No lwIP header leaks
 * out of here, so the agent's protocol code stays stack-neutral. */

struct lwip_stack_config {
	const char *tap;            /* existing TAP device (TCPCONFORM_TAP) */
	uint8_t mac[6];             /* lwIP's own MAC (TCPCONFORM_MAC) */
	struct in_addr addr4;       /* TCPCONFORM_ADDR4 */
	int prefix4;                /* TCPCONFORM_PREFIX4, 0..32 */
	int has_addr6;              /* TCPCONFORM_ADDR6 given */
	struct in6_addr addr6;
};

/* Start lwIP (tcpip thread, timers), attach the TAP and configure the addresses as
 * static and immediately usable: IPv6 addresses skip duplicate address detection and no
 * router solicitation is sent, because a lab lives for one test and the harness is the
 * only other host. Call once. Returns 0, or -1 with `err` saying what failed. */
int lwip_stack_start(const struct lwip_stack_config *c, char *err, size_t errlen);

/* Whether this lwIP build has IPv6 (LWIP_IPV6). */
int lwip_stack_has_ipv6(void);

/* What the agent reports about one TCP connection (PROTOCOL.md 6.5). Fields past
 * `found` are meaningful only when found; the has_* flags say which groups are. */
struct lwip_tcp_info {
	int found;
	const char *state_name;     /* PROTOCOL.md name; "CLOSED" when not found */
	int has_queues;
	unsigned rqueue, wqueue;
	const char *timer_name;     /* none, retrans, keepalive, timewait, probe */
	unsigned expires_ms, retrans;
	int orphan;
	int has_info;               /* full connection: the block below is valid */
	unsigned rto_us, snd_mss, cwnd, unacked, snd_wnd, snd_wscale, rcv_wscale;
	unsigned options;           /* LWIP_TCPOPT_* bits */
};

#define LWIP_TCPOPT_TS 1
#define LWIP_TCPOPT_SACK 2
#define LWIP_TCPOPT_WSCALE 4

/* Look up the connection laddr:lport <-> raddr:rport (the target's own end first) in
 * lwIP's PCB lists: listening, active (SYN_SENT .. LAST_ACK, orphans included) and
 * TIME_WAIT. `family` is AF_INET or AF_INET6; addresses are in the first 4 bytes for
 * AF_INET. A v4-mapped IPv6 tuple is looked up as IPv4, because lwIP keeps the
 * connections of dual-stack sockets as IPv4. Matching follows PROTOCOL.md 6.5: ports
 * equal, addresses equal or the PCB's wildcard; an exact match wins.
 * Takes the lwIP core lock for the walk; never fails. */
void lwip_stack_tcp_state(int family, const struct in6_addr *laddr, uint16_t lport,
			  const struct in6_addr *raddr, uint16_t rport,
			  struct lwip_tcp_info *out);

/* lwIP's compiled-in TCP parameters as "key=value" pairs separated by single spaces
 * (at most 16, the protocol's limit for one reply). Static storage. */
const char *lwip_stack_params(void);

#endif
