/* Unit tests of frame_frag.c: a TCP segment cut into IPv4 fragments (RFC 791 3.1/3.2)
 * and IPv6 fragments (RFC 8200 4.5), and IPv6 extension headers put before it (RFC 8200
 * 4.2-4.6). Each test builds the input frame by hand (Ethernet, IP, TCP with its
 * checksum from csum.c), rewrites it, then reads every output frame back field by field
 * and reassembles the fragments itself: offsets, MF bits, IDs, header lengths and
 * checksums, and the TCP segment's checksum over the reassembled bytes. Pure buffer
 * work: no root, no libnet. */
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
#include "frame_frag.h"
#include "segment.h"

#define ETH 14

static const uint8_t v4_h[4] = {198, 18, 0, 1}, v4_t[4] = {198, 18, 0, 2};
static const uint8_t v6_h[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t v6_t[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A frame as frame_build_tcp makes it: Ethernet, IPv4 (DF, ID 0x1234) or IPv6, then a
 * TCP header of 20 + optlen bytes (NOPs) and `plen` bytes of payload i & 0xff, with the
 * right TCP checksum. Returns its length; buf must hold it. */
static size_t build(uint8_t *buf, int family, size_t optlen, size_t plen)
{
	size_t ip = family == AF_INET ? 20 : 40, th = 20 + optlen, tl = th + plen;
	memset(buf, 0, ETH + ip + tl);
	buf[0] = 2;
	buf[6] = 2;
	wr16(buf + 12, family == AF_INET ? 0x0800 : 0x86dd);
	uint8_t *iph = buf + ETH, *tcp = iph + ip;
	if (family == AF_INET) {
		iph[0] = 0x45;
		wr16(iph + 2, (uint16_t)(ip + tl));
		wr16(iph + 4, 0x1234);
		wr16(iph + 6, 0x4000);
		iph[8] = 64;
		iph[9] = 6;
		memcpy(iph + 12, v4_h, 4);
		memcpy(iph + 16, v4_t, 4);
		wr16(iph + 10, csum_ip4(iph, 20));
	} else {
		iph[0] = 0x60;
		wr16(iph + 4, (uint16_t)tl);
		iph[6] = 6;
		iph[7] = 64;
		memcpy(iph + 8, v6_h, 16);
		memcpy(iph + 24, v6_t, 16);
	}
	wr16(tcp, 40000);
	wr16(tcp + 2, 5001);
	tcp[12] = (uint8_t)((th / 4) << 4);
	tcp[13] = 0x02;   /* SYN */
	wr16(tcp + 14, 65535);
	memset(tcp + 20, 1, optlen);
	for (size_t i = 0; i < plen; i++)
		tcp[th + i] = (uint8_t)i;
	uint16_t c = family == AF_INET ? csum_tcp4(v4_h, v4_t, tcp, tl)
				       : csum_tcp6(v6_h, v6_t, tcp, tl);
	wr16(tcp + 16, c);
	return ETH + ip + tl;
}

/* What a receiver puts together: the reassembled fragmentable part, and what the frames
 * said about themselves. */
struct reasm {
	uint8_t data[70000];
	size_t len;               /* the end of the fragment without MF */
	size_t covered;           /* bytes written (no overlaps in what we send) */
	uint32_t id;              /* IPv4 ID or IPv6 identification, equal in all */
	uint8_t nh;               /* IPv6: next header in the Fragment header */
	size_t first_len;         /* bytes of the offset-0 fragment */
	size_t offsets[FRAME_FRAGS_MAX];
	int n;
};

/* Reads the IPv4 fragments of fr back, checking each header; fills r. */
static void reasm4(const struct frame_frags *fr, struct reasm *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < fr->n; i++) {
		const uint8_t *ip = fr->buf + fr->off[i] + ETH;
		size_t tot = rd16(ip + 2), flen = fr->len[i];
		assert_int_equal(tot + ETH, flen);
		assert_int_equal(csum_ip4(ip, 20), 0);    /* header checksum right */
		uint16_t fo = rd16(ip + 6);
		assert_int_equal(fo & 0x4000, 0);         /* DF clear on fragments */
		size_t off = (size_t)(fo & 0x1fff) * 8, n = tot - 20;
		bool mf = fo & 0x2000;
		if (mf)
			assert_int_equal(n % 8, 0);       /* RFC 791: all but the last, 8-aligned */
		else
			r->len = off + n;
		if (i == 0)
			r->id = rd16(ip + 4);
		assert_int_equal(rd16(ip + 4), r->id);
		if (off == 0)
			r->first_len = n;
		memcpy(r->data + off, ip + 20, n);
		r->covered += n;
		r->offsets[r->n++] = off;
	}
}

/* IPv6: frames of fr with `uf` unfragmentable extension headers (8 bytes each, types
 * nh_first...) then a Fragment header. */
static void reasm6(const struct frame_frags *fr, int uf, struct reasm *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < fr->n; i++) {
		const uint8_t *ip = fr->buf + fr->off[i] + ETH;
		size_t plen = rd16(ip + 4);
		assert_int_equal(plen + 40 + ETH, fr->len[i]);
		const uint8_t *h = ip + 40;
		uint8_t nh = ip[6];
		for (int k = 0; k < uf; k++) {
			assert_int_equal(nh, 0);           /* Hop-by-Hop */
			assert_int_equal(h[1], 0);         /* 8 bytes */
			nh = h[0];
			h += 8;
		}
		assert_int_equal(nh, 44);                  /* Fragment */
		uint16_t fo = rd16(h + 2);
		size_t off = fo & 0xfff8, n = plen - (size_t)(h + 8 - (ip + 40));
		bool m = fo & 1;
		assert_int_equal(fo & 6, 0);               /* reserved bits */
		assert_int_equal(h[1], 0);                 /* reserved byte */
		if (m)
			assert_int_equal(n % 8, 0);
		else
			r->len = off + n;
		uint32_t id = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
		if (i == 0) {
			r->id = id;
			r->nh = h[0];
		}
		assert_int_equal(id, r->id);
		assert_int_equal(h[0], r->nh);             /* the same in every fragment */
		if (off == 0)
			r->first_len = n;
		memcpy(r->data + off, h + 8, n);
		r->covered += n;
		r->offsets[r->n++] = off;
	}
}

