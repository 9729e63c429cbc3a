#ifndef TCPCONFORM_FUZZ_REPORT_H
#define TCPCONFORM_FUZZ_REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A campaign's reports from its store of findings (fuzz_store.h) and its totals:
 * stats.json, the console summary, index.html (fuzz_report_html.c) and JUnit
 * (fuzz_report_junit.c). */

struct fuzz_store;
struct fuzz_json;

struct fuzz_totals {
	const char *const *targets;
	int ntargets;
	unsigned long long seed;
	int shard_k, shard_n, jobs;
	double seconds;                 /* wall time of the campaign */
	double cases, execs;            /* summed over workers */
	double corpus, coverage;        /* the largest a worker saw (each reads the corpus) */
	long corpus_at_start;           /* entries in the corpus directory before it began */
	double first_corpus;            /* corpus of the first stats line: what was resumed */
	long corpus_added;              /* "corpus" lines: entries the workers added */
	const struct fuzz_json *const *workers;  /* each worker's last stats object, or NULL */
	int nworkers;
	const char *const *troubles;    /* a worker's failure, one message each */
	int ntroubles;
	int interrupted;
};

/* Findings by oracle (FUZZ_ORACLES order, then "other") over the whole store. */
void fuzz_report_by_oracle(const struct fuzz_store *s, long counts[5]);

/* Findings whose emitted test the core ran and saw not doing what it must
 * (test_verified false; an unprocessed finding's test was not run, so not counted). */
long fuzz_report_unverified(const struct fuzz_store *s);
/* Whether a finding was processed (confirmed, minimised, pcaps, its test run): true
 * unless its "processed" is false -- a signature the core found when the findings' share
 * of the time was spent, reported as found (lua/fuzz/README.md "Contract"). */
bool fuzz_report_processed(const struct fuzz_json *f);
/* The store's findings that were not processed. */
long fuzz_report_unprocessed(const struct fuzz_store *s);

/* OUT/stats.json, atomically. 0, or -1 with err. */
int fuzz_report_write_stats(const struct fuzz_store *s, const struct fuzz_totals *t,
			    const char *path, char *err, size_t errlen);
/* The plain summary: totals, findings by oracle, one line per new finding. */
void fuzz_report_summary(const struct fuzz_store *s, const struct fuzz_totals *t, FILE *f);
/* One line for a finding as it arrives ("new finding 1f2e...: model on linux in
 * TIME-WAIT, RST at RCV.NXT: rule ... (RFC ...)"). */
void fuzz_report_finding_line(const struct fuzz_json *f, FILE *out);

/* The findings page: a self-contained HTML file (inline CSS, no script); links to pcaps
 * and test.lua relative to the page. 0, or -1 with err. */
int fuzz_report_write_html(const struct fuzz_store *s, const struct fuzz_totals *t,
			   const char *path, char *err, size_t errlen);
/* JUnit (Jenkins xUnit schema): a testsuite "fuzz", a testcase per signature: a new
 * finding fails, a known one (already in OUT before) is skipped as known; the suppressed
 * count, cases and coverage as properties; a worker's trouble an error testcase. 0, or
 * -1 with err. */
int fuzz_report_write_junit(const struct fuzz_store *s, const struct fuzz_totals *t,
			    const char *path, char *err, size_t errlen);

#endif
