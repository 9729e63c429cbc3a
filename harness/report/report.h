#ifndef TCPCONFORM_REPORT_H
#define TCPCONFORM_REPORT_H
#include <stddef.h>
#include <stdio.h>
#include "verdict.h"

/* The run's results and their JUnit XML rendering (schema: shared/junit/junit-10.xsd,
 * Jenkins xUnit). A report owns copies of every string given to it. */


struct report;
struct report_suite;
struct report_case;

struct report *report_new(const char *name);
void report_free(struct report *r);

/* A testsuite (one per script file). name: e.g. "rst/closed_port"; file: the script path. */
struct report_suite *report_suite_add(struct report *r, const char *name, const char *file);
/* A run-wide fact for <properties> of this suite (target, kernel release, ...). */
int report_suite_property(struct report_suite *s, const char *name, const char *value);
/* Text for the suite's own <system-err> (e.g. a script that failed to load). */
int report_suite_error(struct report_suite *s, const char *text);

/* A testcase. classname is usually the suite name. */
struct report_case *report_case_add(struct report_suite *s, const char *name,
				    const char *classname);
/* Result: status, seconds, message (short, one line: the failure/error/skip message
 * attribute) and detail (multi-line body of <failure>/<error>, may be NULL). */
int report_case_result(struct report_case *c, enum verdict st, double seconds,
		       const char *message, const char *detail);
/* A per-test fact, written as a "[[PROPERTY|name=value]]" line of the testcase's
 * <system-out> (the schema has no per-testcase <properties>). */
int report_case_property(struct report_case *c, const char *name, const char *value);
/* A file to attach, written as "[[ATTACHMENT|path]]" in <system-out>. Attachments come
 * first in <system-out>, in the order given (GitLab takes the first one). */
int report_case_attachment(struct report_case *c, const char *path);
/* Free text appended to the testcase's <system-out> (the script's log lines). */
int report_case_log(struct report_case *c, const char *text);

/* The case is finished: renders it now into the report's spool file and frees its text,
 * so that a long run does not hold every testcase in memory. The written JUnit is the
 * same. No report_case_* call may follow on it. Returns 0, or -1 (the case then stays in
 * memory and is rendered at the end as usual). */
int report_case_seal(struct report_suite *s, struct report_case *c);

/* Totals over the whole report. */
void report_counts(const struct report *r, int *tests, int *failures, int *errors, int *skipped);

/* Writes the JUnit XML document. Strings are escaped for XML 1.0: &<>"' as entities,
 * characters XML 1.0 forbids (control characters other than TAB/LF/CR, invalid UTF-8)
 * replaced by U+FFFD or "\xNN", and "]]>" never emitted inside CDATA. Returns 0 or -1
 * with errno set on a write error. */
int report_write_junit(const struct report *r, FILE *out);
/* Writes to path atomically (temporary file in the same directory, then rename). */
int report_write_junit_file(const struct report *r, const char *path, char *err, size_t errlen);

#endif
