/* Unit tests of frame.c and frame_tmpl.c: every frame the encoder builds is decoded back with seg_decode
 * and checked field by field, checksums included (so libnet 1.1.6 is checked against
 * csum.c), and a few frames are cross-checked with tshark when it is installed.
 *
 * libnet's link mode needs an existing interface that is up, so the group setup moves
 * this test process into a network namespace of its own (unshare(CLONE_NEWNET), root
 * needed) and brings its private "lo" up. Nothing is ever sent; without root the tests
 * are skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "csum.h"
#include "frame.h"
#include "frame_tmpl.h"
#include "segment.h"

static const uint8_t mac_h[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_t[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t v4_h[4] = {198, 18, 0, 1}, v4_t[4] = {198, 18, 0, 2};
static const uint8_t v6_h[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t v6_t[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static struct frame_builder *builder;
static char setup_problem[256];

/* Brings `lo` of the current (fresh) namespace up: libnet refuses a down interface. */
static int lo_up(void)
{
	struct ifreq r;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	if (fd < 0)
		return -1;
	memset(&r, 0, sizeof(r));
	snprintf(r.ifr_name, sizeof(r.ifr_name), "lo");
	rc = ioctl(fd, SIOCGIFFLAGS, &r);
	if (rc == 0) {
		r.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &r);
	}
	close(fd);
	return rc;
}

static int group_setup(void **state)
{
	char err[256];

	if (unshare(CLONE_NEWNET) != 0) {
		snprintf(setup_problem, sizeof(setup_problem),
			 "unshare(CLONE_NEWNET): %s (needs root)", strerror(errno));
		return 0;
	}
	if (lo_up() != 0) {
		snprintf(setup_problem, sizeof(setup_problem), "bringing lo up: %s",
			 strerror(errno));
		return 0;
	}
	builder = frame_builder_new("lo", err, sizeof(err));
	if (!builder)
		snprintf(setup_problem, sizeof(setup_problem), "%s", err);
	return 0;
}

static int group_teardown(void **state)
{
	frame_builder_free(builder);
	return 0;
}

#define NEED_BUILDER()                                                     \
	do {                                                               \
		if (!builder) {                                            \
			print_message("skipped: %s\n", setup_problem);    \
			skip();                                            \
		}                                                          \
	} while (0)

static struct frame_tcp base_tcp(int family)
{
	struct frame_tcp f;

	memset(&f, 0, sizeof(f));
	memcpy(f.eth_src, mac_h, 6);
	memcpy(f.eth_dst, mac_t, 6);
	f.family = family;
	if (family == AF_INET) {
		memcpy(f.src, v4_h, 4);
		memcpy(f.dst, v4_t, 4);
	} else {
		memcpy(f.src, v6_h, 16);
		memcpy(f.dst, v6_t, 16);
	}
	f.ttl = 64;
	f.tos = 0x02;
	f.ip_id = 4321;
	f.df = true;
	f.flowlabel = 0xabcde;
	f.sport = 40000;
	f.dport = 8080;
	f.seq = 0xfffffff0;
	f.ack = 1001;
	f.flags = SEG_ACK;
	f.win = 65535;
	return f;
}

/* Builds f and decodes the result, which must decode cleanly. */
static struct seg round_trip(const struct frame_tcp *f, const uint8_t **bytes, size_t *len)
{
	const uint8_t *out = NULL;
	size_t n = 0;
	char err[256];
	struct seg s;

	if (frame_build_tcp(builder, f, &out, &n, err, sizeof(err)) != 0)
		fail_msg("frame_build_tcp: %s", err);
	if (seg_decode(out, n, &s, err, sizeof(err)) != 0)
		fail_msg("seg_decode of a built frame: %s", err);
	if (bytes)
		*bytes = out;
	if (len)
		*len = n;
	return s;
}