static void ipv4_fragments_have_offsets_mf_one_id_and_reassemble_to_the_segment(void **state)
{
	(void)state;
	static uint8_t in[5000];
	size_t len = build(in, AF_INET, 0, 3000);
	struct frame_ip_opts o = {.frag = 1024};
	struct frame_frags fr = {0};
	char err[200] = "";
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), 0);
	static struct reasm r;
	reasm4(&fr, &r);
	assert_int_equal(fr.n, 3);                         /* 3020 = 1024 + 1024 + 972 */
	assert_int_equal(r.offsets[0], 0);
	assert_int_equal(r.offsets[1], 1024);
	assert_int_equal(r.offsets[2], 2048);
	assert_int_equal(r.len, 3020);
	assert_int_equal(r.covered, 3020);
	assert_int_equal(r.id, 0x1234);                    /* the datagram's own ID */
	assert_memory_equal(r.data, in + ETH + 20, 3020);
	assert_int_equal(csum_tcp4(v4_h, v4_t, r.data, r.len), 0);
	/* Only the last fragment has MF clear. */
	assert_true(rd16(fr.buf + fr.off[0] + ETH + 6) & 0x2000);
	assert_false(rd16(fr.buf + fr.off[2] + ETH + 6) & 0x2000);
	frame_frags_free(&fr);
}

static void the_first_fragment_carries_the_whole_tcp_header(void **state)
{
	(void)state;
	static uint8_t in[200];
	size_t len = build(in, AF_INET, 20, 30);   /* a 40-byte header */
	struct frame_ip_opts o = {.frag = 8};
	struct frame_frags fr = {0};
	char err[200];
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), 0);
	static struct reasm r;
	reasm4(&fr, &r);
	assert_int_equal(r.first_len, 40);
	assert_int_equal(fr.n, 1 + 4);               /* 30 bytes: 8 + 8 + 8 + 6 */
	assert_int_equal(csum_tcp4(v4_h, v4_t, r.data, r.len), 0);
	/* The decoder reads the first fragment's TCP header (its checksum cannot be
	 * verified there) and a later one as a plain IP fragment. */
	struct seg s;
	assert_int_equal(seg_decode(fr.buf + fr.off[0], fr.len[0], &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, SEG_KIND_TCP);
	assert_int_equal(s.sport, 40000);
	assert_int_equal(s.dport, 5001);
	assert_int_equal(seg_decode(fr.buf + fr.off[1], fr.len[1], &s, err, sizeof(err)), 0);
	assert_int_not_equal(s.kind, SEG_KIND_TCP);
	frame_frags_free(&fr);
}

