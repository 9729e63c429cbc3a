#ifndef TCPCONFORM_LWIP_STACK_H
#define TCPCONFORM_LWIP_STACK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "agent_core.h"

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

/* Look up the connection t (the target's own end first) in lwIP's PCB lists:
 * listening, active (SYN_SENT .. LAST_ACK, orphans included) and TIME_WAIT, and fill
 * out (agent_core.h) with what lwIP knows of it. A v4-mapped IPv6 tuple is looked up
 * as IPv4, because lwIP keeps the connections of dual-stack sockets as IPv4. Matching
 * follows PROTOCOL.md 6.5: ports equal, addresses equal or the PCB's wildcard; an
 * exact match wins. Takes the lwIP core lock for the walk; never fails. */
void lwip_stack_tcp_state(const struct agent_tuple *t, struct agent_tcp_info *out);

/* The protocol name (PROTOCOL.md 6.5) of an lwIP enum tcp_state value. */
const char *lwip_stack_state_name(int state);

/* getsockopt tcp_info (PROTOCOL.md 6.4.1) of lwIP socket fd, from its PCB under the
 * core lock (lwip_tcpinfo.c): 0 with out filled with what lwIP keeps, or -1 with errno
 * (EBADF: not a TCP socket of lwIP's). */
int lwip_stack_tcp_info(int fd, struct agent_tcpi *out);

/* lwIP's compiled-in TCP parameters as "key=value" pairs separated by single spaces
 * (16; a reply takes at most 48). Static storage. */
const char *lwip_stack_params(void);

#endif