static void assert_headers_match(const struct frame_tcp *f, const struct seg *s)
{
	size_t alen = f->family == AF_INET ? 4 : 16;

	assert_int_equal(s->kind, SEG_KIND_TCP);
	assert_memory_equal(s->eth_src, f->eth_src, 6);
	assert_memory_equal(s->eth_dst, f->eth_dst, 6);
	assert_int_equal(s->family, f->family);
	assert_memory_equal(s->src, f->src, alen);
	assert_memory_equal(s->dst, f->dst, alen);
	assert_int_equal(s->ttl, f->ttl);
	assert_int_equal(s->tos, f->tos);
	assert_true(s->ip_csum_ok);
	assert_int_equal(s->ip_proto, 6);
	if (f->family == AF_INET) {
		assert_int_equal(s->ip_id, f->ip_id);
		assert_int_equal(s->df, f->df);
	} else {
		assert_int_equal(s->flowlabel, f->flowlabel);
	}
	assert_int_equal(s->sport, f->sport);
	assert_int_equal(s->dport, f->dport);
	assert_int_equal(s->seq, f->seq);
	assert_int_equal(s->ack, f->ack);
	assert_int_equal(s->flags, f->flags);
	assert_int_equal(s->win, f->win);
	assert_int_equal(s->urg, f->urg);
	assert_int_equal(s->doff, 5 + f->opts_len / 4);
	assert_int_equal(s->payload_len, f->payload_len);
}

/* ---- TCP ---------------------------------------------------------------------------- */

static void every_flag_combination_round_trips_on_ipv4_and_ipv6(void **state)
{
	int fam, flags;

	NEED_BUILDER();
	for (fam = 0; fam < 2; fam++) {
		for (flags = 0; flags < 256; flags++) {
			struct frame_tcp f = base_tcp(fam ? AF_INET6 : AF_INET);
			struct seg s;

			f.flags = (uint8_t)flags;
			f.urg = (uint16_t)(flags * 7);
			f.win = (uint16_t)(flags * 251);
			f.df = flags & 1;
			f.ttl = (uint8_t)flags;
			f.tos = (uint8_t)(255 - flags);
			s = round_trip(&f, NULL, NULL);
			assert_headers_match(&f, &s);
			assert_true(s.tcp_csum_ok);
		}
	}
}

static void every_option_kind_round_trips_with_raw_bytes_intact(void **state)
{
	static const uint8_t opts[40] = {
		2, 4, 0x05, 0xb4,                               /* MSS 1460 */
		1, 3, 3, 14,                                    /* NOP, WS 14 */
		4, 2, 1, 1,                                     /* SACK-permitted, NOP NOP */
		8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 7,      /* TS */
		5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0,            /* one SACK block */
		253, 4, 0xab, 0xcd,                             /* experimental, raw */
		0, 0,                                           /* EOL, padding */
	};
	int fam;

	NEED_BUILDER();
	for (fam = 0; fam < 2; fam++) {
		struct frame_tcp f = base_tcp(fam ? AF_INET6 : AF_INET);
		struct seg s;

		f.flags = SEG_SYN | SEG_ACK;
		f.opts = opts;
		f.opts_len = sizeof(opts);
		f.payload = (const uint8_t *)"xyz";
		f.payload_len = 3;
		s = round_trip(&f, NULL, NULL);
		assert_headers_match(&f, &s);
		assert_true(s.tcp_csum_ok);
		assert_false(s.opt.malformed);
		assert_int_equal(s.opt.present, SEG_OPT_MSS | SEG_OPT_WSCALE | SEG_OPT_SACKOK |
						 SEG_OPT_TS | SEG_OPT_SACK | SEG_OPT_OTHER);
		assert_int_equal(s.opt.mss, 1460);
		assert_int_equal(s.opt.wscale, 14);
		assert_int_equal(s.opt.ts_val, 0xdeadbeef);
		assert_int_equal(s.opt.ts_ecr, 7);
		assert_int_equal(s.opt.nsack, 1);
		assert_int_equal(s.opt.sack[0].left, 0x1000);
		assert_int_equal(s.opt.sack[0].right, 0x2000);
		assert_int_equal(s.opt.raw_len, sizeof(opts));
		assert_memory_equal(s.opt.raw, opts, sizeof(opts));
		assert_memory_equal(s.payload, "xyz", 3);
	}
}

