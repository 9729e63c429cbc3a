/* Unit tests of match.c: which segments a template accepts, what the failure says,
 * and how a segment is rendered. Segments are built by hand (no decoder involved);
 * their option bytes come from tpl_opts_encode or are written out literally. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "match.h"

/* ------------------------------------------------------------ helpers */

static struct seg tcp_seg(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win)
{
	struct seg s;
	memset(&s, 0, sizeof(s));
	s.kind = SEG_KIND_TCP;
	s.family = 2;   /* AF_INET; the matcher does not look at it */
	s.ttl = 64;
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.win = win;
	s.doff = 5;
	return s;
}

static void seg_raw_opts(struct seg *s, const uint8_t *bytes, size_t n)
{
	memcpy(s->opt.raw, bytes, n);
	s->opt.raw_len = (uint8_t)n;
	s->doff = (uint8_t)(5 + (n + 3) / 4);
}

/* Puts the options of shorthand `opts` (e.g. "<mss 1460,nop>") on s as wire bytes. */
static void seg_opts(struct seg *s, const char *opts)
{
	char text[256], err[256];
	uint8_t bytes[40];
	struct tpl t;
	snprintf(text, sizeof(text), "* %s", opts);
	if (tpl_parse(text, &t, err, sizeof(err)))
		fail_msg("%s", err);
	int n = tpl_opts_encode(&t, bytes, err, sizeof(err));
	if (n < 0)
		fail_msg("%s", err);
	seg_raw_opts(s, bytes, (size_t)n);
}

static void tpl_of(const char *text, struct tpl *t)
{
	char err[256];
	if (tpl_parse(text, t, err, sizeof(err)))
		fail_msg("%s", err);
}

static void expect_match(const char *text, const struct seg *s, const struct match_ctx *c)
{
	struct tpl t;
	char why[256] = "";
	tpl_of(text, &t);
	if (!match_seg(&t, s, c, why, sizeof(why)))
		fail_msg("\"%s\" should match but: %s", text, why);
	assert_string_equal(why, "");
}

static void expect_why(const char *text, const struct seg *s, const struct match_ctx *c,
		       const char *want)
{
	struct tpl t;
	char why[256] = "";
	tpl_of(text, &t);
	if (match_seg(&t, s, c, why, sizeof(why)))
		fail_msg("\"%s\" should not match", text);
	assert_string_equal(why, want);
}

/* ------------------------------------------------------------ seq and ack */

static void test_seq_is_relative_to_irs(void **state)
{
	struct match_ctx c = {.iss = 5000, .irs = 1000};
	struct seg s = tcp_seg(SEG_ACK, 1001, 5001, 100);
	expect_match(". 1:1(0) ack 1", &s, &c);
	expect_why(". 0:0(0)", &s, &c, "seq: expected 0, got 1 (absolute 1001)");
}

static void test_seq_relative_wraps_past_2_pow_32(void **state)
{
	struct match_ctx c = {.iss = 0, .irs = 0xfffffffeu};
	struct seg s = tcp_seg(SEG_ACK, 3, 0, 100);
	expect_match(". 5:5(0)", &s, &c);
}

static void test_ack_is_relative_to_iss_across_wraparound(void **state)
{
	struct match_ctx c = {.iss = 0xfffffff0u, .irs = 0};
	struct seg s = tcp_seg(SEG_ACK, 0, 0x10, 100);
	expect_match(". ack 32", &s, &c);
	expect_why(". ack 1", &s, &c, "ack: expected 1, got 32 (absolute 16)");
}

static void test_ack_mismatch_names_relative_and_absolute(void **state)
{
	struct match_ctx c = {.iss = 3735928558u, .irs = 0};
	struct seg s = tcp_seg(SEG_ACK, 0, 3735932559u, 100);
	expect_why(". ack 1", &s, &c, "ack: expected 1, got 4001 (absolute 3735932559)");
}

static void test_absolute_seq_and_ack_ignore_the_isns(void **state)
{
	struct match_ctx c = {.iss = 100, .irs = 200};
	struct seg s = tcp_seg(SEG_ACK, 205, 107, 100);
	struct tpl t;
	char why[256];
	tpl_init(&t);
	t.have = TPL_SEQ | TPL_SEQ_ABS | TPL_ACK | TPL_ACK_ABS;
	t.seq = 205;
	t.ack = 107;
	assert_true(match_seg(&t, &s, &c, why, sizeof(why)));
	t.seq = 5;
	assert_false(match_seg(&t, &s, &c, why, sizeof(why)));
	assert_string_equal(why, "seq: expected absolute 5, got 205 (relative 5)");
	t.seq = 205;
	t.ack = 7;
	assert_false(match_seg(&t, &s, &c, why, sizeof(why)));
	assert_string_equal(why, "ack: expected absolute 7, got 107 (relative 7)");
}