static void reversed_fragments_go_out_last_first(void **state)
{
	(void)state;
	static uint8_t in[5000];
	size_t len = build(in, AF_INET, 0, 3000);
	struct frame_ip_opts o = {.frag = 1024, .reverse = true};
	struct frame_frags fr = {0};
	char err[200];
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), 0);
	static struct reasm r;
	reasm4(&fr, &r);
	assert_int_equal(r.offsets[0], 2048);
	assert_int_equal(r.offsets[1], 1024);
	assert_int_equal(r.offsets[2], 0);
	assert_int_equal(csum_tcp4(v4_h, v4_t, r.data, r.len), 0);
	frame_frags_free(&fr);
}

static void a_dropped_fragment_is_not_sent(void **state)
{
	(void)state;
	static uint8_t in[5000];
	size_t len = build(in, AF_INET6, 0, 3000);
	struct frame_frags fr = {0};
	char err[200];
	static struct reasm r;
	struct frame_ip_opts o = {.frag = 1024, .drop = FRAME_DROP_LAST, .id6 = 7};
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), 0);
	reasm6(&fr, 0, &r);
	assert_int_equal(fr.n, 2);
	assert_int_equal(r.len, 0);                  /* no fragment without M: never complete */
	assert_int_equal(r.offsets[1], 1024);
	o.drop = FRAME_DROP_FIRST;
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), 0);
	reasm6(&fr, 0, &r);
	assert_int_equal(fr.n, 2);
	assert_int_equal(r.offsets[0], 1024);
	assert_int_equal(r.offsets[1], 2048);
	frame_frags_free(&fr);
}

static void ipv6_fragment_header_has_offset_m_id_and_the_next_header(void **state)
{
	(void)state;
	static uint8_t in[5000];
	size_t len = build(in, AF_INET6, 0, 3000);
	struct frame_ip_opts o = {.frag = 1232, .id6 = 0xdeadbeef};
	struct frame_frags fr = {0};
	char err[200];
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), 0);
	static struct reasm r;
	reasm6(&fr, 0, &r);
	assert_int_equal(fr.n, 3);                   /* 3020 = 1232 + 1232 + 556 */
	assert_int_equal(r.id, 0xdeadbeef);
	assert_int_equal(r.nh, 6);
	assert_int_equal(r.offsets[1], 1232);
	assert_int_equal(r.len, 3020);
	assert_int_equal(r.covered, 3020);
	assert_memory_equal(r.data, in + ETH + 40, 3020);
	assert_int_equal(csum_tcp6(v6_h, v6_t, r.data, r.len), 0);
	/* The biggest frame's IP packet is what frame_frag_max_ip promises. */
	assert_int_equal(fr.len[0] - ETH, frame_frag_max_ip(AF_INET6, &o, 3020));
	frame_frags_free(&fr);
}

/* Checks one 8-byte extension header at h: next header nh, length 0, one option of
 * `type` filling it (4 data bytes). */
static void check_ext(const uint8_t *h, uint8_t nh, uint8_t type)
{
	assert_int_equal(h[0], nh);
	assert_int_equal(h[1], 0);                   /* (0 + 1) * 8 bytes */
	assert_int_equal(h[2], type);
	assert_int_equal(h[3], 4);                   /* 2 + 4 = 6 option bytes */
	for (int i = 4; i < 8; i++)
		assert_int_equal(h[i], 0);
}

