/* test_fuzz_store.c - the fuzz command's C units on hand-made engine lines: the JSON tree
 * reader (errors naming the byte, numbers kept as text, nesting bound, round trip), the
 * findings store (files written, dedup by signature within a run and across runs, bad
 * signatures refused, import of another run's finding, the list of known signatures the
 * engine gets), and the reports (stats.json, the
 * page's escaping of hostile strings, JUnit valid against the Jenkins xUnit schema with a
 * failure per new finding and a skip per known one). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_json.h"
#include "fuzz_report.h"
#include "fuzz_store.h"
#include "report_fixture.h"

static char *read_all(const char *path)
{
	size_t len;
	char *t = fuzz_read_file(path, &len);
	assert_non_null(t);
	return t;
}

/* A finding line as the engine emits it (keys sorted), with the given fields. */
static struct fuzz_json *finding(const char *sig, const char *oracle, const char *state,
				 const char *hostile)
{
	char buf[4096], err[200];
	snprintf(buf, sizeof(buf),
		 "{\"case\":{\"start\":{\"family\":\"inet\",\"state\":\"%s\"},\"steps\":[{\"seg\":"
		 "{\"flags\":\"R\",\"seq\":[\"rcv_nxt\",0]}},{\"delay\":0.01}]},"
		 "\"class\":\"RST:rcv_nxt:raw\",\"detail\":\"step 1\",\"expected\":\"\","
		 "\"kind\":\"finding\",\"last_words\":\"%s\",\"minimised\":{\"start\":{\"family\":"
		 "\"inet\",\"state\":\"%s\"},\"steps\":[{\"seg\":{\"flags\":\"R\",\"seq\":"
		 "[\"rcv_nxt\",0]}}]},\"oracle\":\"%s\",\"outputs\":{\"a\":\"nothing -> CLOSED\","
		 "\"b\":\"%s\"},\"pcaps\":{\"a\":\"%s/findings/%s/a.pcap\"},\"reply_class\":\"x\","
		 "\"rfc\":\"1337 3\",\"rule\":\"%s\",\"sentence\":\"s\",\"signature\":\"%s\","
		 "\"state\":\"%s\",\"steps\":1,\"target\":\"b\",\"targets\":[\"a\",\"b\"],"
		 "\"test\":\"local T = require \\\"tcpconform\\\"\\n\",\"test_results\":{\"a\":"
		 "{\"message\":\"%s\",\"verdict\":\"PASS\"}},\"test_verified\":false}",
		 state, hostile, state, oracle, hostile, tmpdir, sig, hostile, sig, state, hostile);
	struct fuzz_json *f = fuzz_json_parse(buf, err, sizeof(err));
	if (!f)
		fail_msg("%s in %s", err, buf);
	return f;
}

