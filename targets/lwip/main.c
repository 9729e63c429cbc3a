/* tcpconform-lwip: the lwIP target. Started by the harness inside the lab's target
 * network namespace; brings lwIP up on the lab's TAP device and serves the agent
 * protocol (targets/PROTOCOL.md) on an inherited control socket.
 *
 * The environment it gets (targets/lwip/README.md):
 *   TCPCONFORM_CTL_FD   fd number of the control channel (stream socket), required
 *   TCPCONFORM_TAP      name of an existing, up TAP device, required
 *   TCPCONFORM_MAC      lwIP's MAC, aa:bb:cc:dd:ee:ff, required
 *   TCPCONFORM_ADDR4    lwIP's IPv4 address, required
 *   TCPCONFORM_PREFIX4  its prefix length, default 24
 *   TCPCONFORM_ADDR6    lwIP's IPv6 address, optional
 *   TCPCONFORM_PREFIX6  its prefix length 0..128, checked but unused: lwIP 2.1 takes
 *                       every address as a /64 for on-link decisions
 *   TCPCONFORM_PEER4/6  the harness's addresses: informational, unused
 * It prints nothing; a start-up failure is reported as a failed greeting on the
 * control channel ("0 -1 EIO msg=..."), then the exit status is 1. */
#include "agent_core.h"
#include "lwip_agent.h"
#include "lwip_stack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ERR_MAX 200

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;
	int i;

	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
			 &b[5], &tail) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/* The lab's configuration from the environment, or -1 with `err` naming the variable,
 * what was expected and what came. */
static int config_from_env(struct lwip_stack_config *c, char *err, size_t errlen)
{
	const char *mac = getenv("TCPCONFORM_MAC"), *a4 = getenv("TCPCONFORM_ADDR4");
	const char *p4 = getenv("TCPCONFORM_PREFIX4"), *a6 = getenv("TCPCONFORM_ADDR6");
	const char *p6 = getenv("TCPCONFORM_PREFIX6");
	long long prefix = 24, prefix6;

	memset(c, 0, sizeof(*c));
	c->tap = getenv("TCPCONFORM_TAP");
	if (!c->tap || !*c->tap) {
		snprintf(err, errlen, "TCPCONFORM_TAP is not set (expected a TAP device name)");
		return -1;
	}
	if (parse_mac(mac, c->mac) < 0) {
		snprintf(err, errlen, "TCPCONFORM_MAC \"%.32s\" is not a MAC aa:bb:cc:dd:ee:ff",
			 mac ? mac : "");
		return -1;
	}
	if (!a4 || inet_pton(AF_INET, a4, &c->addr4) != 1) {
		snprintf(err, errlen, "TCPCONFORM_ADDR4 \"%.48s\" is not an IPv4 address",
			 a4 ? a4 : "");
		return -1;
	}
	if (p4 && agent_parse_num(p4, 0, 32, &prefix) < 0) {
		snprintf(err, errlen, "TCPCONFORM_PREFIX4 \"%.24s\" is not an integer in 0..32",
			 p4);
		return -1;
	}
	c->prefix4 = (int)prefix;
	if (p6 && agent_parse_num(p6, 0, 128, &prefix6) < 0) {
		snprintf(err, errlen, "TCPCONFORM_PREFIX6 \"%.24s\" is not an integer in 0..128",
			 p6);
		return -1;
	}
	if (a6 && *a6) {
		if (inet_pton(AF_INET6, a6, &c->addr6) != 1) {
			snprintf(err, errlen, "TCPCONFORM_ADDR6 \"%.48s\" is not an IPv6 address",
				 a6);
			return -1;
		}
		c->has_addr6 = lwip_stack_has_ipv6();   /* without IPv6: ignored (README) */
	}
	return 0;
}

int main(void)
{
	struct lwip_stack_config c;
	const char *ctl_env = getenv("TCPCONFORM_CTL_FD");
	char err[ERR_MAX];
	long long ctl;

	if (!ctl_env || agent_parse_num(ctl_env, 0, 1 << 20, &ctl) < 0 ||
	    fcntl((int)ctl, F_GETFD) < 0) {
		/* No channel to report on: stderr is all there is. */
		fprintf(stderr, "tcpconform-lwip: TCPCONFORM_CTL_FD must name an open fd "
			"(the agent control channel); see targets/lwip/README.md\n");
		return 1;
	}
	/* Harness gone mid-write: an EPIPE to handle, not a signal to die of. */
	signal(SIGPIPE, SIG_IGN);
	if (config_from_env(&c, err, sizeof(err)) < 0 ||
	    lwip_stack_start(&c, err, sizeof(err)) < 0) {
		agent_greet_failure((int)ctl, "EIO", err);
		return 1;
	}
	return lwip_agent_serve((int)ctl);
}
