#ifndef TCPCONFORM_REPORT_INT_H
#define TCPCONFORM_REPORT_INT_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "report.h"
#include "xw.h"

/* Internals shared by the report family: the model (report.c), its JUnit rendering
 * (report_junit.c) and the spool of sealed cases (report_spool.c). */

struct pair {
	char *name;
	char *value;
};

struct strlist {
	char **items;
	size_t len, cap;
};

struct pairlist {
	struct pair *items;
	size_t len, cap;
};

struct report_case {
	char *name;
	char *classname; /* NULL: the suite's name */
	bool has_result;
	enum verdict status;
	double seconds;
	char *message; /* may be NULL */
	char *detail;  /* may be NULL */
	struct strlist attachments;
	struct pairlist properties;
	struct strlist log;
	bool sealed;     /* rendered into the spool; the strings above are freed */
	long spool_at;   /* its bytes in the spool */
	size_t spool_len;
};

struct report_suite {
	struct report *report;
	char *name;
	char *file; /* may be NULL */
	struct pairlist properties;
	struct strlist errors;
	struct report_case **cases;
	size_t ncases, cap;
};

struct report {
	char *name;
	struct report_suite **suites;
	size_t nsuites, cap;
	FILE *spool;     /* sealed cases' XML; NULL until the first seal */
	bool spool_failed;
};

/* Totals of a suite or a report; millis is the sum of the cases' whole milliseconds, so
 * a suite's time is exactly the sum of its cases'. */
struct tally {
	int tests, failures, errors, skipped;
	uint64_t millis;
};

/* Seconds -> whole milliseconds, clamped to [0, 1e12 s]; NaN becomes 0. */
uint64_t report_seconds_to_millis(double s);
/* The totals of one suite, and of the whole report. */
struct tally report_tally_suite(const struct report_suite *s);
struct tally report_tally_all(const struct report *r);
/* Frees a case's strings (what sealing makes redundant); its status and time stay. */
void report_case_free_strings(struct report_case *c);

/* Renders one <testcase> element of suite s (report_junit.c): used for the document and
 * for the spool, so that a sealed case's bytes are the very ones it would have had. */
void report_render_case(struct xw *w, const struct report_suite *s, const struct report_case *c);
/* Copies a sealed case's bytes from the spool into w (report_spool.c); a read error is
 * w's sticky error. */
void report_spool_copy(struct xw *w, FILE *spool, const struct report_case *c);

#endif
