/* The exec target: any stack that speaks targets/PROTOCOL.md, started as a command in the
 * lab's namespace. The namespace's kernel stays silent (no address, no IPv6); the stack
 * owns a TAP device bridged to the lab link and answers for the target's addresses
 * itself. The lab is described to it in environment variables (README "Testing your own
 * stack"):
 *
 *   TCPCONFORM_CTL_FD    control channel (a stream socket) for the agent protocol
 *   TCPCONFORM_TAP       the TAP device to attach to ("tap0"), up, bridged to the link
 *   TCPCONFORM_MAC       the MAC the stack must use
 *   TCPCONFORM_ADDR4 / TCPCONFORM_PREFIX4, TCPCONFORM_ADDR6 / TCPCONFORM_PREFIX6
 *   TCPCONFORM_PEER4 / TCPCONFORM_PEER6   the harness's addresses
 */
#include "target.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netcfg.h"

#define EXEC_BRIDGE "br0"
#define EXEC_TAP "tap0"

/* The kernel of this namespace must not speak on the link: no IPv6 on any device. */
static int exec_pre(const struct lab_addrs *a, char *err, size_t errlen)
{
	return netcfg_sysctl_write("net.ipv6.conf.default.disable_ipv6", "1", err, errlen) < 0 ||
			       netcfg_sysctl_write("net.ipv6.conf.all.disable_ipv6", "1", err, errlen) < 0
		       ? -1
		       : 0;
}

static int exec_links(const struct lab_addrs *a, char *err, size_t errlen)
{
	uint8_t br_mac[6], tap_mac[6];
	memcpy(br_mac, a->target_mac, 6);
	memcpy(tap_mac, a->target_mac, 6);
	br_mac[5] = 0x04;
	tap_mac[5] = 0x05;
	struct netcfg *nc = netcfg_open(err, errlen);
	if (!nc)
		return -1;
	int rc = -1;
	if (netcfg_link_up(nc, "lo", err, errlen) == 0 &&
	    netcfg_bridge_create(nc, EXEC_BRIDGE, br_mac, err, errlen) == 0 &&
	    netcfg_tap_create(EXEC_TAP, tap_mac, err, errlen) == 0 &&
	    netcfg_offloads_off(TARGET_LINK, err, errlen) == 0 &&
	    netcfg_set_master(nc, TARGET_LINK, EXEC_BRIDGE, err, errlen) == 0 &&
	    netcfg_set_master(nc, EXEC_TAP, EXEC_BRIDGE, err, errlen) == 0 &&
	    netcfg_link_up(nc, EXEC_BRIDGE, err, errlen) == 0 &&
	    netcfg_link_up(nc, TARGET_LINK, err, errlen) == 0 &&
	    netcfg_link_up(nc, EXEC_TAP, err, errlen) == 0 &&
	    netcfg_link_wait_running(nc, TARGET_LINK, 5000, err, errlen) == 0)
		rc = 0;
	netcfg_close(nc);
	return rc;
}

static void set_env_addr(const char *key, int family, const void *addr)
{
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(family, addr, buf, sizeof(buf));
	setenv(key, buf, 1);
}

static int exec_child_main(int ctl, const struct lab_addrs *a, const char *cmd)
{
	char err[512];
	if (exec_links(a, err, sizeof(err)) < 0)
		return target_fail_greeting(ctl, err);
	/* The channel on fd 3 whatever the harness had open: a stack's agent may be a
	 * shell script, and sh redirects only single-digit fds (>&3). */
	if (ctl != 3) {
		if (dup2(ctl, 3) < 0)
			return target_fail_greeting(ctl, "dup2 of the control channel to fd 3 failed");
		close(ctl);
		ctl = 3;
	}
	char v[64];
	snprintf(v, sizeof(v), "%d", ctl);
	setenv("TCPCONFORM_CTL_FD", v, 1);
	setenv("TCPCONFORM_TAP", EXEC_TAP, 1);
	snprintf(v, sizeof(v), "%02x:%02x:%02x:%02x:%02x:%02x", a->target_mac[0], a->target_mac[1],
		 a->target_mac[2], a->target_mac[3], a->target_mac[4], a->target_mac[5]);
	setenv("TCPCONFORM_MAC", v, 1);
	set_env_addr("TCPCONFORM_ADDR4", AF_INET, a->target4);
	setenv("TCPCONFORM_PREFIX4", "24", 1);
	set_env_addr("TCPCONFORM_ADDR6", AF_INET6, a->target6);
	setenv("TCPCONFORM_PREFIX6", "64", 1);
	set_env_addr("TCPCONFORM_PEER4", AF_INET, a->harness4);
	set_env_addr("TCPCONFORM_PEER6", AF_INET6, a->harness6);
	/* The control channel crosses exec. stdin is /dev/null, stdout and stderr go to
	 * the lab (lab_child.c): the stack's last words when it dies. */
	fcntl(ctl, F_SETFD, fcntl(ctl, F_GETFD) & ~FD_CLOEXEC);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	snprintf(err, sizeof(err), "exec /bin/sh -c %s failed", cmd);
	return target_fail_greeting(ctl, err);
}

const struct target_ops target_exec = {
	.name = "exec",
	.summary = "a stack speaking targets/PROTOCOL.md, started as a command on a TAP device",
	.bridged = true,
	.child_pre = exec_pre,
	.child_main = exec_child_main,
};
