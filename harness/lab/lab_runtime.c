/* The lab runtime of a process: the network namespace the harness ends of all links live
 * in (inside a user namespace of its own when not root), the shared frame builder, the
 * interrupt flag and the subreaper (see lab.h). */
#include "lab_int.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "frame.h"
#include "netcfg.h"
#include "reaper.h"
#include "userns.h"

static volatile sig_atomic_t interrupted;
/* One frame builder for the process: building needs no particular link, and each libnet
 * context holds a packet socket whose close() costs an RCU grace period (~10 ms). */
static struct frame_builder *shared_fb;

void lab_interrupt(void)
{
	interrupted = 1;
}

bool lab_interrupted(void)
{
	return interrupted != 0;
}

static void on_interrupt(int sig)
{
	lab_interrupt();
	signal(sig, SIG_DFL);   /* a second Ctrl-C ends the harness; workers die with it */
}

void lab_catch_interrupts(void)
{
	struct sigaction sa = {.sa_handler = on_interrupt};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct frame_builder *lab_runtime_builder(void)
{
	return shared_fb;
}

void lab_become_subreaper(void)
{
	/* Processes a target starts (socket holders) outlive it by a moment when the lab is
	 * killed; as their subreaper we reap them instead of leaving zombies to init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/* See lab.h. */
int lab_runtime_init(char *err, size_t errlen)
{
	lab_become_subreaper();
	/* Not root: a user namespace of our own first, in which we are root over the
	 * namespaces we make (README "Running without root"). */
	if (geteuid() != 0 && userns_enter(err, errlen) < 0)
		return -1;
	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(err, errlen,
			 "cannot create the harness network namespace: %s (tcpconform needs root, "
			 "CAP_NET_ADMIN+CAP_SYS_ADMIN, or user namespaces)",
			 strerror(errno));
		return -1;
	}
	/* The harness ends of the links carry no kernel IPv6 either: no DAD, RS or MLD
	 * frames from our side. This namespace is ours alone. */
	if (netcfg_sysctl_write("net.ipv6.conf.default.disable_ipv6", "1", err, errlen) < 0 &&
	    errno != ENOENT)
		return -1;
	/* Each lab's namespace gets a TCP hash table of its own, small, instead of sharing
	 * the host's (262144 buckets here): the agent's `state` is a sock_diag dump that
	 * walks every bucket, which took ~60% of a sweep's CPU with the shared table.
	 * Read when a namespace is created, from its creator's namespace -- this one.
	 * Kernels before 5.19 lack it (ENOENT): the labs then share the table. */
	if (netcfg_sysctl_write("net.ipv4.tcp_child_ehash_entries", "2048", err, errlen) < 0 &&
	    errno != ENOENT)
		return -1;
	struct netcfg *nc = netcfg_open(err, errlen);
	if (!nc)
		return -1;
	int rc = netcfg_link_up(nc, "lo", err, errlen);
	netcfg_close(nc);
	if (rc < 0)
		return -1;
	shared_fb = frame_builder_new("lo", err, errlen);
	return shared_fb ? 0 : -1;
}

int lab_runtime_background_teardown(void)
{
	return reaper_start();
}

void lab_runtime_shutdown(void)
{
	reaper_stop();
	frame_builder_free(shared_fb);
	shared_fb = NULL;
}
