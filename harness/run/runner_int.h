#ifndef TCPCONFORM_RUNNER_INT_H
#define TCPCONFORM_RUNNER_INT_H
#include <stdbool.h>
#include "console.h"
#include "matrix.h"
#include "plan.h"
#include "report.h"
#include "runner.h"
#include "strbuf.h"
#include "worker.h"

/* Internals of the runner family: runner.c (runner_run, listing), runner_sched.c (the
 * order jobs start in, the main loop, Ctrl-C and the end of the run), runner_job.c (one
 * job's life: start, wait, kill, done) and runner_report.c (results into the console,
 * JUnit and the matrix). */

#include "worker.h"

/* A worker still running after its test's limit plus this has ignored the Lua hook
 * (stuck in C or in the kernel): it is killed. */
#define KILL_GRACE 5.0
/* A killed worker that has not died this long after SIGKILL is in an uninterruptible
 * kernel wait: its test is reported, the process is left to die when the kernel lets it. */
#define DEATH_WAIT 5.0
/* How long the run waits at its end for workers still tearing labs down. */
#define LINGER_WAIT 30.0

struct job {
	int test;                  /* index into plan.tests */
	int target;                /* index into runner_opts.targets */
	int rep;
	char *pcap;                /* this run's pcap file, or NULL */
	struct worker w;
	double started, deadline, killed_at;
	bool running, finished, killed;
	bool lingering;            /* result in, worker still tearing its lab down */
	char phase[80];            /* what a killed worker said it was doing */
	struct strbuf stuck;       /* where a killed worker's processes waited (kernel stacks) */
	struct worker_result res;
};

struct run {
	const struct runner_opts *o;
	struct plan plan;
	struct job *jobs;
	int njobs, nrunning, nfinished, nlingering;
	unsigned lab_id;
	struct console *con;
	int next_print;            /* first unit (test * ntargets + target) not yet printed */
	struct console_totals tot;
	struct matrix *matrix;     /* several targets: the behaviour-by-target matrix */
	int *matrix_row;           /* its row of each test */
	struct report *rep;        /* the JUnit report, filled as results become final */
	struct report_suite **suite_of;   /* [target * nsuites + suite], NULL: not reported */
	int reps;                  /* repetitions of each test (--repeat) */
	struct job **unit;         /* [(test * ntargets + target) * reps + rep]: its job */
};

/* Seconds on CLOCK_MONOTONIC. */
double runner_mono(void);
/* A short name for target g: the spec's name ("linux", "lwip", "exec"). */
const char *runner_target_label(const struct runner_opts *o, int g);

/* The jobs of every selected test x target x repetition, in the order they start
 * (runner_sched.c), and the index from (test, target) to its repetitions' jobs.
 * 0, or -1 when out of memory. */
int runner_make_jobs(struct run *r);
/* The jobs of (test, target): r->reps pointers, NULL for a test not selected. */
struct job **runner_unit_jobs(const struct run *r, int test, int target);
/* Runs every job, --jobs at a time, until all are finished or the run is interrupted;
 * then waits (bounded) for workers still tearing their labs down. */
void runner_execute(struct run *r);

/* Forks j's worker; a worker that cannot start is a finished ERROR at once. */
void runner_job_start(struct run *r, struct job *j);
/* SIGKILL to a worker past its deadline, after recording what it was doing and where
 * its processes waited in the kernel. */
void runner_job_kill(struct job *j);
/* One poll over the running and lingering workers (at most 1 s): reads results, ends
 * finished jobs, kills the ones past their deadline. */
void runner_wait_workers(struct run *r);

/* The report's skeleton before the run (suites, run-wide properties, load errors) and,
 * with several targets, the matrix's rows. */
void runner_report_begin(struct run *r);
/* Prints and reports, in plan order, every test whose result is complete and whose
 * predecessors are printed; final: also those that never ran (interrupted). */
void runner_flush(struct run *r, bool final);
/* The JUnit file (its directories made) and, with several targets, the matrix beside
 * it. 0, or -1 with the message printed. */
int runner_write_junit(const struct runner_opts *o, struct report *rep);
int runner_write_matrix(const struct runner_opts *o, const struct matrix *m);

#endif
