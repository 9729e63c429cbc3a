#ifndef TCPCONFORM_MATCH_H
#define TCPCONFORM_MATCH_H
#include <stdbool.h>
#include <stddef.h>
#include "segment.h"
#include "tpl.h"

/* The sequence-space context a connection gives an inbound segment: relative seq is
 * seg.seq - irs (the target's ISN, 0 while unknown) and relative ack is seg.ack - iss (the
 * harness's ISN). All arithmetic is modulo 2^32 (RFC 9293 3.4). */
struct match_ctx {
	uint32_t iss;   /* harness initial send sequence number */
	uint32_t irs;   /* target initial sequence number, 0 until its SYN was seen */
	/* TS val and ecr of a target's segment are read minus these (0: absolute). A
	 * connection with relative timestamps sets them to the first TS val each side sent,
	 * as packetdrill does for ecr (lua/README.md, "Relative timestamps"). */
	uint32_t ts_val0;   /* the target's first TS val */
	uint32_t ts_ecr0;   /* the harness's first TS val */
};

/* True when inbound segment s (kind TCP) satisfies template t. Otherwise false and, if
 * why != NULL, why names the first field that differs with expected and actual values,
 * e.g. "ack: expected 1, got 0 (absolute 3735928559)" or "flags: expected S., got R.". */
bool match_seg(const struct tpl *t, const struct seg *s, const struct match_ctx *c,
	       char *why, size_t whylen);

/* One-line view of s with seq/ack relative to c, in the shorthand's own syntax so an
 * expected/actual pair lines up: "S. 0:0(0) ack 1 win 64240 <mss 1460,...>". */
int match_format_seg(const struct seg *s, const struct match_ctx *c, char *buf, size_t len);

#endif
