/* Unit tests of tpl*.c: the shorthand grammar (lua/SHORTHAND.md), its error messages,
 * rendering round trips and option serialisation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "segment.h"
#include "tpl.h"

/* ------------------------------------------------------------ helpers */

static void parse_ok(const char *text, struct tpl *t)
{
	char err[256];
	int rc = tpl_parse(text, t, err, sizeof(err));
	if (rc != 0)
		fail_msg("tpl_parse(\"%s\") failed: %s", text, err);
}

/* Parsing must fail and the message must contain `needle`. */
static void parse_err(const char *text, const char *needle)
{
	char err[256];
	struct tpl t;
	int rc = tpl_parse(text, &t, err, sizeof(err));
	if (rc != -1)
		fail_msg("tpl_parse(\"%s\") succeeded, expected an error with \"%s\"", text, needle);
	if (!strstr(err, needle))
		fail_msg("tpl_parse(\"%s\"): message \"%s\" lacks \"%s\"", text, err, needle);
	assert_int_equal(t.have, 0);   /* the template is left empty on error */
}

/* Field-wise equality of what the parser can set. */
static bool tpl_same(const struct tpl *a, const struct tpl *b)
{
	if (a->have != b->have || a->flags != b->flags || a->seq != b->seq || a->ack != b->ack ||
	    a->win != b->win || a->urg != b->urg || a->len != b->len ||
	    a->opts_exact != b->opts_exact || a->nopt != b->nopt)
		return false;
	for (int i = 0; i < a->nopt; i++) {
		const struct tpl_opt *x = &a->opt[i], *y = &b->opt[i];
		if (x->kind != y->kind || x->absent != y->absent || x->nval != y->nval ||
		    x->wild != y->wild || x->raw_len != y->raw_len ||
		    memcmp(x->val, y->val, sizeof(x->val[0]) * x->nval) != 0 ||
		    memcmp(x->raw, y->raw, x->raw_len) != 0)
			return false;
	}
	return true;
}

static void assert_format(const char *text, const char *canonical)
{
	struct tpl a, b;
	char buf[512];
	parse_ok(text, &a);
	int n = tpl_format(&a, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, canonical);
	parse_ok(buf, &b);
	assert_true(tpl_same(&a, &b));
}

static void assert_encodes(const char *text, const uint8_t *want, int nwant)
{
	struct tpl t;
	uint8_t out[40];
	char err[160];
	memset(out, 0xee, sizeof(out));
	parse_ok(text, &t);
	int n = tpl_opts_encode(&t, out, err, sizeof(err));
	if (n != nwant)
		fail_msg("\"%s\" encodes to %d bytes (%s), expected %d", text, n, err, nwant);
	assert_memory_equal(out, want, (size_t)nwant);
}

/* ------------------------------------------------------------ flags */

static void test_each_flag_letter_sets_its_bit(void **state)
{
	static const struct { const char *s; uint8_t bit; } cases[] = {
		{"S", SEG_SYN}, {"F", SEG_FIN}, {"R", SEG_RST}, {"P", SEG_PSH},
		{".", SEG_ACK}, {"U", SEG_URG}, {"E", SEG_ECE}, {"W", SEG_CWR},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tpl t;
		parse_ok(cases[i].s, &t);
		assert_int_equal(t.have, TPL_FLAGS);
		assert_int_equal(t.flags, cases[i].bit);
	}
}

static void test_flag_letters_combine_in_any_order(void **state)
{
	struct tpl t;
	parse_ok("WE.UPRSF", &t);
	assert_int_equal(t.flags, 0xff);
	parse_ok(".S", &t);
	assert_int_equal(t.flags, SEG_SYN | SEG_ACK);
}

static void test_dash_alone_means_no_flags(void **state)
{
	struct tpl t;
	parse_ok("-", &t);
	assert_int_equal(t.have, TPL_FLAGS);
	assert_int_equal(t.flags, 0);
}

static void test_star_flags_mean_dont_care(void **state)
{
	struct tpl t;
	parse_ok("* ack 5", &t);
	assert_int_equal(t.have, TPL_ACK);
	assert_int_equal(t.ack, 5);
}

static void test_unknown_flag_letter_is_named_with_the_valid_ones(void **state)
{
	char err[256];
	struct tpl t;
	assert_int_equal(tpl_parse("SX 0:0(0)", &t, err, sizeof(err)), -1);
	assert_string_equal(err, "shorthand \"SX 0:0(0)\": unknown flag letter 'X' in \"SX\" "
			    "(expected S F R P p . U E W or -)");
	parse_err("A", "unknown flag letter 'A'");
	parse_err("s", "unknown flag letter 's'");
	parse_err("S\x01", "unknown flag byte 0x01");
}

static void test_duplicate_flag_letter_is_an_error(void **state)
{
	parse_err("SS", "duplicate flag letter 'S' in \"SS\"");
	parse_err("S.P.", "duplicate flag letter '.'");
}