static void json_errors_name_the_byte(void **state)
{
	(void)state;
	char err[200];
	static const struct {
		const char *text, *err;
	} bad[] = {
		{"{\"a\" 1}", "byte 5: expected ':' after a key, got '1'"},
		{"{\"a\":1,}", "byte 7: expected a string, got '}'"},
		{"[1 2]", "byte 3: expected ',' or ']', got '2'"},
		{"{\"a\":\"x\\u0000\"}", "byte 8: expected an escape"},
		{"{\"a\":01}", "byte 6: expected ',' or '}', got '1'"},
		{"\"abc", "byte 4: expected the closing '\"', got the end of the text"},
		{"{} x", "byte 3: expected the end of the text after the value, got 'x'"},
		{"1.", "byte 2: expected a digit after '.'"},
		{"tru", "byte 0: expected a value, got 't'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fuzz_json *v = fuzz_json_parse(bad[i].text, err, sizeof(err));
		if (v || strncmp(err, bad[i].err, strlen(bad[i].err)) != 0)
			fail_msg("%s: got \"%s\", expected \"%s...\"", bad[i].text, v ? "a value" : err,
				 bad[i].err);
	}
	char deep[200] = "";
	for (int i = 0; i < 70; i++)
		strcat(deep, "[");
	assert_null(fuzz_json_parse(deep, err, sizeof(err)));
	assert_non_null(strstr(err, "nesting deeper than 64 levels"));
}

static void json_round_trip_keeps_numbers_and_text(void **state)
{
	(void)state;
	const char *text = "{\"seed\":18446744073709551615,\"x\":-1.5e3,\"s\":\"\\u00e9\\n\\ud83d\\ude00\","
			   "\"a\":[true,false,null,{}],\"o\":{\"k\":[]}}";
	char err[200];
	struct fuzz_json *v = fuzz_json_parse(text, err, sizeof(err));
	assert_non_null(v);
	assert_string_equal(fuzz_json_str(v, "seed", ""), "18446744073709551615");
	assert_true(fuzz_json_num(v, "x", 0) == -1500.0);
	assert_string_equal(fuzz_json_str(v, "s", ""), "\xc3\xa9\n\xf0\x9f\x98\x80");
	assert_null(fuzz_json_get(v, "missing"));
	assert_string_equal(fuzz_json_str(v, "missing", "dflt"), "dflt");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	fuzz_json_write(m, v, false);
	fclose(m);
	assert_string_equal(buf, "{\"seed\":18446744073709551615,\"x\":-1.5e3,\"s\":\"\xc3\xa9\\n"
			    "\xf0\x9f\x98\x80\",\"a\":[true,false,null,{}],\"o\":{\"k\":[]}}");
	/* Pretty output parses to the same compact text. */
	free(buf);
	m = open_memstream(&buf, &len);
	fuzz_json_write(m, v, true);
	fclose(m);
	struct fuzz_json *w = fuzz_json_parse(buf, err, sizeof(err));
	assert_non_null(w);
	free(buf);
	m = open_memstream(&buf, &len);
	fuzz_json_write(m, w, false);
	fclose(m);
	assert_non_null(strstr(buf, "\"seed\":18446744073709551615"));
	free(buf);
	fuzz_json_free(v);
	fuzz_json_free(w);
}

static void store_writes_each_finding_once(void **state)
{
	(void)state;
	char err[600], path[600];
	struct fuzz_store *s = fuzz_store_open(tmpdir, err, sizeof(err));
	assert_non_null(s);
	enum fuzz_added what;
	assert_int_equal(fuzz_store_add(s, finding("00aa", "differential", "TIME-WAIT", "x"), &what,
					err, sizeof(err)), 0);
	assert_int_equal(what, FUZZ_ADDED_NEW);
	/* The same signature again (another worker): a repeat, nothing rewritten. */
	assert_int_equal(fuzz_store_add(s, finding("00aa", "model", "LISTEN", "y"), &what, err,
					sizeof(err)), 0);
	assert_int_equal(what, FUZZ_ADDED_REPEAT);
	assert_int_equal(fuzz_store_add(s, finding("00bb", "model", "LISTEN", "y"), &what, err,
					sizeof(err)), 0);
	assert_int_equal(what, FUZZ_ADDED_NEW);
	assert_int_equal(fuzz_store_count(s), 2);
	assert_int_equal(fuzz_store_new_count(s), 2);
	/* Sorted by oracle: model first. */
	assert_string_equal(fuzz_json_str(fuzz_store_get(s, 0, NULL), "signature", ""), "00bb");
	static const char *const files[] = {"finding.json", "case.json", "minimised.json", "test.lua"};
	for (size_t i = 0; i < 4; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "%s/findings/00aa/%s", tmpdir, files[i]);
		assert_int_equal(stat(path, &st), 0);
	}
	snprintf(path, sizeof(path), "%s/findings/00aa/test.lua", tmpdir);
	char *t = read_all(path);
	assert_string_equal(t, "local T = require \"tcpconform\"\n");
	free(t);
	snprintf(path, sizeof(path), "%s/findings/00aa/minimised.json", tmpdir);
	t = read_all(path);
	assert_non_null(strstr(t, "\"state\":\"TIME-WAIT\""));
	assert_null(strstr(t, "delay"));   /* the minimised program, not the case */
	free(t);
	snprintf(path, sizeof(path), "%s/findings/00aa/finding.json", tmpdir);
	t = read_all(path);
	assert_non_null(strstr(t, "\"oracle\": \"differential\""));   /* the first, kept */
	free(t);
	/* Refused: no signature, one that is no directory name. */
	char bad[] = "{\"kind\":\"finding\",\"signature\":\"../x\"}";
	assert_int_equal(fuzz_store_add(s, fuzz_json_parse(bad, err, sizeof(err)), &what, err,
					sizeof(err)), -1);
	assert_non_null(strstr(err, "\"signature\" is \"../x\""));
	fuzz_store_suppressed(s, "cc");
	fuzz_store_suppressed(s, "cc");
	fuzz_store_suppressed(s, "dd");
	assert_int_equal(fuzz_store_suppressed_count(s), 2);
	fuzz_store_free(s);

	/* A later run into the same OUT: both known; reported once each as known. */
	s = fuzz_store_open(tmpdir, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(fuzz_store_count(s), 2);
	assert_int_equal(fuzz_store_new_count(s), 0);
	assert_int_equal(fuzz_store_add(s, finding("00aa", "differential", "TIME-WAIT", "x"), &what,
					err, sizeof(err)), 0);
	assert_int_equal(what, FUZZ_ADDED_KNOWN);
	assert_int_equal(fuzz_store_add(s, finding("00aa", "differential", "TIME-WAIT", "x"), &what,
					err, sizeof(err)), 0);
	assert_int_equal(what, FUZZ_ADDED_REPEAT);
	assert_int_equal(fuzz_store_new_count(s), 0);
	/* The known signatures, for the engine (fuzz_opts.known): those on disk at open, not
	 * one added since. */
	assert_int_equal(fuzz_store_add(s, finding("00cc", "model", "LISTEN", "z"), &what, err,
					sizeof(err)), 0);
	assert_int_equal(what, FUZZ_ADDED_NEW);
	const char *known[4] = {0};
	assert_int_equal(fuzz_store_known(s, known, 4), 2);
	assert_non_null(known[0]);
	assert_non_null(known[1]);
	assert_true((strcmp(known[0], "00aa") == 0 && strcmp(known[1], "00bb") == 0) ||
		    (strcmp(known[0], "00bb") == 0 && strcmp(known[1], "00aa") == 0));
	assert_null(known[2]);
	assert_int_equal(fuzz_store_known(s, known, 1), 2);   /* the count, whatever fits */
	fuzz_store_free(s);

	/* A torn finding.json is an error naming the file and the byte. */
	snprintf(path, sizeof(path), "%s/findings/00bb/finding.json", tmpdir);
	FILE *f = fopen(path, "w");
	fputs("{\"signature\":", f);
	fclose(f);
	assert_null(fuzz_store_open(tmpdir, err, sizeof(err)));
	assert_non_null(strstr(err, "00bb/finding.json: byte 13: expected a value"));
}

static void store_imports_another_runs_finding(void **state)
{
	(void)state;
	char err[600], from[400], to[400], path[700];
	snprintf(from, sizeof(from), "%s/a", tmpdir);
	snprintf(to, sizeof(to), "%s/b", tmpdir);
	struct fuzz_store *a = fuzz_store_open(from, err, sizeof(err));
	struct fuzz_store *b = fuzz_store_open(to, err, sizeof(err));
	assert_non_null(a);
	assert_non_null(b);
	enum fuzz_added what;
	assert_int_equal(fuzz_store_add(a, finding("0123", "liveness", "CLOSED", "z"), &what, err,
					sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/findings/0123/a.pcap", from);
	FILE *f = fopen(path, "w");
	fputs("pcap bytes", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/findings/0123", from);
	bool is_new;
	assert_int_equal(fuzz_store_import(b, path, &is_new, err, sizeof(err)), 0);
	assert_true(is_new);
	assert_int_equal(fuzz_store_import(b, path, &is_new, err, sizeof(err)), 0);
	assert_false(is_new);
	assert_int_equal(fuzz_store_count(b), 1);
	snprintf(path, sizeof(path), "%s/findings/0123/a.pcap", to);
	char *t = read_all(path);
	assert_string_equal(t, "pcap bytes");
	free(t);
	fuzz_store_free(a);
	fuzz_store_free(b);
}

static void reports_escape_and_validate(void **state)
{
	(void)state;
	char err[600], path[600];
	struct fuzz_store *s = fuzz_store_open(tmpdir, err, sizeof(err));
	assert_non_null(s);
	enum fuzz_added what;
	const char *hostile = "<script>alert(1)</script> & \\\" \\u0001 ]]>";
	assert_int_equal(fuzz_store_add(s, finding("00cc", "invariant", "ESTABLISHED", hostile),
					&what, err, sizeof(err)), 0);
	fuzz_store_free(s);
	/* Known from here on; a second one is new. */
	s = fuzz_store_open(tmpdir, err, sizeof(err));
	assert_int_equal(fuzz_store_add(s, finding("00dd", "model", "LISTEN", "m"), &what, err,
					sizeof(err)), 0);
	fuzz_store_suppressed(s, "ee");
	const char *targets[] = {"a", "b"};
	struct fuzz_totals t = {.targets = targets, .ntargets = 2, .seed = 7, .shard_k = 1,
				.shard_n = 1, .jobs = 1, .seconds = 2, .cases = 100, .coverage = 5};
	snprintf(path, sizeof(path), "%s/index.html", tmpdir);
	assert_int_equal(fuzz_report_write_html(s, &t, path, err, sizeof(err)), 0);
	char *page = read_all(path);
	assert_null(strstr(page, "<script"));
	assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt; &amp;"));
	assert_non_null(strstr(page, "href=\"findings/00cc/test.lua\""));
	assert_non_null(strstr(page, "href=\"findings/00cc/a.pcap\""));
	assert_non_null(strstr(page, "<td class=\"known\">known</td>"));
	assert_non_null(strstr(page, "<td class=\"new\">new</td>"));
	assert_non_null(strstr(page, "<div class=\"unverified\">not verified"));
	assert_non_null(strstr(page, "<li>a: <code>PASS</code> &lt;script&gt;"));
	free(page);
	snprintf(path, sizeof(path), "%s/junit.xml", tmpdir);
	assert_int_equal(fuzz_report_write_junit(s, &t, path, err, sizeof(err)), 0);
	char *x = read_all(path);
	assert_non_null(strstr(x, "failures=\"1\""));
	assert_non_null(strstr(x, "skipped=\"1\""));
	assert_non_null(strstr(x, "name=\"suppressed\" value=\"1\""));
	assert_non_null(strstr(x, "[[PROPERTY|test_verified=false]]"));
	free(x);
	assert_junit_valid(path);
	snprintf(path, sizeof(path), "%s/stats.json", tmpdir);
	assert_int_equal(fuzz_report_write_stats(s, &t, path, err, sizeof(err)), 0);
	char *st = read_all(path);
	struct fuzz_json *v = fuzz_json_parse(st, err, sizeof(err));
	assert_non_null(v);
	assert_true(fuzz_json_num(v, "new_findings", -1) == 1);
	assert_true(fuzz_json_num(v, "findings_total", -1) == 2);
	assert_true(fuzz_json_num(v, "unverified_tests", -1) == 2);
	assert_true(fuzz_json_num(fuzz_json_get(v, "findings"), "invariant", -1) == 1);
	fuzz_json_free(v);
	free(st);
	fuzz_store_free(s);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(json_errors_name_the_byte),
		T(json_round_trip_keeps_numbers_and_text),
		T(store_writes_each_finding_once),
		T(store_imports_another_runs_finding),
		T(reports_escape_and_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
