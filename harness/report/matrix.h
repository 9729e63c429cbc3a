#ifndef TCPCONFORM_MATRIX_H
#define TCPCONFORM_MATRIX_H
#include <stddef.h>

/* The behaviour-by-target matrix of a multi-target run (tcpconform run --target
 * linux,lwip): one row per test, one column per target, a verdict in each cell, written
 * as Markdown and as one self-contained HTML page (no external CSS, JS, fonts or images)
 * beside the JUnit file. A matrix owns copies of every string given to it. */

enum matrix_verdict {
	MATRIX_PASS,
	MATRIX_FAIL,
	MATRIX_ERROR,
	MATRIX_DEVIATION,   /* a known deviation of this target: skipped with a reason */
	MATRIX_SKIP,        /* the target lacks something the test needs */
	MATRIX_NOT_RUN,     /* no result (filtered out, interrupted) */
};

struct matrix;

/* title: e.g. "tcpconform 0.1.0 -- kernel 6.18.44"; targets: column names in order. */
struct matrix *matrix_new(const char *title, const char *const *targets, int ntargets);
void matrix_free(struct matrix *m);

/* Adds a row (returns its index): the behaviour ID ("A1"), the RFC section, the suite
 * ("scripts/rst/closed_port") and the test name. Rows keep the order given. */
int matrix_add_row(struct matrix *m, const char *id, const char *rfc, const char *suite,
		   const char *name);

/* Sets one cell. message: one line (the failure or the deviation's reason), may be NULL.
 * pcap: path of the test's pcap, may be NULL; written as a link relative to the
 * directory of the output file when possible. */
int matrix_set(struct matrix *m, int row, int target, enum matrix_verdict v,
	       const char *message, const char *pcap);

/* Writes the Markdown table / the HTML page. Return 0, or -1 with err naming the file. */
int matrix_write_markdown(const struct matrix *m, const char *path, char *err, size_t errlen);
int matrix_write_html(const struct matrix *m, const char *path, char *err, size_t errlen);

#endif