static void sack_blocks_and_option_lengths_round_trip(void **state)
{
	uint8_t opts[40];
	int fam, nblk, i;

	NEED_BUILDER();
	for (fam = 0; fam < 2; fam++) {
		for (nblk = 1; nblk <= 4; nblk++) {
			struct frame_tcp f = base_tcp(fam ? AF_INET6 : AF_INET);
			size_t olen = 2 + 2 + 8 * (size_t)nblk;
			struct seg s;

			memset(opts, 0, sizeof(opts));
			opts[0] = opts[1] = 1;
			opts[2] = 5;
			opts[3] = (uint8_t)(2 + 8 * nblk);
			for (i = 0; i < 2 * nblk; i++)
				opts[4 + 4 * i + 3] = (uint8_t)(i + 1);
			f.opts = opts;
			f.opts_len = (uint8_t)olen;
			s = round_trip(&f, NULL, NULL);
			assert_true(s.tcp_csum_ok);
			assert_int_equal(s.opt.nsack, nblk);
			assert_int_equal(s.opt.sack[nblk - 1].right, 2 * nblk);
			assert_int_equal(s.doff, 5 + olen / 4);
		}
	}
}

static void payloads_of_every_small_length_round_trip_with_right_checksum(void **state)
{
	static const uint8_t opts[12] = {2, 4, 0x02, 0x18, 1, 1, 8, 10, 0, 0, 0, 0};
	static uint8_t data[1460];
	size_t i;
	int fam;

	NEED_BUILDER();
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 5);
	for (fam = 0; fam < 2; fam++) {
		for (i = 0; i <= sizeof(data); i += (i < 70 ? 1 : 97)) {
			struct frame_tcp f = base_tcp(fam ? AF_INET6 : AF_INET);
			struct seg s;

			f.flags = SEG_PSH | SEG_ACK;
			f.opts = i % 2 ? opts : NULL;
			f.opts_len = i % 2 ? sizeof(opts) : 0;
			f.payload = data;
			f.payload_len = (uint32_t)i;
			s = round_trip(&f, NULL, NULL);
			assert_headers_match(&f, &s);
			assert_true(s.tcp_csum_ok);
			if (i)
				assert_memory_equal(s.payload, data, i);
		}
	}
}

static void null_payload_sends_zero_bytes(void **state)
{
	static const uint8_t zeros[3000];
	struct frame_tcp f = base_tcp(AF_INET);
	struct seg s;

	NEED_BUILDER();
	f.payload = NULL;
	f.payload_len = 3000;
	s = round_trip(&f, NULL, NULL);
	assert_int_equal(s.payload_len, 3000);
	assert_memory_equal(s.payload, zeros, 3000);
	assert_true(s.tcp_csum_ok);
	f.payload_len = 10; /* a smaller one reuses the zero buffer */
	s = round_trip(&f, NULL, NULL);
	assert_memory_equal(s.payload, zeros, 10);
}

static void ipv6_flow_label_keeps_all_twenty_bits(void **state)
{
	/* libnet 1.1.6 loses bits 8-15 of the flow label; frame.c repairs them */
	static const uint32_t labels[] = {0, 1, 0xff, 0xff00, 0x12345, 0xabcde, 0xfffff};
	size_t i;

	NEED_BUILDER();
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		struct frame_tcp f = base_tcp(AF_INET6);
		struct seg s;

		f.flowlabel = labels[i];
		f.tos = 0xb8;
		s = round_trip(&f, NULL, NULL);
		assert_int_equal(s.flowlabel, labels[i]);
		assert_int_equal(s.tos, 0xb8);
		assert_true(s.tcp_csum_ok);
	}
}

static void given_checksum_is_put_on_the_wire_as_is(void **state)
{
	static const uint16_t values[] = {0, 1, 0x1234, 0xfffe, 0xffff};
	size_t i;
	int fam;

	NEED_BUILDER();
	for (fam = 0; fam < 2; fam++) {
		for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
			struct frame_tcp f = base_tcp(fam ? AF_INET6 : AF_INET);
			struct seg s;

			f.csum_set = true;
			f.csum = values[i];
			s = round_trip(&f, NULL, NULL);
			assert_int_equal(s.tcp_csum, values[i]);
		}
	}
}

