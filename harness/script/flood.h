#ifndef TCPCONFORM_FLOOD_H
#define TCPCONFORM_FLOOD_H
#include <stddef.h>
#include "conn.h"
#include "tpl.h"

/* flood: many distinct segments as fast as the link takes them (lab:flood) -- a SYN flood
 * against a listener's queues (RFC 4987), a burst for a fuzzing campaign. Segment i is the
 * base connection's segment for t, stamped (frame_tmpl.h) with its own source port
 * (base port + i mod ports), sequence number (t's + i * 2654435761, so no two of a
 * flood's first 2^32 coincide) and IP ID (i). Every segment is captured like any other
 * (so the pcap has them, and the replies are logged as they come); the capture is read
 * every FLOOD_PUMP_EVERY segments so that its ring never overflows.
 *
 * Bounded twice: at `count` segments and at `seconds`, and by the lab's time limit. */

#define FLOOD_MAX 100000        /* segments per flood: the frame log keeps them all */
#define FLOOD_PUMP_EVERY 64

struct flood_opts {
	long count;                 /* 1..FLOOD_MAX */
	double seconds;             /* > 0 */
	unsigned ports;             /* distinct source ports, 1..65535 */
};

struct flood_result {
	long sent;
	double first, last;         /* lab times of the first and last send */
};

/* Returns 0 (also when `seconds` ran out first: r->sent says how many went), or -1 with
 * err (a field the template refuses, the wire, the time limit, an interrupt). */
int flood_run(struct conn *base, const struct tpl *t, const struct flood_opts *o,
	      struct flood_result *r, char *err, size_t errlen);

#endif
