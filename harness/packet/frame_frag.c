/* frame_frag: IP fragments and IPv6 extension headers around a built segment
 * (frame_frag.h). */
#include "frame_frag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "csum.h"
#include "pkt_fail.h"

#define ETH_HDR 14
#define IP4_HDR 20
#define IP6_HDR 40
#define EXT_LEN 8           /* every header we add: next, length 0, one 6-byte option */
#define FRAG6_LEN 8         /* RFC 8200 4.5 */
#define IP4_MF 0x2000
#define NH_HBH 0
#define NH_TCP 6
#define NH_FRAG 44
#define NH_DST 60
#define OPT_PADN 1          /* RFC 8200 4.2 */
#define OPT_DISCARD 0x5e    /* RFC 4727 7 experimental; high bits 01: discard */

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

enum frame_ext frame_ext_parse(const char *name)
{
	static const struct {
		const char *name;
		enum frame_ext e;
	} names[] = {{"hbh", FRAME_EXT_HBH}, {"dst", FRAME_EXT_DST},
		     {"dst_discard", FRAME_EXT_DST_DISCARD}, {"hbh_discard", FRAME_EXT_HBH_DISCARD}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].e;
	return 0;
}

static bool ext_is_hbh(enum frame_ext e)
{
	return e == FRAME_EXT_HBH || e == FRAME_EXT_HBH_DISCARD;
}

static uint8_t ext_nh(enum frame_ext e)
{
	return ext_is_hbh(e) ? NH_HBH : NH_DST;
}

/* How many of o's extension headers precede the Fragment header: the Hop-by-Hop header
 * is in the unfragmentable part (RFC 8200 4.5); Destination Options for the final
 * destination follow the Fragment header (4.1's order). */
static int ext_unfrag(const struct frame_ip_opts *o)
{
	return o->next && ext_is_hbh(o->ext[0]) ? 1 : 0;
}

/* Writes extension header e with next header nh at p (EXT_LEN bytes): Hdr Ext Len 0 (8
 * bytes), then one option filling the rest -- PadN of 4 zero bytes, or the discarding
 * type with 4 bytes of data (RFC 8200 4.2 TLV encoding). */
static void ext_write(uint8_t *p, enum frame_ext e, uint8_t nh)
{
	p[0] = nh;
	p[1] = 0;
	p[2] = e == FRAME_EXT_DST_DISCARD || e == FRAME_EXT_HBH_DISCARD ? OPT_DISCARD : OPT_PADN;
	p[3] = 4;
	memset(p + 4, 0, 4);
}

/* Writes ext[from..to) chained, the last pointing at `last_nh`; returns the bytes. */
static size_t ext_chain(uint8_t *p, const struct frame_ip_opts *o, int from, int to,
			uint8_t last_nh)
{
	for (int i = from; i < to; i++)
		ext_write(p + (size_t)(i - from) * EXT_LEN, o->ext[i],
			  i + 1 < to ? ext_nh(o->ext[i + 1]) : last_nh);
	return (size_t)(to - from) * EXT_LEN;
}

static int opts_check(int family, const struct frame_ip_opts *o, char *err, size_t errlen)
{
	if (o->frag && (o->frag % 8 || o->frag > 65528))
		return pkt_fail(err, errlen, "frag: %u bytes, expected a multiple of 8 (RFC 791 3.1, "
			    "RFC 8200 4.5) from 8 to 65528", o->frag);
	if (o->drop && !o->frag)
		return pkt_fail(err, errlen, "frag_drop: set without frag, expected frag = N too");
	if (o->reverse && !o->frag)
		return pkt_fail(err, errlen, "frag_order: reverse without frag, expected frag = N too");
	if (o->next > FRAME_EXT_MAX)
		return pkt_fail(err, errlen, "ext: %u headers, expected at most %d", o->next,
			    FRAME_EXT_MAX);
	if (o->next && family != AF_INET6)
		return pkt_fail(err, errlen, "ext: IPv6 extension headers on an IPv4 segment, "
			    "expected an IPv6 connection");
	for (int i = 0; i < o->next; i++) {
		if (o->ext[i] < FRAME_EXT_HBH || o->ext[i] > FRAME_EXT_HBH_DISCARD)
			return pkt_fail(err, errlen, "ext[%d]: %d, expected a frame_ext", i + 1, o->ext[i]);
		/* RFC 8200 4.3: the Hop-by-Hop header only immediately after the IPv6 header. */
		if (i > 0 && ext_is_hbh(o->ext[i]))
			return pkt_fail(err, errlen, "ext[%d]: a Hop-by-Hop header, expected it only "
				    "first (RFC 8200 4.3)", i + 1);
	}
	return 0;
}

