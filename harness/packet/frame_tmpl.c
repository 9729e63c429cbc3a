/* frame_tmpl: segments stamped from a template with incremental checksums (frame_tmpl.h). */
#include "frame_tmpl.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETH_HDR 14
#define FRAME_MAX (ETH_HDR + 40 + 60 + 1500)

struct frame_tmpl {
	uint8_t *ip;                /* into buf: the IP header */
	uint8_t *tcp;               /* into buf: the TCP header */
	int family;
	size_t len;
	uint8_t buf[];
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Replaces the 16-bit word at p by v and updates the checksum at csum (RFC 1624 3, eqn.
 * 3). One's-complement arithmetic: ~m + m' in 32 bits, then the carries folded in. The
 * result is never 0xFFFF-for-0x0000 ambiguous in a way a receiver minds: both are zero
 * in one's complement, and RFC 1624 4 shows eqn. 3 gives the same checksum as a full
 * recomputation. */
static void put16(uint8_t *p, uint16_t v, uint8_t *csum)
{
	uint16_t old = get16(p);
	if (old == v)
		return;
	uint32_t sum = (uint16_t)~get16(csum);
	sum += (uint16_t)~old;
	sum += v;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	uint16_t hc = (uint16_t)~sum;
	csum[0] = (uint8_t)(hc >> 8);
	csum[1] = (uint8_t)hc;
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

struct frame_tmpl *frame_tmpl_new(struct frame_builder *b, const struct frame_tcp *f,
				  char *err, size_t errlen)
{
	if (f->csum_set || f->csum_bad) {
		snprintf(err, errlen, "template: a given or bad TCP checksum cannot be stamped "
			 "(every stamped segment carries the right one)");
		return NULL;
	}
	const uint8_t *fr;
	size_t len;
	if (frame_build_tcp(b, f, &fr, &len, err, errlen) < 0)
		return NULL;
	if (len > FRAME_MAX) {
		snprintf(err, errlen, "template: frame of %zu bytes, expected at most %d", len,
			 FRAME_MAX);
		return NULL;
	}
	struct frame_tmpl *t = malloc(sizeof(*t) + len);
	if (!t) {
		snprintf(err, errlen, "template: out of memory");
		return NULL;
	}
	memcpy(t->buf, fr, len);
	t->len = len;
	t->family = f->family;
	t->ip = t->buf + ETH_HDR;
	/* frame_build_tcp writes no IPv4 options and no IPv6 extension headers. */
	t->tcp = t->ip + (f->family == AF_INET ? (size_t)(t->ip[0] & 0x0f) * 4 : 40);
	return t;
}

void frame_tmpl_free(struct frame_tmpl *t)
{
	free(t);
}

const uint8_t *frame_tmpl_stamp(struct frame_tmpl *t, const struct frame_stamp *s, size_t *len)
{
	uint8_t *csum = t->tcp + 16;
	if (t->family == AF_INET)
		put16(t->ip + 4, s->ip_id, t->ip + 10);
	put16(t->tcp, s->sport, csum);
	put16(t->tcp + 2, s->dport, csum);
	put16(t->tcp + 4, (uint16_t)(s->seq >> 16), csum);
	put16(t->tcp + 6, (uint16_t)s->seq, csum);
	put16(t->tcp + 8, (uint16_t)(s->ack >> 16), csum);
	put16(t->tcp + 10, (uint16_t)s->ack, csum);
	*len = t->len;
	return t->buf;
}
