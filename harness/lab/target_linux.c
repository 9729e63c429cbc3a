/* The built-in target: the Linux kernel's own TCP stack in the lab's namespace, driven by
 * the in-process agent (agent_linux.c). */
#include "target.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "agent_linux.h"
#include "netcfg.h"

static int linux_setup(const struct lab_addrs *a, char *err, size_t errlen)
{
	/* No DAD and no router solicitations: the lab link has no router and no one to
	 * collide with, and their frames would only be noise in every pcap. */
	static const char *const knobs[][2] = {
		{"net.ipv6.conf.default.accept_dad", "0"},
		{"net.ipv6.conf.default.router_solicitations", "0"},
		{"net.ipv6.conf.default.accept_ra", "0"},
	};
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (netcfg_sysctl_write(knobs[i][0], knobs[i][1], err, errlen) < 0)
			return -1;
	return 0;
}

static int linux_link(const struct lab_addrs *a, char *err, size_t errlen)
{
	struct netcfg *nc = netcfg_open(err, errlen);
	if (!nc)
		return -1;
	int rc = -1;
	if (netcfg_link_up(nc, "lo", err, errlen) == 0 &&
	    netcfg_offloads_off(TARGET_LINK, err, errlen) == 0 &&
	    netcfg_addr_add(nc, TARGET_LINK, AF_INET, a->target4, 24, err, errlen) == 0 &&
	    netcfg_addr_add(nc, TARGET_LINK, AF_INET6, a->target6, 64, err, errlen) == 0 &&
	    netcfg_link_up(nc, TARGET_LINK, err, errlen) == 0 &&
	    netcfg_link_wait_running(nc, TARGET_LINK, 5000, err, errlen) == 0 &&
	    netcfg_local_wait(nc, AF_INET, a->target4, 5000, err, errlen) == 0 &&
	    netcfg_local_wait(nc, AF_INET6, a->target6, 5000, err, errlen) == 0)
		rc = 0;
	netcfg_close(nc);
	return rc;
}

static int linux_child_main(int ctl, const struct lab_addrs *a, const char *arg)
{
	char err[256];
	if (linux_link(a, err, sizeof(err)) < 0)
		return target_fail_greeting(ctl, err);
	return agent_linux_serve(ctl) == 0 ? 0 : 1;
}

/* Runs before the link exists, so the defaults apply to it. */
static int linux_child_pre(const struct lab_addrs *a, char *err, size_t errlen)
{
	return linux_setup(a, err, errlen);
}

const struct target_ops target_linux = {
	.name = "linux",
	.summary = "the Linux kernel's TCP stack in a network namespace",
	.child_pre = linux_child_pre,
	.child_main = linux_child_main,
};

