#ifndef TCPCONFORM_SOCKDIAG_H
#define TCPCONFORM_SOCKDIAG_H
#include <stddef.h>
#include <stdint.h>

/* The TCP state of one connection of the calling process's network namespace, read
 * through NETLINK_SOCK_DIAG (inet_diag), which sees what /proc and getsockopt cannot:
 * request socks (SYN_RECV, held in the listener's queue), timewait socks (TIME_WAIT and
 * the orphaned FIN_WAIT_2 that Linux keeps as a timewait sock) and orphaned full
 * sockets (FIN_WAIT_1, CLOSING, LAST_ACK after close()). Linux only. */

/* What is known about one socket. Fields a kind of sock does not have stay 0; has_info
 * says whether the tcp_* block (struct tcp_info) was filled, which only full sockets
 * provide, never request or timewait socks. */
struct sockdiag_info {
	int found;             /* 0: no socket matched; state_name is then "CLOSED" */
	int state;             /* Linux TCP_* number (linux/tcp_states.h), 7 when !found */
	const char *state_name;/* "ESTABLISHED", "SYN_RECV", ... (static string) */
	uint32_t rqueue;       /* LISTEN: accept queue length; else unread bytes */
	uint32_t wqueue;       /* LISTEN: backlog; else bytes sent but not acked */
	const char *timer_name;/* "none" "retrans" "keepalive" "timewait" "probe" */
	uint32_t expires_ms;   /* time left on that timer */
	uint32_t retrans;      /* retransmits (or probes) of the pending timer */
	uint32_t inode;        /* 0 for an orphan (no file refers to it any more) */
	int orphan;            /* inode 0: no file refers to it (closed by its owner;
	                        * always so for request and timewait socks) */
	int has_info;
	uint32_t tcp_rto_us, tcp_snd_mss, tcp_rcv_mss, tcp_snd_cwnd, tcp_snd_ssthresh;
	uint32_t tcp_unacked, tcp_total_retrans, tcp_snd_wnd;
	uint8_t tcp_options;   /* TCPI_OPT_* bits: 1 TS, 2 SACK, 4 WSCALE, 8 ECN ... */
	uint8_t tcp_snd_wscale, tcp_rcv_wscale, tcp_backoff, tcp_probes;
};

/* Look up the TCP socket with local address laddr:lport and remote raddr:rport (ports
 * in host byte order; addresses are a struct in_addr for AF_INET or a struct in6_addr
 * for AF_INET6, in network byte order) and fill *out.
 *
 * Matching: ports must be equal; an address matches when equal or when the socket's
 * own address is the wildcard, so a LISTEN socket on 0.0.0.0:80 is found by
 * (198.18.0.2, 80, 0.0.0.0, 0). An exact match wins over a wildcard one. Both IPv4 and
 * IPv6 sockets are searched, and an IPv4-mapped IPv6 socket (::ffff:a.b.c.d) matches
 * an AF_INET query.
 *
 * Returns 0 when the dump succeeded (out->found says whether a socket matched; if not,
 * state_name is "CLOSED"), or -1 with err filled when netlink failed. */
int sockdiag_state(int family, const void *laddr, uint16_t lport, const void *raddr,
		   uint16_t rport, struct sockdiag_info *out, char *err, size_t errlen);

/* The protocol name of a Linux TCP_* state number ("FIN_WAIT_1"); "CLOSED" for
 * TCP_CLOSE and for an unknown number. Static string. */
const char *sockdiag_state_name(int state);

#endif
