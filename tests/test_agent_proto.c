/* Unit tests of the agent line protocol parser/formatter (harness/agent/agent_proto.c).
 * Each test name states the behaviour it pins down; PROTOCOL.md is the spec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_proto.h"

static char err[256];

/* Parse a copy of s as a request; the copy lives until the next call. */
static char linebuf[AGENT_LINE_MAX + 64];

static int req(const char *s, struct agent_request *r)
{
	snprintf(linebuf, sizeof(linebuf), "%s", s);
	err[0] = '\0';
	return agent_request_parse(linebuf, r, err, sizeof(err));
}

static int rep(const char *s, struct agent_reply *r)
{
	snprintf(linebuf, sizeof(linebuf), "%s", s);
	err[0] = '\0';
	return agent_reply_parse(linebuf, r, err, sizeof(err));
}

/* ------------------------------------------------------------ requests */

static void request_with_args_splits_id_verb_and_args(void **state)
{
	struct agent_request r;

	assert_int_equal(req("17 connect 3 198.18.0.1 80 wait=500", &r), 0);
	assert_int_equal(r.id, 17);
	assert_string_equal(r.verb, "connect");
	assert_int_equal(r.nargs, 4);
	assert_string_equal(r.args[0], "3");
	assert_string_equal(r.args[1], "198.18.0.1");
	assert_string_equal(r.args[2], "80");
	assert_string_equal(r.args[3], "wait=500");
}

static void request_without_args_has_zero_args(void **state)
{
	struct agent_request r;

	assert_int_equal(req("1 hello", &r), 0);
	assert_int_equal(r.nargs, 0);
	assert_string_equal(r.verb, "hello");
}

static void request_tolerates_runs_of_blanks_and_trailing_spaces(void **state)
{
	struct agent_request r;

	assert_int_equal(req("  5 \t listen   2  16   ", &r), 0);
	assert_int_equal(r.id, 5);
	assert_string_equal(r.verb, "listen");
	assert_int_equal(r.nargs, 2);
	assert_string_equal(r.args[1], "16");
}

static void request_accepts_largest_id(void **state)
{
	struct agent_request r;

	assert_int_equal(req("4294967295 quit", &r), 0);
	assert_int_equal(r.id, 4294967295u);
}

static void request_empty_line_is_rejected(void **state)
{
	struct agent_request r;

	assert_int_equal(req("", &r), -1);
	assert_non_null(strstr(err, "empty line"));
	assert_int_equal(req("   \t ", &r), -1);
	assert_non_null(strstr(err, "empty line"));
}

static void request_null_line_is_rejected(void **state)
{
	struct agent_request r;

	assert_int_equal(agent_request_parse(NULL, &r, err, sizeof(err)), -1);
}

static void request_id_zero_is_reserved_for_the_agent(void **state)
{
	struct agent_request r;

	assert_int_equal(req("0 hello", &r), -1);
	assert_int_equal(r.id, 0);
	assert_non_null(strstr(err, "id \"0\""));
}

static void request_id_above_32_bits_is_rejected(void **state)
{
	struct agent_request r;

	assert_int_equal(req("4294967296 hello", &r), -1);
	assert_int_equal(r.id, 0);
	assert_int_equal(req("99999999999999999999999999 hello", &r), -1);
	assert_non_null(strstr(err, "not a decimal"));
}

static void request_id_with_non_digits_is_rejected(void **state)
{
	struct agent_request r;

	assert_int_equal(req("x1 hello", &r), -1);
	assert_int_equal(req("-1 hello", &r), -1);
	assert_int_equal(req("+1 hello", &r), -1);
	assert_int_equal(req("1a hello", &r), -1);
	assert_non_null(strstr(err, "\"1a\""));
}

static void request_without_verb_is_rejected_but_keeps_its_id(void **state)
{
	struct agent_request r;

	assert_int_equal(req("42", &r), -1);
	assert_int_equal(r.id, 42);
	assert_non_null(strstr(err, "no verb"));
	assert_int_equal(req("42   ", &r), -1);
	assert_int_equal(r.id, 42);
}

static void request_with_max_args_is_accepted(void **state)
{
	char line[256] = "9 v";
	struct agent_request r;
	int i;

	for (i = 0; i < AGENT_MAX_ARGS; i++)
		strcat(line, " a");
	assert_int_equal(req(line, &r), 0);
	assert_int_equal(r.nargs, AGENT_MAX_ARGS);
}

