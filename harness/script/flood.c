/* flood: many distinct segments, stamped from one template (see flood.h). */
#include "flood.h"

#include <stdio.h>

#include "frame_tmpl.h"

/* Knuth's multiplicative constant: i * K mod 2^32 is a bijection on 32 bits, and
 * neighbouring segments' numbers lie far apart. */
#define SEQ_SPREAD 2654435761u

int flood_run(struct conn *base, const struct tpl *t, const struct flood_opts *o,
	      struct flood_result *r, char *err, size_t errlen)
{
	struct lab *lab = conn_lab(base);
	r->sent = 0;
	r->first = r->last = 0;
	if (o->count < 1 || o->count > FLOOD_MAX || !(o->seconds > 0) || o->ports < 1 ||
	    o->ports > 65535) {
		snprintf(err, errlen, "flood: count 1..%d, seconds > 0 and ports 1..65535 expected, "
			 "got count %ld, seconds %g, ports %u", FLOOD_MAX, o->count, o->seconds,
			 o->ports);
		return -1;
	}
	struct frame_tcp f;
	uint8_t opts[40];
	if (conn_frame(base, t, &f, opts, err, errlen) < 0)
		return -1;
	struct frame_tmpl *tm = frame_tmpl_new(lab_builder(lab), &f, err, errlen);
	if (!tm)
		return -1;
	int rc = 0;
	double until = lab_now(lab) + o->seconds;
	r->first = lab_now(lab);
	for (long i = 0; i < o->count; i++) {
		if (i % FLOOD_PUMP_EVERY == 0 && i > 0) {
			if (lab_pump(lab, 0, err, errlen) < 0) {
				rc = -1;
				break;
			}
			if (lab_now(lab) >= until)
				break;
		}
		struct frame_stamp st = {
			.ip_id = (uint16_t)(f.ip_id + i),
			.sport = (uint16_t)(1 + (f.sport - 1 + (unsigned long)i % o->ports) % 65535),
			.dport = f.dport,
			.seq = f.seq + (uint32_t)i * SEQ_SPREAD,
			.ack = f.ack,
		};
		size_t len;
		const uint8_t *fr = frame_tmpl_stamp(tm, &st, &len);
		if (lab_send_frame(lab, fr, len, err, errlen) < 0) {
			rc = -1;
			break;
		}
		r->sent++;
	}
	r->last = lab_now(lab);
	frame_tmpl_free(tm);
	/* What came back while the last batch went out. */
	if (rc == 0 && lab_pump(lab, 0, err, errlen) < 0)
		rc = -1;
	return rc;
}
