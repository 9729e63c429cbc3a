/* test_report.c - the JUnit report: model, counts, escaping, schema validity.
 *
 * Every rendered report that matters is also written to a temporary file and checked
 * by two real consumers: `xmllint --schema` against the Jenkins xUnit schema
 * (shared/junit/junit-10.xsd, found through $TCPCONFORM_JUNIT_XSD or by searching
 * upward from the working directory) and, when a python3 that can import junitparser
 * exists, junitparser, whose counts must match ours. Every temporary file is removed,
 * also when a check fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "report.h"

#define MIB (1024u * 1024u)

/* ---- helpers: rendering ------------------------------------------------------------ */

/* The document as a malloc'd string (caller frees). Not inlined: inlined at -O3, GCC 12
 * takes open_memstream's buffer for the address of the local `buf` and reports every
 * later use of the string as a dangling pointer (-Wdangling-pointer, a false positive). */
__attribute__((noinline)) static char *render(const struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(report_write_junit(r, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected output to contain\n  %s\ngot\n%.4000s", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("expected output NOT to contain\n  %s\ngot\n%.4000s", needle, hay);
}

/* Position of needle in hay, failing when it is absent. */
static size_t offset_of(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);
	if (!p)
		fail_msg("expected output to contain\n  %s\ngot\n%.4000s", needle, hay);
	return (size_t)(p - hay);
}

/* "<prefix><value><suffix>" as a malloc'd string. */
static char *concat3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc + 1);
	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

/* Bytes 1..255 in order (NUL cannot be in a C string). */
static void fill_all_bytes(char out[256])
{
	for (int i = 1; i < 256; i++)
		out[i - 1] = (char)i;
	out[255] = '\0';
}

/* A malloc'd string of exactly len bytes repeating unit (no partial trailing unit is
 * cut inside a UTF-8 sequence when unit is valid UTF-8 and len a multiple of it). */
static char *repeat(const char *unit, size_t len)
{
	size_t ul = strlen(unit);
	char *s = malloc(len + 1);
	assert_non_null(s);
	for (size_t i = 0; i < len; i++)
		s[i] = unit[i % ul];
	s[len] = '\0';
	return s;
}

/* ---- helpers: external programs ---------------------------------------------------- */

struct run_result {
	int status; /* exit code, 127 when the program could not be started, -1 on signal */
	char *out;  /* captured stdout (+ stderr when merged), NUL-terminated */
	size_t len;
};

/* Runs argv[0] (PATH search) and captures its stdout; stderr is captured too when
 * merge_stderr, else discarded. Never fails the test itself, so callers can clean up
 * before asserting. */