static void given_right_checksum_verifies(void **state)
{
	struct frame_tcp f = base_tcp(AF_INET);
	struct seg s = {0};

	NEED_BUILDER();
	s = round_trip(&f, NULL, NULL);
	f.csum_set = true;
	f.csum = s.tcp_csum;
	s = round_trip(&f, NULL, NULL);
	assert_true(s.tcp_csum_ok);
}

static void bad_checksum_never_verifies_and_is_right_plus_one(void **state)
{
	uint32_t i;
	int fam;

	NEED_BUILDER();
	for (fam = 0; fam < 2; fam++) {
		for (i = 0; i < 3000; i++) {
			struct frame_tcp f = base_tcp(fam ? AF_INET6 : AF_INET);
			struct seg good, bad;
			uint16_t want;

			f.seq = i * 2654435761u;
			f.win = (uint16_t)i;
			good = round_trip(&f, NULL, NULL);
			f.csum_bad = true;
			bad = round_trip(&f, NULL, NULL);
			assert_true(good.tcp_csum_ok);
			assert_false(bad.tcp_csum_ok);
			want = (uint16_t)(good.tcp_csum % 0xffff + 1);
			assert_int_equal(bad.tcp_csum, want);
		}
	}
}

static void bad_checksum_of_a_segment_whose_right_checksum_is_zero_is_one(void **state)
{
	struct frame_tcp f = base_tcp(AF_INET);
	struct seg s;

	NEED_BUILDER();
	/* Adding the right checksum C to a 16-bit word of the segment brings the sum to
	 * 0xffff, whose complement, the new right checksum, is 0 (RFC 1071 section 1). */
	f.seq = 0xabcd0000;
	s = round_trip(&f, NULL, NULL);
	f.seq |= s.tcp_csum;
	s = round_trip(&f, NULL, NULL);
	assert_int_equal(s.tcp_csum, 0);
	assert_true(s.tcp_csum_ok);
	/* 0xffff is the same one's-complement value: a receiver must accept it too */
	f.csum_set = true;
	f.csum = 0xffff;
	assert_true(round_trip(&f, NULL, NULL).tcp_csum_ok);
	f.csum_set = false;
	f.csum_bad = true;
	s = round_trip(&f, NULL, NULL);
	assert_int_equal(s.tcp_csum, 1);
	assert_false(s.tcp_csum_ok);
}

static void invalid_requests_fail_naming_the_field(void **state)
{
	static const uint8_t opts[44];
	const uint8_t *out;
	size_t n;
	char err[256];
	struct frame_tcp f;

	NEED_BUILDER();
	f = base_tcp(AF_INET);
	f.family = 12345;
	assert_int_equal(frame_build_tcp(builder, &f, &out, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "family 12345"));
	f = base_tcp(AF_INET);
	f.opts = opts;
	f.opts_len = 6;
	assert_int_equal(frame_build_tcp(builder, &f, &out, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "opts_len 6"));
	f.opts_len = 44;
	assert_int_equal(frame_build_tcp(builder, &f, &out, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "opts_len 44"));
	f = base_tcp(AF_INET);
	f.opts_len = 4;
	assert_int_equal(frame_build_tcp(builder, &f, &out, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "opts is NULL"));
	f = base_tcp(AF_INET6);
	f.flowlabel = 0x100000;
	assert_int_equal(frame_build_tcp(builder, &f, &out, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "flowlabel 0x100000"));
	f = base_tcp(AF_INET);
	f.csum_set = f.csum_bad = true;
	assert_int_equal(frame_build_tcp(builder, &f, &out, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "csum_set and csum_bad"));
	f = base_tcp(AF_INET);
	f.payload_len = 65535 - 40 + 1;
	assert_int_equal(frame_build_tcp(builder, &f, &out, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "payload_len 65496, expected at most 65495"));
	/* the builder still works after an error */
	f.payload_len = 65495;
	assert_int_equal(round_trip(&f, NULL, NULL).payload_len, 65495);
}

static void builder_new_on_missing_device_fails_with_a_message(void **state)
{
	char err[256] = "";

	NEED_BUILDER();
	assert_null(frame_builder_new("no-such-if0", err, sizeof(err)));
	assert_non_null(strstr(err, "no-such-if0"));
}

