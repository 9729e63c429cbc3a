/* Decoding of captured Ethernet frames into struct seg (the TCP options in
 * segment_opts.c; the one-line text form in segment_format.c).
 *
 * The decoder is fed whatever a (possibly broken) stack under test puts on the wire and
 * is fuzzed, so every read goes through a bounded cursor (struct span): a layer first
 * checks that its bytes are there, then reads them. Nothing here allocates. */
#include "segment.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "csum.h"
#include "pkt_fail.h"
#include "segment_int.h"

#define ETH_HDR_LEN 14
#define ETYPE_IPV4 0x0800
#define ETYPE_ARP 0x0806
#define ETYPE_IPV6 0x86dd
#define PROTO_TCP 6
#define PROTO_ICMP6 58
#define IP6_HOPOPTS 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_DSTOPTS 60

/* A window [p, p+len) of the frame that a layer may read. */
struct span {
	const uint8_t *p;
	size_t len;
};

/* ---- TCP ---------------------------------------------------------------------------- */

/* Decodes a TCP segment (header, options, payload) that fills exactly `t`. `csum_known`
 * is false for a first fragment, whose checksum covers bytes not in this frame. */
static int tcp_decode(struct span t, struct seg *s, bool csum_known, char *err, size_t errlen)
{
	size_t hlen;

	if (t.len < 20)
		return pkt_fail(err, errlen, "tcp: segment length %zu < 20", t.len);
	s->kind = SEG_KIND_TCP;
	s->sport = seg_rd16(t.p);
	s->dport = seg_rd16(t.p + 2);
	s->seq = seg_rd32(t.p + 4);
	s->ack = seg_rd32(t.p + 8);
	s->doff = t.p[12] >> 4;
	s->flags = t.p[13];
	s->win = seg_rd16(t.p + 14);
	s->tcp_csum = seg_rd16(t.p + 16);
	s->urg = seg_rd16(t.p + 18);
	if (csum_known && s->family == AF_INET)
		s->tcp_csum_ok = csum_tcp4(s->src, s->dst, t.p, t.len) == 0;
	else if (csum_known)
		s->tcp_csum_ok = csum_tcp6(s->src, s->dst, t.p, t.len) == 0;
	/* RFC 9293 3.1: the data offset counts 32-bit words and is at least 5. */
	if (s->doff < 5)
		return pkt_fail(err, errlen, "tcp: data offset %u < 5", s->doff);
	hlen = (size_t)s->doff * 4;
	if (hlen > t.len)
		return pkt_fail(err, errlen, "tcp: data offset %u (%zu bytes) > segment length %zu",
			    s->doff, hlen, t.len);
	seg_opts_decode(t.p + 20, hlen - 20, &s->opt);
	s->payload = t.p + hlen;
	s->payload_len = (uint32_t)(t.len - hlen);
	return 0;
}

/* ---- ICMPv6 ------------------------------------------------------------------------- */

/* Reads type and code, and the target of a neighbour solicitation or advertisement
 * (RFC 4861 4.3, 4.4: 4 bytes of header, 4 reserved/flags, then the target). */
static int icmp6_decode(struct span m, struct seg *s, char *err, size_t errlen)
{
	if (m.len < 4)
		return pkt_fail(err, errlen, "icmp6: message length %zu < 4", m.len);
	s->kind = SEG_KIND_ICMP6;
	s->icmp6_type = m.p[0];
	s->icmp6_code = m.p[1];
	if (s->icmp6_type != ND_NS && s->icmp6_type != ND_NA)
		return 0;
	if (m.len < 24)
		return pkt_fail(err, errlen, "icmp6: neighbour discovery message length %zu < 24",
			    m.len);
	memcpy(s->icmp6_target, m.p + 8, 16);
	s->icmp6_has_target = true;
	return 0;
}

/* ---- IPv4 --------------------------------------------------------------------------- */

