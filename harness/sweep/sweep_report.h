#ifndef TCPCONFORM_SWEEP_REPORT_H
#define TCPCONFORM_SWEEP_REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "sweep_result.h"

/* The sweep's results, all targets, and what is made of them: the console summary, and
 * the files in OUT -- cases.jsonl (every case), junit.xml (a testcase per (state, event
 * class) group and target) and index.html (a matrix page per target, a differential page
 * with several). The results are kept as given and grouped on demand (sorted by state,
 * class, case id, target), so every report reads the same cells. */

struct sweep_report;

/* A report over these targets (their labels, as reports name them: "linux",
 * "linux:net.ipv4.tcp_rfc1337=1"); copies them. NULL when out of memory. */
struct sweep_report *sweep_report_new(const char *const *targets, int ntargets);
void sweep_report_free(struct sweep_report *rep);

/* Takes r over (its strings now belong to the report; r is zeroed), for target index
 * target; r->target is set to that target's label. 0, or -1 when out of memory. */
int sweep_report_add(struct sweep_report *rep, int target, struct sweep_result *r);
/* A failure of the run itself for target (a worker that died, an engine error): counted
 * as an error of the target, printed in the summary, and in the JUnit as an <error>. */
int sweep_report_trouble(struct sweep_report *rep, int target, const char *message);

/* Cases per verdict for target (-1: all targets); counts has SWEEP_NVERDICTS slots. */
void sweep_report_counts(const struct sweep_report *rep, int target, long *counts);
/* Troubles (sweep_report_trouble) over all targets. */
int sweep_report_troubles(const struct sweep_report *rep);
/* Whether any case came from the stand-in engine (sweep_stub.c). */
bool sweep_report_has_stub(const struct sweep_report *rep);

/* The summary table per target: a row per state (cases, agree, differs, deviation,
 * error) and a total, then the target's troubles. */
void sweep_report_summary(struct sweep_report *rep, FILE *out);

/* The files. Each is written atomically (base/atomic_file.h); 0, or -1 with err naming
 * the file and the step that failed. Links to pcaps in the HTML are relative to the
 * directory of path when the pcap lies below it. */
int sweep_report_write_jsonl(struct sweep_report *rep, const char *path, char *err,
			     size_t errlen);
int sweep_report_write_junit(struct sweep_report *rep, const char *path, char *err,
			     size_t errlen);
int sweep_report_write_html(struct sweep_report *rep, const char *path, char *err,
			    size_t errlen);

#endif