/* ---- ARP and neighbour discovery ---------------------------------------------------- */

static void arp_reply_decodes_as_reply_to_the_requester(void **state)
{
	const uint8_t *out;
	size_t n;
	char err[256];
	struct seg s;

	NEED_BUILDER();
	assert_int_equal(frame_build_arp_reply(builder, mac_h, v4_h, mac_t, v4_t, &out, &n, err,
					       sizeof(err)), 0);
	assert_int_equal(seg_decode(out, n, &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, SEG_KIND_ARP);
	assert_int_equal(s.arp_op, 2);
	assert_memory_equal(s.eth_src, mac_h, 6);
	assert_memory_equal(s.eth_dst, mac_t, 6);
	assert_memory_equal(s.arp_sha, mac_h, 6);
	assert_memory_equal(s.arp_spa, v4_h, 4);
	assert_memory_equal(s.arp_tha, mac_t, 6);
	assert_memory_equal(s.arp_tpa, v4_t, 4);
}

static void neighbour_advertisement_is_solicited_with_right_checksum(void **state)
{
	const uint8_t *out;
	const uint8_t *icmp;
	size_t n;
	char err[256];
	struct seg s;

	NEED_BUILDER();
	assert_int_equal(frame_build_na(builder, mac_h, v6_h, mac_t, v6_t, &out, &n, err,
					sizeof(err)), 0);
	assert_int_equal(seg_decode(out, n, &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, SEG_KIND_ICMP6);
	assert_int_equal(s.icmp6_type, 136);
	assert_int_equal(s.icmp6_code, 0);
	assert_true(s.icmp6_has_target);
	assert_memory_equal(s.icmp6_target, v6_h, 16);
	assert_memory_equal(s.src, v6_h, 16);
	assert_memory_equal(s.dst, v6_t, 16);
	assert_memory_equal(s.eth_dst, mac_t, 6);
	assert_int_equal(s.ttl, 255); /* RFC 4861 7.1.2 */
	assert_int_equal(n, 14 + 40 + 32);
	icmp = out + 14 + 40;
	assert_int_equal(csum_upper6(v6_h, v6_t, 58, icmp, 32), 0);
	assert_int_equal(icmp[4], 0x60); /* Solicited + Override */
	assert_int_equal(icmp[24], 2);   /* target link-layer address option */
	assert_int_equal(icmp[25], 1);
	assert_memory_equal(icmp + 26, mac_h, 6);
}

static void builder_is_reused_across_many_frames_of_every_kind(void **state)
{
	const uint8_t *out;
	size_t n;
	char err[256];
	int i;

	NEED_BUILDER();
	for (i = 0; i < 2000; i++) {
		struct frame_tcp f = base_tcp(i % 2 ? AF_INET6 : AF_INET);

		switch (i % 4) {
		case 0:
		case 1:
			f.payload_len = (uint32_t)i;
			assert_true(round_trip(&f, NULL, NULL).tcp_csum_ok);
			break;
		case 2:
			assert_int_equal(frame_build_arp_reply(builder, mac_h, v4_h, mac_t, v4_t, &out,
							       &n, err, sizeof(err)), 0);
			break;
		default:
			assert_int_equal(frame_build_na(builder, mac_h, v6_h, mac_t, v6_t, &out, &n,
							err, sizeof(err)), 0);
			break;
		}
	}
}

/* ---- cross-check with tshark -------------------------------------------------------- */

static void pcap_put32(FILE *fp, uint32_t v)
{
	fwrite(&v, 4, 1, fp);
}

/* Writes one frame per record of a classic pcap file (native byte order, Ethernet). */
static void pcap_write(FILE *fp, const uint8_t *frame, size_t len)
{
	pcap_put32(fp, 0);
	pcap_put32(fp, 0);
	pcap_put32(fp, (uint32_t)len);
	pcap_put32(fp, (uint32_t)len);
	fwrite(frame, 1, len, fp);
}

static void pcap_append_tcp(FILE *fp, const struct frame_tcp *f)
{
	const uint8_t *out;
	size_t n;

	round_trip(f, &out, &n);
	pcap_write(fp, out, n);
}

/* Compares the next line of tshark's comma-separated output with `want` field by field,
 * numerically (so "0x0052" equals "0x52"); empty fields must be empty in both. */
static void assert_tshark_line(const char **cursor, const char *want)
{
	const char *got = *cursor, *eol = strchr(got, '\n'), *want0 = want;

	if (!eol)
		fail_msg("tshark printed fewer lines than expected; wanted \"%s\"", want);
	while (got < eol || *want) {
		char *gend, *wend;
		unsigned long g = strtoul(got, &gend, 0), w = strtoul(want, &wend, 0);

		if ((gend == got) != (wend == want) || g != w)
			fail_msg("tshark line \"%.*s\", expected \"%s\"", (int)(eol - *cursor),
				 *cursor, want0);
		got = gend < eol && *gend == ',' ? gend + 1 : eol;
		want = *wend == ',' ? wend + 1 : wend;
		if (got == eol && *want == '\0')
			break;
	}
	*cursor = eol + 1;
}

static void tshark_agrees_on_checksums_flags_and_options(void **state)
{
	static const uint8_t opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 9,
					 0, 0, 0, 0, 1, 3, 3, 7};
	char path[] = "/tmp/test_frame_XXXXXX";
	char cmd[512], line[256], all[2048] = "";
	const uint8_t *out;
	size_t n;
	FILE *fp, *p;
	const char *cursor = all;
	int fd;

	NEED_BUILDER();
	if (system("command -v tshark >/dev/null 2>&1") != 0)
		skip();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "wb");
	assert_non_null(fp);
	pcap_put32(fp, 0xa1b2c3d4);
	pcap_put32(fp, 0x00040002);
	pcap_put32(fp, 0);
	pcap_put32(fp, 0);
	pcap_put32(fp, 65535);
	pcap_put32(fp, 1);
	for (int fam = 0; fam < 2; fam++) {
		struct frame_tcp f = base_tcp(fam ? AF_INET6 : AF_INET);

		f.flags = SEG_SYN | SEG_ACK | SEG_ECE;
		f.opts = opts;
		f.opts_len = sizeof(opts);
		f.payload = (const uint8_t *)"hello";
		f.payload_len = 5;
		pcap_append_tcp(fp, &f);
		f.flags = SEG_RST | SEG_ACK;
		f.csum_bad = true;
		pcap_append_tcp(fp, &f);
	}
	assert_int_equal(frame_build_na(builder, mac_h, v6_h, mac_t, v6_t, &out, &n, NULL, 0), 0);
	pcap_write(fp, out, n);
	fclose(fp);
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE "
		 "-o tcp.relative_sequence_numbers:FALSE -T fields -E separator=, "
		 "-e tcp.checksum.status -e tcp.flags -e tcp.options.mss_val "
		 "-e tcp.options.wscale.shift -e tcp.options.timestamp.tsval -e tcp.len "
		 "-e ipv6.flow -e icmpv6.checksum.status 2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		strncat(all, line, sizeof(all) - strlen(all) - 1);
	pclose(p);
	unlink(path);
	/* One line per frame; checksum status 1 is good, 0 bad. Flags 0x52 = SYN|ACK|ECE,
	 * 0x14 = RST|ACK. Only numbers are compared, as their spelling varies by version. */
	assert_tshark_line(&cursor, "1,0x52,1460,7,9,5,,");
	assert_tshark_line(&cursor, "0,0x14,1460,7,9,5,,");
	assert_tshark_line(&cursor, "1,0x52,1460,7,9,5,0xabcde,");
	assert_tshark_line(&cursor, "0,0x14,1460,7,9,5,0xabcde,");
	assert_tshark_line(&cursor, ",,,,,,0,1");
}