/* Decodes an IPv4 packet. Only `total length` bytes belong to it (RFC 791 3.1): what
 * follows is Ethernet padding for frames under 60 bytes and must not become payload. */
static int ipv4_decode(struct span f, struct seg *s, char *err, size_t errlen)
{
	size_t ihl, tot;
	uint16_t frag;

	if (f.len < 20)
		return pkt_fail(err, errlen, "ipv4: packet length %zu < 20", f.len);
	if (f.p[0] >> 4 != 4)
		return pkt_fail(err, errlen, "ipv4: version %u != 4", f.p[0] >> 4);
	s->family = AF_INET;
	s->tos = f.p[1];
	s->ip_id = seg_rd16(f.p + 4);
	frag = seg_rd16(f.p + 6);
	s->df = frag & 0x4000;
	s->ttl = f.p[8];
	s->ip_proto = f.p[9];
	memcpy(s->src, f.p + 12, 4);
	memcpy(s->dst, f.p + 16, 4);
	s->kind = SEG_KIND_IP;
	ihl = (size_t)(f.p[0] & 0x0f) * 4;
	if (ihl < 20)
		return pkt_fail(err, errlen, "ipv4: header length %zu < 20", ihl);
	if (ihl > f.len)
		return pkt_fail(err, errlen, "ipv4: header length %zu > captured %zu", ihl, f.len);
	s->ip_csum_ok = csum_ip4(f.p, ihl) == 0;
	tot = seg_rd16(f.p + 2);
	if (tot < ihl)
		return pkt_fail(err, errlen, "ipv4: total length %zu < header length %zu", tot, ihl);
	if (tot > f.len)
		return pkt_fail(err, errlen, "ipv4: total length %zu > captured %zu", tot, f.len);
	/* A non-first fragment carries no TCP header; a first one (MF set) carries one whose
	 * checksum covers data in later fragments, so it cannot be verified here. */
	if ((frag & 0x1fff) != 0 || s->ip_proto != PROTO_TCP)
		return 0;
	return tcp_decode((struct span){f.p + ihl, tot - ihl}, s, !(frag & 0x2000), err, errlen);
}

/* ---- IPv6 --------------------------------------------------------------------------- */

/* Skips the extension headers RFC 8200 4.1 lists before an upper layer: hop-by-hop,
 * routing and destination options (length in 8-octet units, not counting the first 8)
 * and fragment (8 bytes fixed). On return *nh is the upper-layer protocol and *p the
 * rest. *frag_first tells that a fragment header with offset 0 and M set was seen;
 * returns 1 when a non-first fragment ends decoding, 0 when done, -1 on a bad length. */
static int ipv6_skip_ext(struct span *p, uint8_t *nh, bool *frag_first, char *err,
			 size_t errlen)
{
	size_t hl;

	for (;;) {
		switch (*nh) {
		case IP6_HOPOPTS:
		case IP6_ROUTING:
		case IP6_DSTOPTS:
			if (p->len < 8)
				return pkt_fail(err, errlen, "ipv6: extension header %u length %zu < 8",
					    *nh, p->len);
			hl = ((size_t)p->p[1] + 1) * 8;
			break;
		case IP6_FRAGMENT:
			if (p->len < 8)
				return pkt_fail(err, errlen, "ipv6: fragment header length %zu < 8",
					    p->len);
			hl = 8;
			if (seg_rd16(p->p + 2) >> 3 != 0) {
				*nh = p->p[0];
				return 1;
			}
			if (p->p[3] & 1)
				*frag_first = true;
			break;
		default:
			return 0;
		}
		if (hl > p->len)
			return pkt_fail(err, errlen, "ipv6: extension header %u length %zu > remaining %zu",
				    *nh, hl, p->len);
		*nh = p->p[0];
		p->p += hl;
		p->len -= hl;
	}
}

/* Decodes an IPv6 packet: the fixed header (RFC 8200 3), the extension headers, then TCP
 * or ICMPv6. Bytes beyond the payload length are padding and ignored. */
