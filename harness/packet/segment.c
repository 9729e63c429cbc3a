/* Decoding of captured Ethernet frames into struct seg, and their one-line text form.
 *
 * The decoder is fed whatever a (possibly broken) stack under test puts on the wire and
 * is fuzzed, so every read goes through a bounded cursor (struct span): a layer first
 * checks that its bytes are there, then reads them. Nothing here allocates. */
#include "segment.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "csum.h"

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
#define ND_NS 135
#define ND_NA 136

/* A window [p, p+len) of the frame that a layer may read. */
struct span {
	const uint8_t *p;
	size_t len;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Fills err (when given) and returns -1: the one way decoding reports a problem. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- TCP options ------------------------------------------------------------------ */

/* One option as found on the wire. */
struct opt_view {
	uint8_t kind;
	uint8_t len;            /* total length including kind and length bytes */
	const uint8_t *data;    /* len - 2 bytes of option data (NULL for EOL/NOP) */
};

/* Steps through the option list o[0..n): RFC 9293 3.2 says EOL and NOP are single bytes
 * and every other kind carries a length octet that counts kind and length themselves.
 * Returns 1 with *v filled and *i advanced, 0 at the end of the list (or after EOL), and
 * -1 when the next option's length byte is missing, below 2 or runs past the header. */
static int opt_next(const uint8_t *o, size_t n, size_t *i, struct opt_view *v)
{
	if (*i >= n)
		return 0;
	v->kind = o[*i];
	v->data = NULL;
	if (v->kind == TCPOPT_EOL || v->kind == TCPOPT_NOP) {
		v->len = 1;
		*i += 1;
		return 1;
	}
	if (*i + 1 >= n)
		return -1;
	v->len = o[*i + 1];
	if (v->len < 2 || v->len > n - *i)
		return -1;
	v->data = o + *i + 2;
	*i += v->len;
	return 1;
}

/* Records a SACK option (RFC 2018 3: length 2 + 8n). Whole blocks are kept even when the
 * length is not of that form, which then marks the list malformed. */
static void opt_take_sack(struct seg_opts *so, const struct opt_view *v)
{
	size_t nblk = (size_t)(v->len - 2) / 8, k;

	if (v->len < 10 || (v->len - 2) % 8 != 0)
		so->malformed = true;
	for (k = 0; k < nblk && so->nsack < SEG_MAX_SACK; k++) {
		so->sack[so->nsack].left = rd32(v->data + 8 * k);
		so->sack[so->nsack].right = rd32(v->data + 8 * k + 4);
		so->nsack++;
	}
	if (nblk > 0)
		so->present |= SEG_OPT_SACK;
}

/* Records one option into *so. Known kinds with a length other than the one their RFC
 * fixes (MSS 4: RFC 9293 3.2; WS 3, TS 10: RFC 7323 2.2, 3.2; SACK-permitted 2: RFC
 * 2018 2) are not taken as that option but mark the list malformed. */
static void opt_take(struct seg_opts *so, const struct opt_view *v)
{
	switch (v->kind) {
	case TCPOPT_EOL:
	case TCPOPT_NOP:
		return;
	case TCPOPT_MSS:
		if (v->len != 4)
			break;
		so->mss = rd16(v->data);
		so->present |= SEG_OPT_MSS;
		return;
	case TCPOPT_WSCALE:
		if (v->len != 3)
			break;
		so->wscale = v->data[0];
		so->present |= SEG_OPT_WSCALE;
		return;
	case TCPOPT_SACKOK:
		if (v->len != 2)
			break;
		so->present |= SEG_OPT_SACKOK;
		return;
	case TCPOPT_SACK:
		opt_take_sack(so, v);
		return;
	case TCPOPT_TS:
		if (v->len != 10)
			break;
		so->ts_val = rd32(v->data);
		so->ts_ecr = rd32(v->data + 4);
		so->present |= SEG_OPT_TS;
		return;
	default:
		so->present |= SEG_OPT_OTHER;
		return;
	}
	so->malformed = true;
}

/* Decodes the option bytes o[0..n) (n <= 40). The raw bytes are always kept, so a
 * malformed list can still be shown and compared byte for byte. */
static void opts_decode(const uint8_t *o, size_t n, struct seg_opts *so)
{
	struct opt_view v;
	size_t i = 0;
	int r;

	so->raw_len = (uint8_t)n;
	memcpy(so->raw, o, n);
	while ((r = opt_next(o, n, &i, &v)) == 1) {
		opt_take(so, &v);
		if (v.kind == TCPOPT_EOL)
			return; /* RFC 9293 3.2: what follows EOL is padding */
	}
	if (r < 0)
		so->malformed = true;
}

/* ---- TCP ---------------------------------------------------------------------------- */

/* Decodes a TCP segment (header, options, payload) that fills exactly `t`. `csum_known`
 * is false for a first fragment, whose checksum covers bytes not in this frame. */
static int tcp_decode(struct span t, struct seg *s, bool csum_known, char *err, size_t errlen)
{
	size_t hlen;

	if (t.len < 20)
		return fail(err, errlen, "tcp: segment length %zu < 20", t.len);
	s->kind = SEG_KIND_TCP;
	s->sport = rd16(t.p);
	s->dport = rd16(t.p + 2);
	s->seq = rd32(t.p + 4);
	s->ack = rd32(t.p + 8);
	s->doff = t.p[12] >> 4;
	s->flags = t.p[13];
	s->win = rd16(t.p + 14);
	s->tcp_csum = rd16(t.p + 16);
	s->urg = rd16(t.p + 18);
	if (csum_known && s->family == AF_INET)
		s->tcp_csum_ok = csum_tcp4(s->src, s->dst, t.p, t.len) == 0;
	else if (csum_known)
		s->tcp_csum_ok = csum_tcp6(s->src, s->dst, t.p, t.len) == 0;
	/* RFC 9293 3.1: the data offset counts 32-bit words and is at least 5. */
	if (s->doff < 5)
		return fail(err, errlen, "tcp: data offset %u < 5", s->doff);
	hlen = (size_t)s->doff * 4;
	if (hlen > t.len)
		return fail(err, errlen, "tcp: data offset %u (%zu bytes) > segment length %zu",
			    s->doff, hlen, t.len);
	opts_decode(t.p + 20, hlen - 20, &s->opt);
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
		return fail(err, errlen, "icmp6: message length %zu < 4", m.len);
	s->kind = SEG_KIND_ICMP6;
	s->icmp6_type = m.p[0];
	s->icmp6_code = m.p[1];
	if (s->icmp6_type != ND_NS && s->icmp6_type != ND_NA)
		return 0;
	if (m.len < 24)
		return fail(err, errlen, "icmp6: neighbour discovery message length %zu < 24",
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
		return fail(err, errlen, "ipv4: packet length %zu < 20", f.len);
	if (f.p[0] >> 4 != 4)
		return fail(err, errlen, "ipv4: version %u != 4", f.p[0] >> 4);
	s->family = AF_INET;
	s->tos = f.p[1];
	s->ip_id = rd16(f.p + 4);
	frag = rd16(f.p + 6);
	s->df = frag & 0x4000;
	s->ttl = f.p[8];
	s->ip_proto = f.p[9];
	memcpy(s->src, f.p + 12, 4);
	memcpy(s->dst, f.p + 16, 4);
	s->kind = SEG_KIND_IP;
	ihl = (size_t)(f.p[0] & 0x0f) * 4;
	if (ihl < 20)
		return fail(err, errlen, "ipv4: header length %zu < 20", ihl);
	if (ihl > f.len)
		return fail(err, errlen, "ipv4: header length %zu > captured %zu", ihl, f.len);
	s->ip_csum_ok = csum_ip4(f.p, ihl) == 0;
	tot = rd16(f.p + 2);
	if (tot < ihl)
		return fail(err, errlen, "ipv4: total length %zu < header length %zu", tot, ihl);
	if (tot > f.len)
		return fail(err, errlen, "ipv4: total length %zu > captured %zu", tot, f.len);
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
				return fail(err, errlen, "ipv6: extension header %u length %zu < 8",
					    *nh, p->len);
			hl = ((size_t)p->p[1] + 1) * 8;
			break;
		case IP6_FRAGMENT:
			if (p->len < 8)
				return fail(err, errlen, "ipv6: fragment header length %zu < 8",
					    p->len);
			hl = 8;
			if (rd16(p->p + 2) >> 3 != 0) {
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
			return fail(err, errlen, "ipv6: extension header %u length %zu > remaining %zu",
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
		return fail(err, errlen, "ipv6: packet length %zu < 40", f.len);
	if (f.p[0] >> 4 != 6)
		return fail(err, errlen, "ipv6: version %u != 6", f.p[0] >> 4);
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
	plen = rd16(f.p + 4);
	if (plen > f.len - 40)
		return fail(err, errlen, "ipv6: payload length %zu > captured %zu", plen,
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
		return fail(err, errlen, "arp: packet length %zu < 28", f.len);
	if (rd16(f.p) != 1 || rd16(f.p + 2) != ETYPE_IPV4 || f.p[4] != 6 || f.p[5] != 4)
		return 0;
	s->kind = SEG_KIND_ARP;
	s->arp_op = rd16(f.p + 6);
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
		return fail(err, errlen, "eth: frame length %zu < %d", len, ETH_HDR_LEN);
	memcpy(out->eth_dst, frame, 6);
	memcpy(out->eth_src, frame + 6, 6);
	out->ethertype = rd16(frame + 12);
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

/* ---- text form ---------------------------------------------------------------------- */

/* An snprintf that appends: keeps counting what would have been written after the
 * buffer is full, so the total can be returned like snprintf's. */
struct out {
	char *buf;
	size_t len;
	size_t pos;
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (o->pos < o->len)
		n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (size_t)n;
}

static int out_done(struct out *o)
{
	if (o->len && o->pos < o->len)
		o->buf[o->pos] = '\0';
	return (int)o->pos;
}

/*
 * seg_flags_format: packetdrill's spelling of TCP flags: S F R P U E W in that order,
 * then "." when ACK is set ("S.", "F.", "R.", "P.", "SE."), and "-" for no flag at all.
 * Returns what snprintf would.
 */
int seg_flags_format(uint8_t flags, char *buf, size_t len)
{
	static const struct { uint8_t bit; char c; } order[] = {
		{SEG_SYN, 'S'}, {SEG_FIN, 'F'}, {SEG_RST, 'R'}, {SEG_PSH, 'P'},
		{SEG_URG, 'U'}, {SEG_ECE, 'E'}, {SEG_CWR, 'W'}, {SEG_ACK, '.'},
	};
	char s[sizeof(order) / sizeof(order[0]) + 2];
	size_t i, n = 0;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (flags & order[i].bit)
			s[n++] = order[i].c;
	if (n == 0)
		s[n++] = '-';
	s[n] = '\0';
	return snprintf(buf, len, "%s", s);
}

static void fmt_opt(struct out *o, const struct opt_view *v)
{
	size_t k;

	switch (v->kind) {
	case TCPOPT_EOL: outf(o, "eol"); return;
	case TCPOPT_NOP: outf(o, "nop"); return;
	case TCPOPT_MSS:
		if (v->len == 4) { outf(o, "mss %u", rd16(v->data)); return; }
		break;
	case TCPOPT_WSCALE:
		if (v->len == 3) { outf(o, "wscale %u", v->data[0]); return; }
		break;
	case TCPOPT_SACKOK:
		if (v->len == 2) { outf(o, "sackOK"); return; }
		break;
	case TCPOPT_SACK:
		if (v->len < 10 || (v->len - 2) % 8)
			break;
		outf(o, "sack");
		for (k = 0; k + 8 <= (size_t)v->len - 2; k += 8)
			outf(o, " %u:%u", rd32(v->data + k), rd32(v->data + k + 4));
		return;
	case TCPOPT_TS:
		if (v->len == 10) {
			outf(o, "TS val %u ecr %u", rd32(v->data), rd32(v->data + 4));
			return;
		}
		break;
	default:
		break;
	}
	outf(o, "opt-%u len %u", v->kind, v->len);
}

/* Options in wire order, walked with the same parser the decoder uses. */
static void fmt_opts(struct out *o, const struct seg_opts *so)
{
	struct opt_view v;
	size_t i = 0;
	int r, n = 0;

	if (so->raw_len == 0)
		return;
	outf(o, " <");
	while ((r = opt_next(so->raw, so->raw_len, &i, &v)) == 1) {
		outf(o, "%s", n++ ? "," : "");
		fmt_opt(o, &v);
		if (v.kind == TCPOPT_EOL)
			break;
	}
	if (r < 0)
		outf(o, "%sbad option at byte %zu", n ? "," : "", i);
	outf(o, ">");
}

static void fmt_addr(struct out *o, const struct seg *s, const uint8_t *a, bool with_port,
		     uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];

	/* A struct seg filled by hand may carry no family: show that rather than garbage. */
	if (!inet_ntop(s->family, a, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	if (!with_port)
		outf(o, "%s", ip);
	else if (s->family == AF_INET6)
		outf(o, "[%s]:%u", ip, port);
	else
		outf(o, "%s:%u", ip, port);
}

static void fmt_tcp(struct out *o, const struct seg *s)
{
	char fl[16];

	fmt_addr(o, s, s->src, true, s->sport);
	outf(o, " > ");
	fmt_addr(o, s, s->dst, true, s->dport);
	seg_flags_format(s->flags, fl, sizeof(fl));
	outf(o, " %s seq %u", fl, s->seq);
	if (s->flags & SEG_ACK)
		outf(o, " ack %u", s->ack);
	outf(o, " win %u", s->win);
	if (s->flags & SEG_URG)
		outf(o, " urg %u", s->urg);
	outf(o, " len %u", s->payload_len);
	fmt_opts(o, &s->opt);
	if (!s->tcp_csum_ok)
		outf(o, " [bad tcp csum 0x%04x]", s->tcp_csum);
	if (!s->ip_csum_ok)
		outf(o, " [bad ip csum]");
}

static void fmt_mac(struct out *o, const uint8_t *m)
{
	outf(o, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void fmt_arp(struct out *o, const struct seg *s)
{
	char spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, s->arp_spa, spa, sizeof(spa));
	inet_ntop(AF_INET, s->arp_tpa, tpa, sizeof(tpa));
	if (s->arp_op == 1) {
		outf(o, "arp who-has %s tell %s", tpa, spa);
	} else if (s->arp_op == 2) {
		outf(o, "arp reply %s is-at ", spa);
		fmt_mac(o, s->arp_sha);
	} else {
		outf(o, "arp op %u %s > %s", s->arp_op, spa, tpa);
	}
}

static void fmt_icmp6(struct out *o, const struct seg *s)
{
	char t[INET6_ADDRSTRLEN];

	fmt_addr(o, s, s->src, false, 0);
	outf(o, " > ");
	fmt_addr(o, s, s->dst, false, 0);
	inet_ntop(AF_INET6, s->icmp6_target, t, sizeof(t));
	if (s->icmp6_has_target && s->icmp6_type == ND_NS)
		outf(o, " icmp6 neighbor solicitation who-has %s", t);
	else if (s->icmp6_has_target && s->icmp6_type == ND_NA)
		outf(o, " icmp6 neighbor advertisement tgt %s", t);
	else
		outf(o, " icmp6 type %u code %u", s->icmp6_type, s->icmp6_code);
}

/*
 * seg_format: one line per frame; TCP as "src:port > dst:port FLAGS seq N [ack N] win N
 * [urg N] len N <options>" with IPv6 addresses bracketed, checksum problems appended in
 * [..]. ack and urg appear only when their flag is set (as in tcpdump). ARP, ICMPv6,
 * other IP and other Ethernet frames get a readable form too. Returns what snprintf would.
 */
int seg_format(const struct seg *s, char *buf, size_t len)
{
	struct out o = {buf, len, 0};

	switch (s->kind) {
	case SEG_KIND_TCP:
		fmt_tcp(&o, s);
		break;
	case SEG_KIND_ARP:
		fmt_arp(&o, s);
		break;
	case SEG_KIND_ICMP6:
		fmt_icmp6(&o, s);
		break;
	case SEG_KIND_IP:
		fmt_addr(&o, s, s->src, false, 0);
		outf(&o, " > ");
		fmt_addr(&o, s, s->dst, false, 0);
		outf(&o, " ip proto %u", s->ip_proto);
		break;
	default:
		outf(&o, "ether ");
		fmt_mac(&o, s->eth_src);
		outf(&o, " > ");
		fmt_mac(&o, s->eth_dst);
		outf(&o, " type 0x%04x", s->ethertype);
		break;
	}
	return out_done(&o);
}
