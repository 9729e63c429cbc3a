#ifndef TCPCONFORM_CONSOLE_H
#define TCPCONFORM_CONSOLE_H
#include <stdbool.h>
#include <stdio.h>
#include "plan.h"
#include "report.h"

/* The run as a person watches it: one line per test in plan order, the failure report
 * under a failed test, a progress line on a terminal (none when the output is a file or
 * a pipe), colours unless NO_COLOR is set, and a summary with the slowest tests. */

struct console_totals {
	int passed, failed, errors, skipped, flaky;
};

struct console;

struct console *console_new(FILE *out, int njobs, bool verbose);
void console_free(struct console *c);

/* Test t has started: the progress line counts it and names it as the latest. */
void console_started(struct console *c, const struct plan_test *t);
void console_finished(struct console *c, const struct plan *p, const struct plan_test *t,
		      double seconds);
/* target: the target's name when the run has several, else NULL. */
void console_result(struct console *c, const struct plan *p, const struct plan_test *t,
		    const char *target, enum verdict st, const char *message, const char *detail,
		    const char *log, double seconds, int runs, int passes);
void console_load_error(struct console *c, const char *suite, const char *error);
void console_summary(struct console *c, const struct console_totals *tot, double wall,
		     unsigned seed, int jobs);

#endif