size_t frame_frag_max_ip(int family, const struct frame_ip_opts *o, size_t tcp_len)
{
	size_t ip = family == AF_INET ? IP4_HDR : IP6_HDR;
	size_t ext = (size_t)o->next * EXT_LEN;
	if (!o->frag)
		return ip + ext + tcp_len;
	size_t ufrag = (size_t)ext_unfrag(o) * EXT_LEN;
	size_t part = ext - ufrag + tcp_len;   /* the fragmentable part */
	size_t first = round8(ext - ufrag + (tcp_len < 60 ? tcp_len : 60));
	size_t piece = o->frag > first ? o->frag : first;
	if (piece > part)
		piece = part;
	return ip + ufrag + (family == AF_INET6 ? FRAG6_LEN : 0) + piece;
}

/* Room for one more frame of n bytes in out; its offset. */
static int frags_add(struct frame_frags *out, size_t n, uint8_t **p, char *err, size_t errlen)
{
	if (out->n >= FRAME_FRAGS_MAX)
		return pkt_fail(err, errlen, "frag: more than %d fragments, expected a larger frag",
			    FRAME_FRAGS_MAX);
	size_t at = out->n ? out->off[out->n - 1] + out->len[out->n - 1] : 0;
	if (at + n > out->cap) {
		size_t cap = out->cap ? out->cap : 4096;
		while (cap < at + n)
			cap *= 2;
		uint8_t *b = realloc(out->buf, cap);
		if (!b)
			return pkt_fail(err, errlen, "frag: out of memory for %zu bytes", cap);
		out->buf = b;
		out->cap = cap;
	}
	out->off[out->n] = at;
	out->len[out->n] = n;
	out->n++;
	*p = out->buf + at;
	return 0;
}

/* One IPv4 fragment: the frame's Ethernet and IPv4 headers with this fragment's total
 * length, MF and offset (RFC 791 3.1: in units of 8 octets), DF clear, and its header
 * checksum recomputed; then `n` bytes of the datagram's data from `at`. */
static int ip4_piece(struct frame_frags *out, const uint8_t *frame, const uint8_t *data,
		     size_t at, size_t n, bool more, char *err, size_t errlen)
{
	uint8_t *p;
	if (frags_add(out, ETH_HDR + IP4_HDR + n, &p, err, errlen) < 0)
		return -1;
	memcpy(p, frame, ETH_HDR + IP4_HDR);
	uint8_t *ip = p + ETH_HDR;
	wr16(ip + 2, (uint16_t)(IP4_HDR + n));
	wr16(ip + 6, (uint16_t)((more ? IP4_MF : 0) | at / 8));
	wr16(ip + 10, 0);
	wr16(ip + 10, csum_ip4(ip, IP4_HDR));
	memcpy(ip + IP4_HDR, data + at, n);
	return 0;
}

/* One IPv6 frame: the frame's Ethernet and IPv6 headers, the unfragmentable extension
 * headers, a Fragment header (offset in 8-octet units, M, id: RFC 8200 4.5) when
 * `frag`, then n bytes of the fragmentable part `part` from `at`. */
static int ip6_piece(struct frame_frags *out, const uint8_t *frame, const struct frame_ip_opts *o,
		     const uint8_t *part, uint8_t part_nh, size_t at, size_t n, bool more,
		     char *err, size_t errlen)
{
	int uf = o->frag ? ext_unfrag(o) : o->next;
	size_t hdrs = (size_t)uf * EXT_LEN + (o->frag ? FRAG6_LEN : 0);
	uint8_t *p;
	if (frags_add(out, ETH_HDR + IP6_HDR + hdrs + n, &p, err, errlen) < 0)
		return -1;
	memcpy(p, frame, ETH_HDR + IP6_HDR);
	uint8_t *ip = p + ETH_HDR, *q = ip + IP6_HDR;
	wr16(ip + 4, (uint16_t)(hdrs + n));
	uint8_t after = o->frag ? NH_FRAG : part_nh;
	ip[6] = uf ? ext_nh(o->ext[0]) : after;
	q += ext_chain(q, o, 0, uf, after);
	if (o->frag) {
		q[0] = part_nh;
		q[1] = 0;
		wr16(q + 2, (uint16_t)(at | (more ? 1 : 0)));   /* offset << 3 == at, M last */
		q[4] = (uint8_t)(o->id6 >> 24);
		q[5] = (uint8_t)(o->id6 >> 16);
		q[6] = (uint8_t)(o->id6 >> 8);
		q[7] = (uint8_t)o->id6;
		q += FRAG6_LEN;
	}
	memcpy(q, part + at, n);
	return 0;
}

