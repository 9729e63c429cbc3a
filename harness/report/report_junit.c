/* report_junit.c - the report's model (report.c) rendered as JUnit XML.
 *
 * The XML must pass the Jenkins xUnit schema (shared/junit/junit-10.xsd). What that
 * schema allows, and therefore what is emitted:
 *   <testsuites name tests failures errors time>   (no "skipped" here: not in the schema)
 *   <testsuite name tests failures errors skipped time [file]>
 *       <properties><property name value/>...</properties>   run-wide facts
 *       <testcase name classname time> ... </testcase>
 *       <system-err> text given by report_suite_error </system-err>
 *   <testcase> holds <failure message type>, <error message type> or
 *       <skipped message>, then <system-out>. It may not hold <properties>, which is why
 *       per-test facts become "[[PROPERTY|name=value]]" lines of <system-out>.
 *   time on testsuite/testsuites is SUREFIRE_TIME: digits with at most 3 decimals, no
 *       sign, no exponent. We always print exactly 3 decimals, computed from integer
 *       milliseconds so that a suite's time is exactly the sum of its cases.
 * No timestamp or hostname is emitted: the output is a pure function of the model, so
 * two runs with the same results give byte-identical files.
 *
 * Sealed cases (report_spool.c) are copied back in place from the spool, so the file is
 * the same as if nothing had been sealed. XML escaping is xw.c's.
 */
#include "report.h"

#include "report_int.h"

#include <errno.h>
#include <stdint.h>

#include "atomic_file.h"

/* A case that never got a result was cut short (the harness died mid-test, a script
 * bailed out): CI must not read that as a pass. */
static const char NO_RESULT_MESSAGE[] = "no result recorded for this test";

static void render_properties(struct xw *w, const struct pairlist *props)
{
	if (props->len == 0)
		return;
	xw_str(w, "    <properties>\n");
	for (size_t i = 0; i < props->len; i++) {
		xw_str(w, "      <property");
		xw_attr(w, "name", props->items[i].name);
		xw_attr(w, "value", props->items[i].value);
		xw_str(w, "/>\n");
	}
	xw_str(w, "    </properties>\n");
}

/* <failure>, <error> or <skipped>: message attribute, detail as element text. */
static void render_outcome(struct xw *w, const char *element, const char *type,
			   const char *message, const char *detail)
{
	xw_str(w, "      <");
	xw_str(w, element);
	if (message)
		xw_attr(w, "message", message);
	if (type)
		xw_attr(w, "type", type);
	if (!detail || !*detail) {
		xw_str(w, "/>\n");
		return;
	}
	xw_str(w, ">");
	xw_node_begin(w, TEXT_LIMIT);
	xw_escaped(w, detail, ESC_TEXT);
	xw_node_end(w, true);
	xw_str(w, "</");
	xw_str(w, element);
	xw_str(w, ">\n");
}

static void render_case_outcome(struct xw *w, const struct report_case *c)
{
	if (!c->has_result) {
		render_outcome(w, "error", "error", NO_RESULT_MESSAGE, NULL);
		return;
	}
	switch (c->status) {
	case VERDICT_FAIL:
		render_outcome(w, "failure", "failure", c->message, c->detail);
		break;
	case VERDICT_ERROR:
		render_outcome(w, "error", "error", c->message, c->detail);
		break;
	case VERDICT_SKIP:
		render_outcome(w, "skipped", NULL, c->message, c->detail);
		break;
	case VERDICT_PASS:
		break;
	}
}

/* <system-out>: attachments first (GitLab takes the first), then properties, then the
 * log. Marker fields are escaped so one marker is always exactly one line. */
static void render_case_output(struct xw *w, const struct report_case *c)
{
	if (c->attachments.len == 0 && c->properties.len == 0 && c->log.len == 0)
		return;
	xw_str(w, "      <system-out>");
	xw_node_begin(w, TEXT_LIMIT);
	for (size_t i = 0; i < c->attachments.len; i++) {
		xw_content(w, "[[ATTACHMENT|");
		xw_escaped(w, c->attachments.items[i], ESC_MARKER);
		xw_content(w, "]]\n");
	}
	for (size_t i = 0; i < c->properties.len; i++) {
		xw_content(w, "[[PROPERTY|");
		xw_escaped(w, c->properties.items[i].name, ESC_MARKER);
		xw_content(w, "=");
		xw_escaped(w, c->properties.items[i].value, ESC_MARKER);
		xw_content(w, "]]\n");
	}
	for (size_t i = 0; i < c->log.len; i++)
		xw_line(w, c->log.items[i]);
	xw_node_end(w, true);
	xw_str(w, "</system-out>\n");
}

