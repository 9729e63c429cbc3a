#ifndef TCPCONFORM_FRAME_TMPL_H
#define TCPCONFORM_FRAME_TMPL_H
#include <stddef.h>
#include <stdint.h>
#include "frame.h"

/* frame_tmpl: many distinct TCP segments at line rate. One segment is built by the
 * encoder (frame_build_tcp, libnet); every further one is that frame re-stamped with its
 * own IP ID, ports, sequence and acknowledgment numbers. Only the changed 16-bit words
 * enter the checksums, by incremental update (RFC 1624 3, eqn. 3: HC' = ~(~HC + ~m + m')),
 * so a segment costs a few additions and a copy instead of a build: what a SYN flood or a
 * fuzzing campaign needs to keep the link busy.
 *
 * Every stamped frame carries right IPv4 and TCP checksums; a template therefore refuses
 * a given or deliberately bad TCP checksum (frame_tcp.csum_set, csum_bad). */

struct frame_tmpl;

/* What changes from one segment to the next. ip_id is ignored for IPv6. */
struct frame_stamp {
	uint16_t ip_id;
	uint16_t sport, dport;
	uint32_t seq, ack;
};

/* Builds f with b as the template (b is free for other frames afterwards). Returns NULL
 * with err naming the field on failure. */
struct frame_tmpl *frame_tmpl_new(struct frame_builder *b, const struct frame_tcp *f,
				  char *err, size_t errlen);
void frame_tmpl_free(struct frame_tmpl *t);

/* Stamps s onto the template's frame and returns it (`*len` bytes, owned by the template,
 * valid until the next stamp). Each stamp starts from the current frame, not from the
 * original: the words are replaced, whatever they held. */
const uint8_t *frame_tmpl_stamp(struct frame_tmpl *t, const struct frame_stamp *s, size_t *len);

#endif