/* A small deterministic generator: the stamps cover the whole 16/32-bit ranges. */
static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Every stamped segment is byte for byte what the encoder builds from scratch for the
 * same fields (IPv4 and IPv6, with options and payload), checksums included: RFC 1624
 * eqn. 3 gives what a full recomputation gives. Among the stamps are the extremes (0,
 * 0xffff, 0xffffffff) and words equal to the ones they replace. */
static void stamped_segments_equal_fresh_builds(void **state)
{
	NEED_BUILDER();
	static const uint8_t opts[8] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};
	static const uint8_t data[5] = {'h', 'e', 'l', 'l', 'o'};
	int families[2] = {AF_INET, AF_INET6};
	uint32_t x = 12345;
	for (int fi = 0; fi < 2; fi++) {
		struct frame_tcp f = base_tcp(families[fi]);
		f.flags = SEG_SYN | SEG_ACK | SEG_PSH;
		f.opts = opts;
		f.opts_len = sizeof(opts);
		f.payload = data;
		f.payload_len = sizeof(data);
		char err[256];
		struct frame_tmpl *t = frame_tmpl_new(builder, &f, err, sizeof(err));
		if (!t)
			fail_msg("frame_tmpl_new: %s", err);
		for (int i = 0; i < 20000; i++) {
			struct frame_stamp st = {
				.ip_id = (uint16_t)next_rand(&x), .sport = (uint16_t)next_rand(&x),
				.dport = (uint16_t)next_rand(&x), .seq = next_rand(&x),
				.ack = next_rand(&x)};
			if (i % 7 == 0)
				st.seq = i % 2 ? 0xffffffffu : 0;
			if (i % 11 == 0)
				st.sport = i % 2 ? 0xffff : 0;
			if (i % 13 == 0)
				st.ack = f.ack;   /* unchanged words */
			size_t len;
			const uint8_t *got = frame_tmpl_stamp(t, &st, &len);
			uint8_t copy[2048];
			assert_true(len <= sizeof(copy));
			memcpy(copy, got, len);
			f.ip_id = st.ip_id;
			f.sport = st.sport;
			f.dport = st.dport;
			f.seq = st.seq;
			f.ack = st.ack;
			const uint8_t *want;
			size_t wlen;
			struct seg s = round_trip(&f, &want, &wlen);
			assert_int_equal(len, wlen);
			if (memcmp(copy, want, len) != 0)
				fail_msg("family %d stamp %d: stamped frame differs from a fresh build",
					 families[fi], i);
			assert_true(s.tcp_csum_ok);
		}
		frame_tmpl_free(t);
	}
}