void report_render_case(struct xw *w, const struct report_suite *s, const struct report_case *c)
{
	xw_str(w, "    <testcase");
	xw_attr(w, "name", c->name);
	xw_attr(w, "classname", c->classname ? c->classname : s->name);
	xw_attr_millis(w, "time", c->has_result ? report_seconds_to_millis(c->seconds) : 0);
	bool has_outcome = !c->has_result || c->status != VERDICT_PASS;
	bool has_output = c->attachments.len || c->properties.len || c->log.len;
	if (!has_outcome && !has_output) {
		xw_str(w, "/>\n");
		return;
	}
	xw_str(w, ">\n");
	render_case_outcome(w, c);
	render_case_output(w, c);
	xw_str(w, "    </testcase>\n");
}

static void render_suite_errors(struct xw *w, const struct report_suite *s)
{
	if (s->errors.len == 0)
		return;
	xw_str(w, "    <system-err>");
	xw_node_begin(w, TEXT_LIMIT);
	for (size_t i = 0; i < s->errors.len; i++)
		xw_line(w, s->errors.items[i]);
	xw_node_end(w, true);
	xw_str(w, "</system-err>\n");
}

static void render_suite(struct xw *w, const struct report_suite *s)
{
	struct tally t = report_tally_suite(s);
	xw_str(w, "  <testsuite");
	xw_attr(w, "name", s->name);
	xw_attr_int(w, "tests", t.tests);
	xw_attr_int(w, "failures", t.failures);
	xw_attr_int(w, "errors", t.errors);
	xw_attr_int(w, "skipped", t.skipped);
	xw_attr_millis(w, "time", t.millis);
	if (s->file)
		xw_attr(w, "file", s->file);
	xw_str(w, ">\n");
	render_properties(w, &s->properties);
	for (size_t i = 0; i < s->ncases; i++) {
		if (s->cases[i]->sealed)
			report_spool_copy(w, s->report->spool, s->cases[i]);
		else
			report_render_case(w, s, s->cases[i]);
	}
	render_suite_errors(w, s);
	xw_str(w, "  </testsuite>\n");
}

/* Writes the whole JUnit document to out and flushes it. The schema gives <testsuites>
 * no "skipped" attribute, so the skipped total appears on each <testsuite> only.
 * Returns 0, or -1 with errno set (EINVAL for NULL arguments, else the write error). */
int report_write_junit(const struct report *r, FILE *out)
{
	if (!r || !out) {
		errno = EINVAL;
		return -1;
	}
	struct xw w = XW_INIT(out);
	struct tally t = report_tally_all(r);
	xw_str(&w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	xw_attr(&w, "name", r->name);
	xw_attr_int(&w, "tests", t.tests);
	xw_attr_int(&w, "failures", t.failures);
	xw_attr_int(&w, "errors", t.errors);
	xw_attr_millis(&w, "time", t.millis);
	xw_str(&w, ">\n");
	for (size_t i = 0; i < r->nsuites; i++)
		render_suite(&w, r->suites[i]);
	xw_str(&w, "</testsuites>\n");
	if (!w.err && fflush(out) != 0)
		w.err = errno ? errno : EIO;
	if (!w.err && ferror(out))
		w.err = EIO;
	if (w.err) {
		errno = w.err;
		return -1;
	}
	return 0;
}

/* ---- atomic file output ------------------------------------------------------------ */

static int junit_fill(FILE *f, const void *r)
{
	return report_write_junit(r, f);
}

int report_write_junit_file(const struct report *r, const char *path, char *err, size_t errlen)
{
	if (!r) {
		if (err && errlen)
			snprintf(err, errlen, "junit: report: expected a report, got NULL");
		errno = EINVAL;
		return -1;
	}
	return atomic_file_write(path, junit_fill, r, "junit", err, errlen);
}
