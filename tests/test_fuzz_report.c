/* test_fuzz_report.c - a campaign's reports when the findings' share of the time ran out
 * (lua/fuzz/backlog.lua): an unprocessed finding ("processed": false, the case as found)
 * is filed like any other and every report says it was not processed -- the console
 * line and summary, stats.json, JUnit and index.html -- while its test, never run, is not
 * counted as unverified. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_json.h"
#include "fuzz_report.h"
#include "fuzz_store.h"

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_fuzz_report.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A finding line as the engine emits it (keys sorted); processed as given. */
static struct fuzz_json *finding(const char *sig, bool processed)
{
	char buf[2048], err[200];
	snprintf(buf, sizeof(buf),
		 "{\"case\":{\"start\":{\"family\":\"inet\",\"state\":\"LISTEN\"},\"steps\":["
		 "{\"seg\":{\"flags\":\"S\",\"seq\":[\"raw\",1]}},{\"delay\":10}]},\"class\":"
		 "\"SYN:raw:0\",\"kind\":\"finding\",\"minimised\":{\"start\":{\"family\":\"inet\","
		 "\"state\":\"LISTEN\"},\"steps\":[{\"seg\":{\"flags\":\"S\",\"seq\":[\"raw\",1]}}"
		 "%s]},\"oracle\":\"model\",\"outputs\":{\"linux\":\"nothing -> LISTEN\"},\"pcaps\":"
		 "{},\"processed\":%s,\"reply_class\":\"nothing\",\"rfc\":\"9293 3.10.7.2\",\"rule\":"
		 "\"listen.syn\",\"signature\":\"%s\",\"state\":\"LISTEN\",\"steps\":%d,\"target\":"
		 "\"linux\",\"targets\":[\"linux\"],\"test\":\"local T = require \\\"tcpconform\\\""
		 "\\n\",\"test_results\":{},\"test_verified\":%s}",
		 processed ? "" : ",{\"delay\":10}", processed ? "true" : "false", sig,
		 processed ? 1 : 2, processed ? "true" : "false");
	struct fuzz_json *f = fuzz_json_parse(buf, err, sizeof(err));
	if (!f)
		fail_msg("%s in %s", err, buf);
	return f;
}

static char *read_all(const char *path)
{
	size_t len;
	char *t = fuzz_read_file(path, &len);
	assert_non_null(t);
	return t;
}

static void an_unprocessed_finding_says_so_in_every_report(void **state)
{
	(void)state;
	char err[600], path[600];
	struct fuzz_store *s = fuzz_store_open(tmpdir, err, sizeof(err));
	assert_non_null(s);
	enum fuzz_added what;
	assert_int_equal(fuzz_store_add(s, finding("0aaa", true), &what, err, sizeof(err)), 0);
	struct fuzz_json *late = finding("0bbb", false);
	char *line = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&line, &len);
	fuzz_report_finding_line(late, m);
	fclose(m);
	assert_non_null(strstr(line, "new finding 0bbb: model on linux in LISTEN"));
	assert_non_null(strstr(line, ", not processed (2 steps as found)"));
	free(line);
	assert_int_equal(fuzz_store_add(s, late, &what, err, sizeof(err)), 0);
	assert_int_equal(fuzz_report_unprocessed(s), 1);
	assert_int_equal(fuzz_report_unverified(s), 0);   /* its test was never run */

	const char *targets[] = {"linux"};
	struct fuzz_totals t = {.targets = targets, .ntargets = 1, .seed = 7, .shard_k = 1,
				.shard_n = 1, .jobs = 1, .seconds = 2, .cases = 100, .coverage = 5};
	line = NULL;
	m = open_memstream(&line, &len);
	fuzz_report_summary(s, &t, m);
	fclose(m);
	assert_non_null(strstr(line, "findings: 2 new, 0 known"));
	assert_non_null(strstr(line, "1 distinct signature found after the findings' share of "
				     "the time was spent"));
	assert_non_null(strstr(line, "  0aaa  model"));
	assert_non_null(strstr(line, " *0bbb  model"));
	assert_null(strstr(line, "did not do what it must"));
	free(line);

	snprintf(path, sizeof(path), "%s/stats.json", tmpdir);
	assert_int_equal(fuzz_report_write_stats(s, &t, path, err, sizeof(err)), 0);
	char *st = read_all(path);
	struct fuzz_json *v = fuzz_json_parse(st, err, sizeof(err));
	assert_non_null(v);
	assert_true(fuzz_json_num(v, "unprocessed", -1) == 1);
	assert_true(fuzz_json_num(v, "findings_total", -1) == 2);
	assert_true(fuzz_json_num(fuzz_json_get(v, "findings"), "model", -1) == 2);
	fuzz_json_free(v);
	free(st);

	snprintf(path, sizeof(path), "%s/junit.xml", tmpdir);
	assert_int_equal(fuzz_report_write_junit(s, &t, path, err, sizeof(err)), 0);
	char *x = read_all(path);
	assert_non_null(strstr(x, "failures=\"2\""));
	assert_non_null(strstr(x, "name=\"unprocessed\" value=\"1\""));
	assert_non_null(strstr(x, "new finding (not processed: as found): model on linux"));
	assert_non_null(strstr(x, "[[PROPERTY|processed=false]]"));
	assert_non_null(strstr(x, "[[PROPERTY|processed=true]]"));
	free(x);

	snprintf(path, sizeof(path), "%s/index.html", tmpdir);
	assert_int_equal(fuzz_report_write_html(s, &t, path, err, sizeof(err)), 0);
	char *page = read_all(path);
	assert_non_null(strstr(page, "2 findings (2 new, 1 not processed)"));
	assert_non_null(strstr(page, "<td class=\"new\">new, not processed</td>"));
	assert_non_null(strstr(page, "<td class=\"new\">new</td>"));
	assert_non_null(strstr(page, "as found: not processed"));
	free(page);
	fuzz_store_free(s);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(an_unprocessed_finding_says_so_in_every_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
