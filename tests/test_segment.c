/* Unit tests of segment*.c: decoding of Ethernet/ARP/IPv4/IPv6/TCP/ICMPv6 frames, TCP
 * options, the text forms, and robustness against any bytes at all (the decoder faces
 * whatever a broken stack sends, and is fuzzed). Frames are assembled here by hand, with
 * checksums from csum.c, so these tests need neither libnet nor a network namespace. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "csum.h"
#include "match.h"
#include "segment.h"
#include "tpl.h"

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t ip4_a[4] = {198, 18, 0, 2}, ip4_b[4] = {198, 18, 0, 1};
static const uint8_t ip6_a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a};
static const uint8_t ip6_b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b};

/* ---- frame assembly ----------------------------------------------------------------- */

struct tcp_spec {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win, urg;
	const uint8_t *opts;
	size_t olen;                /* multiple of 4 */
	const uint8_t *pay;
	size_t plen;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static size_t put_eth(uint8_t *f, uint16_t type)
{
	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	put16(f + 12, type);
	return 14;
}

/* TCP header + options + payload at t, checksum left 0. */
static size_t put_tcp(uint8_t *t, const struct tcp_spec *s)
{
	size_t hl = 20 + s->olen;

	memset(t, 0, 20);
	put16(t, s->sport);
	put16(t + 2, s->dport);
	put32(t + 4, s->seq);
	put32(t + 8, s->ack);
	t[12] = (uint8_t)(hl / 4 << 4);
	t[13] = s->flags;
	put16(t + 14, s->win);
	put16(t + 18, s->urg);
	if (s->olen)
		memcpy(t + 20, s->opts, s->olen);
	if (s->plen)
		memcpy(t + hl, s->pay, s->plen);
	return hl + s->plen;
}

static void put_csum(uint8_t *p, uint16_t c)
{
	put16(p, c);
}

/* Ethernet + IPv4 (with `ipopt` option bytes, a multiple of 4) + TCP, all checksums right. */
static size_t frame4_opt(uint8_t *f, const struct tcp_spec *s, const uint8_t *ipopt,
			 size_t ipolen)
{
	size_t e = put_eth(f, 0x0800), ihl = 20 + ipolen, tl;
	uint8_t *ip = f + e, *t = ip + ihl;

	tl = put_tcp(t, s);
	memset(ip, 0, 20);
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	ip[1] = 0x10;
	put16(ip + 2, (uint16_t)(ihl + tl));
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, ip4_a, 4);
	memcpy(ip + 16, ip4_b, 4);
	if (ipolen)
		memcpy(ip + 20, ipopt, ipolen);
	put_csum(ip + 10, csum_ip4(ip, ihl));
	put_csum(t + 16, csum_tcp4(ip4_a, ip4_b, t, tl));
	return e + ihl + tl;
}

static size_t frame4(uint8_t *f, const struct tcp_spec *s)
{
	return frame4_opt(f, s, NULL, 0);
}

/* Ethernet + IPv6 + extension bytes `ext` (first header `nh0`, the last one's next
 * header already naming `proto`) + an upper layer message `l4`. */
static size_t frame6_raw(uint8_t *f, uint8_t nh0, const uint8_t *ext, size_t extlen,
			 const uint8_t *l4, size_t l4len)
{
	size_t e = put_eth(f, 0x86dd);
	uint8_t *ip = f + e;

	ip[0] = 0x6a;               /* traffic class 0xab */
	ip[1] = 0xb1;               /* flow label 0x12345 */
	ip[2] = 0x23;
	ip[3] = 0x45;
	put16(ip + 4, (uint16_t)(extlen + l4len));
	ip[6] = nh0;
	ip[7] = 255;
	memcpy(ip + 8, ip6_a, 16);
	memcpy(ip + 24, ip6_b, 16);
	if (extlen)
		memcpy(ip + 40, ext, extlen);
	memcpy(ip + 40 + extlen, l4, l4len);
	return e + 40 + extlen + l4len;
}

static size_t frame6_ext(uint8_t *f, const struct tcp_spec *s, uint8_t nh0, const uint8_t *ext,
			 size_t extlen)
{
	uint8_t t[1600];
	size_t tl = put_tcp(t, s);

	put_csum(t + 16, csum_tcp6(ip6_a, ip6_b, t, tl));
	return frame6_raw(f, nh0, ext, extlen, t, tl);
}

static size_t frame6(uint8_t *f, const struct tcp_spec *s)
{
	return frame6_ext(f, s, 6, NULL, 0);
}

static size_t frame_arp(uint8_t *f, uint16_t op)
{
	size_t e = put_eth(f, 0x0806);
	uint8_t *a = f + e;

	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, mac_a, 6);
	memcpy(a + 14, ip4_a, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, ip4_b, 4);
	return e + 28;
}

/* A neighbour solicitation (135) or advertisement (136) for ip6_b. */
static size_t frame_nd(uint8_t *f, uint8_t type)
{
	uint8_t m[32] = {type, 0, 0, 0, 0x60, 0, 0, 0};

	memcpy(m + 8, ip6_b, 16);
	m[24] = type == 135 ? 1 : 2;
	m[25] = 1;
	memcpy(m + 26, mac_a, 6);
	put_csum(m + 2, csum_upper6(ip6_a, ip6_b, 58, m, sizeof(m)));
	return frame6_raw(f, 58, NULL, 0, m, sizeof(m));
}