static void request_with_too_many_args_is_rejected_but_keeps_its_id(void **state)
{
	char line[256] = "9 v";
	struct agent_request r;
	int i;

	for (i = 0; i <= AGENT_MAX_ARGS; i++)
		strcat(line, " a");
	assert_int_equal(req(line, &r), -1);
	assert_int_equal(r.id, 9);
	assert_non_null(strstr(err, "more than 16 arguments"));
}

static void request_with_control_byte_is_rejected_naming_the_column(void **state)
{
	struct agent_request r;

	assert_int_equal(req("1 hel\001lo", &r), -1);
	assert_non_null(strstr(err, "0x01 at column 6"));
	assert_int_equal(r.id, 1);
	assert_int_equal(req("1 hello\r", &r), -1);
	assert_int_equal(req("1 h\xc3\xa9llo", &r), -1);
	assert_non_null(strstr(err, "0xc3"));
	assert_int_equal(req("1\001 hello", &r), -1);
	assert_int_equal(r.id, 0);
}

static void request_longer_than_line_max_is_rejected(void **state)
{
	struct agent_request r;
	char *line = malloc(AGENT_LINE_MAX + 2);

	assert_non_null(line);
	memset(line, 'a', AGENT_LINE_MAX + 1);
	memcpy(line, "1 send 1 ", 9);
	line[AGENT_LINE_MAX + 1] = '\0';
	assert_int_equal(agent_request_parse(line, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than"));
	free(line);
}

static void request_error_quotes_at_most_a_prefix_of_a_huge_token(void **state)
{
	struct agent_request r;
	char *line = malloc(100001);

	assert_non_null(line);
	memset(line, '7', 100000);
	line[0] = 'x';
	line[100000] = '\0';
	assert_int_equal(agent_request_parse(line, &r, err, sizeof(err)), -1);
	assert_true(strlen(err) < 100);
	free(line);
}

static void request_error_tolerates_null_or_tiny_err_buffer(void **state)
{
	struct agent_request r;
	char small[4] = "zzz";
	char line[] = "x hello";
	char line2[] = "x hello";

	assert_int_equal(agent_request_parse(line, &r, NULL, 0), -1);
	assert_int_equal(agent_request_parse(line2, &r, small, sizeof(small)), -1);
	assert_int_equal(strlen(small), 3);
}

/* ------------------------------------------------------------ replies */

static void reply_success_with_keys_is_parsed(void **state)
{
	struct agent_reply r;

	assert_int_equal(rep("7 4 - raddr=198.18.0.1 rport=40000 data=", &r), 0);
	assert_int_equal(r.id, 7);
	assert_int_equal(r.ret, 4);
	assert_string_equal(r.errname, "-");
	assert_int_equal(r.nkv, 3);
	assert_string_equal(agent_reply_get(&r, "raddr"), "198.18.0.1");
	assert_string_equal(agent_reply_get(&r, "rport"), "40000");
	assert_string_equal(agent_reply_get(&r, "data"), "");
	assert_null(agent_reply_get(&r, "laddr"));
}

static void reply_greeting_uses_id_zero(void **state)
{
	struct agent_reply r;

	assert_int_equal(rep("0 0 - hello=tcpconform-agent version=1 stack=linux "
			     "caps=sysctl,state", &r), 0);
	assert_int_equal(r.id, 0);
	assert_string_equal(agent_reply_get(&r, "version"), "1");
	assert_string_equal(agent_reply_get(&r, "caps"), "sysctl,state");
}

static void reply_failure_carries_errname_and_msg(void **state)
{
	struct agent_reply r;

	assert_int_equal(rep("3 -1 ECONNREFUSED", &r), 0);
	assert_int_equal(r.ret, -1);
	assert_string_equal(r.errname, "ECONNREFUSED");
	assert_int_equal(rep("4 -1 TIMEOUT msg=accept:_not_done", &r), 0);
	assert_string_equal(r.errname, "TIMEOUT");
	assert_string_equal(agent_reply_get(&r, "msg"), "accept: not done");
}

/* PROTOCOL.md 4.2: what an agent escapes into one token reads back exactly. */
static void msg_escape_and_unescape_round_trip_spaces_underscores_and_backslashes(void **state)
{
	char tok[128], line[160];
	struct agent_reply r;

	agent_msg_escape("tap tap0: /dev/net/tun: Permission denied", tok, sizeof(tok));
	assert_string_equal(tok, "tap_tap0:_/dev/net/tun:_Permission_denied");
	agent_msg_escape("net.ipv4.tcp_rmem a\\b\tc", tok, sizeof(tok));
	assert_string_equal(tok, "net.ipv4.tcp\\_rmem_a\\\\b?c");
	snprintf(line, sizeof(line), "0 -1 EIO msg=%s", tok);
	assert_int_equal(rep(line, &r), 0);
	assert_string_equal(agent_reply_get(&r, "msg"), "net.ipv4.tcp_rmem a\\b?c");
}

static void msg_escape_never_writes_half_an_escape(void **state)
{
	char tok[4];

	assert_int_equal(agent_msg_escape("ab_", tok, sizeof(tok)), 2);
	assert_string_equal(tok, "ab");
}

static void reply_value_may_contain_equals_signs(void **state)
{
	struct agent_reply r;

	assert_int_equal(rep("1 0 - msg=a=b", &r), 0);
	assert_string_equal(agent_reply_get(&r, "msg"), "a=b");
}

static void reply_extreme_rets_are_parsed_and_overflow_rejected(void **state)
{
	struct agent_reply r;

	assert_int_equal(rep("1 9223372036854775807 -", &r), 0);
	assert_true(r.ret == 9223372036854775807LL);
	assert_int_equal(rep("1 -9223372036854775808 EIO", &r), 0);
	assert_true(r.ret == (-9223372036854775807LL - 1));
	assert_int_equal(rep("1 9223372036854775808 -", &r), -1);
	assert_int_equal(rep("1 -9223372036854775809 EIO", &r), -1);
}

static void reply_with_missing_fields_is_rejected(void **state)
{
	struct agent_reply r;

	assert_int_equal(rep("", &r), -1);
	assert_int_equal(rep("5", &r), -1);
	assert_int_equal(r.id, 5);
	assert_int_equal(rep("5 0", &r), -1);
	assert_non_null(strstr(err, "expected at least 3"));
}

static void reply_with_non_integer_ret_is_rejected(void **state)
{
	struct agent_reply r;

	assert_int_equal(rep("5 x1 -", &r), -1);
	assert_non_null(strstr(err, "ret \"x1\" is not an integer"));
	assert_int_equal(rep("5 - -", &r), -1);
	assert_int_equal(rep("5 1.5 -", &r), -1);
}

static void reply_with_bad_id_is_rejected(void **state)
{
	struct agent_reply r;

	assert_int_equal(rep("a 0 -", &r), -1);
	assert_int_equal(rep("4294967296 0 -", &r), -1);
	assert_non_null(strstr(err, "id"));
}

static void reply_errname_must_be_dash_or_upper_case_name(void **state)
{
	struct agent_reply r;

	assert_int_equal(rep("1 -1 econnreset", &r), -1);
	assert_non_null(strstr(err, "errname"));
	assert_int_equal(rep("1 -1 1EIO", &r), -1);
	assert_int_equal(rep("1 -1 E-IO", &r), -1);
	assert_int_equal(rep("1 -1 E_2BIG_9", &r), 0);
}

static void reply_ret_and_errname_must_agree(void **state)
{
	struct agent_reply r;

	assert_int_equal(rep("1 -1 -", &r), -1);
	assert_non_null(strstr(err, "negative ret needs an errname"));
	assert_int_equal(rep("1 0 EPIPE", &r), -1);
}

static void reply_field_without_equals_is_rejected(void **state)
{
	struct agent_reply r;

	assert_int_equal(rep("1 0 - state", &r), -1);
	assert_non_null(strstr(err, "field 4 \"state\" is not key=value"));
	assert_int_equal(rep("1 0 - =x", &r), -1);
}

static void reply_with_too_many_pairs_is_rejected(void **state)
{
	char line[512] = "1 0 -";
	struct agent_reply r;
	int i;

	/* PROTOCOL.md 4: 48 pairs (16 before tcp_info's 30 keys needed more). */
	assert_int_equal(AGENT_MAX_KV, 48);
	for (i = 0; i < AGENT_MAX_KV; i++)
		strcat(line, " k=v");
	assert_int_equal(rep(line, &r), 0);
	assert_int_equal(r.nkv, AGENT_MAX_KV);
	strcat(line, " k=v");
	assert_int_equal(rep(line, &r), -1);
	assert_non_null(strstr(err, "more than 48"));
}

static void reply_first_of_repeated_keys_wins(void **state)
{
	struct agent_reply r;

	assert_int_equal(rep("1 0 - k=1 k=2", &r), 0);
	assert_string_equal(agent_reply_get(&r, "k"), "1");
}

/* ------------------------------------------------------------ errno names */

static void errno_names_round_trip_for_the_usual_socket_errors(void **state)
{
	static const int errs[] = {
		EPERM, ENOENT, EINTR, EIO, EBADF, EAGAIN, ENOMEM, EACCES, EFAULT, EBUSY,
		EEXIST, EINVAL, ENFILE, EMFILE, ENOSPC, EPIPE, ENOSYS, EPROTO, ENOTSOCK,
		EDESTADDRREQ, EMSGSIZE, EPROTOTYPE, ENOPROTOOPT, EPROTONOSUPPORT, EOPNOTSUPP,
		EAFNOSUPPORT, EADDRINUSE, EADDRNOTAVAIL, ENETDOWN, ENETUNREACH, ENETRESET,
		ECONNABORTED, ECONNRESET, ENOBUFS, EISCONN, ENOTCONN, ESHUTDOWN, ETIMEDOUT,
		ECONNREFUSED, EHOSTDOWN, EHOSTUNREACH, EALREADY, EINPROGRESS, ECANCELED,
	};
	size_t i;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		const char *n = agent_errno_name(errs[i]);

		assert_true(n[0] == 'E');
		assert_string_not_equal(n, "EUNKNOWN");
		assert_int_equal(agent_errno_value(n), errs[i]);
	}
	assert_string_equal(agent_errno_name(ECONNRESET), "ECONNRESET");
	assert_string_equal(agent_errno_name(ETIMEDOUT), "ETIMEDOUT");
}

static void errno_zero_is_dash_and_unknown_is_eunknown(void **state)
{
	assert_string_equal(agent_errno_name(0), "-");
	assert_string_equal(agent_errno_name(99999), "EUNKNOWN");
	assert_string_equal(agent_errno_name(-5), "EUNKNOWN");
}

static void errno_value_of_protocol_names_and_garbage_is_minus_one(void **state)
{
	assert_int_equal(agent_errno_value("TIMEOUT"), -1);
	assert_int_equal(agent_errno_value("CANCELED"), -1);
	assert_int_equal(agent_errno_value("-"), -1);
	assert_int_equal(agent_errno_value(""), -1);
	assert_int_equal(agent_errno_value(NULL), -1);
	assert_int_equal(agent_errno_value("econnreset"), -1);
}

static void errno_aliases_are_accepted_on_input(void **state)
{
	assert_int_equal(agent_errno_value("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(agent_errno_value("ENOTSUP"), EOPNOTSUPP);
}

/* ------------------------------------------------------------ hex */

static void hex_round_trips_every_byte_value(void **state)
{
	unsigned char in[256], back[256];
	char hex[513];
	int i;

	for (i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	assert_int_equal(agent_hex_encode(in, sizeof(in), hex, sizeof(hex)), 512);
	assert_int_equal(strlen(hex), 512);
	assert_memory_equal(hex, "000102", 6);
	assert_string_equal(hex + 500, "fafbfcfdfeff");
	assert_int_equal(agent_hex_decode(hex, back, sizeof(back)), 256);
	assert_memory_equal(in, back, sizeof(in));
}

static void hex_encode_of_nothing_is_empty_string(void **state)
{
	char hex[4] = "zz";

	assert_int_equal(agent_hex_encode("", 0, hex, sizeof(hex)), 0);
	assert_string_equal(hex, "");
}

static void hex_encode_refuses_a_too_small_buffer_whole(void **state)
{
	char hex[6] = "zzzzz";

	assert_int_equal(agent_hex_encode("abc", 3, hex, sizeof(hex)), 0);
	assert_string_equal(hex, "");
	assert_int_equal(agent_hex_encode("ab", 2, hex, 5), 4);
	assert_string_equal(hex, "6162");
	assert_int_equal(agent_hex_encode("ab", 2, hex, 0), 0);
}

static void hex_decode_accepts_upper_case(void **state)
{
	unsigned char out[2];

	assert_int_equal(agent_hex_decode("ABcd", out, sizeof(out)), 2);
	assert_int_equal(out[0], 0xab);
	assert_int_equal(out[1], 0xcd);
}

static void hex_decode_rejects_odd_length_bad_digits_and_overflow(void **state)
{
	unsigned char out[4];

	assert_int_equal(agent_hex_decode("abc", out, sizeof(out)), -1);
	assert_int_equal(agent_hex_decode("zz", out, sizeof(out)), -1);
	assert_int_equal(agent_hex_decode("0g", out, sizeof(out)), -1);
	assert_int_equal(agent_hex_decode(" 0", out, sizeof(out)), -1);
	assert_int_equal(agent_hex_decode("0011223344", out, sizeof(out)), -1);
	assert_int_equal(agent_hex_decode("", out, sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_with_args_splits_id_verb_and_args),
		cmocka_unit_test(request_without_args_has_zero_args),
		cmocka_unit_test(request_tolerates_runs_of_blanks_and_trailing_spaces),
		cmocka_unit_test(request_accepts_largest_id),
		cmocka_unit_test(request_empty_line_is_rejected),
		cmocka_unit_test(request_null_line_is_rejected),
		cmocka_unit_test(request_id_zero_is_reserved_for_the_agent),
		cmocka_unit_test(request_id_above_32_bits_is_rejected),
		cmocka_unit_test(request_id_with_non_digits_is_rejected),
		cmocka_unit_test(request_without_verb_is_rejected_but_keeps_its_id),
		cmocka_unit_test(request_with_max_args_is_accepted),
		cmocka_unit_test(request_with_too_many_args_is_rejected_but_keeps_its_id),
		cmocka_unit_test(request_with_control_byte_is_rejected_naming_the_column),
		cmocka_unit_test(request_longer_than_line_max_is_rejected),
		cmocka_unit_test(request_error_quotes_at_most_a_prefix_of_a_huge_token),
		cmocka_unit_test(request_error_tolerates_null_or_tiny_err_buffer),
		cmocka_unit_test(reply_success_with_keys_is_parsed),
		cmocka_unit_test(reply_greeting_uses_id_zero),
		cmocka_unit_test(reply_failure_carries_errname_and_msg),
		cmocka_unit_test(msg_escape_and_unescape_round_trip_spaces_underscores_and_backslashes),
		cmocka_unit_test(msg_escape_never_writes_half_an_escape),
		cmocka_unit_test(reply_value_may_contain_equals_signs),
		cmocka_unit_test(reply_extreme_rets_are_parsed_and_overflow_rejected),
		cmocka_unit_test(reply_with_missing_fields_is_rejected),
		cmocka_unit_test(reply_with_non_integer_ret_is_rejected),
		cmocka_unit_test(reply_with_bad_id_is_rejected),
		cmocka_unit_test(reply_errname_must_be_dash_or_upper_case_name),
		cmocka_unit_test(reply_ret_and_errname_must_agree),
		cmocka_unit_test(reply_field_without_equals_is_rejected),
		cmocka_unit_test(reply_with_too_many_pairs_is_rejected),
		cmocka_unit_test(reply_first_of_repeated_keys_wins),
		cmocka_unit_test(errno_names_round_trip_for_the_usual_socket_errors),
		cmocka_unit_test(errno_zero_is_dash_and_unknown_is_eunknown),
		cmocka_unit_test(errno_value_of_protocol_names_and_garbage_is_minus_one),
		cmocka_unit_test(errno_aliases_are_accepted_on_input),
		cmocka_unit_test(hex_round_trips_every_byte_value),
		cmocka_unit_test(hex_encode_of_nothing_is_empty_string),
		cmocka_unit_test(hex_encode_refuses_a_too_small_buffer_whole),
		cmocka_unit_test(hex_decode_accepts_upper_case),
		cmocka_unit_test(hex_decode_rejects_odd_length_bad_digits_and_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