static void template_refuses_given_or_bad_checksums(void **state)
{
	NEED_BUILDER();
	struct frame_tcp f = base_tcp(AF_INET);
	char err[256] = "";
	f.csum_bad = true;
	assert_null(frame_tmpl_new(builder, &f, err, sizeof(err)));
	assert_non_null(strstr(err, "checksum"));
	f.csum_bad = false;
	f.csum_set = true;
	assert_null(frame_tmpl_new(builder, &f, err, sizeof(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_flag_combination_round_trips_on_ipv4_and_ipv6),
		cmocka_unit_test(every_option_kind_round_trips_with_raw_bytes_intact),
		cmocka_unit_test(sack_blocks_and_option_lengths_round_trip),
		cmocka_unit_test(payloads_of_every_small_length_round_trip_with_right_checksum),
		cmocka_unit_test(null_payload_sends_zero_bytes),
		cmocka_unit_test(ipv6_flow_label_keeps_all_twenty_bits),
		cmocka_unit_test(given_checksum_is_put_on_the_wire_as_is),
		cmocka_unit_test(given_right_checksum_verifies),
		cmocka_unit_test(bad_checksum_never_verifies_and_is_right_plus_one),
		cmocka_unit_test(bad_checksum_of_a_segment_whose_right_checksum_is_zero_is_one),
		cmocka_unit_test(invalid_requests_fail_naming_the_field),
		cmocka_unit_test(builder_new_on_missing_device_fails_with_a_message),
		cmocka_unit_test(arp_reply_decodes_as_reply_to_the_requester),
		cmocka_unit_test(neighbour_advertisement_is_solicited_with_right_checksum),
		cmocka_unit_test(builder_is_reused_across_many_frames_of_every_kind),
		cmocka_unit_test(tshark_agrees_on_checksums_flags_and_options),
		cmocka_unit_test(stamped_segments_equal_fresh_builds),
		cmocka_unit_test(template_refuses_given_or_bad_checksums),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