static void test_null_context_means_both_isns_zero(void **state)
{
	struct seg s = tcp_seg(SEG_ACK, 7, 9, 100);
	expect_match(". 7:7(0) ack 9", &s, NULL);
}

/* ------------------------------------------------------------ other fields */

static void test_flags_must_match_exactly(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_RST | SEG_ACK, 0, 0, 0);
	expect_match("R.", &s, &c);
	expect_why("S.", &s, &c, "flags: expected S., got R.");
	expect_why("R", &s, &c, "flags: expected R, got R.");
	s.flags = 0;
	expect_why(".", &s, &c, "flags: expected ., got -");
}

/* "p": PSH either way (lua/SHORTHAND.md); every other flag still compares exactly. */
static void test_psh_either_way(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_PSH | SEG_ACK, 0, 0, 0);
	expect_match("p.", &s, &c);
	s.flags = SEG_ACK;
	expect_match("p.", &s, &c);
	expect_why("p", &s, &c, "flags: expected p, got .");
	s.flags = SEG_ACK | SEG_FIN;
	expect_why("p.", &s, &c, "flags: expected p., got F.");
	struct tpl t;
	char err[200], text[64];
	assert_int_equal(tpl_parse("Fp.", &t, err, sizeof(err)), 0);
	tpl_format(&t, text, sizeof(text));
	assert_string_equal(text, "Fp.");
	assert_int_equal(t.flags, SEG_FIN | SEG_ACK);   /* a send never sets PSH for "p" */
	assert_int_equal(tpl_parse("pP", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "duplicate flag letter 'P'"));
}

/* Relative timestamps: the context's bases are taken off TS val and ecr, in matching
 * and in rendering alike. */
static void test_ts_relative_to_bases(void **state)
{
	struct match_ctx c = {.ts_val0 = 1000, .ts_ecr0 = 4000000000u};
	struct seg s = tcp_seg(SEG_ACK, 0, 0, 0);
	seg_opts(&s, "<nop,nop,TS val 1007 ecr 4000000009>");
	expect_match(". <nop,nop,TS val 7 ecr 9>", &s, &c);
	expect_why(". <TS val 7 ecr 8,...>", &s, &c, "option: expected TS val 7 ecr 8, got TS val 7 ecr 9");
	char text[200];
	match_format_seg(&s, &c, text, sizeof(text));
	assert_non_null(strstr(text, "<nop,nop,TS val 7 ecr 9>"));
}

static void test_unset_fields_are_dont_care(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(0xff, 123, 456, 789);
	seg_opts(&s, "<mss 1,sackOK>");
	s.urg = 3;
	s.payload_len = 0;
	expect_match("*", &s, &c);
	expect_match("* *:*(*) ack * win * urg *", &s, &c);
}

static void test_win_urg_len_mismatch_messages(void **state)
{
	struct match_ctx c = {0};
	static const uint8_t payload[4] = "abcd";
	struct seg s = tcp_seg(SEG_ACK | SEG_URG, 1, 1, 29200);
	s.urg = 2;
	s.payload = payload;
	s.payload_len = 4;
	expect_match(".U 1:5(4) ack 1 win 29200 urg 2", &s, &c);
	expect_why(". win 65535", &s, &c, "flags: expected ., got .U");
	expect_why(".U win 65535", &s, &c, "win: expected 65535, got 29200");
	expect_why(".U urg 0", &s, &c, "urg: expected 0, got 2");
	expect_why(".U 1:11(10)", &s, &c, "len: expected 10, got 4");
}

static void test_data_mismatch_reports_first_differing_offset(void **state)
{
	struct match_ctx c = {0};
	static const uint8_t payload[] = "abcDefgh";
	struct seg s = tcp_seg(SEG_ACK | SEG_PSH, 1, 1, 100);
	s.payload = payload;
	s.payload_len = 8;
	struct tpl t;
	char why[256];
	tpl_of("P.", &t);
	assert_int_equal(tpl_set_data(&t, "abcdefgh", 8), 0);
	assert_false(match_seg(&t, &s, &c, why, sizeof(why)));
	assert_string_equal(why, "data: first difference at offset 3: expected 0x64, got 0x44");
	assert_int_equal(tpl_set_data(&t, "abcDefgh", 8), 0);
	assert_true(match_seg(&t, &s, &c, why, sizeof(why)));
	t.have &= ~(uint32_t)TPL_LEN;   /* data alone still checks the length */
	assert_int_equal(tpl_set_data(&t, "abc", 3), 0);
	t.have &= ~(uint32_t)TPL_LEN;
	assert_false(match_seg(&t, &s, &c, why, sizeof(why)));
	assert_string_equal(why, "data: expected 3 bytes, got 8");
	tpl_free(&t);
}

