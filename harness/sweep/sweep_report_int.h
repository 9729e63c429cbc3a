#ifndef TCPCONFORM_SWEEP_REPORT_INT_H
#define TCPCONFORM_SWEEP_REPORT_INT_H
#include <stdbool.h>
#include <stddef.h>
#include "sweep_report.h"

/* What the sweep report family shares: the model (sweep_report.c), the JUnit writer
 * (sweep_report_junit.c) and the HTML page (sweep_report_html.c). */

struct sweep_entry {
	struct sweep_result r;
	int target;
};

struct sweep_trouble {
	int target;
	char *message;
};

struct sweep_report {
	char **targets;
	int ntargets;
	struct sweep_entry *e;
	size_t n, cap;
	bool sorted;
	struct sweep_trouble *troubles;
	int ntroubles;
};

/* Sorts the entries by cell -- state (in the order of the contract's state list, then
 * unknown ones by name), event class -- then case id and target, once. */
void sweep_report_sort(struct sweep_report *rep);
/* After sorting: the end of the cell that starts at entry first (the first entry of
 * another (state, class), or rep->n). */
size_t sweep_cell_end(const struct sweep_report *rep, size_t first);

/* The verdict a cell shows for one target: the worst of its cases (error < agree in
 * meaning: a cell with any differs is "differs", else with a deviation "deviation", else
 * with an error "error", else "agree"); -1 when the target has no case there. */
int sweep_cell_verdict(const struct sweep_report *rep, size_t first, size_t end, int target);

/* With several targets: how a cell compares them (sweep_report_diff.c). */
enum sweep_diff {
	SWEEP_DIFF_AGREE,      /* every target agrees with the model */
	SWEEP_DIFF_ALIKE,      /* they differ from the model, all in the same way */
	SWEEP_DIFF_DISAGREE,   /* the targets behave differently from one another */
	SWEEP_DIFF_ERROR,      /* nothing to compare: only errors, or a target has no case */
};
/* Compares the targets over the cell's cases: a target's behaviour in a case is "as the
 * model" for agree, else what it was seen doing; errors say nothing about behaviour and
 * are left out. *odd: with three or more targets, the one whose behaviour differs while
 * all the others behave alike, else -1. */
enum sweep_diff sweep_cell_diff(const struct sweep_report *rep, size_t first, size_t end,
				int *odd);

#endif
