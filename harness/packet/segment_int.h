#ifndef TCPCONFORM_SEGMENT_INT_H
#define TCPCONFORM_SEGMENT_INT_H
/* Internals shared by the decoder (segment.c, segment_opts.c) and the text form
 * (segment_format.c): the byte readers and the TCP option walker, so that the options
 * are printed by the same code that decodes them. Not for use outside segment*.c. */
#include <stddef.h>
#include <stdint.h>

#include "segment.h"

/* ICMPv6 neighbour solicitation and advertisement (RFC 4861 4.3, 4.4). */
#define ND_NS 135
#define ND_NA 136

/* Big-endian reads; the caller has checked that the bytes are there. */
static inline uint16_t seg_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t seg_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One option as found on the wire. */
struct seg_opt_view {
	uint8_t kind;
	uint8_t len;            /* total length including kind and length bytes */
	const uint8_t *data;    /* len - 2 bytes of option data (NULL for EOL/NOP) */
};

/* Steps through the option list o[0..n): RFC 9293 3.2 says EOL and NOP are single bytes
 * and every other kind carries a length octet that counts kind and length themselves.
 * Returns 1 with *v filled and *i advanced, 0 at the end of the list, and -1 when the
 * next option's length byte is missing, below 2 or runs past the header. The caller
 * stops at EOL (what follows is padding). */
int seg_opt_next(const uint8_t *o, size_t n, size_t *i, struct seg_opt_view *v);

/* Decodes the option bytes o[0..n) (n <= 40) into *so (zeroed by the caller). The raw
 * bytes are always kept, so a malformed list can still be shown and compared byte for
 * byte. */
void seg_opts_decode(const uint8_t *o, size_t n, struct seg_opts *so);

#endif