static void test_ip_field_mismatch_messages(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_ACK, 0, 0, 0);
	s.ttl = 63;
	s.tos = 2;
	s.ip_id = 77;
	s.df = true;
	struct tpl t;
	char why[256];
	tpl_init(&t);
	t.have = TPL_TTL | TPL_TOS | TPL_IPID | TPL_DF;
	t.ttl = 63;
	t.tos = 2;
	t.ip_id = 77;
	t.df = true;
	assert_true(match_seg(&t, &s, &c, why, sizeof(why)));
	t.ttl = 64;
	assert_false(match_seg(&t, &s, &c, why, sizeof(why)));
	assert_string_equal(why, "ttl: expected 64, got 63");
	t.ttl = 63;
	t.tos = 0;
	assert_false(match_seg(&t, &s, &c, why, sizeof(why)));
	assert_string_equal(why, "tos: expected 0, got 2");
	t.tos = 2;
	t.ip_id = 1;
	assert_false(match_seg(&t, &s, &c, why, sizeof(why)));
	assert_string_equal(why, "ip_id: expected 1, got 77");
	t.ip_id = 77;
	t.df = false;
	assert_false(match_seg(&t, &s, &c, why, sizeof(why)));
	assert_string_equal(why, "df: expected 0, got 1");
}

static void test_a_non_tcp_frame_never_matches(void **state)
{
	struct seg s;
	memset(&s, 0, sizeof(s));
	s.kind = SEG_KIND_ARP;
	expect_why("*", &s, NULL, "kind: expected a TCP segment, got kind 2");
}

static void test_first_difference_is_reported_and_why_may_be_null(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_RST, 9, 9, 9);
	struct tpl t;
	tpl_of("S 0:0(0) win 1", &t);
	assert_false(match_seg(&t, &s, &c, NULL, 0));
	expect_why("S 0:0(0) win 1", &s, &c, "flags: expected S, got R");
}

/* ------------------------------------------------------------ options */

static void test_exact_options_match_regardless_of_order_and_nops(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_SYN | SEG_ACK, 0, 1, 64240);
	seg_opts(&s, "<mss 1460,nop,wscale 7>");
	expect_match("S. <mss 1460,nop,wscale 7>", &s, &c);
	expect_match("S. <wscale 7,mss 1460>", &s, &c);
	expect_match("S. <mss 1460,wscale 7,nop,nop,eol>", &s, &c);
}

static void test_exact_options_reject_an_unlisted_option(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_SYN | SEG_ACK, 0, 1, 64240);
	seg_opts(&s, "<mss 1460,sackOK,nop,wscale 7>");
	expect_why("S. <mss 1460,nop,wscale 7>", &s, &c,
		   "options: unexpected sackOK (the expected option list is exact)");
}

static void test_a_listed_option_must_be_present(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_SYN | SEG_ACK, 0, 1, 64240);
	seg_opts(&s, "<mss 1460>");
	expect_why("S. <mss 1460,nop,wscale 7>", &s, &c,
		   "options: expected wscale 7, got no option of kind 3");
}

static void test_option_value_mismatch_shows_both_options(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_SYN, 0, 0, 64240);
	seg_opts(&s, "<mss 1400,wscale 14>");
	expect_why("S <mss 1460,wscale 14>", &s, &c, "option: expected mss 1460, got mss 1400");
	expect_why("S <mss 1400,wscale 7>", &s, &c, "option: expected wscale 7, got wscale 14");
}

static void test_empty_list_requires_no_options(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_RST | SEG_ACK, 0, 1, 0);
	expect_match("R. <>", &s, &c);
	seg_opts(&s, "<nop,nop,TS val 1 ecr 2>");
	expect_why("R. <>", &s, &c, "options: unexpected TS val 1 ecr 2 (the expected option list is exact)");
}