static void hop_by_hop_and_destination_options_precede_tcp_padded_with_padn(void **state)
{
	(void)state;
	static uint8_t in[300];
	size_t len = build(in, AF_INET6, 4, 10);
	struct frame_ip_opts o = {.next = 2, .ext = {FRAME_EXT_HBH, FRAME_EXT_DST}};
	struct frame_frags fr = {0};
	char err[200];
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), 0);
	assert_int_equal(fr.n, 1);
	assert_int_equal(fr.len[0], len + 16);
	const uint8_t *ip = fr.buf + ETH;
	assert_int_equal(rd16(ip + 4), 16 + 34);     /* payload length counts the headers */
	assert_int_equal(ip[6], 0);                  /* Hop-by-Hop first */
	check_ext(ip + 40, 60, 1);                   /* then Destination Options, PadN */
	check_ext(ip + 48, 6, 1);                    /* then TCP */
	assert_memory_equal(ip + 56, in + ETH + 40, 34);
	assert_int_equal(csum_tcp6(v6_h, v6_t, ip + 56, 34), 0);
	/* The decoder walks them to the TCP header. */
	struct seg s;
	assert_int_equal(seg_decode(fr.buf, fr.len[0], &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, SEG_KIND_TCP);
	assert_true(s.tcp_csum_ok);
	assert_int_equal(s.payload_len, 10);
	/* The discarding option: type 0x5e, high bits 01 (RFC 8200 4.2). */
	o = (struct frame_ip_opts){.next = 1, .ext = {FRAME_EXT_DST_DISCARD}};
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), 0);
	check_ext(fr.buf + ETH + 40, 6, 0x5e);
	assert_int_equal(0x5e >> 6, 1);
	frame_frags_free(&fr);
}

static void with_fragments_hop_by_hop_stays_unfragmentable_and_destination_options_do_not(void **state)
{
	(void)state;
	static uint8_t in[5000];
	size_t len = build(in, AF_INET6, 0, 2000);
	struct frame_ip_opts o = {.frag = 512, .id6 = 9, .next = 2,
				  .ext = {FRAME_EXT_HBH, FRAME_EXT_DST}};
	struct frame_frags fr = {0};
	char err[200];
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), 0);
	static struct reasm r;
	reasm6(&fr, 1, &r);                          /* Hop-by-Hop in every fragment */
	assert_int_equal(r.nh, 60);                  /* the fragmentable part starts with DO */
	assert_int_equal(r.len, 8 + 2020);
	check_ext(r.data, 6, 1);
	assert_memory_equal(r.data + 8, in + ETH + 40, 2020);
	assert_int_equal(csum_tcp6(v6_h, v6_t, r.data + 8, 2020), 0);
	frame_frags_free(&fr);
}

static void bad_requests_fail_naming_the_field(void **state)
{
	(void)state;
	static uint8_t in[300];
	size_t len = build(in, AF_INET, 0, 10);
	struct frame_frags fr = {0};
	char err[200] = "";
	struct frame_ip_opts o = {.frag = 12};
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "frag: 12 bytes, expected a multiple of 8"));
	o = (struct frame_ip_opts){.next = 1, .ext = {FRAME_EXT_DST}};
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ext: IPv6 extension headers on an IPv4 segment"));
	len = build(in, AF_INET6, 0, 10);
	o = (struct frame_ip_opts){.next = 2, .ext = {FRAME_EXT_DST, FRAME_EXT_HBH}};
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ext[2]: a Hop-by-Hop header, expected it only first"));
	o = (struct frame_ip_opts){.drop = FRAME_DROP_LAST};
	assert_int_equal(frame_frag_build(in, len, &o, &fr, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "frag_drop"));
	frame_frags_free(&fr);
}

static void ext_names_parse(void **state)
{
	(void)state;
	assert_int_equal(frame_ext_parse("hbh"), FRAME_EXT_HBH);
	assert_int_equal(frame_ext_parse("dst"), FRAME_EXT_DST);
	assert_int_equal(frame_ext_parse("dst_discard"), FRAME_EXT_DST_DISCARD);
	assert_int_equal(frame_ext_parse("hbh_discard"), FRAME_EXT_HBH_DISCARD);
	assert_int_equal(frame_ext_parse("routing"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_fragments_have_offsets_mf_one_id_and_reassemble_to_the_segment),
		cmocka_unit_test(the_first_fragment_carries_the_whole_tcp_header),
		cmocka_unit_test(reversed_fragments_go_out_last_first),
		cmocka_unit_test(a_dropped_fragment_is_not_sent),
		cmocka_unit_test(ipv6_fragment_header_has_offset_m_id_and_the_next_header),
		cmocka_unit_test(hop_by_hop_and_destination_options_precede_tcp_padded_with_padn),
		cmocka_unit_test(with_fragments_hop_by_hop_stays_unfragmentable_and_destination_options_do_not),
		cmocka_unit_test(bad_requests_fail_naming_the_field),
		cmocka_unit_test(ext_names_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