static const uint8_t full_opts[] = {
	2, 4, 0x05, 0xb4,                       /* MSS 1460 */
	1,                                      /* NOP */
	3, 3, 7,                                /* WS 7 */
	4, 2,                                   /* SACK permitted */
	8, 10, 0, 0, 0, 100, 0, 0, 0, 200,      /* TS 100 200 */
	5, 18, 0, 0, 0x03, 0xe8, 0, 0, 0x07, 0xd0, 0, 0, 0x0b, 0xb8, 0, 0, 0x0f, 0xa0,
	0, 0,                                   /* EOL + padding */
};

static struct tcp_spec base_spec(void)
{
	static const uint8_t pay[5] = "hello";
	struct tcp_spec s = {
		.sport = 8080, .dport = 40000, .seq = 0x01020304, .ack = 0xa0b0c0d0,
		.flags = SEG_PSH | SEG_ACK, .win = 29200, .urg = 0,
		.opts = NULL, .olen = 0, .pay = pay, .plen = sizeof(pay),
	};
	return s;
}

/* Decodes expecting success. */
static struct seg decode_ok(const uint8_t *f, size_t len)
{
	struct seg s;
	char err[128];
	int r = seg_decode(f, len, &s, err, sizeof(err));

	if (r != 0)
		fail_msg("seg_decode failed: %s", err);
	return s;
}