static void test_no_option_list_means_options_dont_care(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_ACK, 0, 1, 0);
	seg_opts(&s, "<nop,nop,TS val 1 ecr 2>");
	expect_match(". ack 1", &s, &c);
	static const uint8_t bad[] = {0x02, 0x09, 0x05, 0xb4};
	seg_raw_opts(&s, bad, sizeof(bad));
	expect_match(". ack 1", &s, &c);
}

static void test_partial_list_checks_only_listed_options(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_SYN, 0, 0, 64240);
	seg_opts(&s, "<mss 1460,sackOK,TS val 5 ecr 0,nop,wscale 7>");
	expect_match("S <mss 1460,...>", &s, &c);
	expect_match("S <...>", &s, &c);
	expect_why("S <mss 536,...>", &s, &c, "option: expected mss 536, got mss 1460");
}

static void test_absent_option_must_be_absent(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_SYN | SEG_ACK, 0, 1, 64240);
	seg_opts(&s, "<mss 1460,nop,nop,TS val 1 ecr 2>");
	expect_match("S. <!sackOK,!wscale,...>", &s, &c);
	expect_why("S. <!TS,...>", &s, &c, "options: expected !TS, got TS val 1 ecr 2");
	expect_why("S. <!raw 08,...>", &s, &c, "options: expected !TS, got TS val 1 ecr 2");
}

static void test_wildcard_values_match_anything(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_ACK, 0, 1, 100);
	seg_opts(&s, "<nop,nop,TS val 123456 ecr 5>");
	expect_match(". <TS val * ecr 5>", &s, &c);
	expect_match(". <TS val * ecr *>", &s, &c);
	expect_why(". <TS val * ecr 6>", &s, &c, "option: expected TS val * ecr 6, got TS val 123456 ecr 5");
}

static void test_ts_values_are_absolute(void **state)
{
	struct match_ctx c = {.iss = 1000, .irs = 2000};
	struct seg s = tcp_seg(SEG_ACK, 2001, 1001, 100);
	seg_opts(&s, "<nop,nop,TS val 3000 ecr 4000>");
	expect_match(". 1:1(0) ack 1 <TS val 3000 ecr 4000>", &s, &c);
}

static void test_sack_blocks_are_relative_to_iss(void **state)
{
	struct match_ctx c = {.iss = 0xffffff00u, .irs = 0};
	struct seg s = tcp_seg(SEG_ACK, 0, 0xffffff01u, 100);
	/* wire: blocks 0xffffff00+1001 .. +2001 wrap past zero */
	seg_opts(&s, "<nop,nop,sack 745:1745>");
	expect_match(". ack 1 <nop,nop,sack 1001:2001>", &s, &c);
	expect_why(". <sack 1001:1501>", &s, &c,
		   "option: expected sack 1001:1501, got sack 1001:2001 (blocks relative to iss 4294967040)");
	expect_why(". <sack 1001:2001 3001:4001>", &s, &c,
		   "option: expected sack 1001:2001 3001:4001, got sack 1001:2001 (blocks relative to iss 4294967040)");
	expect_match(". <sack,...>", &s, &c);      /* no blocks: any blocks */
	expect_match(". <sack *:2001>", &s, &c);
}

static void test_raw_expectation_compares_wire_bytes(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_SYN, 0, 0, 100);
	seg_opts(&s, "<raw 1e0601020304,mss 1460>");
	expect_match("S <raw 1e0601020304,mss 1460>", &s, &c);
	expect_match("S <raw 1e0601020304,raw 020405b4>", &s, &c);   /* raw matches a known kind too */
	expect_why("S <raw 1e0601020305,...>", &s, &c,
		   "option: expected raw 1e0601020305, got raw 1e0601020304");
	expect_why("S <mss 1460>", &s, &c,
		   "options: unexpected raw 1e0601020304 (the expected option list is exact)");
}

static void test_malformed_option_bytes_fail_an_exact_list(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_SYN, 0, 0, 100);
	static const uint8_t bad[] = {0x02, 0x04, 0x05, 0xb4, 0x08, 0x0a, 0x00, 0x00};
	seg_raw_opts(&s, bad, sizeof(bad));
	expect_why("S <mss 1460>", &s, &c,
		   "options: malformed option bytes raw 080a0000 (a length runs past the option "
		   "space or is < 2, RFC 9293 3.2)");
	expect_match("S <mss 1460,...>", &s, &c);
	expect_why("S <TS val 0 ecr 0,...>", &s, &c, "option: expected TS val 0 ecr 0, got raw 080a0000");
}

