/* The lab's link: the veth pair into the child's namespace, and the checks that it
 * carries frames before a test sends its first one (see lab_int.h). */
#include "lab_int.h"

#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include "agent_proto.h"
#include "frame.h"
#include "netcfg.h"
#include "wire.h"

/* A child that failed before the handshake wrote a failed greeting instead of 'u'
 * ("0 -1 EIO msg=...", PROTOCOL.md 3): its message, or the raw line if it is not one. */
static void lab_early_failure(struct lab *lab, char *err, size_t errlen)
{
	char line[600] = "";
	ssize_t n = read(lab->ctl, line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = 0;
	line[strcspn(line, "\n")] = 0;
	struct agent_reply r;
	char perr[64];
	const char *why = line;
	if (line[0] && agent_reply_parse(line, &r, perr, sizeof(perr)) == 0)
		why = agent_reply_get(&r, "msg") ? agent_reply_get(&r, "msg") : r.errname;
	snprintf(err, errlen, "the target (%s) failed before its link was made%s%s",
		 lab->target.name, why[0] ? ": " : "", why);
	lab_words_append(lab, err, errlen);
}

/* See lab_int.h. */
int lab_link(struct lab *lab, char *err, size_t errlen)
{
	int got = lab_read_byte_within(lab->ctl, 'u', LAB_START_TIMEOUT);
	if (got == -2) {
		snprintf(err, errlen, "the target (%s) did not make its namespace within %.0f s "
			 "(unshare(CLONE_NEWNET) blocked in the kernel)", lab->target.name,
			 LAB_START_TIMEOUT);
		return -1;
	}
	if (got < 0) {
		lab_early_failure(lab, err, errlen);
		return -1;
	}
	struct netcfg *nc = netcfg_open(err, errlen);
	if (!nc)
		return -1;
	/* A bridged stack answers with the target MAC itself; the link's end in its
	 * namespace is then just a bridge port with a MAC of its own. */
	uint8_t peer_mac[6];
	memcpy(peer_mac, lab->addrs.target_mac, 6);
	if (lab->target.ops->bridged)
		peer_mac[5] = 0x03;
	int rc = netcfg_veth_create(nc, lab->dev, lab->addrs.harness_mac, TARGET_LINK, peer_mac,
				    lab->child, lab->mtu, err, errlen);
	if (rc == 0)
		rc = netcfg_link_up(nc, lab->dev, err, errlen);
	netcfg_close(nc);
	if (rc < 0)
		return -1;
	if (write(lab->ctl, "v", 1) != 1) {
		snprintf(err, errlen, "the target (%s) went away during set-up", lab->target.name);
		return -1;
	}
	return 0;
}

/* A stack behind a bridge (exec targets) is ready only when frames reach it: its TAP
 * becomes a forwarding bridge port once the stack has opened it, which it may well do
 * after greeting. So the lab asks, as any host would: ARP requests for the target's
 * address until the stack itself answers (RFC 826), every 20 ms for up to 5 s. */
static int lab_probe_target(struct lab *lab, char *err, size_t errlen)
{
	const struct lab_addrs *a = &lab->addrs;
	size_t seen = lab->nlog;
	double deadline = lab_now(lab) + 5.0;
	while (lab_now(lab) < deadline) {
		const uint8_t *f;
		size_t flen;
		if (frame_build_arp_request(lab->fb, a->harness_mac, a->harness4, a->target4, &f, &flen,
					    err, errlen) < 0 ||
		    wire_send(lab->wire, f, flen, err, errlen) < 0)
			return -1;
		double until = lab_now(lab) + 0.02;
		while (lab_now(lab) < until) {
			if (lab_pump(lab, until, err, errlen) < 0)
				return -1;
			for (; seen < lab->nlog; seen++) {
				const struct seg *s = &lab->log[seen].seg;
				if (lab->log[seen].inbound && s->kind == SEG_KIND_ARP && s->arp_op == 2 &&
				    memcmp(s->arp_spa, a->target4, 4) == 0 &&
				    memcmp(s->arp_sha, a->target_mac, 6) == 0)
					return 0;
			}
		}
	}
	snprintf(err, errlen, "the target (%s) greeted but does not answer ARP for its address "
		 "within 5 s: is its link up?", lab->target.name);
	lab_words_append(lab, err, errlen);
	return -1;
}

/* See lab_int.h. Our end of the link must carry frames before the test sends its first
 * one (see netcfg_link_wait_running); by the greeting the target's end already does. */
int lab_link_ready(struct lab *lab, char *err, size_t errlen)
{
	struct netcfg *nc = netcfg_open(err, errlen);
	if (!nc)
		return -1;
	int rc = netcfg_link_wait_running(nc, lab->dev, 5000, err, errlen);
	netcfg_close(nc);
	if (rc == 0 && lab->target.ops->bridged)
		rc = lab_probe_target(lab, err, errlen);
	return rc;
}