/* Decodes expecting failure with an error containing `want`. */
static void decode_fails(const uint8_t *f, size_t len, const char *want, struct seg *s)
{
	char err[128] = "";

	assert_int_equal(seg_decode(f, len, s, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

static void assert_format(const struct seg *s, const char *want)
{
	char buf[256];
	int n = seg_format(s, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
}

/* ---- IPv4 + TCP --------------------------------------------------------------------- */

static void ipv4_tcp_frame_decodes_every_header_field(void **state)
{
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	size_t n;
	struct seg s;

	ts.flags = SEG_ACK | SEG_URG | SEG_PSH;
	ts.urg = 3;
	n = frame4(f, &ts);
	s = decode_ok(f, n);
	assert_int_equal(s.kind, SEG_KIND_TCP);
	assert_memory_equal(s.eth_dst, mac_b, 6);
	assert_memory_equal(s.eth_src, mac_a, 6);
	assert_int_equal(s.ethertype, 0x0800);
	assert_int_equal(s.family, AF_INET);
	assert_memory_equal(s.src, ip4_a, 4);
	assert_memory_equal(s.dst, ip4_b, 4);
	assert_int_equal(s.ttl, 64);
	assert_int_equal(s.tos, 0x10);
	assert_int_equal(s.ip_id, 0x1234);
	assert_true(s.df);
	assert_true(s.ip_csum_ok);
	assert_int_equal(s.ip_proto, 6);
	assert_int_equal(s.sport, 8080);
	assert_int_equal(s.dport, 40000);
	assert_int_equal(s.seq, 0x01020304);
	assert_int_equal(s.ack, 0xa0b0c0d0);
	assert_int_equal(s.flags, SEG_ACK | SEG_URG | SEG_PSH);
	assert_int_equal(s.doff, 5);
	assert_int_equal(s.win, 29200);
	assert_int_equal(s.urg, 3);
	assert_true(s.tcp_csum_ok);
	assert_int_equal(s.opt.present, 0);
	assert_int_equal(s.opt.raw_len, 0);
	assert_int_equal(s.payload_len, 5);
	assert_ptr_equal(s.payload, f + 14 + 20 + 20);
	assert_memory_equal(s.payload, "hello", 5);
}

static void decode_overwrites_every_field_and_leaves_ts_zero(void **state)
{
	uint8_t f[64];
	size_t n = frame_arp(f, 1);
	struct seg s;

	memset(&s, 0xa5, sizeof(s));
	assert_int_equal(seg_decode(f, n, &s, NULL, 0), 0);
	assert_int_equal(s.ts.tv_sec, 0);
	assert_int_equal(s.ts.tv_usec, 0);
	assert_int_equal(s.seq, 0);
	assert_null(s.payload);
	assert_int_equal(s.opt.raw_len, 0);
}

static void ethernet_padding_after_ipv4_total_length_is_not_payload(void **state)
{
	uint8_t f[128];
	struct tcp_spec ts = base_spec();
	size_t n;
	struct seg s;

	ts.plen = 0;
	ts.flags = SEG_RST | SEG_ACK;
	n = frame4(f, &ts);
	assert_int_equal(n, 54);
	memset(f + n, 0xee, 6); /* padding up to the 60-byte minimum */
	s = decode_ok(f, 60);
	assert_int_equal(s.payload_len, 0);
	assert_true(s.tcp_csum_ok);
}

static void ipv4_header_options_are_skipped_by_ihl(void **state)
{
	static const uint8_t ipopt[4] = {1, 1, 1, 0}; /* NOP NOP NOP EOL */
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	size_t n = frame4_opt(f, &ts, ipopt, sizeof(ipopt));
	struct seg s = decode_ok(f, n);

	assert_int_equal(s.kind, SEG_KIND_TCP);
	assert_true(s.ip_csum_ok);
	assert_true(s.tcp_csum_ok);
	assert_int_equal(s.sport, 8080);
	assert_int_equal(s.payload_len, 5);
}

static void ipv4_wrong_header_checksum_is_reported_not_fatal(void **state)
{
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	size_t n = frame4(f, &ts);
	struct seg s;

	f[14 + 10] ^= 0x01;
	s = decode_ok(f, n);
	assert_int_equal(s.kind, SEG_KIND_TCP);
	assert_false(s.ip_csum_ok);
	assert_true(s.tcp_csum_ok);
}

static void wrong_tcp_checksum_clears_tcp_csum_ok_and_keeps_value(void **state)
{
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	size_t n = frame4(f, &ts);
	uint16_t wire = (uint16_t)(f[50] << 8 | f[51]);
	struct seg s;

	s = decode_ok(f, n);
	assert_int_equal(s.tcp_csum, wire);
	f[51] ^= 0x01;
	s = decode_ok(f, n);
	assert_false(s.tcp_csum_ok);
	assert_int_equal(s.tcp_csum, wire ^ 1);
}

static void ipv4_non_first_fragment_is_kind_ip(void **state)
{
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	size_t n = frame4(f, &ts);
	struct seg s;

	put16(f + 14 + 6, 0x0003); /* offset 24 bytes */
	put_csum(f + 14 + 10, 0);
	put_csum(f + 14 + 10, csum_ip4(f + 14, 20));
	s = decode_ok(f, n);
	assert_int_equal(s.kind, SEG_KIND_IP);
	assert_int_equal(s.ip_proto, 6);
	assert_false(s.df);
	assert_true(s.ip_csum_ok);
}

static void ipv4_first_fragment_decodes_tcp_but_cannot_verify_checksum(void **state)
{
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	size_t n = frame4(f, &ts);
	struct seg s;

	put16(f + 14 + 6, 0x2000); /* MF, offset 0 */
	put_csum(f + 14 + 10, 0);
	put_csum(f + 14 + 10, csum_ip4(f + 14, 20));
	s = decode_ok(f, n);
	assert_int_equal(s.kind, SEG_KIND_TCP);
	assert_int_equal(s.sport, 8080);
	assert_false(s.tcp_csum_ok);
}

static void ipv4_non_tcp_protocol_is_kind_ip(void **state)
{
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	size_t n = frame4(f, &ts);
	struct seg s;

	f[14 + 9] = 17;
	s = decode_ok(f, n);
	assert_int_equal(s.kind, SEG_KIND_IP);
	assert_int_equal(s.ip_proto, 17);
	assert_format(&s, "198.18.0.2 > 198.18.0.1 ip proto 17");
}

static void ipv4_truncation_and_bad_lengths_fail_naming_the_field(void **state)
{
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	size_t n = frame4(f, &ts);
	struct seg s;

	decode_fails(f, n - 1, "ipv4: total length 45 > captured 44", &s);
	assert_int_equal(s.kind, SEG_KIND_IP); /* what was decoded before stays */
	assert_memory_equal(s.src, ip4_a, 4);
	decode_fails(f, 14 + 19, "ipv4: packet length 19 < 20", &s);
	f[14] = 0x44;
	decode_fails(f, n, "ipv4: header length 16 < 20", &s);
	f[14] = 0x65;
	decode_fails(f, n, "ipv4: version 6 != 4", &s);
	f[14] = 0x4f;
	decode_fails(f, n, "ipv4: header length 60 > captured", &s);
	f[14] = 0x45;
	put16(f + 14 + 2, 19);
	decode_fails(f, n, "ipv4: total length 19 < header length 20", &s);
	decode_fails(f, 13, "eth: frame length 13 < 14", &s);
}

static void tcp_data_offset_out_of_range_fails(void **state)
{
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	size_t n = frame4(f, &ts);
	struct seg s;

	f[46] = 0x30;
	decode_fails(f, n, "tcp: data offset 3 < 5", &s);
	assert_int_equal(s.kind, SEG_KIND_TCP);
	assert_int_equal(s.sport, 8080);
	f[46] = 0xf0;
	decode_fails(f, n, "tcp: data offset 15 (60 bytes) > segment length 25", &s);
	put16(f + 14 + 2, 20 + 19);
	decode_fails(f, 14 + 20 + 19, "tcp: segment length 19 < 20", &s);
}

/* ---- TCP options -------------------------------------------------------------------- */

static struct seg decode_opts(const uint8_t *opts, size_t olen)
{
	static uint8_t f[256];
	struct tcp_spec ts = base_spec();

	ts.opts = opts;
	ts.olen = olen;
	return decode_ok(f, frame4(f, &ts));
}

static void every_known_option_is_decoded_and_raw_bytes_kept(void **state)
{
	struct seg s = decode_opts(full_opts, sizeof(full_opts));

	assert_int_equal(s.doff, 5 + sizeof(full_opts) / 4);
	assert_int_equal(s.opt.present,
			 SEG_OPT_MSS | SEG_OPT_WSCALE | SEG_OPT_SACKOK | SEG_OPT_TS | SEG_OPT_SACK);
	assert_false(s.opt.malformed);
	assert_int_equal(s.opt.mss, 1460);
	assert_int_equal(s.opt.wscale, 7);
	assert_int_equal(s.opt.ts_val, 100);
	assert_int_equal(s.opt.ts_ecr, 200);
	assert_int_equal(s.opt.nsack, 2);
	assert_int_equal(s.opt.sack[0].left, 1000);
	assert_int_equal(s.opt.sack[0].right, 2000);
	assert_int_equal(s.opt.sack[1].left, 3000);
	assert_int_equal(s.opt.sack[1].right, 4000);
	assert_int_equal(s.opt.raw_len, sizeof(full_opts));
	assert_memory_equal(s.opt.raw, full_opts, sizeof(full_opts));
	assert_int_equal(s.payload_len, 5);
	assert_true(s.tcp_csum_ok);
}

static void four_sack_blocks_fill_the_forty_option_bytes(void **state)
{
	uint8_t o[40] = {1, 1, 5, 34};
	struct seg s;
	int i;

	for (i = 0; i < 8; i++)
		put32(o + 4 + 4 * i, (uint32_t)(i + 1) * 10);
	s = decode_opts(o, sizeof(o));
	assert_false(s.opt.malformed);
	assert_int_equal(s.opt.nsack, 4);
	assert_int_equal(s.opt.sack[3].left, 70);
	assert_int_equal(s.opt.sack[3].right, 80);
}

static void unknown_option_kind_sets_other_and_parsing_goes_on(void **state)
{
	static const uint8_t o[] = {30, 6, 1, 2, 3, 4, 2, 4, 0x02, 0x18, 1, 1};
	struct seg s = decode_opts(o, sizeof(o));

	assert_int_equal(s.opt.present, SEG_OPT_OTHER | SEG_OPT_MSS);
	assert_int_equal(s.opt.mss, 536);
	assert_false(s.opt.malformed);
}

static void option_running_past_header_is_malformed_but_earlier_ones_kept(void **state)
{
	static const uint8_t o[] = {2, 4, 0x05, 0xb4, 1, 8, 10, 0};
	struct seg s = decode_opts(o, sizeof(o));

	assert_true(s.opt.malformed);
	assert_int_equal(s.opt.present, SEG_OPT_MSS);
	assert_int_equal(s.opt.mss, 1460);
	assert_int_equal(s.opt.raw_len, 8);
	assert_memory_equal(s.opt.raw, o, 8);
	assert_int_equal(s.payload_len, 5); /* the segment itself still decodes */
}

static void option_length_below_two_is_malformed(void **state)
{
	static const uint8_t zero[] = {3, 0, 1, 1};
	static const uint8_t one[] = {1, 1, 1, 30};   /* kind without its length byte */
	static const uint8_t lenone[] = {30, 1, 1, 1};

	assert_true(decode_opts(zero, 4).opt.malformed);
	assert_true(decode_opts(one, 4).opt.malformed);
	assert_true(decode_opts(lenone, 4).opt.malformed);
}

static void known_option_with_wrong_length_is_malformed_not_taken(void **state)
{
	static const uint8_t mss3[] = {2, 3, 5, 1};
	static const uint8_t ws4[] = {3, 4, 7, 0};
	static const uint8_t ts8[] = {8, 8, 0, 0, 0, 1, 0, 0};
	static const uint8_t sackok3[] = {4, 3, 0, 1};
	static const uint8_t sack6[] = {5, 6, 0, 0, 0, 1, 1, 1};
	struct seg s;

	s = decode_opts(mss3, 4);
	assert_true(s.opt.malformed);
	assert_int_equal(s.opt.present, 0);
	s = decode_opts(ws4, 4);
	assert_true(s.opt.malformed);
	assert_int_equal(s.opt.present, 0);
	s = decode_opts(ts8, 8);
	assert_true(s.opt.malformed);
	assert_int_equal(s.opt.present, 0);
	s = decode_opts(sackok3, 4);
	assert_true(s.opt.malformed);
	assert_int_equal(s.opt.present, 0);
	s = decode_opts(sack6, 8);
	assert_true(s.opt.malformed);
	assert_int_equal(s.opt.nsack, 0);
}

static void bytes_after_eol_are_padding(void **state)
{
	static const uint8_t o[] = {2, 4, 0x05, 0xb4, 0, 3, 3, 9};
	struct seg s = decode_opts(o, sizeof(o));

	assert_false(s.opt.malformed);
	assert_int_equal(s.opt.present, SEG_OPT_MSS);
	assert_int_equal(s.opt.wscale, 0);
}

/* ---- IPv6 --------------------------------------------------------------------------- */

static void ipv6_tcp_frame_decodes_class_flow_label_and_hop_limit(void **state)
{
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	size_t n = frame6(f, &ts);
	struct seg s = decode_ok(f, n);

	assert_int_equal(s.kind, SEG_KIND_TCP);
	assert_int_equal(s.family, AF_INET6);
	assert_int_equal(s.ethertype, 0x86dd);
	assert_int_equal(s.tos, 0xab);
	assert_int_equal(s.flowlabel, 0x12345);
	assert_int_equal(s.ttl, 255);
	assert_true(s.ip_csum_ok);
	assert_int_equal(s.ip_proto, 6);
	assert_memory_equal(s.src, ip6_a, 16);
	assert_memory_equal(s.dst, ip6_b, 16);
	assert_true(s.tcp_csum_ok);
	assert_int_equal(s.payload_len, 5);
	f[n - 1] ^= 0x20;
	assert_false(decode_ok(f, n).tcp_csum_ok);
}

static void ipv6_padding_beyond_payload_length_is_ignored(void **state)
{
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	size_t n = frame6(f, &ts);
	struct seg s;

	memset(f + n, 0x55, 8);
	s = decode_ok(f, n + 8);
	assert_int_equal(s.payload_len, 5);
	assert_true(s.tcp_csum_ok);
}

static void ipv6_extension_headers_are_skipped_to_tcp(void **state)
{
	/* hop-by-hop (8) -> routing (16) -> destination options (8) -> TCP */
	uint8_t ext[32] = {0};
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	struct seg s;
	size_t n;

	ext[0] = 43;
	ext[1] = 0;
	ext[8] = 60;
	ext[9] = 1;
	ext[24] = 6;
	ext[25] = 0;
	n = frame6_ext(f, &ts, 0, ext, sizeof(ext));
	s = decode_ok(f, n);
	assert_int_equal(s.kind, SEG_KIND_TCP);
	assert_int_equal(s.ip_proto, 6);
	assert_int_equal(s.sport, 8080);
	assert_true(s.tcp_csum_ok);
	assert_int_equal(s.payload_len, 5);
}

static void ipv6_fragments_first_decodes_tcp_later_ones_are_kind_ip(void **state)
{
	uint8_t ext[8] = {6, 0, 0x00, 0x01, 0, 0, 0, 1}; /* offset 0, M set */
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	struct seg s;
	size_t n;

	n = frame6_ext(f, &ts, 44, ext, sizeof(ext));
	s = decode_ok(f, n);
	assert_int_equal(s.kind, SEG_KIND_TCP);
	assert_false(s.tcp_csum_ok);
	ext[2] = 0x01;                     /* offset 32 bytes */
	n = frame6_ext(f, &ts, 44, ext, sizeof(ext));
	s = decode_ok(f, n);
	assert_int_equal(s.kind, SEG_KIND_IP);
	assert_int_equal(s.ip_proto, 6);
	ext[2] = 0;
	ext[3] = 0;                        /* atomic fragment: offset 0, no M */
	n = frame6_ext(f, &ts, 44, ext, sizeof(ext));
	s = decode_ok(f, n);
	assert_int_equal(s.kind, SEG_KIND_TCP);
	assert_true(s.tcp_csum_ok);
}

static void ipv6_bad_lengths_fail_without_reading_past_payload(void **state)
{
	uint8_t ext[8] = {6, 200};         /* claims 1608 bytes */
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	struct seg s;
	size_t n = frame6_ext(f, &ts, 60, ext, sizeof(ext));

	decode_fails(f, n, "ipv6: extension header 60 length 1608 > remaining 33", &s);
	assert_int_equal(s.kind, SEG_KIND_IP);
	decode_fails(f, n - 1, "ipv6: payload length 33 > captured 32", &s);
	decode_fails(f, 14 + 39, "ipv6: packet length 39 < 40", &s);
	f[14] = 0x40;
	decode_fails(f, n, "ipv6: version 4 != 6", &s);
}

static void ipv6_other_next_header_is_kind_ip(void **state)
{
	static const uint8_t udp[8] = {0};
	uint8_t f[128];
	size_t n = frame6_raw(f, 17, NULL, 0, udp, sizeof(udp));
	struct seg s = decode_ok(f, n);

	assert_int_equal(s.kind, SEG_KIND_IP);
	assert_int_equal(s.ip_proto, 17);
	assert_format(&s, "2001:db8::a > 2001:db8::b ip proto 17");
}

static void neighbour_solicitation_and_advertisement_give_the_target(void **state)
{
	uint8_t f[128];
	size_t n = frame_nd(f, 135);
	struct seg s = decode_ok(f, n);

	assert_int_equal(s.kind, SEG_KIND_ICMP6);
	assert_int_equal(s.icmp6_type, 135);
	assert_int_equal(s.icmp6_code, 0);
	assert_true(s.icmp6_has_target);
	assert_memory_equal(s.icmp6_target, ip6_b, 16);
	assert_format(&s, "2001:db8::a > 2001:db8::b icmp6 neighbor solicitation who-has 2001:db8::b");
	n = frame_nd(f, 136);
	s = decode_ok(f, n);
	assert_int_equal(s.icmp6_type, 136);
	assert_true(s.icmp6_has_target);
	assert_format(&s, "2001:db8::a > 2001:db8::b icmp6 neighbor advertisement tgt 2001:db8::b");
	put16(f + 14 + 4, 23); /* an advertisement cut short, consistently with its IPv6 length */
	decode_fails(f, n - 9, "icmp6: neighbour discovery message length 23 < 24", &s);
}

static void other_icmp6_types_have_no_target(void **state)
{
	static const uint8_t echo[8] = {128, 0};
	uint8_t f[128];
	struct seg s = decode_ok(f, frame6_raw(f, 58, NULL, 0, echo, sizeof(echo)));

	assert_int_equal(s.kind, SEG_KIND_ICMP6);
	assert_int_equal(s.icmp6_type, 128);
	assert_false(s.icmp6_has_target);
	assert_format(&s, "2001:db8::a > 2001:db8::b icmp6 type 128 code 0");
}

/* ---- ARP and other ------------------------------------------------------------------ */

static void arp_request_and_reply_are_decoded(void **state)
{
	uint8_t f[64];
	size_t n = frame_arp(f, 1);
	struct seg s = decode_ok(f, n);

	assert_int_equal(s.kind, SEG_KIND_ARP);
	assert_int_equal(s.arp_op, 1);
	assert_memory_equal(s.arp_sha, mac_a, 6);
	assert_memory_equal(s.arp_spa, ip4_a, 4);
	assert_memory_equal(s.arp_tpa, ip4_b, 4);
	assert_format(&s, "arp who-has 198.18.0.1 tell 198.18.0.2");
	n = frame_arp(f, 2);
	s = decode_ok(f, n);
	assert_int_equal(s.arp_op, 2);
	assert_format(&s, "arp reply 198.18.0.2 is-at 02:00:00:00:00:0a");
	decode_fails(f, n - 1, "arp: packet length 27 < 28", &s);
}

static void arp_for_other_hardware_or_protocol_is_kind_other(void **state)
{
	uint8_t f[64];
	size_t n = frame_arp(f, 1);
	struct seg s;

	f[14 + 1] = 6; /* IEEE 802 hardware */
	s = decode_ok(f, n);
	assert_int_equal(s.kind, SEG_KIND_OTHER);
	assert_int_equal(s.ethertype, 0x0806);
}

static void vlan_tagged_and_unknown_ethertypes_are_kind_other(void **state)
{
	uint8_t f[64] = {0};
	struct seg s;

	put_eth(f, 0x8100);
	s = decode_ok(f, 60);
	assert_int_equal(s.kind, SEG_KIND_OTHER);
	assert_int_equal(s.ethertype, 0x8100);
	assert_format(&s, "ether 02:00:00:00:00:0a > 02:00:00:00:00:0b type 0x8100");
	s = decode_ok(f, 14);
	assert_int_equal(s.kind, SEG_KIND_OTHER);
}

/* ---- text forms --------------------------------------------------------------------- */

static void flags_are_spelled_like_packetdrill(void **state)
{
	static const struct { uint8_t f; const char *s; } cases[] = {
		{SEG_SYN, "S"},
		{SEG_SYN | SEG_ACK, "S."},
		{SEG_FIN | SEG_ACK, "F."},
		{SEG_RST, "R"},
		{SEG_RST | SEG_ACK, "R."},
		{SEG_PSH | SEG_ACK, "P."},
		{SEG_ACK, "."},
		{SEG_SYN | SEG_ECE | SEG_ACK, "SE."},
		{SEG_SYN | SEG_ECE | SEG_CWR, "SEW"},
		{SEG_FIN | SEG_PSH | SEG_URG | SEG_ACK, "FPU."},
		{0, "-"},
		{0xff, "SFRPUEW."},
	};
	char buf[16];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = seg_flags_format(cases[i].f, buf, sizeof(buf));

		assert_string_equal(buf, cases[i].s);
		assert_int_equal(n, (int)strlen(cases[i].s));
	}
	assert_int_equal(seg_flags_format(0xff, buf, 3), 8);
	assert_string_equal(buf, "SF");
}

static void tcp_format_matches_the_documented_shape(void **state)
{
	static const uint8_t o[] = {2, 4, 0x05, 0xb4, 1, 0, 0, 0};
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	struct seg s;

	ts.flags = SEG_RST | SEG_ACK;
	ts.seq = 0;
	ts.ack = 1001;
	ts.win = 0;
	ts.plen = 0;
	ts.opts = o;
	ts.olen = sizeof(o);
	s = decode_ok(f, frame4(f, &ts));
	assert_format(&s, "198.18.0.2:8080 > 198.18.0.1:40000 R. seq 0 ack 1001 win 0 len 0 "
			  "<mss 1460,nop,eol>");
}

static void tcp_format_shows_ipv6_in_brackets_and_every_option(void **state)
{
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	struct seg s;

	ts.flags = SEG_SYN;
	ts.seq = 1;
	ts.plen = 0;
	ts.opts = full_opts;
	ts.olen = sizeof(full_opts);
	s = decode_ok(f, frame6(f, &ts));
	assert_format(&s, "[2001:db8::a]:8080 > [2001:db8::b]:40000 S seq 1 win 29200 len 0 "
			  "<mss 1460,nop,wscale 7,sackOK,TS val 100 ecr 200,"
			  "sack 1000:2000 3000:4000,eol>");
}

static void tcp_format_flags_bad_checksums_and_bad_options(void **state)
{
	static const uint8_t o[] = {30, 3, 9, 2, 9, 1, 1, 1};
	char want[256];
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	struct seg s;
	size_t n;

	ts.flags = SEG_URG | SEG_ACK;
	ts.urg = 2;
	ts.opts = o;
	ts.olen = sizeof(o);
	n = frame4(f, &ts);
	f[n - 1] ^= 1;
	f[14 + 8] = 1; /* ttl: breaks the IPv4 header checksum */
	s = decode_ok(f, n);
	assert_true(s.opt.malformed);
	snprintf(want, sizeof(want),
		 "198.18.0.2:8080 > 198.18.0.1:40000 U. seq 16909060 ack 2695938256 "
		 "win 29200 urg 2 len 5 <opt-30 len 3,bad option at byte 3> "
		 "[bad tcp csum 0x%02x%02x] [bad ip csum]", f[14 + 20 + 16], f[14 + 20 + 17]);
	assert_format(&s, want);
}

static void format_returns_full_length_when_buffer_is_short(void **state)
{
	uint8_t f[256];
	struct tcp_spec ts = base_spec();
	struct seg s = decode_ok(f, frame4(f, &ts));
	char full[256], small[10];
	int n = seg_format(&s, full, sizeof(full));

	assert_int_equal(seg_format(&s, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
	assert_int_equal(seg_format(&s, NULL, 0), n);
}

/* ---- robustness --------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Decodes and formats `len` bytes from an exact-size heap copy, so that AddressSanitizer
 * catches a read even one byte past the end. Returns 1 when the decode succeeded. */
static int decode_exact(const uint8_t *src, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct seg s;
	char err[96], text[512];
	int r;

	assert_non_null(copy);
	if (len)
		memcpy(copy, src, len);
	r = seg_decode(copy, len, &s, err, sizeof(err));
	seg_format(&s, text, sizeof(text));
	if (s.kind == SEG_KIND_TCP && r == 0) {
		/* the payload must lie inside the frame */
		assert_true(s.payload >= copy && s.payload + s.payload_len <= copy + len);
		assert_true(s.opt.raw_len <= 40 && s.opt.nsack <= SEG_MAX_SACK);
	}
	free(copy);
	return r == 0;
}

/* Valid frames the mutations start from: TCP with every option over IPv4 and over IPv6
 * behind extension headers, a fragment, ARP, neighbour discovery. */
static size_t seed_frames(uint8_t seeds[][256], size_t *lens)
{
	static const uint8_t ext[16] = {60, 0, [8] = 6, 0};   /* hop-by-hop, dest-opts */
	static const uint8_t frag[8] = {6, 0, 0, 0, 0, 0, 0, 1}; /* first fragment */
	struct tcp_spec ts = base_spec();
	size_t k = 0;

	ts.opts = full_opts;
	ts.olen = sizeof(full_opts);
	lens[k] = frame4(seeds[k], &ts), k++;
	lens[k] = frame6(seeds[k], &ts), k++;
	lens[k] = frame6_ext(seeds[k], &ts, 0, ext, sizeof(ext)), k++;
	lens[k] = frame6_ext(seeds[k], &ts, 44, frag, sizeof(frag)), k++;
	lens[k] = frame_arp(seeds[k], 1), k++;
	lens[k] = frame_nd(seeds[k], 135), k++;
	lens[k] = frame_nd(seeds[k], 136), k++;
	return k;
}

static void decoder_survives_every_truncation_of_valid_frames(void **state)
{
	uint8_t seeds[8][256];
	size_t lens[8], n = seed_frames(seeds, lens), k, len;

	for (k = 0; k < n; k++) {
		for (len = 0; len < lens[k]; len++)
			decode_exact(seeds[k], len);
		assert_int_equal(decode_exact(seeds[k], lens[k]), 1);
	}
}

/* Replaces a byte, or sets it to a value that is special to some length field. */
static void mutate(uint8_t *f, size_t len)
{
	static const uint8_t special[] = {0, 1, 2, 3, 4, 5, 0x0f, 0x10, 0x40, 0x45,
					  0x4f, 0x60, 0x7f, 0x80, 0xf0, 0xff};
	size_t at = rnd() % len;

	switch (rnd() % 3) {
	case 0: f[at] = (uint8_t)rnd(); break;
	case 1: f[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
	default: f[at] = special[rnd() % sizeof(special)]; break;
	}
}

static void decoder_survives_200000_mutated_and_random_frames(void **state)
{
	uint8_t seeds[8][256], f[256];
	size_t lens[8], n = seed_frames(seeds, lens), i, len, m, nm, ok = 0;

	for (i = 0; i < 200000; i++) {
		size_t k = i % n;

		memcpy(f, seeds[k], lens[k]);
		len = lens[k];
		nm = 1 + rnd() % 4;
		for (m = 0; m < nm; m++)
			mutate(f, len);
		if (rnd() % 4 == 0)
			len = rnd() % (len + 1);
		else if (rnd() % 8 == 0 && len < sizeof(f) - 16)
			len += rnd() % 16; /* trailing garbage: beyond any length field */
		ok += (size_t)decode_exact(f, len);
	}
	for (i = 0; i < 50000; i++) {
		len = rnd() % sizeof(f);
		for (m = 0; m < len; m++)
			f[m] = (uint8_t)rnd();
		if (len >= 14 && rnd() % 2) /* steer half of them into the IP decoders */
			put16(f + 12, rnd() % 2 ? 0x0800 : 0x86dd);
		decode_exact(f, len);
	}
	/* the mutations must not all be rejected early, or the deep layers go untested */
	assert_true(ok > 20000);
}

/* Found by tests/fuzz/fuzz_segment (corpus/segment/regress-repeated-kind-raw): a SYN-ACK
 * carrying MSS twice, once well formed and once with length 10. The line the harness
 * prints for it must, parsed back as an expectation, match the segment: the matcher
 * used to compare the raw entry with the first MSS only and reported
 * "option: expected raw 020a..., got mss 1460" for the segment's own rendering. */
static void segment_matches_its_own_shorthand_when_an_option_kind_repeats(void **state)
{
	static const uint8_t f[] = {
		0x02, 0x74, 0x63, 0x00, 0x00, 0x01, 0x02, 0xfc, 0xff, 0xff, 0xff, 0x02,
		0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
		0xae, 0x94, 0xc6, 0x12, 0x00, 0x02, 0xc1, 0x12, 0x00, 0x01, 0x1f, 0x90,
		0x9f, 0x78, 0x21, 0x60, 0x57, 0xf7, 0xff, 0xf1, 0x36, 0xc2, 0xa0, 0x12,
		0xfe, 0x88, 0x96, 0x61, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
		0x02, 0x0a, 0x7b, 0xb0, 0x3b, 0xb2, 0x00, 0x00, 0x10, 0x64, 0x01, 0x00,
		0x00, 0x00, 0x00, 0x03, 0x03, 0x0a,
	};
	char text[512], err[256], why[256];
	struct match_ctx c = {0};
	struct tpl t;
	struct seg s = decode_ok(f, sizeof(f));

	match_format_seg(&s, &c, text, sizeof(text));
	assert_non_null(strstr(text, "<mss 1460,sackOK,raw 020a7bb03bb200001064,nop,eol>"));
	assert_int_equal(tpl_parse(text, &t, err, sizeof(err)), 0);
	if (!match_seg(&t, &s, &c, why, sizeof(why)))
		fail_msg("%s does not match its own line: %s", text, why);
}

/* Found by tests/fuzz/fuzz_tpl (corpus/tpl/regress-options-past-entry-19): options sent
 * as "<nop x10,mss 4073,mss 14,nop x6,mss 73,mss 1460>" -- 20 options in 32 bytes --
 * did not match the same list expected: the matcher listed only 19 options and kept the
 * rest as raw bytes, so the last MSS was never seen ("expected mss 1460, got mss 4073").
 * A stack may send that many NOPs; every option must be seen by the matcher. */
static void options_after_nineteen_others_are_still_matched(void **state)
{
	static const char *text = "S <nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,mss 4073,mss 14,"
				  "nop,nop,nop,nop,nop,nop,mss 73,mss 1460>";
	uint8_t opts[40], f[256];
	char err[256], why[256];
	struct match_ctx c = {0};
	struct tcp_spec ts = base_spec();
	struct tpl t, last;
	struct seg s;

	assert_int_equal(tpl_parse(text, &t, err, sizeof(err)), 0);
	ts.flags = SEG_SYN;
	ts.plen = 0;
	ts.opts = opts;
	ts.olen = (size_t)tpl_opts_encode(&t, opts, err, sizeof(err));
	assert_int_equal(ts.olen, 32);
	s = decode_ok(f, frame4(f, &ts));
	if (!match_seg(&t, &s, &c, why, sizeof(why)))
		fail_msg("%s does not match what it sent: %s", text, why);
	assert_int_equal(tpl_parse("S <mss 1460,...>", &last, err, sizeof(err)), 0);
	if (!match_seg(&last, &s, &c, why, sizeof(why)))
		fail_msg("the 20th option is not seen: %s", why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_tcp_frame_decodes_every_header_field),
		cmocka_unit_test(decode_overwrites_every_field_and_leaves_ts_zero),
		cmocka_unit_test(ethernet_padding_after_ipv4_total_length_is_not_payload),
		cmocka_unit_test(ipv4_header_options_are_skipped_by_ihl),
		cmocka_unit_test(ipv4_wrong_header_checksum_is_reported_not_fatal),
		cmocka_unit_test(wrong_tcp_checksum_clears_tcp_csum_ok_and_keeps_value),
		cmocka_unit_test(ipv4_non_first_fragment_is_kind_ip),
		cmocka_unit_test(ipv4_first_fragment_decodes_tcp_but_cannot_verify_checksum),
		cmocka_unit_test(ipv4_non_tcp_protocol_is_kind_ip),
		cmocka_unit_test(ipv4_truncation_and_bad_lengths_fail_naming_the_field),
		cmocka_unit_test(tcp_data_offset_out_of_range_fails),
		cmocka_unit_test(every_known_option_is_decoded_and_raw_bytes_kept),
		cmocka_unit_test(four_sack_blocks_fill_the_forty_option_bytes),
		cmocka_unit_test(unknown_option_kind_sets_other_and_parsing_goes_on),
		cmocka_unit_test(option_running_past_header_is_malformed_but_earlier_ones_kept),
		cmocka_unit_test(option_length_below_two_is_malformed),
		cmocka_unit_test(known_option_with_wrong_length_is_malformed_not_taken),
		cmocka_unit_test(bytes_after_eol_are_padding),
		cmocka_unit_test(ipv6_tcp_frame_decodes_class_flow_label_and_hop_limit),
		cmocka_unit_test(ipv6_padding_beyond_payload_length_is_ignored),
		cmocka_unit_test(ipv6_extension_headers_are_skipped_to_tcp),
		cmocka_unit_test(ipv6_fragments_first_decodes_tcp_later_ones_are_kind_ip),
		cmocka_unit_test(ipv6_bad_lengths_fail_without_reading_past_payload),
		cmocka_unit_test(ipv6_other_next_header_is_kind_ip),
		cmocka_unit_test(neighbour_solicitation_and_advertisement_give_the_target),
		cmocka_unit_test(other_icmp6_types_have_no_target),
		cmocka_unit_test(arp_request_and_reply_are_decoded),
		cmocka_unit_test(arp_for_other_hardware_or_protocol_is_kind_other),
		cmocka_unit_test(vlan_tagged_and_unknown_ethertypes_are_kind_other),
		cmocka_unit_test(flags_are_spelled_like_packetdrill),
		cmocka_unit_test(tcp_format_matches_the_documented_shape),
		cmocka_unit_test(tcp_format_shows_ipv6_in_brackets_and_every_option),
		cmocka_unit_test(tcp_format_flags_bad_checksums_and_bad_options),
		cmocka_unit_test(format_returns_full_length_when_buffer_is_short),
		cmocka_unit_test(decoder_survives_every_truncation_of_valid_frames),
		cmocka_unit_test(decoder_survives_200000_mutated_and_random_frames),
		cmocka_unit_test(segment_matches_its_own_shorthand_when_an_option_kind_repeats),
		cmocka_unit_test(options_after_nineteen_others_are_still_matched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
