#ifndef TCPCONFORM_SWEEP_RUN_H
#define TCPCONFORM_SWEEP_RUN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "runner.h"

/* `tcpconform sweep`: the state-by-event matrix run on each target by worker processes,
 * one per job per target, each running its shard of the cases through the engine
 * (script_sweep_run, harness/script/sweep.h) in labs of its own and sending its result
 * lines back over a pipe; the parent shows progress, keeps every result and writes the
 * reports (sweep_report.h). */

struct sweep_cmd {
	const char *targets[RUNNER_MAX_TARGETS]; /* labels: "linux", "linux:net.ipv4.x=1" */
	int ntargets;
	const char *state, *family;  /* NULL: all */
	const char *descriptor;      /* NULL: each target's built-in one */
	int jobs;                    /* workers per target */
	int shard_k, shard_n;        /* the user's part of the cases (1/1: all) */
	unsigned seed;
	long max_cases;              /* per target, 0: all */
	double seconds;              /* the run's time budget */
	size_t memory_limit;
	const char *out_dir;         /* cases.jsonl, index.html, pcap/ */
	const char *junit;           /* NULL: none */
	bool list_only;              /* print the cases, run nothing */
	FILE *out;                   /* console */
};

/* Runs (or lists) the sweep. Returns the exit status: 0 when every case agrees with the
 * model or differs only where the descriptor declares a deviation, 1 otherwise (a case
 * that differs undeclared, an error, a worker in trouble), 2 on a set-up error, 130 when
 * interrupted (the reports of what finished are still written). */
int sweep_run(const struct sweep_cmd *c);

/* What both engine commands (sweep_run, fuzz/fuzz_run.c) do first and last. */
struct target_spec;
/* The n targets' labels resolved into specs: 0, or 2 (a set-up error's exit status)
 * after saying why on stderr. */
int sweep_resolve_targets(const char *const *targets, int n, struct target_spec *specs);
/* The exit status after the run: 130, with "interrupted" on out, after Ctrl-C, unless
 * status is 2 (a set-up error says more); status otherwise. */
int sweep_exit_status(int status, FILE *out);

/* The shard of worker j (1..jobs) within the user's K/N, as the engine takes it: cases
 * with index % (N*jobs) == (K-1) + N*(j-1), which splits the user's shard into jobs
 * disjoint parts that together are exactly it. */
void sweep_worker_shard(int k, int n, int jobs, int j, int *wk, int *wn);

#endif