static void test_wrong_length_for_a_known_kind_is_not_a_value(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_SYN, 0, 0, 100);
	static const uint8_t bad[] = {0x02, 0x03, 0xff, 0x01};
	seg_raw_opts(&s, bad, sizeof(bad));
	expect_why("S <mss 1460,...>", &s, &c, "option: expected mss 1460, got raw 0203ff");
	expect_why("S <mss *,...>", &s, &c, "option: expected mss *, got raw 0203ff");
	expect_match("S <raw 0203ff,nop>", &s, &c);
}

/* ------------------------------------------------------------ rendering */

static void assert_renders(const struct seg *s, const struct match_ctx *c, const char *want)
{
	char buf[512];
	int n = match_format_seg(s, c, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
}

static void test_format_seg_uses_the_shorthand_with_relative_numbers(void **state)
{
	struct match_ctx c = {.iss = 3735928559u, .irs = 1000000};
	struct seg s = tcp_seg(SEG_SYN | SEG_ACK, 1000000, 3735928560u, 64240);
	seg_opts(&s, "<mss 1460,sackOK,TS val 12345 ecr 100,nop,wscale 7>");
	assert_renders(&s, &c, "S. 0:0(0) ack 1 win 64240 <mss 1460,sackOK,TS val 12345 ecr 100,nop,wscale 7>");
}

static void test_format_seg_shows_ack_only_with_the_ack_flag(void **state)
{
	struct match_ctx c = {.iss = 10, .irs = 20};
	struct seg s = tcp_seg(SEG_RST, 21, 0, 0);
	assert_renders(&s, &c, "R 1:1(0) win 0");
	static const uint8_t data[5] = "hello";
	s = tcp_seg(SEG_PSH | SEG_ACK | SEG_URG, 21, 15, 512);
	s.payload = data;
	s.payload_len = 5;
	s.urg = 3;
	assert_renders(&s, &c, "P.U 1:6(5) ack 5 win 512 urg 3");
}

static void test_format_seg_shows_eol_but_not_zero_padding(void **state)
{
	struct match_ctx c = {0};
	struct seg s = tcp_seg(SEG_SYN, 0, 0, 1);
	seg_opts(&s, "<mss 1460,wscale 7>");   /* padded with one zero byte */
	assert_renders(&s, &c, "S 0:0(0) win 1 <mss 1460,wscale 7,eol>");
	static const uint8_t junk[] = {0x01, 0x00, 0x00, 0x07};
	seg_raw_opts(&s, junk, sizeof(junk));
	assert_renders(&s, &c, "S 0:0(0) win 1 <nop,eol,raw 0007>");
}

static void test_format_seg_shows_malformed_bytes_as_raw(void **state)
{
	struct match_ctx c = {.iss = 100};
	struct seg s = tcp_seg(SEG_ACK, 0, 101, 1);
	static const uint8_t bad[] = {0x01, 0x01, 0x05, 0x0a, 0x00, 0x00, 0x00, 0x65,
				      0x00, 0x00, 0x00, 0x66, 0x02};
	seg_raw_opts(&s, bad, sizeof(bad));
	assert_renders(&s, &c, ". 0:0(0) ack 1 win 1 <nop,nop,sack 1:2,raw 02>");
}

static void test_format_seg_of_a_non_tcp_frame(void **state)
{
	struct seg s;
	char buf[64];
	memset(&s, 0, sizeof(s));
	s.kind = SEG_KIND_OTHER;
	match_format_seg(&s, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "[not a TCP segment: kind 0]");
}

static void test_rendered_segment_parses_and_matches_itself(void **state)
{
	struct match_ctx c = {.iss = 0xfffffff0u, .irs = 0x7fffffffu};
	struct seg s = tcp_seg(SEG_ACK | SEG_ECE, 0x80000010u, 0x20, 1000);
	seg_opts(&s, "<nop,nop,TS val 1 ecr 2,nop,nop,sack 1:2 100:200 4294967295:5>");
	char buf[512], err[256];
	struct tpl t;
	match_format_seg(&s, &c, buf, sizeof(buf));
	assert_int_equal(tpl_parse(buf, &t, err, sizeof(err)), 0);
	expect_match(buf, &s, &c);
}

/* ------------------------------------------------------------ robustness */

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

/* Option bytes a broken stack might send: mostly known kinds with random lengths. */
static void random_options(struct seg *s)
{
	static const uint8_t kinds[] = {0, 1, 2, 3, 4, 5, 8, 30, 254};
	size_t n = rng() % 41;
	for (size_t i = 0; i < n; i++)
		s->opt.raw[i] = (rng() % 3) ? (uint8_t)rng() : kinds[rng() % sizeof(kinds)];
	if (n > 1 && rng() % 2) {
		/* a plausible length byte now and then */
		s->opt.raw[1] = (uint8_t)(rng() % 12);
	}
	s->opt.raw_len = (uint8_t)n;
}

static void test_100000_random_option_bytes_render_and_match_without_crashing(void **state)
{
	static const char *const tpls[] = {
		"S. <mss 1460,nop,wscale 7>", ". <sack 1:2,...>", ". <!TS,...>", "* <>",
		". <raw 1e0601020304,TS val * ecr *>", "*",
	};
	struct tpl t[sizeof(tpls) / sizeof(tpls[0])];
	for (size_t i = 0; i < sizeof(tpls) / sizeof(tpls[0]); i++)
		tpl_of(tpls[i], &t[i]);
	for (int iter = 0; iter < 100000; iter++) {
		struct match_ctx c = {.iss = rng(), .irs = rng()};
		struct seg s = tcp_seg((uint8_t)rng(), rng(), rng(), (uint16_t)rng());
		char buf[512], why[256], err[256];
		struct tpl back;
		random_options(&s);
		for (size_t i = 0; i < sizeof(tpls) / sizeof(tpls[0]); i++)
			match_seg(&t[i], &s, &c, why, sizeof(why));
		int n = match_format_seg(&s, &c, buf, sizeof(buf));
		assert_true(n > 0 && (size_t)n < sizeof(buf));
		/* Whatever arrives renders as a valid shorthand. */
		if (tpl_parse(buf, &back, err, sizeof(err)))
			fail_msg("rendering \"%s\" does not parse: %s", buf, err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_is_relative_to_irs),
		cmocka_unit_test(test_seq_relative_wraps_past_2_pow_32),
		cmocka_unit_test(test_ack_is_relative_to_iss_across_wraparound),
		cmocka_unit_test(test_ack_mismatch_names_relative_and_absolute),
		cmocka_unit_test(test_absolute_seq_and_ack_ignore_the_isns),
		cmocka_unit_test(test_null_context_means_both_isns_zero),
		cmocka_unit_test(test_flags_must_match_exactly),
		cmocka_unit_test(test_unset_fields_are_dont_care),
		cmocka_unit_test(test_win_urg_len_mismatch_messages),
		cmocka_unit_test(test_data_mismatch_reports_first_differing_offset),
		cmocka_unit_test(test_ip_field_mismatch_messages),
		cmocka_unit_test(test_a_non_tcp_frame_never_matches),
		cmocka_unit_test(test_first_difference_is_reported_and_why_may_be_null),
		cmocka_unit_test(test_exact_options_match_regardless_of_order_and_nops),
		cmocka_unit_test(test_exact_options_reject_an_unlisted_option),
		cmocka_unit_test(test_a_listed_option_must_be_present),
		cmocka_unit_test(test_option_value_mismatch_shows_both_options),
		cmocka_unit_test(test_empty_list_requires_no_options),
		cmocka_unit_test(test_no_option_list_means_options_dont_care),
		cmocka_unit_test(test_partial_list_checks_only_listed_options),
		cmocka_unit_test(test_absent_option_must_be_absent),
		cmocka_unit_test(test_wildcard_values_match_anything),
		cmocka_unit_test(test_ts_values_are_absolute),
		cmocka_unit_test(test_sack_blocks_are_relative_to_iss),
		cmocka_unit_test(test_raw_expectation_compares_wire_bytes),
		cmocka_unit_test(test_malformed_option_bytes_fail_an_exact_list),
		cmocka_unit_test(test_wrong_length_for_a_known_kind_is_not_a_value),
		cmocka_unit_test(test_format_seg_uses_the_shorthand_with_relative_numbers),
		cmocka_unit_test(test_format_seg_shows_ack_only_with_the_ack_flag),
		cmocka_unit_test(test_format_seg_shows_eol_but_not_zero_padding),
		cmocka_unit_test(test_format_seg_shows_malformed_bytes_as_raw),
		cmocka_unit_test(test_format_seg_of_a_non_tcp_frame),
		cmocka_unit_test(test_rendered_segment_parses_and_matches_itself),
		cmocka_unit_test(test_psh_either_way),
		cmocka_unit_test(test_ts_relative_to_bases),
		cmocka_unit_test(test_100000_random_option_bytes_render_and_match_without_crashing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