static void test_dash_or_star_cannot_combine_with_letters(void **state)
{
	parse_err("S-", "'-' stands alone");
	parse_err("-S", "'-' stands alone");
	parse_err("S*", "'*' stands alone");
}

static void test_missing_flags_is_an_error(void **state)
{
	parse_err("", "expected flags");
	parse_err("   ", "expected flags");
	parse_err("<mss 1>", "expected flags such as S, S., ., R or - first, got \"<\"");
}

static void test_null_text_is_an_error_not_a_crash(void **state)
{
	char err[64];
	struct tpl t;
	assert_int_equal(tpl_parse(NULL, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no text"));
}

/* ------------------------------------------------------------ range and fields */

static void test_range_sets_seq_and_len(void **state)
{
	struct tpl t;
	parse_ok("P. 1:11(10) ack 1", &t);
	assert_int_equal(t.have, TPL_FLAGS | TPL_SEQ | TPL_LEN | TPL_ACK);
	assert_int_equal(t.flags, SEG_PSH | SEG_ACK);
	assert_int_equal(t.seq, 1);
	assert_int_equal(t.len, 10);
	assert_int_equal(t.ack, 1);
}

static void test_range_end_wraps_modulo_2_pow_32(void **state)
{
	struct tpl t;
	parse_ok(". 4294967291:5(10)", &t);
	assert_int_equal(t.seq, 4294967291u);
	assert_int_equal(t.len, 10);
}

static void test_range_inconsistent_end_names_both_values(void **state)
{
	char err[256];
	struct tpl t;
	assert_int_equal(tpl_parse("P. 1:11(5)", &t, err, sizeof(err)), -1);
	assert_string_equal(err, "shorthand \"P. 1:11(5)\": range 1:11(5): END - START is 10 but LEN is 5");
}

static void test_range_star_start_or_len_leaves_it_unset(void **state)
{
	struct tpl t;
	parse_ok(". *:*(10)", &t);
	assert_int_equal(t.have, TPL_FLAGS | TPL_LEN);
	assert_int_equal(t.len, 10);
	parse_ok(". 7:*(*)", &t);
	assert_int_equal(t.have, TPL_FLAGS | TPL_SEQ);
	assert_int_equal(t.seq, 7);
	parse_ok(". 1:*(10)", &t);   /* END is redundant: "*" is always accepted */
	assert_int_equal(t.have, TPL_FLAGS | TPL_SEQ | TPL_LEN);
	parse_ok(". *:*(*)", &t);
	assert_int_equal(t.have, TPL_FLAGS);
}

static void test_range_end_must_be_star_when_start_or_len_is(void **state)
{
	parse_err(". *:11(10)", "END must be * when START or LEN is *");
	parse_err(". 1:11(*)", "END must be * when START or LEN is *");
}

static void test_range_must_have_packetdrill_form(void **state)
{
	parse_err(". 1", "range START:END(LEN) after START: expected ':', got end of input");
	parse_err(". 1:2", "after END: expected '('");
	parse_err(". 1-2(1)", "expected ':', got \"-2(1)\"");
	parse_err(". 1:2(1", "after LEN: expected ')'");
	parse_err(". 1(1)", "expected ':'");
	parse_err(". 1:2(1)x", "range 1:2(1): unexpected \"x\" right after it");
	parse_err(". 1 : 2 (1)", "expected ':'");
}

static void test_range_must_follow_the_flags(void **state)
{
	parse_err(". ack 1 1:1(0)", "the range START:END(LEN) must come right after the flags");
}

static void test_fields_in_any_order_each_once(void **state)
{
	struct tpl t;
	parse_ok(". urg 3 win 65535 ack 4294967295", &t);
	assert_int_equal(t.have, TPL_FLAGS | TPL_ACK | TPL_WIN | TPL_URG);
	assert_int_equal(t.urg, 3);
	assert_int_equal(t.win, 65535);
	assert_int_equal(t.ack, 4294967295u);
	parse_err(". ack 1 ack 2", "ack given twice");
	parse_err(". win * win 5", "win given twice");
}

static void test_keywords_are_case_insensitive(void **state)
{
	struct tpl t;
	parse_ok(". ACK 1 Win 2 <MSS 3,SACKOK,ts VAL 4 ECR 5>", &t);
	assert_int_equal(t.ack, 1);
	assert_int_equal(t.win, 2);
	assert_int_equal(t.nopt, 3);
}

static void test_star_field_is_the_same_as_leaving_it_out(void **state)
{
	struct tpl t;
	parse_ok(". 1:1(0) ack * win *", &t);
	assert_int_equal(t.have, TPL_FLAGS | TPL_SEQ | TPL_LEN);
}

static void test_win_out_of_range_names_field_value_and_range(void **state)
{
	char err[256];
	struct tpl t;
	assert_int_equal(tpl_parse("S 0:0(0) win 70000", &t, err, sizeof(err)), -1);
	assert_string_equal(err, "shorthand \"S 0:0(0) win 70000\": win 70000 out of range 0..65535");
	parse_err(". urg 65536", "urg 65536 out of range 0..65535");
}

static void test_huge_numbers_are_out_of_range(void **state)
{
	parse_err(". 4294967296:4294967296(0)", "seq 4294967296 out of range 0..4294967295");
	parse_err(". 0:4294967296(0)", "end 4294967296 out of range");
	parse_err(". 0:0(4294967296)", "len 4294967296 out of range");
	parse_err(". ack 99999999999999999999999999999999",
		  "ack 999999999999999999999999... out of range 0..4294967295");
	parse_err(". ack 18446744073709551617", "out of range");   /* 2^64 + 1 */
}

static void test_negative_and_signed_numbers_are_rejected(void **state)
{
	parse_err(". -1:0(1)", "seq \"-1:0(1)\" is not allowed: numbers are unsigned decimal");
	parse_err(". win -5", "win \"-5\" is not allowed");
	parse_err(". ack +5", "ack \"+5\" is not allowed");
	parse_err(". <mss -1>", "mss \"-1\" is not allowed");
}

static void test_non_decimal_numbers_are_rejected(void **state)
{
	parse_err(". ack 0x10", "ack: \"0x10\" is not a decimal number");
	parse_err(". win 12abc", "win: \"12abc\" is not a decimal number");
	parse_err(". ack", "ack: expected a number or *, got end of input");
	parse_err(". ack <mss 1>", "ack: expected a number or *, got \"<\"");
	parse_err(". win *5", "win: expected a number or *");
}

static void test_trailing_junk_is_an_error(void **state)
{
	parse_err("S 0:0(0) foo", "unexpected \"foo\" (expected ack N, win N, urg N or <options>)");
	parse_err("S 0:0(0) <mss 1> x", "unexpected \"x\" after the option list (it must come last)");
	parse_err("S 0:0(0) <mss 1><nop>", "after the option list");
	parse_err(". ack 1)", "unexpected \")\"");
	parse_err(". seq 5", "unexpected \"seq\"");
}

static void test_whitespace_is_free_between_tokens(void **state)
{
	struct tpl t;
	parse_ok("  S.\t0:0(0)   ack   1  <  mss 1460 ,  nop  ,wscale\t7 >  ", &t);
	assert_int_equal(t.nopt, 3);
	parse_ok("S<mss 1460>", &t);
	assert_int_equal(t.flags, SEG_SYN);
	assert_int_equal(t.nopt, 1);
}

/* ------------------------------------------------------------ options */

static void test_syn_options_parse_in_order(void **state)
{
	struct tpl t;
	parse_ok("S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>", &t);
	assert_true(t.have & TPL_OPTS);
	assert_true(t.opts_exact);
	assert_int_equal(t.nopt, 5);
	assert_int_equal(t.opt[0].kind, TCPOPT_MSS);
	assert_int_equal(t.opt[0].nval, 1);
	assert_int_equal(t.opt[0].val[0], 1460);
	assert_int_equal(t.opt[1].kind, TCPOPT_SACKOK);
	assert_int_equal(t.opt[1].nval, 0);
	assert_int_equal(t.opt[2].kind, TCPOPT_TS);
	assert_int_equal(t.opt[2].nval, 2);
	assert_int_equal(t.opt[2].val[0], 100);
	assert_int_equal(t.opt[2].val[1], 0);
	assert_int_equal(t.opt[3].kind, TCPOPT_NOP);
	assert_int_equal(t.opt[4].kind, TCPOPT_WSCALE);
	assert_int_equal(t.opt[4].val[0], 7);
}

static void test_wscale_above_14_is_legal(void **state)
{
	struct tpl t;
	parse_ok("S <wscale 255>", &t);
	assert_int_equal(t.opt[0].val[0], 255);
	parse_err("S <wscale 256>", "wscale 256 out of range 0..255");
	parse_err("S <mss 65536>", "mss 65536 out of range 0..65535");
}

static void test_sack_takes_one_to_four_blocks(void **state)
{
	struct tpl t;
	parse_ok(". <sack 1:2>", &t);
	assert_int_equal(t.opt[0].kind, TCPOPT_SACK);
	assert_int_equal(t.opt[0].nval, 2);
	parse_ok(". <sack 1:2 3:4 5:6 4294967295:0>", &t);
	assert_int_equal(t.opt[0].nval, 8);
	assert_int_equal(t.opt[0].val[6], 4294967295u);
	assert_int_equal(t.opt[0].val[7], 0);
	parse_err(". <sack 1:2 3:4 5:6 7:8 9:10>", "sack: too many blocks (at most 4)");
	parse_err(". <sack 1>", "sack block L:R: expected ':'");
	parse_err(". <sack 1:>", "sack right edge: expected a number or *");
}

static void test_sack_without_blocks_means_any_blocks(void **state)
{
	struct tpl t;
	parse_ok(". <nop,nop,sack>", &t);
	assert_int_equal(t.opt[2].kind, TCPOPT_SACK);
	assert_int_equal(t.opt[2].nval, 0);
}

static void test_ts_needs_val_and_ecr(void **state)
{
	parse_err(". <TS 1 2>", "TS: expected \"val\", got \"1\"");
	parse_err(". <TS val 1>", "TS: expected \"ecr\", got \">\"");
	parse_err(". <TS val 1 ecr>", "TS ecr: expected a number or *, got \">\"");
}

static void test_raw_option_keeps_bytes_and_kind(void **state)
{
	struct tpl t;
	parse_ok(". <raw 1e0401020304>", &t);
	assert_int_equal(t.opt[0].kind, 0x1e);
	assert_int_equal(t.opt[0].raw_len, 6);
	static const uint8_t want[] = {0x1e, 0x04, 0x01, 0x02, 0x03, 0x04};
	assert_memory_equal(t.opt[0].raw, want, sizeof(want));
	parse_ok(". <raw 02FF>", &t);   /* malformed MSS: any bytes go */
	assert_int_equal(t.opt[0].kind, TCPOPT_MSS);
	assert_int_equal(t.opt[0].raw_len, 2);
}

static void test_raw_errors(void **state)
{
	parse_err(". <raw>", "raw: expected hex bytes such as 1e0401020304, got \">\"");
	parse_err(". <raw 1e0>", "raw: odd number of hex digits (3)");
	parse_err(". <raw 1g>", "raw: \"1g\" is not hex");
	char text[200] = ". <raw ";
	for (int i = 0; i < 41; i++)
		strcat(text, "01");
	strcat(text, ">");
	parse_err(text, "raw: 41 bytes, at most 40");
}

static void test_star_values_set_wild_bits(void **state)
{
	struct tpl t;
	parse_ok(". <mss *,TS val * ecr 5,sack 1:* *:4>", &t);
	assert_int_equal(t.opt[0].wild, 1);
	assert_int_equal(t.opt[1].wild, 1);
	assert_int_equal(t.opt[1].val[1], 5);
	assert_int_equal(t.opt[2].wild, (1 << 1) | (1 << 2));
	assert_int_equal(t.opt[2].nval, 4);
}

static void test_empty_angle_brackets_mean_explicitly_no_options(void **state)
{
	struct tpl t;
	parse_ok("R. 0:0(0) ack 1 <>", &t);
	assert_true(t.have & TPL_OPTS);
	assert_true(t.opts_exact);
	assert_int_equal(t.nopt, 0);
	parse_ok("R < >", &t);
	assert_int_equal(t.nopt, 0);
}

static void test_ellipsis_makes_the_list_partial(void **state)
{
	struct tpl t;
	parse_ok(". <sack 1:2,...>", &t);
	assert_false(t.opts_exact);
	assert_int_equal(t.nopt, 1);
	parse_ok(". <...>", &t);
	assert_true(t.have & TPL_OPTS);
	assert_false(t.opts_exact);
	assert_int_equal(t.nopt, 0);
	parse_err(". <...,mss 1>", "\"...\" must be the last entry of the option list");
}

static void test_bang_requires_an_option_absent(void **state)
{
	struct tpl t;
	parse_ok("S. <!TS,!raw 1e,...>", &t);
	assert_int_equal(t.nopt, 2);
	assert_true(t.opt[0].absent);
	assert_int_equal(t.opt[0].kind, TCPOPT_TS);
	assert_true(t.opt[1].absent);
	assert_int_equal(t.opt[1].kind, 0x1e);
	assert_int_equal(t.opt[1].raw_len, 0);
	parse_err(". <!nop>", "!nop: nop and eol cannot be required absent");
	parse_err(". <!raw 01>", "nop and eol cannot be required absent");
	parse_err(". <!raw 1e04>", "raw: 2 bytes, at most 1");
}

static void test_unterminated_option_list_is_an_error(void **state)
{
	parse_err("S <mss 1460", "unterminated \"<\": expected ',' or '>', got end of input");
	parse_err("S <mss 1460,", "unterminated \"<\": expected an option, got end of input");
	parse_err("S <", "unterminated \"<\"");
}

static void test_empty_option_is_an_error(void **state)
{
	parse_err("S <mss 1460,,nop>", "empty option before ',' (option 2 of the list)");
	parse_err("S <,nop>", "empty option before ','");
	parse_err("S <mss 1460,>", "empty option before '>'");
}

static void test_unknown_option_lists_the_known_ones(void **state)
{
	parse_err("S <foo 1>",
		  "unknown option \"foo\" (expected mss, wscale, sackOK, sack, TS, nop, eol, raw)");
	parse_err("S <mss 1 2>", "option 1: unexpected \"2\" (expected ',' or '>')");
}

static void test_options_over_40_bytes_are_an_error(void **state)
{
	/* 4 x TS (40) + nop = 41 bytes, 44 once padded. */
	parse_err("S <TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2,nop>",
		  "options take 41 bytes (44 with padding), TCP allows at most 40 (RFC 9293 3.1)");
	parse_err("S <TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2,mss 1>",
		  "options take 44 bytes, TCP allows at most 40 (RFC 9293 3.1)");
	struct tpl t;
	parse_ok("S <TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2>", &t);
	/* absent entries take no space */
	parse_ok("S <TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2,!mss,...>", &t);
}

static void test_more_than_20_options_is_an_error(void **state)
{
	char text[200] = "S <nop";
	for (int i = 1; i < 21; i++)
		strcat(text, ",nop");
	strcat(text, ">");
	parse_err(text, "too many options (at most 20)");
}

static void test_long_or_binary_input_is_quoted_shortened(void **state)
{
	char text[300];
	char err[256];
	struct tpl t;
	memset(text, 'S', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(tpl_parse(text, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "...\": duplicate flag letter 'S'"));
	assert_int_equal(tpl_parse(". ack \x7f", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "shorthand \". ack ?\""));
}

static void test_small_or_missing_error_buffer_is_safe(void **state)
{
	char err[8];
	struct tpl t;
	assert_int_equal(tpl_parse("SX", &t, err, sizeof(err)), -1);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(tpl_parse("SX", &t, NULL, 0), -1);
	assert_int_equal(tpl_parse("S", &t, NULL, 0), 0);
}

/* ------------------------------------------------------------ round trips */

static void test_format_renders_the_canonical_shorthand(void **state)
{
	assert_format("S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
		      "S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>");
	assert_format("S. 0:0(0) ack 1 <mss 1460,nop,wscale 7>", "S. 0:0(0) ack 1 <mss 1460,nop,wscale 7>");
	assert_format(". 1:1(0) ack 1", ". 1:1(0) ack 1");
	assert_format("P. 1:11(10) ack 1", "P. 1:11(10) ack 1");
	assert_format(".F", "F.");
	assert_format("WE.UPRSF", "FSRP.UEW");
	assert_format("R", "R");
	assert_format("-", "-");
	assert_format("*", "*");
	assert_format("R. 0:0(0) ack 1 <>", "R. 0:0(0) ack 1 <>");
	assert_format(". urg 1 win 2 ack 3", ". ack 3 win 2 urg 1");
	assert_format(". 4294967291:5(10)", ". 4294967291:5(10)");
	assert_format(". 1:*(10)", ". 1:11(10)");
	assert_format(". *:*(10)", ". *:*(10)");
	assert_format(". 3:*(*)", ". 3:*(*)");
	assert_format(". ack * <mss *>", ". <mss *>");
	assert_format(". <nop,nop,sack 1:2 *:4>", ". <nop,nop,sack 1:2 *:4>");
	assert_format(". <sack>", ". <sack>");
	assert_format(". <TS val * ecr *,eol>", ". <TS val * ecr *,eol>");
	assert_format(". <raw 1E0401020304>", ". <raw 1e0401020304>");
	assert_format(". <RAW 0203ff>", ". <raw 0203ff>");
	assert_format(". <!ts,!raw 1E,!raw 02,...>", ". <!TS,!raw 1e,!mss,...>");
	assert_format(". <...>", ". <...>");
	assert_format(". <  mss 5 , ... >", ". <mss 5,...>");
}

static void test_format_returns_the_needed_length_and_truncates(void **state)
{
	struct tpl t;
	char small[6];
	parse_ok("S. 0:0(0) ack 1", &t);
	int n = tpl_format(&t, small, sizeof(small));
	assert_int_equal(n, (int)strlen("S. 0:0(0) ack 1"));
	assert_string_equal(small, "S. 0:");
	assert_int_equal(tpl_format(&t, NULL, 0), n);
}

static void test_format_of_an_unset_template_is_star(void **state)
{
	struct tpl t;
	char buf[16];
	tpl_init(&t);
	tpl_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "*");
}

static void test_opt_format_names_one_option(void **state)
{
	struct tpl t;
	char buf[64];
	parse_ok(". <TS val * ecr 0,!sackOK>", &t);
	assert_int_equal(tpl_opt_format(&t.opt[0], buf, sizeof(buf)), (int)strlen("TS val * ecr 0"));
	assert_string_equal(buf, "TS val * ecr 0");
	tpl_opt_format(&t.opt[1], buf, sizeof(buf));
	assert_string_equal(buf, "!sackOK");
}

/* ------------------------------------------------------------ encoding */

static void test_encode_syn_options_bytes(void **state)
{
	static const uint8_t want[] = {
		0x02, 0x04, 0x05, 0xb4,                          /* mss 1460 */
		0x04, 0x02,                                      /* sackOK */
		0x08, 0x0a, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, /* TS 100 0 */
		0x01,                                            /* nop */
		0x03, 0x03, 0x07,                                /* wscale 7 */
	};
	assert_encodes("S <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>", want, sizeof(want));
}

static void test_encode_pads_with_zero_bytes_to_a_multiple_of_4(void **state)
{
	static const uint8_t want[] = {0x02, 0x04, 0x05, 0xb4, 0x03, 0x03, 0x07, 0x00};
	assert_encodes("S <mss 1460,wscale 7>", want, sizeof(want));
	static const uint8_t nop_eol[] = {0x01, 0x00, 0x00, 0x00};
	assert_encodes(". <nop,eol>", nop_eol, sizeof(nop_eol));
}

static void test_encode_sack_blocks(void **state)
{
	static const uint8_t want[] = {
		0x01, 0x01, 0x05, 0x12,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x04,
	};
	assert_encodes(". <nop,nop,sack 1:2 4294967295:4>", want, sizeof(want));
	static const uint8_t empty[] = {0x05, 0x02, 0x00, 0x00};
	assert_encodes(". <sack>", empty, sizeof(empty));
}

static void test_encode_raw_bytes_as_given(void **state)
{
	static const uint8_t want[] = {0x1e, 0x04, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00};
	assert_encodes(". <raw 1e0401020304>", want, sizeof(want));
	static const uint8_t bad[] = {0x02, 0x08, 0x05, 0xb4};
	assert_encodes(". <raw 020805b4>", bad, sizeof(bad));
}

static void test_encode_wscale_above_14_as_given(void **state)
{
	static const uint8_t want[] = {0x03, 0x03, 0xc8, 0x00};
	assert_encodes("S <wscale 200>", want, sizeof(want));
}

static void test_encode_exactly_40_bytes(void **state)
{
	uint8_t want[40];
	for (int i = 0; i < 4; i++) {
		static const uint8_t ts[] = {8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
		memcpy(want + 10 * i, ts, sizeof(ts));
	}
	assert_encodes("S <TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2>", want, 40);
}

static void test_encode_without_options_is_zero_bytes(void **state)
{
	struct tpl t;
	uint8_t out[40];
	char err[64];
	parse_ok("S 0:0(0)", &t);
	assert_int_equal(tpl_opts_encode(&t, out, err, sizeof(err)), 0);
	parse_ok("S <>", &t);
	assert_int_equal(tpl_opts_encode(&t, out, err, sizeof(err)), 0);
}

static void test_encode_skips_absent_options(void **state)
{
	static const uint8_t want[] = {0x02, 0x04, 0x00, 0x01};
	assert_encodes("S <!TS,mss 1,...>", want, sizeof(want));
}

static void test_encode_refuses_wildcards(void **state)
{
	struct tpl t;
	uint8_t out[40];
	char err[160];
	parse_ok("S <nop,mss *>", &t);
	assert_int_equal(tpl_opts_encode(&t, out, err, sizeof(err)), -1);
	assert_string_equal(err, "option 2 \"mss *\": * cannot be sent (it only means \"don't care\" in an expectation)");
}

static void test_encode_over_40_bytes_is_an_error(void **state)
{
	/* Built by hand, as the Lua layer would: 4 TS + 4 NOP = 44 bytes. */
	struct tpl t;
	uint8_t out[40];
	char err[160];
	tpl_init(&t);
	t.have = TPL_OPTS;
	for (int i = 0; i < 4; i++) {
		t.opt[t.nopt].kind = TCPOPT_TS;
		t.opt[t.nopt].nval = 2;
		t.nopt++;
		t.opt[t.nopt++].kind = TCPOPT_NOP;
	}
	assert_int_equal(tpl_opts_encode(&t, out, err, sizeof(err)), -1);
	assert_string_equal(err, "options take 44 bytes, TCP allows at most 40 (RFC 9293 3.1)");
}

static void test_encode_checks_hand_built_values(void **state)
{
	struct tpl t;
	uint8_t out[40];
	char err[160];
	tpl_init(&t);
	t.have = TPL_OPTS;
	t.nopt = 1;
	t.opt[0].kind = TCPOPT_MSS;
	t.opt[0].nval = 1;
	t.opt[0].val[0] = 70000;
	assert_int_equal(tpl_opts_encode(&t, out, err, sizeof(err)), -1);
	assert_string_equal(err, "option 1 mss: 70000 out of range 0..65535");
	t.opt[0].nval = 0;
	assert_int_equal(tpl_opts_encode(&t, out, err, sizeof(err)), -1);
	assert_string_equal(err, "option 1 \"mss *\": values missing");
	t.opt[0].kind = 30;
	assert_int_equal(tpl_opts_encode(&t, out, err, sizeof(err)), -1);
	assert_string_equal(err, "option 1 (kind 30): no bytes given; write it as raw HEXBYTES");
	t.opt[0].kind = TCPOPT_SACK;
	t.opt[0].nval = 3;
	assert_int_equal(tpl_opts_encode(&t, out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "values missing"));
}

/* ------------------------------------------------------------ lifecycle */

static void test_set_data_copy_and_free_own_the_payload(void **state)
{
	struct tpl a, b;
	tpl_init(&a);
	assert_int_equal(tpl_set_data(&a, "hello", 5), 0);
	assert_int_equal(a.have, TPL_DATA | TPL_LEN);
	assert_int_equal(a.len, 5);
	assert_int_equal(tpl_set_data(&a, "bye", 3), 0);   /* replaces, frees the old copy */
	assert_int_equal(tpl_copy(&b, &a), 0);
	assert_ptr_not_equal(a.data, b.data);
	assert_memory_equal(b.data, "bye", 3);
	tpl_free(&a);
	assert_null(a.data);
	assert_int_equal(a.have, 0);
	tpl_free(&a);                                     /* twice is safe */
	assert_memory_equal(b.data, "bye", 3);
	tpl_free(&b);
	assert_int_equal(tpl_set_data(&a, NULL, 0), 0);
	assert_int_equal(a.len, 0);
	assert_null(a.data);
	assert_int_equal(tpl_set_data(&a, NULL, 3), -1);
	tpl_free(&a);
}

/* ------------------------------------------------------------ robustness */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	/* xorshift64*: deterministic, so a crash reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

/* Every string either parses or fails with a message; a parsed one renders back to
 * the same template and encodes (or refuses to) within 40 bytes. */
static void check_any_input(const char *text, int *parsed)
{
	struct tpl a, b;
	char err[256], buf[512];
	uint8_t out[40];
	if (tpl_parse(text, &a, err, sizeof(err)) != 0) {
		assert_true(err[0] != '\0');
		return;
	}
	(*parsed)++;
	tpl_format(&a, buf, sizeof(buf));
	if (tpl_parse(buf, &b, err, sizeof(err)) != 0)
		fail_msg("\"%s\" rendered as \"%s\", which fails: %s", text, buf, err);
	if (!tpl_same(&a, &b))
		fail_msg("\"%s\" rendered as \"%s\", which parses differently", text, buf);
	int n = tpl_opts_encode(&a, out, err, sizeof(err));
	assert_true(n == -1 || (n >= 0 && n <= 40 && n % 4 == 0));
}

/* A valid shorthand with a few characters replaced, inserted or deleted. */
static size_t mutate_seed(char *text, size_t cap, const char *chars, size_t nchars)
{
	static const char *const seeds[] = {
		"S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
		"S. 0:0(0) ack 1 <mss 1460,nop,wscale 7>",
		". 1:1(0) ack 1 win 5 urg 0",
		"P. 1:11(10) ack 1 <nop,nop,sack 1:2 3:4,...>",
		"R. 0:0(0) ack 1 <>",
		"* *:*(10) <!TS,raw 1e0401020304,eol>",
	};
	const char *seed = seeds[rng() % (sizeof(seeds) / sizeof(seeds[0]))];
	size_t n = strlen(seed);
	memcpy(text, seed, n + 1);
	int edits = 1 + (int)(rng() % 2);
	for (int e = 0; e < edits && n > 0; e++) {
		size_t at = rng() % n;
		char c = chars[rng() % nchars];
		switch (rng() % 3) {
		case 0:
			text[at] = c;
			break;
		case 1:
			if (n + 1 < cap) {
				memmove(text + at + 1, text + at, n - at + 1);
				text[at] = c;
				n++;
			}
			break;
		default:
			memmove(text + at, text + at + 1, n - at);
			n--;
			break;
		}
	}
	return n;
}

static void test_100000_random_strings_parse_or_fail_cleanly(void **state)
{
	static const char chars[] = "SFRP.UEWX-* 0123456789:()<>,!abcdefmnoprstvwxk\t";
	static const char *const toks[] = {
		"S", ".", "S.", "F.", "-", "*", " ", " ", " ", "0", "1", "7", "65535", "70000",
		"4294967295", "4294967296", ":", "(", ")", "1:11(10)", "0:0(0)", "*:*(*)", "ack",
		"win", "urg", "<", ">", ",", "mss", "wscale", "sackOK", "sack", "TS", "val", "ecr",
		"nop", "eol", "raw", "1e04", "0", "!", "...", "-1", "<>", "1:2", "ab",
	};
	char text[160];
	int parsed = 0;
	for (int iter = 0; iter < 100000; iter++) {
		size_t n = 0;
		int len = 1 + (int)(rng() % 40);
		if (iter % 3 == 0) {
			for (int i = 0; i < len && n < sizeof(text) - 1; i++)
				text[n++] = chars[rng() % (sizeof(chars) - 1)];
		} else if (iter % 3 == 1) {
			for (int i = 0; i < len / 2; i++) {
				const char *tok = toks[rng() % (sizeof(toks) / sizeof(toks[0]))];
				size_t tl = strlen(tok);
				if (n + tl >= sizeof(text) - 1)
					break;
				memcpy(text + n, tok, tl);
				n += tl;
			}
		} else {
			n = mutate_seed(text, sizeof(text), chars, sizeof(chars) - 1);
		}
		text[n] = '\0';
		check_any_input(text, &parsed);
	}
	/* The generators must produce valid templates too, or the round trip goes untested. */
	assert_true(parsed > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_flag_letter_sets_its_bit),
		cmocka_unit_test(test_flag_letters_combine_in_any_order),
		cmocka_unit_test(test_dash_alone_means_no_flags),
		cmocka_unit_test(test_star_flags_mean_dont_care),
		cmocka_unit_test(test_unknown_flag_letter_is_named_with_the_valid_ones),
		cmocka_unit_test(test_duplicate_flag_letter_is_an_error),
		cmocka_unit_test(test_dash_or_star_cannot_combine_with_letters),
		cmocka_unit_test(test_missing_flags_is_an_error),
		cmocka_unit_test(test_null_text_is_an_error_not_a_crash),
		cmocka_unit_test(test_range_sets_seq_and_len),
		cmocka_unit_test(test_range_end_wraps_modulo_2_pow_32),
		cmocka_unit_test(test_range_inconsistent_end_names_both_values),
		cmocka_unit_test(test_range_star_start_or_len_leaves_it_unset),
		cmocka_unit_test(test_range_end_must_be_star_when_start_or_len_is),
		cmocka_unit_test(test_range_must_have_packetdrill_form),
		cmocka_unit_test(test_range_must_follow_the_flags),
		cmocka_unit_test(test_fields_in_any_order_each_once),
		cmocka_unit_test(test_keywords_are_case_insensitive),
		cmocka_unit_test(test_star_field_is_the_same_as_leaving_it_out),
		cmocka_unit_test(test_win_out_of_range_names_field_value_and_range),
		cmocka_unit_test(test_huge_numbers_are_out_of_range),
		cmocka_unit_test(test_negative_and_signed_numbers_are_rejected),
		cmocka_unit_test(test_non_decimal_numbers_are_rejected),
		cmocka_unit_test(test_trailing_junk_is_an_error),
		cmocka_unit_test(test_whitespace_is_free_between_tokens),
		cmocka_unit_test(test_syn_options_parse_in_order),
		cmocka_unit_test(test_wscale_above_14_is_legal),
		cmocka_unit_test(test_sack_takes_one_to_four_blocks),
		cmocka_unit_test(test_sack_without_blocks_means_any_blocks),
		cmocka_unit_test(test_ts_needs_val_and_ecr),
		cmocka_unit_test(test_raw_option_keeps_bytes_and_kind),
		cmocka_unit_test(test_raw_errors),
		cmocka_unit_test(test_star_values_set_wild_bits),
		cmocka_unit_test(test_empty_angle_brackets_mean_explicitly_no_options),
		cmocka_unit_test(test_ellipsis_makes_the_list_partial),
		cmocka_unit_test(test_bang_requires_an_option_absent),
		cmocka_unit_test(test_unterminated_option_list_is_an_error),
		cmocka_unit_test(test_empty_option_is_an_error),
		cmocka_unit_test(test_unknown_option_lists_the_known_ones),
		cmocka_unit_test(test_options_over_40_bytes_are_an_error),
		cmocka_unit_test(test_more_than_20_options_is_an_error),
		cmocka_unit_test(test_long_or_binary_input_is_quoted_shortened),
		cmocka_unit_test(test_small_or_missing_error_buffer_is_safe),
		cmocka_unit_test(test_format_renders_the_canonical_shorthand),
		cmocka_unit_test(test_format_returns_the_needed_length_and_truncates),
		cmocka_unit_test(test_format_of_an_unset_template_is_star),
		cmocka_unit_test(test_opt_format_names_one_option),
		cmocka_unit_test(test_encode_syn_options_bytes),
		cmocka_unit_test(test_encode_pads_with_zero_bytes_to_a_multiple_of_4),
		cmocka_unit_test(test_encode_sack_blocks),
		cmocka_unit_test(test_encode_raw_bytes_as_given),
		cmocka_unit_test(test_encode_wscale_above_14_as_given),
		cmocka_unit_test(test_encode_exactly_40_bytes),
		cmocka_unit_test(test_encode_without_options_is_zero_bytes),
		cmocka_unit_test(test_encode_skips_absent_options),
		cmocka_unit_test(test_encode_refuses_wildcards),
		cmocka_unit_test(test_encode_over_40_bytes_is_an_error),
		cmocka_unit_test(test_encode_checks_hand_built_values),
		cmocka_unit_test(test_set_data_copy_and_free_own_the_payload),
		cmocka_unit_test(test_100000_random_strings_parse_or_fail_cleanly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
