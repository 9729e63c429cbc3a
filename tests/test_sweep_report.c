/* test_sweep_report.c - the sweep's reports on hand-made result lines: the strict reader
 * of a result line, cases.jsonl, the JUnit file (valid against the Jenkins xUnit schema,
 * checked by xmllint), the HTML page (escaping of hostile strings, the differential page
 * naming the odd one out of three), the console summary, the worker shards, and the
 * known-deviation matching (lua/sweep/deviations.lua, run from the source tree). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "sweep_report_int.h"
#include "sweep_result.h"
#include "sweep_run.h"
#include "report_fixture.h"

/* A result line with the given fields (the rest fixed). */
static char *line(const char *id, const char *state, const char *klass, const char *verdict,
		  const char *seen)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf),
		 "{\"id\":\"%s\",\"state\":\"%s\",\"family\":\"inet\",\"class\":\"%s\","
		 "\"group\":\"%s %s\",\"target\":\"engine-name\",\"verdict\":\"%s\","
		 "\"expected\":\". 1:1(0) ack 1 -> %s\",\"seen\":\"%s\",\"rule\":\"rfc5961.syn\","
		 "\"rfc\":\"9293 3.10.7.4\",\"sentence\":\"If the SYN bit is set ...\","
		 "\"detail\":\"step 1\\nstep 2\",\"pcap\":\"\",\"t\":0.25}",
		 id, state, klass, state, klass, verdict, state, seen);
	return buf;
}