static int ipv6_decode(struct span f, struct seg *s, char *err, size_t errlen)
{
	struct span up;
	size_t plen;
	uint8_t nh;
	bool frag_first = false;
	int r;

	if (f.len < 40)
		return pkt_fail(err, errlen, "ipv6: packet length %zu < 40", f.len);
	if (f.p[0] >> 4 != 6)
		return pkt_fail(err, errlen, "ipv6: version %u != 6", f.p[0] >> 4);
	s->family = AF_INET6;
	s->tos = (uint8_t)((f.p[0] & 0x0f) << 4 | f.p[1] >> 4);
	s->flowlabel = (uint32_t)(f.p[1] & 0x0f) << 16 | (uint32_t)f.p[2] << 8 | f.p[3];
	nh = f.p[6];
	s->ttl = f.p[7];
	memcpy(s->src, f.p + 8, 16);
	memcpy(s->dst, f.p + 24, 16);
	s->ip_csum_ok = true;
	s->ip_proto = nh;
	s->kind = SEG_KIND_IP;
	plen = seg_rd16(f.p + 4);
	if (plen > f.len - 40)
		return pkt_fail(err, errlen, "ipv6: payload length %zu > captured %zu", plen,
			    f.len - 40);
	up = (struct span){f.p + 40, plen};
	r = ipv6_skip_ext(&up, &nh, &frag_first, err, errlen);
	s->ip_proto = nh;
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (nh == PROTO_TCP)
		return tcp_decode(up, s, !frag_first, err, errlen);
	if (nh == PROTO_ICMP6 && !frag_first)
		return icmp6_decode(up, s, err, errlen);
	return 0;
}

/* ---- ARP ---------------------------------------------------------------------------- */

/* ARP for Ethernet/IPv4 only (RFC 826); any other hardware/protocol pair stays OTHER. */
static int arp_decode(struct span f, struct seg *s, char *err, size_t errlen)
{
	if (f.len < 28)
		return pkt_fail(err, errlen, "arp: packet length %zu < 28", f.len);
	if (seg_rd16(f.p) != 1 || seg_rd16(f.p + 2) != ETYPE_IPV4 || f.p[4] != 6 || f.p[5] != 4)
		return 0;
	s->kind = SEG_KIND_ARP;
	s->arp_op = seg_rd16(f.p + 6);
	memcpy(s->arp_sha, f.p + 8, 6);
	memcpy(s->arp_spa, f.p + 14, 4);
	memcpy(s->arp_tha, f.p + 18, 6);
	memcpy(s->arp_tpa, f.p + 24, 4);
	return 0;
}

/*
 * seg_decode: see segment.h. Ethernet II only; a VLAN tag (0x8100) or any other
 * ethertype leaves kind OTHER with the Ethernet fields filled. `frame` is only read, and
 * out->payload points into it. A malformed TCP option list is not a decoding failure:
 * it sets out->opt.malformed and keeps the options before the bad one.
 */
int seg_decode(const uint8_t *frame, size_t len, struct seg *out, char *err, size_t errlen)
{
	struct span l3;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (len < ETH_HDR_LEN)
		return pkt_fail(err, errlen, "eth: frame length %zu < %d", len, ETH_HDR_LEN);
	memcpy(out->eth_dst, frame, 6);
	memcpy(out->eth_src, frame + 6, 6);
	out->ethertype = seg_rd16(frame + 12);
	l3 = (struct span){frame + ETH_HDR_LEN, len - ETH_HDR_LEN};
	switch (out->ethertype) {
	case ETYPE_IPV4:
		return ipv4_decode(l3, out, err, errlen);
	case ETYPE_IPV6:
		return ipv6_decode(l3, out, err, errlen);
	case ETYPE_ARP:
		return arp_decode(l3, out, err, errlen);
	default:
		return 0;
	}
}