static struct run_result run_capture(char *const argv[], bool merge_stderr)
{
	struct run_result rr = { -1, NULL, 0 };
	int fds[2];
	if (pipe(fds) != 0)
		return rr;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return rr;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(fds[1], 1);
		dup2(merge_stderr ? fds[1] : devnull, 2);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	size_t cap = 4096;
	rr.out = malloc(cap);
	char chunk[65536];
	ssize_t n;
	while (rr.out && (n = read(fds[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		while (rr.len + (size_t)n + 1 > cap)
			cap *= 2;
		char *grown = realloc(rr.out, cap);
		if (!grown) {
			free(rr.out);
			rr.out = NULL;
			break;
		}
		rr.out = grown;
		memcpy(rr.out + rr.len, chunk, (size_t)n);
		rr.len += (size_t)n;
	}
	if (rr.out)
		rr.out[rr.len] = '\0';
	close(fds[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	rr.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return rr;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char *copy = strdup(path), *save = NULL;
	bool found = false;
	for (char *dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char full[PATH_MAX];
		snprintf(full, sizeof(full), "%s/%s", *dir ? dir : ".", prog);
		found = access(full, X_OK) == 0;
	}
	free(copy);
	return found;
}

static void require_xmllint(void)
{
	if (!in_path("xmllint"))
		fail_msg("xmllint not found in PATH: install libxml2-utils; the JUnit output "
			 "must be validated against shared/junit/junit-10.xsd");
}

/* The schema: $TCPCONFORM_JUNIT_XSD, else shared/junit/junit-10.xsd in the working
 * directory or any parent (ctest runs in build/ inside the repo, which is a sibling of
 * shared/), else relative to this source file. Fails the test when none exists. */
static const char *schema_path(void)
{
	static char found[PATH_MAX];
	if (found[0])
		return found;
	const char *env = getenv("TCPCONFORM_JUNIT_XSD");
	if (env && *env) {
		if (access(env, R_OK) != 0)
			fail_msg("TCPCONFORM_JUNIT_XSD=%s: cannot read it: %s", env,
				 strerror(errno));
		snprintf(found, sizeof(found), "%s", env);
		return found;
	}
	char dir[PATH_MAX - 64]; /* room for the suffix in found */
	if (getcwd(dir, sizeof(dir))) {
		for (;;) {
			snprintf(found, sizeof(found), "%s/shared/junit/junit-10.xsd",
				 strcmp(dir, "/") ? dir : "");
			if (access(found, R_OK) == 0)
				return found;
			char *slash = strrchr(dir, '/');
			if (!slash || slash == dir)
				break;
			*slash = '\0';
		}
	}
	snprintf(dir, sizeof(dir), "%s", __FILE__);
	char *slash = strrchr(dir, '/');
	snprintf(found, sizeof(found), "%.*s../../shared/junit/junit-10.xsd",
		 slash ? (int)(slash - dir + 1) : 0, dir);
	if (access(found, R_OK) == 0)
		return found;
	found[0] = '\0';
	fail_msg("junit-10.xsd not found: set TCPCONFORM_JUNIT_XSD, or run from inside a "
		 "tree that has shared/junit/junit-10.xsd in the working directory or a parent");
	return NULL;
}

/* A python3 that can import junitparser, or NULL. The PATH python3 may be a pyenv one
 * without Debian's dist-packages, so /usr/bin/python3 is tried too. */
static const char *junitparser_python(void)
{
	static int state; /* 0 unknown, 1 found, -1 none */
	static const char *py;
	static const char *const candidates[] = { "python3", "/usr/bin/python3" };
	if (state)
		return py;
	state = -1;
	for (size_t i = 0; i < sizeof(candidates) / sizeof(*candidates); i++) {
		char *argv[] = { (char *)candidates[i], "-c", "import junitparser", NULL };
		struct run_result rr = run_capture(argv, true);
		free(rr.out);
		if (rr.status == 0) {
			py = candidates[i];
			state = 1;
			return py;
		}
	}
	fprintf(stderr, "note: no python3 can import junitparser; consumer check skipped\n");
	return NULL;
}

/* Loads the file with junitparser and checks that every suite's declared counts equal
 * what its testcases hold, and that the totals equal ours. */
static const char JUNITPARSER_CHECK[] =
	"import sys\n"
	"from junitparser import JUnitXml\n"
	"x = JUnitXml.fromfile(sys.argv[1])\n"
	"want = tuple(int(v) for v in sys.argv[2:6])\n"
	"tot = [0, 0, 0, 0]\n"
	"for s in x:\n"
	"    declared = (s.tests, s.failures, s.errors, s.skipped)\n"
	"    s.update_statistics()\n"
	"    held = (s.tests, s.failures, s.errors, s.skipped)\n"
	"    if declared != held:\n"
	"        sys.exit('suite declares %r but holds %r' % (declared, held))\n"
	"    tot = [a + b for a, b in zip(tot, held)]\n"
	"if tuple(tot) != want:\n"
	"    sys.exit('junitparser counts %r, report_counts says %r' % (tuple(tot), want))\n"
	"root = (x.tests, x.failures, x.errors)\n"
	"if root != want[:3]:\n"
	"    sys.exit('<testsuites> declares %r, expected %r' % (root, want[:3]))\n";

/* A private directory holding one written report; removed by tmp_remove. */
struct tmp_report {
	char dir[64];
	char file[96];
	char err[512];
	int rc;
};

static void tmp_write(struct tmp_report *t, const struct report *r)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_report.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->file, sizeof(t->file), "%s/junit.xml", t->dir);
	t->rc = report_write_junit_file(r, t->file, t->err, sizeof(t->err));
}

/* Number of entries in dir other than . and .. */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void tmp_remove(struct tmp_report *t)
{
	unlink(t->file);
	rmdir(t->dir);
}

/* Writes r to a temporary file, validates it with xmllint against the schema and
 * cross-checks the counts with junitparser; cleans up before judging. */
static void assert_valid_junit(const struct report *r)
{
	require_xmllint();
	const char *xsd = schema_path();
	struct tmp_report t;
	tmp_write(&t, r);
	int entries = dir_entries(t.dir);
	char *lint[] = { "xmllint", "--noout", "--schema", (char *)xsd, t.file, NULL };
	struct run_result v = t.rc == 0 ? run_capture(lint, true) : (struct run_result){ 0 };

	struct run_result p = { 0, NULL, 0 };
	const char *py = junitparser_python();
	if (t.rc == 0 && v.status == 0 && py) {
		int tests, failures, errors, skipped;
		report_counts(r, &tests, &failures, &errors, &skipped);
		char a[4][16];
		snprintf(a[0], sizeof(a[0]), "%d", tests);
		snprintf(a[1], sizeof(a[1]), "%d", failures);
		snprintf(a[2], sizeof(a[2]), "%d", errors);
		snprintf(a[3], sizeof(a[3]), "%d", skipped);
		char *argv[] = { (char *)py, "-c", (char *)JUNITPARSER_CHECK, t.file,
				 a[0], a[1], a[2], a[3], NULL };
		p = run_capture(argv, true);
	}
	tmp_remove(&t);

	if (t.rc != 0)
		fail_msg("report_write_junit_file failed: %s", t.err);
	assert_int_equal(entries, 1); /* the report only: no temporary file left behind */
	if (v.status != 0) {
		fprintf(stderr, "%.4000s\n", v.out ? v.out : "");
		free(v.out);
		fail_msg("xmllint --schema %s rejected the report (exit %d)", xsd, v.status);
	}
	free(v.out);
	if (p.status != 0) {
		fprintf(stderr, "%.4000s\n", p.out ? p.out : "");
		free(p.out);
		fail_msg("junitparser disagrees with the report (exit %d)", p.status);
	}
	free(p.out);
}

/* What a parser hands to a consumer for an XPath string expression on the written
 * report (xmllint --xpath "string(expr)"), malloc'd; *len gets its byte length. */
static char *parsed_string(const struct report *r, const char *expr, size_t *len)
{
	require_xmllint();
	struct tmp_report t;
	tmp_write(&t, r);
	char *xpath = concat3("string(", expr, ")");
	char *argv[] = { "xmllint", "--xpath", xpath, t.file, NULL };
	struct run_result rr = t.rc == 0 ? run_capture(argv, false) : (struct run_result){ 0 };
	tmp_remove(&t);
	free(xpath);
	if (t.rc != 0)
		fail_msg("report_write_junit_file failed: %s", t.err);
	assert_int_equal(rr.status, 0);
	assert_non_null(rr.out);
	/* xmllint ends a string result with one newline of its own */
	if (rr.len > 0 && rr.out[rr.len - 1] == '\n')
		rr.out[--rr.len] = '\0';
	*len = rr.len;
	return rr.out;
}

static void assert_parsed_equals(const struct report *r, const char *expr, const char *want)
{
	size_t len;
	char *got = parsed_string(r, expr, &len);
	if (len != strlen(want) || memcmp(got, want, len) != 0)
		fail_msg("%s: parser saw %zu bytes\n  [%s]\nexpected %zu bytes\n  [%s]", expr,
			 len, got, strlen(want), want);
	free(got);
}

/* ---- fixture ----------------------------------------------------------------------- */

static int report_setup(void **state)
{
	*state = report_new("tcpconform");
	return *state ? 0 : -1;
}

static int report_teardown(void **state)
{
	report_free(*state);
	return 0;
}

/* A suite with one case per status plus one that never got a result. */
static void add_every_status(struct report *r, const char *suite_name)
{
	struct report_suite *s = report_suite_add(r, suite_name, "scripts/rst/closed_port.lua");
	assert_non_null(s);
	struct report_case *c;
	assert_non_null(c = report_case_add(s, "passes", NULL));
	assert_int_equal(report_case_result(c, VERDICT_PASS, 0.25, NULL, NULL), 0);
	assert_non_null(c = report_case_add(s, "fails", NULL));
	assert_int_equal(report_case_result(c, VERDICT_FAIL, 1.5, "expected RST",
					    "expected R. within 0.2s\nsaw nothing"), 0);
	assert_non_null(c = report_case_add(s, "errors", NULL));
	assert_int_equal(report_case_result(c, VERDICT_ERROR, 0.0, "agent died", NULL), 0);
	assert_non_null(c = report_case_add(s, "is skipped", NULL));
	assert_int_equal(report_case_result(c, VERDICT_SKIP, 0.0, "needs IPv6", NULL), 0);
	assert_non_null(report_case_add(s, "never finished", NULL));
}

/* ---- model and counts -------------------------------------------------------------- */

static void counts_total_every_status_over_all_suites(void **state)
{
	struct report *r = *state;
	add_every_status(r, "rst/closed_port");
	add_every_status(r, "handshake/simultaneous_open");
	int tests, failures, errors, skipped;
	report_counts(r, &tests, &failures, &errors, &skipped);
	assert_int_equal(tests, 10);
	assert_int_equal(failures, 2);
	assert_int_equal(errors, 4);
	assert_int_equal(skipped, 2);
	assert_valid_junit(r);
}

static void counts_accept_null_outputs_and_null_report(void **state)
{
	int tests = -1;
	report_counts(NULL, &tests, NULL, NULL, NULL);
	assert_int_equal(tests, 0);
	report_counts(*state, NULL, NULL, NULL, NULL);
}

static void case_without_result_counts_and_renders_as_error(void **state)
{
	struct report *r = *state;
	struct report_suite *s = report_suite_add(r, "close/fin", NULL);
	assert_non_null(report_case_add(s, "cut short", NULL));
	int errors;
	report_counts(r, NULL, NULL, &errors, NULL);
	assert_int_equal(errors, 1);
	char *xml = render(r);
	assert_contains(xml, "<error message=\"no result recorded for this test\" type=\"error\"/>");
	free(xml);
	assert_valid_junit(r);
}

static void a_later_result_replaces_the_earlier_one(void **state)
{
	struct report_suite *s = report_suite_add(*state, "s", NULL);
	struct report_case *c = report_case_add(s, "retried", NULL);
	assert_int_equal(report_case_result(c, VERDICT_FAIL, 1, "first", "d"), 0);
	assert_int_equal(report_case_result(c, VERDICT_PASS, 2, NULL, NULL), 0);
	int failures;
	report_counts(*state, NULL, &failures, NULL, NULL);
	assert_int_equal(failures, 0);
	char *xml = render(*state);
	assert_contains(xml, "<testcase name=\"retried\" classname=\"s\" time=\"2.000\"/>");
	free(xml);
}

static void null_or_invalid_arguments_are_rejected_with_einval(void **state)
{
	struct report *r = *state;
	errno = 0;
	assert_null(report_suite_add(NULL, "s", NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(report_suite_add(r, NULL, NULL));
	assert_int_equal(errno, EINVAL);
	struct report_suite *s = report_suite_add(r, "s", NULL);
	errno = 0;
	assert_null(report_case_add(s, NULL, "x"));
	assert_int_equal(errno, EINVAL);
	struct report_case *c = report_case_add(s, "c", NULL);
	errno = 0;
	assert_int_equal(report_case_result(c, (enum verdict)42, 0, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(report_case_property(c, "k", NULL), -1);
	assert_int_equal(report_case_attachment(c, NULL), -1);
	assert_int_equal(report_case_log(NULL, "x"), -1);
	assert_int_equal(report_suite_property(s, NULL, "v"), -1);
	assert_int_equal(report_suite_error(s, NULL), -1);
	errno = 0;
	assert_int_equal(report_write_junit(NULL, stdout), -1);
	assert_int_equal(errno, EINVAL);
	report_free(NULL);
}

static void report_copies_every_string_it_is_given(void **state)
{
	char name[] = "suite", cname[] = "case", key[] = "key", val[] = "val";
	struct report_suite *s = report_suite_add(*state, name, name);
	struct report_case *c = report_case_add(s, cname, cname);
	assert_int_equal(report_case_property(c, key, val), 0);
	memset(name, 'X', 5);
	memset(cname, 'X', 4);
	memset(key, 'X', 3);
	memset(val, 'X', 3);
	char *xml = render(*state);
	assert_contains(xml, "<testsuite name=\"suite\"");
	assert_contains(xml, "[[PROPERTY|key=val]]");
	assert_lacks(xml, "XXX");
	free(xml);
}

/* ---- document shape ---------------------------------------------------------------- */

static void root_carries_name_totals_and_time_but_no_skipped(void **state)
{
	add_every_status(*state, "rst/closed_port");
	char *xml = render(*state);
	assert_int_equal(offset_of(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"), 0);
	/* the schema gives <testsuites> no "skipped" attribute */
	assert_contains(xml, "<testsuites name=\"tcpconform\" tests=\"5\" failures=\"1\" "
			     "errors=\"2\" time=\"1.750\">");
	assert_contains(xml, "<testsuite name=\"rst/closed_port\" tests=\"5\" failures=\"1\" "
			     "errors=\"2\" skipped=\"1\" time=\"1.750\" "
			     "file=\"scripts/rst/closed_port.lua\">");
	assert_lacks(xml, "timestamp=");
	assert_lacks(xml, "hostname=");
	free(xml);
	assert_valid_junit(*state);
}

static void every_status_renders_its_own_element(void **state)
{
	add_every_status(*state, "rst/closed_port");
	char *xml = render(*state);
	assert_contains(xml, "<testcase name=\"passes\" classname=\"rst/closed_port\" "
			     "time=\"0.250\"/>");
	assert_contains(xml, "<failure message=\"expected RST\" type=\"failure\">expected R. "
			     "within 0.2s\nsaw nothing</failure>");
	assert_contains(xml, "<error message=\"agent died\" type=\"error\"/>");
	assert_contains(xml, "<skipped message=\"needs IPv6\"/>");
	free(xml);
	assert_valid_junit(*state);
}

static void classname_defaults_to_the_suite_name(void **state)
{
	struct report_suite *s = report_suite_add(*state, "timewait/refin", NULL);
	report_case_result(report_case_add(s, "a", NULL), VERDICT_PASS, 0, NULL, NULL);
	report_case_result(report_case_add(s, "b", "custom.Class"), VERDICT_PASS, 0, NULL, NULL);
	char *xml = render(*state);
	assert_contains(xml, "<testcase name=\"a\" classname=\"timewait/refin\"");
	assert_contains(xml, "<testcase name=\"b\" classname=\"custom.Class\"");
	assert_lacks(xml, " file=");
	free(xml);
}

static void time_has_exactly_three_decimals_and_is_never_negative(void **state)
{
	struct report_suite *s = report_suite_add(*state, "timing", NULL);
	report_case_result(report_case_add(s, "rounds", NULL), VERDICT_PASS, 1.2345678, NULL, NULL);
	report_case_result(report_case_add(s, "whole", NULL), VERDICT_PASS, 2.0, NULL, NULL);
	report_case_result(report_case_add(s, "negative", NULL), VERDICT_PASS, -3.0, NULL, NULL);
	report_case_result(report_case_add(s, "nan", NULL), VERDICT_PASS, NAN, NULL, NULL);
	char *xml = render(*state);
	assert_contains(xml, "name=\"rounds\" classname=\"timing\" time=\"1.235\"");
	assert_contains(xml, "name=\"whole\" classname=\"timing\" time=\"2.000\"");
	assert_contains(xml, "name=\"negative\" classname=\"timing\" time=\"0.000\"");
	assert_contains(xml, "name=\"nan\" classname=\"timing\" time=\"0.000\"");
	/* the suite's time is the exact sum of what its cases show */
	assert_contains(xml, "skipped=\"0\" time=\"3.235\"");
	free(xml);
	assert_valid_junit(*state);
}

static void infinite_time_is_clamped_to_a_schema_valid_number(void **state)
{
	struct report_suite *s = report_suite_add(*state, "timing", NULL);
	report_case_result(report_case_add(s, "forever", NULL), VERDICT_PASS, INFINITY, NULL, NULL);
	char *xml = render(*state);
	assert_contains(xml, "time=\"1000000000000.000\"");
	assert_lacks(xml, "inf");
	free(xml);
	assert_valid_junit(*state);
}

static void system_out_holds_attachments_then_properties_then_log_in_given_order(void **state)
{
	struct report_suite *s = report_suite_add(*state, "order", NULL);
	struct report_case *c = report_case_add(s, "c", NULL);
	report_case_result(c, VERDICT_FAIL, 0, "m", NULL);
	report_case_log(c, "first log line");
	report_case_property(c, "p1", "v1");
	report_case_attachment(c, "results/order/c.pcap");
	report_case_property(c, "p2", "v2");
	report_case_attachment(c, "results/order/c.txt");
	report_case_log(c, "second\nand third\n");
	char *xml = render(*state);
	assert_contains(xml, "<system-out>"
			     "[[ATTACHMENT|results/order/c.pcap]]\n"
			     "[[ATTACHMENT|results/order/c.txt]]\n"
			     "[[PROPERTY|p1=v1]]\n"
			     "[[PROPERTY|p2=v2]]\n"
			     "first log line\n"
			     "second\nand third\n"
			     "</system-out>");
	/* outcome element first, then output: what every consumer expects */
	assert_true(offset_of(xml, "<failure") < offset_of(xml, "<system-out>"));
	free(xml);
	assert_valid_junit(*state);
}

static void a_marker_stays_on_one_line_whatever_its_value_holds(void **state)
{
	struct report_suite *s = report_suite_add(*state, "markers", NULL);
	struct report_case *c = report_case_add(s, "c", NULL);
	report_case_result(c, VERDICT_PASS, 0, NULL, NULL);
	report_case_property(c, "multi\tline", "a\nb\rc");
	report_case_attachment(c, "dir/with\nnewline.pcap");
	char *xml = render(*state);
	assert_contains(xml, "[[ATTACHMENT|dir/with\\x0Anewline.pcap]]\n");
	assert_contains(xml, "[[PROPERTY|multi\\x09line=a\\x0Ab\\x0Dc]]\n");
	free(xml);
	assert_valid_junit(*state);
}

static void suite_properties_come_first_and_suite_errors_go_to_system_err(void **state)
{
	struct report_suite *s = report_suite_add(*state, "rst/closed_port", NULL);
	report_suite_property(s, "target", "linux");
	report_suite_property(s, "kernel", "6.1.0-18-amd64");
	report_case_result(report_case_add(s, "c", NULL), VERDICT_PASS, 0, NULL, NULL);
	report_suite_error(s, "scripts/rst/x.lua:3: attempt to call a nil value");
	char *xml = render(*state);
	assert_contains(xml, "<properties>\n"
			     "      <property name=\"target\" value=\"linux\"/>\n"
			     "      <property name=\"kernel\" value=\"6.1.0-18-amd64\"/>\n"
			     "    </properties>\n");
	assert_contains(xml, "<system-err>scripts/rst/x.lua:3: attempt to call a nil value\n"
			     "</system-err>");
	assert_true(offset_of(xml, "<properties>") < offset_of(xml, "<testcase"));
	assert_true(offset_of(xml, "<testcase") < offset_of(xml, "<system-err>"));
	free(xml);
	assert_valid_junit(*state);
}

static void empty_report_and_empty_suite_are_valid(void **state)
{
	assert_valid_junit(*state);
	report_suite_add(*state, "nothing/here", NULL);
	char *xml = render(*state);
	assert_contains(xml, "tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0.000\">");
	free(xml);
	assert_valid_junit(*state);
}

static void rendering_is_deterministic(void **state)
{
	add_every_status(*state, "a");
	char *one = render(*state);
	char *two = render(*state);
	assert_string_equal(one, two);
	free(one);
	free(two);
}

/* ---- escaping ---------------------------------------------------------------------- */

static void markup_characters_become_entities_and_cdata_end_never_appears(void **state)
{
	struct report_suite *s = report_suite_add(*state, "<&>", NULL);
	struct report_case *c = report_case_add(s, "a&b<c>d\"e'f]]>g", NULL);
	report_case_result(c, VERDICT_FAIL, 0, "]]>", "x]]>y <![CDATA[z]]> &amp;");
	report_case_log(c, "]]>");
	char *xml = render(*state);
	assert_contains(xml, "name=\"a&amp;b&lt;c&gt;d&quot;e&apos;f]]&gt;g\"");
	assert_contains(xml, "<testsuite name=\"&lt;&amp;&gt;\"");
	assert_contains(xml, ">x]]&gt;y &lt;![CDATA[z]]&gt; &amp;amp;</failure>");
	assert_lacks(xml, "]]>");
	assert_lacks(xml, "<![CDATA");
	free(xml);
	assert_valid_junit(*state);
	assert_parsed_equals(*state, "//testcase/@name", "a&b<c>d\"e'f]]>g");
	assert_parsed_equals(*state, "//failure", "x]]>y <![CDATA[z]]> &amp;");
}

static void attribute_whitespace_is_written_as_character_references(void **state)
{
	struct report_suite *s = report_suite_add(*state, "s", NULL);
	report_case_result(report_case_add(s, "tab\there\nlf\rcr", NULL), VERDICT_PASS, 0, NULL,
			   NULL);
	char *xml = render(*state);
	assert_contains(xml, "name=\"tab&#9;here&#10;lf&#13;cr\"");
	free(xml);
	/* a parser must hand back the exact whitespace, not normalised spaces */
	assert_parsed_equals(*state, "//testcase/@name", "tab\there\nlf\rcr");
}

static void carriage_return_in_text_survives_end_of_line_handling(void **state)
{
	struct report_suite *s = report_suite_add(*state, "s", NULL);
	report_case_result(report_case_add(s, "c", NULL), VERDICT_ERROR, 0, "m", "a\r\nb\rc\td");
	char *xml = render(*state);
	assert_contains(xml, ">a&#13;\nb&#13;c\td</error>");
	free(xml);
	assert_parsed_equals(*state, "//error", "a\r\nb\rc\td");
}

static void forbidden_control_characters_become_backslash_x_text(void **state)
{
	struct report_suite *s = report_suite_add(*state, "s", NULL);
	report_case_result(report_case_add(s, "a\x01" "b\x1b[31mc\x1f" "d\x7f", NULL),
			   VERDICT_PASS, 0, NULL, NULL);
	char *xml = render(*state);
	/* DEL (0x7F) is an XML 1.0 Char and passes unchanged */
	assert_contains(xml, "name=\"a\\x01b\\x1B[31mc\\x1Fd\x7f\"");
	free(xml);
	assert_valid_junit(*state);
}

struct utf8_case {
	const char *in;
	const char *out;
};

static const struct utf8_case INVALID_UTF8[] = {
	{ "\x80", "\\x80" },                                     /* stray continuation */
	{ "a\xC3", "a\\xC3" },                                   /* truncated at end */
	{ "\xC3(", "\\xC3(" },                                   /* bad continuation */
	{ "\xE2\x82x", "\\xE2\\x82x" },                          /* truncated 3-byte */
	{ "\xC0\xAF", "\\xC0\\xAF" },                            /* overlong '/' */
	{ "\xC1\xBF", "\\xC1\\xBF" },                            /* overlong */
	{ "\xE0\x80\xAF", "\\xE0\\x80\\xAF" },                   /* overlong 3-byte */
	{ "\xF0\x80\x80\xAF", "\\xF0\\x80\\x80\\xAF" },          /* overlong 4-byte */
	{ "\xED\xA0\x80", "\\xED\\xA0\\x80" },                   /* surrogate U+D800 */
	{ "\xED\xBF\xBF", "\\xED\\xBF\\xBF" },                   /* surrogate U+DFFF */
	{ "\xEF\xBF\xBE", "\\xEF\\xBF\\xBE" },                   /* U+FFFE */
	{ "\xEF\xBF\xBF", "\\xEF\\xBF\\xBF" },                   /* U+FFFF */
	{ "\xF4\x90\x80\x80", "\\xF4\\x90\\x80\\x80" },          /* above U+10FFFF */
	{ "\xF5\x80\x80\x80", "\\xF5\\x80\\x80\\x80" },          /* invalid lead */
	{ "\xFE\xFF", "\\xFE\\xFF" },                            /* never in UTF-8 */
	{ "\xE2\x82\xAC\x80", "\xE2\x82\xAC\\x80" },             /* valid euro, then stray */
};

static const char *const VALID_UTF8[] = {
	"\xF0\x9F\x98\x80",                                      /* U+1F600 grinning face */
	"\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7", /* ZWJ */
	"\xF0\x9F\x87\xA9\xF0\x9F\x87\xAA",                      /* flag: regional indicators */
	"\xC3\xA9t\xC3\xA9",                                     /* été */
	"\xE6\x97\xA5\xE6\x9C\xAC",                              /* 日本 */
	"\xC2\x80\xC2\x9F",                                      /* C1 controls: XML Chars */
	"\xED\x9F\xBF",                                          /* U+D7FF */
	"\xEE\x80\x80",                                          /* U+E000 */
	"\xEF\xBF\xBD",                                          /* U+FFFD */
	"\xF0\x90\x80\x80",                                      /* U+10000 */
	"\xF4\x8F\xBF\xBF",                                      /* U+10FFFF */
};

static void invalid_utf8_becomes_backslash_x_text_byte_by_byte(void **state)
{
	struct report_suite *s = report_suite_add(*state, "utf8", NULL);
	for (size_t i = 0; i < sizeof(INVALID_UTF8) / sizeof(*INVALID_UTF8); i++)
		report_case_result(report_case_add(s, INVALID_UTF8[i].in, NULL), VERDICT_PASS, 0,
				   NULL, NULL);
	char *xml = render(*state);
	for (size_t i = 0; i < sizeof(INVALID_UTF8) / sizeof(*INVALID_UTF8); i++) {
		char *want = concat3("<testcase name=\"", INVALID_UTF8[i].out, "\"");
		assert_contains(xml, want);
		free(want);
	}
	free(xml);
	assert_valid_junit(*state);
}

static void valid_utf8_including_emoji_passes_through_unchanged(void **state)
{
	struct report_suite *s = report_suite_add(*state, "utf8", NULL);
	for (size_t i = 0; i < sizeof(VALID_UTF8) / sizeof(*VALID_UTF8); i++) {
		struct report_case *c = report_case_add(s, VALID_UTF8[i], NULL);
		report_case_result(c, VERDICT_FAIL, 0, VALID_UTF8[i], VALID_UTF8[i]);
		report_case_log(c, VALID_UTF8[i]);
	}
	char *xml = render(*state);
	for (size_t i = 0; i < sizeof(VALID_UTF8) / sizeof(*VALID_UTF8); i++) {
		char *want = concat3("<testcase name=\"", VALID_UTF8[i], "\"");
		assert_contains(xml, want);
		free(want);
		want = concat3("\">", VALID_UTF8[i], "</failure>");
		assert_contains(xml, want);
		free(want);
	}
	assert_lacks(xml, "\\x");
	free(xml);
	assert_valid_junit(*state);
	assert_parsed_equals(*state, "//testcase[1]/@name", VALID_UTF8[0]);
}

/* The visible form of bytes 1..255 in an attribute, by the rules of report.h: ASCII
 * stays (entities decode back), TAB/LF/CR survive as themselves, other C0 controls and
 * every lone byte >= 0x80 (none is followed by a continuation here) become \xNN. */
static char *all_bytes_as_parsed(void)
{
	char *s = malloc(255 * 4 + 1), *p = s;
	assert_non_null(s);
	for (int b = 1; b < 256; b++) {
		if (b == '\t' || b == '\n' || b == '\r' || (b >= 0x20 && b < 0x80))
			*p++ = (char)b;
		else
			p += sprintf(p, "\\x%02X", b);
	}
	*p = '\0';
	return s;
}

static void all_byte_values_in_an_attribute_reach_the_reader_intact(void **state)
{
	char all[256];
	fill_all_bytes(all);
	struct report_suite *s = report_suite_add(*state, "bytes", NULL);
	report_case_result(report_case_add(s, all, NULL), VERDICT_FAIL, 0, all, all);
	char *want = all_bytes_as_parsed();
	assert_parsed_equals(*state, "//testcase/@name", want);
	assert_parsed_equals(*state, "//failure/@message", want);
	assert_parsed_equals(*state, "//failure", want);
	free(want);
}

/* Every field of the model gets the same hostile text, in one case per status (or
 * only a failing case when !every_status, to keep 1 MiB inputs quick). */
static void add_hostile_suite(struct report *r, const char *h, bool every_status)
{
	struct report_suite *s = report_suite_add(r, h, h);
	assert_non_null(s);
	assert_int_equal(report_suite_property(s, h, h), 0);
	assert_int_equal(report_suite_error(s, h), 0);
	static const enum verdict all[] = { VERDICT_PASS, VERDICT_FAIL, VERDICT_ERROR,
						  VERDICT_SKIP };
	size_t n = every_status ? sizeof(all) / sizeof(*all) : 1;
	for (size_t i = 0; i < n; i++) {
		struct report_case *c = report_case_add(s, h, h);
		assert_non_null(c);
		assert_int_equal(report_case_result(c, every_status ? all[i] : VERDICT_FAIL,
						    0.001, h, h), 0);
		assert_int_equal(report_case_property(c, h, h), 0);
		assert_int_equal(report_case_attachment(c, h), 0);
		assert_int_equal(report_case_log(c, h), 0);
	}
}

static void hostile_strings_in_every_field_still_validate(void **state)
{
	char all[256];
	fill_all_bytes(all);
	const char *hostile[] = {
		all, "]]>", "\"'\"'", "<![CDATA[ ]]>", "&amp;&#0;&#xFFFE;", "", " ",
		"\xED\xA0\x80\xEF\xBF\xBE\xC0\xAF\xF4\x90\x80\x80\x80\xC3",
		"\xF0\x9F\x98\x80 \xE2\x9C\x93",
	};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(*hostile); i++)
		add_hostile_suite(*state, hostile[i], true);
	assert_valid_junit(*state);
}

static void one_mebibyte_strings_validate(void **state)
{
	char all[256];
	fill_all_bytes(all);
	char *bytes = repeat(all, MIB);
	char *emoji = repeat("\xF0\x9F\x98\x80", MIB);
	add_hostile_suite(*state, bytes, false);
	add_hostile_suite(*state, emoji, false);
	free(bytes);
	assert_valid_junit(*state);
	/* element text up to 4 MiB comes back whole */
	size_t len;
	char *got = parsed_string(*state, "//testsuite[2]/testcase[1]/failure", &len);
	assert_int_equal(len, MIB);
	assert_memory_equal(got, emoji, MIB);
	free(got);
	/* an attribute is cut at 64 KiB on a character boundary, and says so */
	got = parsed_string(*state, "//testsuite[2]/testcase[1]/@name", &len);
	assert_int_equal(len, 64 * 1024 + strlen("[truncated by tcpconform]"));
	assert_memory_equal(got, emoji, 64 * 1024);
	assert_string_equal(got + 64 * 1024, "[truncated by tcpconform]");
	free(got);
	free(emoji);
}

static void oversized_text_is_truncated_below_parser_limits_with_a_note(void **state)
{
	struct report_suite *s = report_suite_add(*state, "chatty", NULL);
	struct report_case *c = report_case_add(s, "logs a lot", NULL);
	report_case_result(c, VERDICT_PASS, 0, NULL, NULL);
	char *chunk = repeat("\xF0\x9F\x98\x80", 3 * MIB); /* 3 MiB of emoji per call */
	for (int i = 0; i < 4; i++)
		report_case_log(c, chunk);
	free(chunk);
	/* plain xmllint (no --huge) refuses text nodes over 10,000,000 bytes */
	assert_valid_junit(*state);
	size_t len;
	char *got = parsed_string(*state, "//system-out", &len);
	assert_true(len <= 4 * MIB + 64);
	assert_string_equal(got + len - 26, "\n[truncated by tcpconform]");
	/* cut on a character boundary: after the first whole line, whole emoji only */
	size_t kept = len - 26 - (3 * MIB + 1);
	assert_int_equal(kept % 4, 0);
	assert_memory_equal(got + len - 30, "\xF0\x9F\x98\x80", 4);
	free(got);
}

/* ---- output ------------------------------------------------------------------------ */

static void write_error_returns_minus_one_with_errno(void **state)
{
	add_every_status(*state, "s");
	FILE *full = fopen("/dev/full", "w");
	if (!full)
		skip();
	errno = 0;
	assert_int_equal(report_write_junit(*state, full), -1);
	assert_int_equal(errno, ENOSPC);
	fclose(full);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void write_file_replaces_the_old_file_and_leaves_no_temporary(void **state)
{
	add_every_status(*state, "s");
	char dir[] = "/tmp/test_report.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = concat3(dir, "/", "junit.xml");
	FILE *old = fopen(path, "w");
	fputs("old", old);
	fclose(old);

	char err[256];
	int rc = report_write_junit_file(*state, path, err, sizeof(err));
	int entries = dir_entries(dir);
	struct stat st;
	int strc = stat(path, &st);
	char *content = slurp(path);
	unlink(path);
	rmdir(dir);
	free(path);

	assert_int_equal(rc, 0);
	assert_int_equal(entries, 1);
	assert_int_equal(strc, 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	char *want = render(*state);
	assert_non_null(content);
	assert_string_equal(content, want);
	free(want);
	free(content);
}

static void write_file_into_missing_directory_names_the_path(void **state)
{
	char err[256];
	errno = 0;
	int rc = report_write_junit_file(*state, "/nonexistent-dir-of-test_report/junit.xml",
					 err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_int_equal(errno, ENOENT);
	assert_contains(err, "/nonexistent-dir-of-test_report/junit.xml");
	assert_contains(err, "No such file or directory");
}

static void write_file_failing_at_rename_removes_the_temporary(void **state)
{
	char dir[] = "/tmp/test_report.XXXXXX";
	assert_non_null(mkdtemp(dir));
	/* a non-empty directory where the file should go makes rename() fail */
	char *path = concat3(dir, "/", "junit.xml");
	char *inner = concat3(path, "/", "keep");
	mkdir(path, 0755);
	fclose(fopen(inner, "w"));

	char err[256];
	int rc = report_write_junit_file(*state, path, err, sizeof(err));
	int entries = dir_entries(dir);
	unlink(inner);
	rmdir(path);
	rmdir(dir);

	assert_int_equal(rc, -1);
	assert_int_equal(entries, 1); /* only the directory: the temporary is gone */
	assert_contains(err, "cannot rename temporary file onto");
	assert_contains(err, path);
	free(path);
	free(inner);
}

static void write_file_rejects_missing_path_with_a_message(void **state)
{
	char err[256];
	assert_int_equal(report_write_junit_file(*state, "", err, sizeof(err)), -1);
	assert_string_equal(err, "junit: output path: expected a file name, got an empty string");
	assert_int_equal(report_write_junit_file(*state, NULL, NULL, 0), -1);
	assert_int_equal(errno, EINVAL);
}

/* Two suites, cases of every kind, added interleaved across the suites (as a run over
 * two targets adds them); with seal, each case is sealed as soon as it is complete. */
static struct report *sealing_report(bool seal)
{
	struct report *r = report_new("sealing");
	assert_non_null(r);
	struct report_suite *s[2] = {report_suite_add(r, "a", "a.lua"), report_suite_add(r, "b", NULL)};
	assert_non_null(s[0]);
	assert_non_null(s[1]);
	report_suite_property(s[0], "target", "linux");
	static const enum verdict st[] = {VERDICT_PASS, VERDICT_FAIL, VERDICT_ERROR, VERDICT_SKIP};
	for (int i = 0; i < 40; i++) {
		char name[64], msg[64];
		snprintf(name, sizeof(name), "case %d <&\"'> \x01", i);
		snprintf(msg, sizeof(msg), "message %d", i);
		struct report_case *c = report_case_add(s[i % 2], name, i % 3 ? NULL : "cls");
		assert_non_null(c);
		if (i % 5)
			report_case_attachment(c, "/tmp/x.pcap");
		report_case_property(c, "behaviour_id", "A1");
		if (i % 7 != 6)   /* some cases never get a result: an error */
			report_case_result(c, st[i % 4], i * 0.25, msg, i % 2 ? "detail\nline 2" : NULL);
		if (i % 3 == 0)
			report_case_log(c, "log line\r\nsecond");
		if (seal)
			assert_int_equal(report_case_seal(s[i % 2], c), 0);
	}
	return r;
}

static void sealed_cases_render_exactly_as_unsealed_ones(void **state)
{
	(void)state;
	struct report *plain = sealing_report(false), *sealed = sealing_report(true);
	char *a = render(plain), *b = render(sealed);
	assert_string_equal(a, b);
	int t1, f1, e1, s1, t2, f2, e2, s2;
	report_counts(plain, &t1, &f1, &e1, &s1);
	report_counts(sealed, &t2, &f2, &e2, &s2);
	assert_int_equal(t1, t2);
	assert_int_equal(f1, f2);
	assert_int_equal(e1, e2);
	assert_int_equal(s1, s2);
	/* Rendering twice reads the spool twice: the same again. */
	char *c = render(sealed);
	assert_string_equal(b, c);
	assert_valid_junit(sealed);
	free(a);
	free(b);
	free(c);
	report_free(plain);
	report_free(sealed);
}

static void a_sealed_case_takes_no_more_changes(void **state)
{
	(void)state;
	struct report *r = report_new("x");
	struct report_suite *s = report_suite_add(r, "s", NULL);
	struct report_case *c = report_case_add(s, "c", NULL);
	report_case_result(c, VERDICT_PASS, 1, NULL, NULL);
	assert_int_equal(report_case_seal(s, c), 0);
	errno = 0;
	assert_int_equal(report_case_property(c, "k", "v"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(report_case_result(c, VERDICT_FAIL, 1, "m", NULL), -1);
	assert_int_equal(report_case_log(c, "x"), -1);
	assert_int_equal(report_case_attachment(c, "p"), -1);
	assert_int_equal(report_case_seal(s, c), -1);
	report_free(r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, report_setup, report_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(counts_total_every_status_over_all_suites),
		T(counts_accept_null_outputs_and_null_report),
		T(case_without_result_counts_and_renders_as_error),
		T(a_later_result_replaces_the_earlier_one),
		T(null_or_invalid_arguments_are_rejected_with_einval),
		T(report_copies_every_string_it_is_given),
		T(root_carries_name_totals_and_time_but_no_skipped),
		T(every_status_renders_its_own_element),
		T(classname_defaults_to_the_suite_name),
		T(time_has_exactly_three_decimals_and_is_never_negative),
		T(infinite_time_is_clamped_to_a_schema_valid_number),
		T(system_out_holds_attachments_then_properties_then_log_in_given_order),
		T(a_marker_stays_on_one_line_whatever_its_value_holds),
		T(suite_properties_come_first_and_suite_errors_go_to_system_err),
		T(empty_report_and_empty_suite_are_valid),
		T(rendering_is_deterministic),
		T(markup_characters_become_entities_and_cdata_end_never_appears),
		T(attribute_whitespace_is_written_as_character_references),
		T(carriage_return_in_text_survives_end_of_line_handling),
		T(forbidden_control_characters_become_backslash_x_text),
		T(invalid_utf8_becomes_backslash_x_text_byte_by_byte),
		T(valid_utf8_including_emoji_passes_through_unchanged),
		T(all_byte_values_in_an_attribute_reach_the_reader_intact),
		T(hostile_strings_in_every_field_still_validate),
		T(one_mebibyte_strings_validate),
		T(oversized_text_is_truncated_below_parser_limits_with_a_note),
		T(write_error_returns_minus_one_with_errno),
		T(write_file_replaces_the_old_file_and_leaves_no_temporary),
		T(write_file_into_missing_directory_names_the_path),
		T(write_file_failing_at_rename_removes_the_temporary),
		T(write_file_rejects_missing_path_with_a_message),
		T(sealed_cases_render_exactly_as_unsealed_ones),
		T(a_sealed_case_takes_no_more_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
