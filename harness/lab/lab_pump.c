/* The lab's event pump: one poll over the wire, the control channel and the target's
 * output, so the target is never kept waiting by the harness (see lab.h, lab_int.h). */
#include "lab_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "wire.h"

/* See lab_int.h. */
double lab_time_of(const struct lab *lab, const struct timeval *tv)
{
	return (double)(tv->tv_sec - lab->t0.tv_sec) + (double)(tv->tv_usec - lab->t0.tv_usec) / 1e6;
}

static void lab_answer_neighbour(struct lab *lab, const struct seg *s)
{
	const struct lab_addrs *a = &lab->addrs;
	const uint8_t *out;
	size_t outlen;
	int rc = 1;
	/* RFC 826: answer a request for our protocol address, broadcast or unicast. */
	if (s->kind == SEG_KIND_ARP && s->arp_op == 1 && memcmp(s->arp_tpa, a->harness4, 4) == 0)
		rc = frame_build_arp_reply(lab->fb, a->harness_mac, a->harness4, s->arp_sha,
					   s->arp_spa, &out, &outlen, lab->err, sizeof(lab->err));
	/* RFC 4861 7.2.4: a solicitation for our address gets a solicited advertisement. */
	else if (s->kind == SEG_KIND_ICMP6 && s->icmp6_type == 135 && s->icmp6_has_target &&
		 memcmp(s->icmp6_target, a->harness6, 16) == 0)
		rc = frame_build_na(lab->fb, a->harness_mac, a->harness6, s->eth_src, s->src, &out,
				    &outlen, lab->err, sizeof(lab->err));
	if (rc == 0)
		wire_send(lab->wire, out, outlen, lab->err, sizeof(lab->err));
}

/* See lab_int.h. */
void lab_on_frame(void *ctx, const struct timeval *ts, const uint8_t *frame, size_t caplen,
		  size_t len)
{
	struct lab *lab = ctx;
	(void)len;
	if (lab->nlog == lab->caplog) {
		size_t cap = lab->caplog ? lab->caplog * 2 : 256;
		struct lab_rec *n = realloc(lab->log, cap * sizeof(*n));
		if (!n) {
			snprintf(lab->err, sizeof(lab->err), "frame log: out of memory");
			return;
		}
		lab->log = n;
		lab->caplog = cap;
	}
	struct lab_rec *r = &lab->log[lab->nlog];
	r->frame = malloc(caplen ? caplen : 1);
	if (!r->frame) {
		snprintf(lab->err, sizeof(lab->err), "frame log: out of memory");
		return;
	}
	memcpy(r->frame, frame, caplen);
	/* A frame the decoder finds malformed is still logged: its kind says how far it got. */
	seg_decode(r->frame, caplen, &r->seg, NULL, 0);
	r->seg.ts = *ts;
	r->t = lab_time_of(lab, ts);
	r->inbound = memcmp(r->seg.eth_src, lab->addrs.harness_mac, 6) != 0;
	lab->nlog++;
	if (r->inbound)
		lab_answer_neighbour(lab, &r->seg);
}

/* See lab.h. */
int lab_pump(struct lab *lab, double deadline, char *err, size_t errlen)
{
	for (;;) {
		if (lab_interrupted()) {
			snprintf(err, errlen, "interrupted");
			return -1;
		}
		if (lab->limit > 0 && lab_now(lab) >= lab->limit) {
			snprintf(err, errlen, "test exceeded its time limit");
			lab_words_append(lab, err, errlen);
			return -1;
		}
		bool clamped = lab->limit > 0 && deadline >= lab->limit;
		if (clamped)
			deadline = lab->limit;
		struct pollfd pfd[3] = {
			{.fd = wire_fd(lab->wire), .events = POLLIN},
			{.fd = lab->agent_gone ? -1 : lab->ctl, .events = POLLIN},
			{.fd = lab->out, .events = POLLIN},
		};
		double left = deadline - lab_now(lab);
		int ms = left <= 0 ? 0 : (int)(left * 1000.0 + 0.999);
		int rc = poll(pfd, 3, ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		size_t before = lab->nlog + lab->nreplies;
		if (pfd[0].revents) {
			lab->err[0] = 0;
			if (wire_drain(lab->wire, lab_on_frame, lab, err, errlen) < 0)
				return -1;
			if (lab->err[0]) {
				snprintf(err, errlen, "%s", lab->err);
				return -1;
			}
		}
		if (pfd[1].revents && lab_read_ctl(lab, err, errlen) < 0)
			return -1;
		if (pfd[2].revents)
			lab_words_drain(lab);
		if (lab->nlog + lab->nreplies != before)
			return 1;
		if (lab->agent_gone) {
			lab_describe_exit(lab, err, errlen);
			return -1;
		}
		if (rc == 0 || lab_now(lab) >= deadline) {
			if (clamped)
				continue;   /* the time limit, not the caller's deadline: fail above */
			return 0;
		}
	}
}