/* Cuts the fragmentable part (plen bytes, whose headers through TCP are `head` bytes)
 * into pieces and emits them in order, leaving out the one o->drop names. */
static int cut(struct frame_frags *out, int family, const uint8_t *frame,
	       const struct frame_ip_opts *o, const uint8_t *part, uint8_t part_nh, size_t plen,
	       size_t head, char *err, size_t errlen)
{
	size_t first = round8(head);
	if (first < o->frag)
		first = o->frag;
	for (size_t at = 0; at < plen;) {
		size_t n = at ? o->frag : first;
		if (n > plen - at)
			n = plen - at;
		bool more = at + n < plen;
		bool skip = (o->drop == FRAME_DROP_FIRST && at == 0) ||
			    (o->drop == FRAME_DROP_LAST && !more);
		int rc = 0;
		if (skip)
			;
		else if (family == AF_INET)
			rc = ip4_piece(out, frame, part, at, n, more, err, errlen);
		else
			rc = ip6_piece(out, frame, o, part, part_nh, at, n, more, err, errlen);
		if (rc < 0)
			return -1;
		at += n;
	}
	return 0;
}

static void frags_reverse(struct frame_frags *out)
{
	for (int i = 0, j = out->n - 1; i < j; i++, j--) {
		size_t o = out->off[i], l = out->len[i];
		out->off[i] = out->off[j];
		out->len[i] = out->len[j];
		out->off[j] = o;
		out->len[j] = l;
	}
}

/* The TCP header's length (data offset, RFC 9293 3.1) of the segment at tcp, or 20. */
static size_t tcp_hdr_len(const uint8_t *tcp, size_t len)
{
	size_t h = len > 12 ? (size_t)(tcp[12] >> 4) * 4 : 20;
	return h < 20 ? 20 : h > len ? len : h;
}

int frame_frag_build(const uint8_t *frame, size_t len, const struct frame_ip_opts *o,
		     struct frame_frags *out, char *err, size_t errlen)
{
	out->n = 0;
	if (len < ETH_HDR + 1)
		return pkt_fail(err, errlen, "frag: frame of %zu bytes, expected an IP packet", len);
	int family = (frame[ETH_HDR] >> 4) == 4 ? AF_INET : AF_INET6;
	size_t ip = family == AF_INET ? IP4_HDR : IP6_HDR;
	if (opts_check(family, o, err, errlen) < 0)
		return -1;
	if (len < ETH_HDR + ip + 20 || (family == AF_INET && (frame[ETH_HDR] & 0x0f) != 5) ||
	    (family == AF_INET6 && frame[ETH_HDR + 6] != NH_TCP))
		return pkt_fail(err, errlen, "frag: expected a frame of frame_build_tcp (IPv4 without "
			    "options, IPv6 without extension headers, TCP), got %zu bytes", len);
	const uint8_t *tcp = frame + ETH_HDR + ip;
	size_t tcp_len = len - ETH_HDR - ip;
	size_t th = tcp_hdr_len(tcp, tcp_len);
	if (family == AF_INET) {
		if (!o->frag) {   /* nothing to do for IPv4: the frame as built */
			uint8_t *p;
			if (frags_add(out, len, &p, err, errlen) < 0)
				return -1;
			memcpy(p, frame, len);
			return 0;
		}
		if (cut(out, family, frame, o, tcp, NH_TCP, tcp_len, th, err, errlen) < 0)
			return -1;
	} else {
		/* The fragmentable part: the headers after the Fragment header, then TCP. */
		int uf = o->frag ? ext_unfrag(o) : o->next;
		size_t xlen = (size_t)(o->next - uf) * EXT_LEN;
		uint8_t *part = malloc(xlen + tcp_len);
		if (!part)
			return pkt_fail(err, errlen, "frag: out of memory");
		ext_chain(part, o, uf, o->next, NH_TCP);
		memcpy(part + xlen, tcp, tcp_len);
		uint8_t part_nh = uf < o->next ? ext_nh(o->ext[uf]) : NH_TCP;
		int rc = o->frag ? cut(out, family, frame, o, part, part_nh, xlen + tcp_len,
				       xlen + th, err, errlen)
				 : ip6_piece(out, frame, o, part, part_nh, 0, tcp_len, false, err,
					     errlen);
		free(part);
		if (rc < 0)
			return -1;
	}
	if (o->reverse)
		frags_reverse(out);
	return 0;
}

void frame_frags_free(struct frame_frags *out)
{
	free(out->buf);
	out->buf = NULL;
	out->cap = 0;
	out->n = 0;
}