static void add(struct sweep_report *rep, int target, const char *json)
{
	struct sweep_result r;
	char err[256];
	if (sweep_result_parse(json, &r, err, sizeof(err)) < 0)
		fail_msg("parse: %s: %s", err, json);
	assert_int_equal(sweep_report_add(rep, target, &r), 0);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char *buf;
	free(buf);
	buf = calloc(1, 1 << 22);
	size_t n = fread(buf, 1, (1 << 22) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* ---- the result line -------------------------------------------------------------- */

static void a_result_line_is_read_field_by_field(void **state)
{
	struct sweep_result r;
	char err[256];
	assert_int_equal(sweep_result_parse(line("E/inet/SA:1", "ESTABLISHED", "SYN+ACK",
						 "differs", "R 5:5(0) -> CLOSED"), &r, err,
					    sizeof(err)), 0);
	assert_string_equal(r.id, "E/inet/SA:1");
	assert_string_equal(r.klass, "SYN+ACK");
	assert_string_equal(r.group, "ESTABLISHED SYN+ACK");
	assert_int_equal(r.verdict, SWEEP_DIFFERS);
	assert_string_equal(r.detail, "step 1\nstep 2");
	assert_string_equal(r.reason, "");
	assert_true(r.t == 0.25);
	assert_false(r.stub);
	sweep_result_free(&r);
}

static void escapes_unicode_and_unknown_fields_are_read(void **state)
{
	struct sweep_result r;
	char err[256];
	const char *j = "{\"id\":\"a\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\t\",\"state\":\"LISTEN\","
			"\"class\":\"ACK\",\"verdict\":\"deviation\",\"extra\":[1],\"t\":1}";
	/* An array is no value of this shape: refused, with where. */
	assert_int_equal(sweep_result_parse(j, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expected a string, number, true, false or null, got '['"));
	j = "{\"id\":\"a\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\t\",\"state\":\"LISTEN\","
	    "\"class\":\"ACK\",\"verdict\":\"deviation\",\"extra\":null,\"n\":-1.5e3,"
	    "\"stub\":true,\"reason\":\"known\"}";
	assert_int_equal(sweep_result_parse(j, &r, err, sizeof(err)), 0);
	assert_string_equal(r.id, "a\xc3\xa9\xf0\x9f\x98\x80\"\\/\t");
	assert_int_equal(r.verdict, SWEEP_DEVIATION);
	assert_true(r.stub);
	assert_string_equal(r.reason, "known");
	assert_string_equal(r.family, "");
	sweep_result_free(&r);
}

static void malformed_lines_are_refused_naming_what_and_where(void **state)
{
	static const struct { const char *json, *err; } bad[] = {
		{"", "byte 0: expected '{', got the end of the line"},
		{"{\"id\":\"x\",\"state\":\"S\",\"class\":\"C\"}", "missing field \"verdict\""},
		{"{\"id\":\"x\",\"state\":\"S\",\"verdict\":\"agree\"}", "missing field \"class\""},
		{"{\"id\":\"x\",\"state\":\"S\",\"class\":\"C\",\"verdict\":\"maybe\"}",
		 "field \"verdict\": expected agree, differs, deviation or error, got \"maybe\""},
		{"{\"id\":\"x\" \"state\":\"S\"}", "byte 10: expected ',' or '}', got '\"'"},
		{"{\"id\":\"x}", "expected the closing '\"', got the end of the line"},
		{"{\"id\":\"a\tb\"}", "byte 8: expected an escape for a control character"},
		{"{\"id\":\"\\u0000\"}", "not \\u0000"},
		{"{\"id\":1}", "byte 6: expected a string, got '1'"},
		{"{\"id\":\"x\",\"state\":\"S\",\"class\":\"C\",\"verdict\":\"agree\"} x",
		 "expected the end of the line after '}'"},
		{"{\"id\":\"x\",\"state\":\"S\",\"class\":\"C\",\"verdict\":\"agree\",\"t\":-1}",
		 "field \"t\": expected seconds"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sweep_result r;
		char err[256] = "";
		if (sweep_result_parse(bad[i].json, &r, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i].json);
		if (!strstr(err, bad[i].err))
			fail_msg("%s: said \"%s\", expected \"%s\"", bad[i].json, err, bad[i].err);
	}
}

static void written_lines_read_back_and_are_valid_json_whatever_the_bytes(void **state)
{
	struct sweep_result r;
	char err[256], *buf = NULL;
	size_t len = 0;
	assert_int_equal(sweep_result_parse(line("x", "LISTEN", "ACK", "agree", "nothing"), &r,
					    err, sizeof(err)), 0);
	free(r.seen);
	r.seen = strdup("bad \xff\xc3 byte, ctl \x01, \"quote\" \\ <tag>\n");
	FILE *f = open_memstream(&buf, &len);
	sweep_result_write(f, &r);
	fclose(f);
	assert_non_null(strstr(buf, "bad \\u00ff\\u00c3 byte, ctl \\u0001, \\\"quote\\\" \\\\"));
	assert_int_equal(buf[len - 1], '\n');
	buf[len - 1] = 0;
	struct sweep_result back;
	assert_int_equal(sweep_result_parse(buf, &back, err, sizeof(err)), 0);
	assert_string_equal(back.id, "x");
	assert_string_equal(back.verdict == SWEEP_AGREE ? "agree" : "?", "agree");
	/* Invalid bytes come back as the code points of the bytes: still readable text. */
	assert_string_equal(back.seen, "bad \xc3\xbf\xc3\x83 byte, ctl \x01, \"quote\" \\ <tag>\n");
	sweep_result_free(&back);
	sweep_result_free(&r);
	free(buf);
}

/* ---- the reports ------------------------------------------------------------------ */

static struct sweep_report *two_targets(void)
{
	const char *t[] = {"linux", "linux:net.ipv4.tcp_rfc1337=1"};
	struct sweep_report *rep = sweep_report_new(t, 2);
	assert_non_null(rep);
	add(rep, 0, line("TW/inet/R:1", "TIME-WAIT", "RST", "agree", "nothing -> CLOSED"));
	add(rep, 1, line("TW/inet/R:1", "TIME-WAIT", "RST", "differs", "nothing -> TIME-WAIT"));
	add(rep, 0, line("E/inet/S:1", "ESTABLISHED", "SYN", "agree", "x"));
	add(rep, 1, line("E/inet/S:1", "ESTABLISHED", "SYN", "agree", "x"));
	add(rep, 0, line("E/inet/S:2", "ESTABLISHED", "SYN", "deviation", "y"));
	add(rep, 1, line("E/inet/S:2", "ESTABLISHED", "SYN", "error", "y"));
	add(rep, 0, line("L/inet/A:1", "LISTEN", "ACK", "error", ""));
	return rep;
}

static void results_take_the_workers_target_label_and_sort_by_state_order(void **state)
{
	struct sweep_report *rep = two_targets();
	char path[128], err[512];
	snprintf(path, sizeof(path), "%s/cases.jsonl", tmpdir);
	assert_int_equal(sweep_report_write_jsonl(rep, path, err, sizeof(err)), 0);
	const char *s = slurp(path);
	/* LISTEN before ESTABLISHED before TIME-WAIT: the contract's order, not A-Z. */
	const char *l = strstr(s, "\"LISTEN\""), *e = strstr(s, "\"ESTABLISHED\""),
		   *t = strstr(s, "\"TIME-WAIT\"");
	assert_true(l && e && t && l < e && e < t);
	assert_non_null(strstr(s, "\"target\":\"linux:net.ipv4.tcp_rfc1337=1\""));
	assert_null(strstr(s, "engine-name"));
	long c[SWEEP_NVERDICTS];
	sweep_report_counts(rep, -1, c);
	assert_int_equal(c[SWEEP_AGREE] + c[SWEEP_DIFFERS] + c[SWEEP_DEVIATION] + c[SWEEP_ERROR], 7);
	sweep_report_free(rep);
}

static void junit_has_a_testcase_per_group_and_target_and_is_schema_valid(void **state)
{
	struct sweep_report *rep = two_targets();
	sweep_report_trouble(rep, 1, "worker 2 of 2: died from signal 9 <&>");
	char path[128], err[512];
	snprintf(path, sizeof(path), "%s/junit.xml", tmpdir);
	assert_int_equal(sweep_report_write_junit(rep, path, err, sizeof(err)), 0);
	const char *s = slurp(path);
	/* linux: 3 groups; the option target: 2 groups and the trouble. */
	assert_non_null(strstr(s, "<testsuite name=\"sweep linux\" tests=\"3\" failures=\"0\" "
				  "errors=\"1\""));
	assert_non_null(strstr(s, "<testsuite name=\"sweep linux:net.ipv4.tcp_rfc1337=1\" "
				  "tests=\"3\" failures=\"1\" errors=\"2\""));
	assert_non_null(strstr(s, "message=\"1 of 2 cases ended in an error\""));
	assert_non_null(strstr(s, "1 of 1 cases differ from the model; first: TW/inet/R:1 "
				  "(rule rfc5961.syn, RFC 9293 3.10.7.4)"));
	assert_non_null(strstr(s, "seen:     nothing -&gt; TIME-WAIT"));
	assert_non_null(strstr(s, "RFC: &quot;If the SYN bit is set ...&quot;"));
	assert_non_null(strstr(s, "[[PROPERTY|deviation=E/inet/S:2: ]]"));
	assert_non_null(strstr(s, "died from signal 9 &lt;&amp;&gt;"));
	assert_junit_valid(path);
	sweep_report_free(rep);
}

static void html_escapes_hostile_strings_everywhere(void **state)
{
	const char *t[] = {"exec:<script>alert(1)</script>"};
	struct sweep_report *rep = sweep_report_new(t, 1);
	char j[4096];
	snprintf(j, sizeof(j),
		 "{\"id\":\"<img src=x onerror=alert(2)>\",\"state\":\"LISTEN\","
		 "\"class\":\"\\\"><b>\",\"verdict\":\"differs\",\"expected\":\"a & b\","
		 "\"seen\":\"</pre><script>x</script>\",\"sentence\":\"<i>RFC</i>\","
		 "\"detail\":\"</pre>&amp;\",\"pcap\":\"%s/p\\\"q<.pcap\"}", tmpdir);
	add(rep, 0, j);
	char path[128], err[512];
	snprintf(path, sizeof(path), "%s/index.html", tmpdir);
	assert_int_equal(sweep_report_write_html(rep, path, err, sizeof(err)), 0);
	const char *s = slurp(path);
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "<img"));
	assert_null(strstr(s, "<b>"));
	assert_null(strstr(s, "<i>RFC"));
	assert_non_null(strstr(s, "&lt;img src=x onerror=alert(2)&gt;"));
	assert_non_null(strstr(s, "a &amp; b"));
	assert_non_null(strstr(s, "&lt;/pre&gt;&amp;amp;"));
	/* The pcap link: relative to the page, percent-encoded. */
	assert_non_null(strstr(s, "href=\"p%22q%3C.pcap\""));
	sweep_report_free(rep);
}

static void differential_names_the_odd_one_out_of_three(void **state)
{
	const char *t[] = {"linux", "lwip", "gvisor"};
	struct sweep_report *rep = sweep_report_new(t, 3);
	/* SYN-SENT x RST: lwip alone behaves otherwise. */
	add(rep, 0, line("SS/R:1", "SYN-SENT", "RST", "agree", "a"));
	add(rep, 1, line("SS/R:1", "SYN-SENT", "RST", "differs", "R 1:1(0)"));
	add(rep, 2, line("SS/R:1", "SYN-SENT", "RST", "agree", "a"));
	/* LISTEN x ACK: all three differ from the model, alike. */
	for (int k = 0; k < 3; k++)
		add(rep, k, line("L/A:1", "LISTEN", "ACK", "differs", "nothing"));
	/* CLOSED x SYN: three behaviours, no odd one out. */
	add(rep, 0, line("C/S:1", "CLOSED", "SYN", "differs", "a"));
	add(rep, 1, line("C/S:1", "CLOSED", "SYN", "differs", "b"));
	add(rep, 2, line("C/S:1", "CLOSED", "SYN", "agree", "c"));
	/* CLOSE-WAIT x FIN: errors say nothing about behaviour. */
	add(rep, 0, line("CW/F:1", "CLOSE-WAIT", "FIN", "agree", "a"));
	add(rep, 1, line("CW/F:1", "CLOSE-WAIT", "FIN", "error", "a"));
	add(rep, 2, line("CW/F:1", "CLOSE-WAIT", "FIN", "agree", "a"));
	sweep_report_sort(rep);
	int odd;
	size_t i = 0, end;
	/* Sorted: CLOSED, LISTEN, SYN-SENT, CLOSE-WAIT. */
	end = sweep_cell_end(rep, i);
	assert_int_equal(sweep_cell_diff(rep, i, end, &odd), SWEEP_DIFF_DISAGREE);
	assert_int_equal(odd, -1);
	i = end, end = sweep_cell_end(rep, i);
	assert_int_equal(sweep_cell_diff(rep, i, end, &odd), SWEEP_DIFF_ALIKE);
	i = end, end = sweep_cell_end(rep, i);
	assert_string_equal(rep->e[i].r.state, "SYN-SENT");
	assert_int_equal(sweep_cell_diff(rep, i, end, &odd), SWEEP_DIFF_DISAGREE);
	assert_int_equal(odd, 1);
	i = end, end = sweep_cell_end(rep, i);
	assert_int_equal(sweep_cell_diff(rep, i, end, &odd), SWEEP_DIFF_ERROR);
	char path[128], err[512];
	snprintf(path, sizeof(path), "%s/index.html", tmpdir);
	assert_int_equal(sweep_report_write_html(rep, path, err, sizeof(err)), 0);
	const char *s = slurp(path);
	assert_non_null(strstr(s, "targets disagree: odd one out lwip</a>"));
	assert_non_null(strstr(s, "all differ from the model</a>"));
	assert_non_null(strstr(s, "<a href=\"#diff\">differential</a>"));
	sweep_report_free(rep);
}

static void the_summary_has_a_row_per_state_and_a_total_per_target(void **state)
{
	struct sweep_report *rep = two_targets();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	sweep_report_summary(rep, f);
	fclose(f);
	assert_non_null(strstr(buf, "\nlinux\n"));
	assert_non_null(strstr(buf, "  ESTABLISHED                  2       1       0         1       0\n"));
	assert_non_null(strstr(buf, "  TIME-WAIT                    1       0       1         0       0\n"));
	assert_non_null(strstr(buf, "  total                        3       1       1         0       1\n"));
	free(buf);
	sweep_report_free(rep);
}

static void worker_shards_split_the_users_shard_exactly(void **state)
{
	for (int n = 1; n <= 3; n++)
		for (int k = 1; k <= n; k++)
			for (int jobs = 1; jobs <= 4; jobs++)
				for (int idx = 0; idx < 100; idx++) {
					int owners = 0;
					for (int j = 1; j <= jobs; j++) {
						int wk, wn;
						sweep_worker_shard(k, n, jobs, j, &wk, &wn);
						owners += idx % wn == wk - 1;
					}
					assert_int_equal(owners, idx % n == k - 1 ? 1 : 0);
				}
}

/* ---- known deviations (lua/sweep/deviations.lua) ----------------------------------- */

static void deviations_turn_covered_differs_into_deviation(void **state)
{
	lua_State *L = luaL_newstate();
	luaL_openlibs(L);
	lua_getglobal(L, "package");
	lua_pushfstring(L, "%s/lua/?.lua", source_dir());
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
	static const char chunk[] =
		"local D = require 'sweep.deviations'\n"
		"local desc = {sweep_deviations = {\n"
		"  ['rfc5961.syn'] = {reason = 'no challenge ACK', rfc = '5961 4.2'},\n"
		"  ['TIME-WAIT/*/RST+ACK:*'] = {reason = 'RFC 1337', rfc = '1337 F1'},\n"
		"  ['rst.challenge@CLOSING/*'] = {reason = 'reset at RCV.NXT-1', rfc = '5961 3.2'}}}\n"
		"local function v(r) return D.classify(r, desc).verdict end\n"
		"assert(v{id = 'E/inet/SYN', verdict = 'differs', rule = 'rfc5961.syn'} == 'deviation')\n"
		"assert(v{id = 'TIME-WAIT/inet6/RST+ACK:seq=rcv_nxt', verdict = 'differs', rule = 'x'}"
		"  == 'deviation')\n"
		"assert(v{id = 'TIME-WAIT/inet6/RST:seq=rcv_nxt', verdict = 'differs', rule = 'x'}"
		"  == 'differs')\n"
		"assert(v{id = 'CLOSING/inet/RST:x', verdict = 'differs', rule = 'rst.challenge'}"
		"  == 'deviation')\n"
		"assert(v{id = 'CLOSE-WAIT/inet/RST:x', verdict = 'differs', rule = 'rst.challenge'}"
		"  == 'differs')\n"
		"assert(v{id = 'CLOSING/inet/RST:x', verdict = 'differs', rule = 'rst.reset'}"
		"  == 'differs')\n"
		"assert(v{id = 'rst.challenge@CLOSING/x', verdict = 'differs', rule = 'y'} == 'differs')\n"
		"assert(v{id = 'E/inet/SYN', verdict = 'agree', rule = 'rfc5961.syn'} == 'agree')\n"
		"assert(v{id = 'E/inet/SYN', verdict = 'error', rule = 'rfc5961.syn'} == 'error')\n"
		"local r = D.classify({id = 'a', verdict = 'differs', rule = 'rfc5961.syn'}, desc)\n"
		"assert(r.reason == 'no challenge ACK (RFC 5961 4.2; declared as rfc5961.syn)', r.reason)\n"
		"assert(D.classify({id = 'a', verdict = 'differs'}, {}).verdict == 'differs')\n"
		"assert(D.glob('a*c', 'abc') and D.glob('a*', 'a') and not D.glob('a*c', 'ab')\n"
		"  and D.glob('*', '') and not D.glob('a+b', 'aab') and D.glob('a+b', 'a+b'))\n"
		"local ok, msg = pcall(D.classify, {id = 'a', verdict = 'differs'},\n"
		"  {sweep_deviations = {['x.y'] = 'because'}})\n"
		"assert(not ok and msg:find('sweep_deviations%[\"x.y\"%]: expected {reason', 1) , msg)\n";
	if (luaL_dostring(L, chunk) != LUA_OK)
		fail_msg("%s", lua_tostring(L, -1));
	lua_close(L);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_result_line_is_read_field_by_field),
		T(escapes_unicode_and_unknown_fields_are_read),
		T(malformed_lines_are_refused_naming_what_and_where),
		T(written_lines_read_back_and_are_valid_json_whatever_the_bytes),
		T(results_take_the_workers_target_label_and_sort_by_state_order),
		T(junit_has_a_testcase_per_group_and_target_and_is_schema_valid),
		T(html_escapes_hostile_strings_everywhere),
		T(differential_names_the_odd_one_out_of_three),
		T(the_summary_has_a_row_per_state_and_a_total_per_target),
		T(worker_shards_split_the_users_shard_exactly),
		T(deviations_turn_covered_differs_into_deviation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
