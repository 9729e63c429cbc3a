#ifndef TCPCONFORM_ENGINE_WORKER_H
#define TCPCONFORM_ENGINE_WORKER_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

/* A worker process for an engine that runs in labs of its own and reports JSON lines:
 * the sweep's (sweep_worker.h) and the fuzzer's (fuzz/fuzz_run.c: run_fuzz). One forked process
 * that makes its own lab runtime (lab_runtime_init: its own harness namespace, and its
 * own user namespace when not root), so workers need no run-wide numbering of labs or
 * links; it dies with the harness (PR_SET_PDEATHSIG) and its labs die with it.
 *
 * The pipe carries lines: "R <json>" per emitted object (a JSON line holds no raw
 * newline), then "D" when the engine returned 0 or "E <message>" when it failed (its
 * newlines as " | "). A worker whose pipe closes without either died: the parent says
 * how. */

typedef void (*engine_emit_fn)(void *ctx, const char *json);
/* The engine: runs arg's work, emit once per result object; 0, or -1 with err. */
typedef int (*engine_run_fn)(const void *arg, engine_emit_fn emit, void *ctx, char *err,
			     size_t errlen);

/* Forks the worker that calls run(arg, ...) after lab_runtime_init; *fd receives the
 * read end of its pipe (non-blocking, close-on-exec). The child works on its copy of
 * arg (what it points to is copied by the fork). Returns the pid, or -1 with err. */
pid_t engine_worker_fork(engine_run_fn run, const void *arg, int *fd, char *err,
			 size_t errlen);

/* Reads what is ready on fd (non-blocking) and calls on_line for each whole line (NUL-
 * terminated, without its newline, writable); in keeps a partial line between calls.
 * Returns true at end of file (the caller closes fd), false otherwise. */
bool engine_worker_drain(int fd, struct strbuf *in, void (*on_line)(void *ctx, char *line),
			 void *ctx);

/* The parent's view of one worker: zero it, then set pid and fd from engine_worker_fork. */
struct engine_proc {
	pid_t pid;
	int fd;                /* -1 once at end of file (or given up) */
	struct strbuf in;      /* a partial line; engine_proc_release frees it */
	bool said_end;         /* "D" or "E ..." seen */
	bool reaped, killed;
	int status;            /* waitpid's, once reaped */
	double killed_at, eof_at;
};
void engine_proc_release(struct engine_proc *p);

/* How the parent's loop treats its workers. Times are engine_now()'s. */
struct engine_loop {
	double kill_at;      /* workers still reporting then are killed (SIGKILL); 0: never */
	double grace;        /* a worker whose pipe closed gets this long to exit (its labs'
			      * teardown waits on the kernel, but not for ever) */
	double death_wait;   /* after Ctrl-C, the kill comes this long after the SIGINT; a
			      * killed worker not dead this long after is given up (it dies
			      * with the harness, PR_SET_PDEATHSIG) */
	/* "R <json>" lines (the json, writable); "E <message>" (the message). Either may be
	 * NULL. "D" and "E" set said_end. */
	void (*on_result)(void *ctx, int i, char *json);
	void (*on_error)(void *ctx, int i, const char *message);
	void (*on_tick)(void *ctx);    /* after each round (at most 100 ms apart) */
	/* A worker that ended without "D" or "E" (engine_loop_lost): what says how. */
	void (*on_lost)(void *ctx, int i, const char *what);
	/* The words of those messages, the engine's own: the reason of a kill at kill_at
	 * ("at its time limit"), what a killed worker did not finish within before "N s of
	 * grace" ("" or "its time budget (--seconds) and "; left out after Ctrl-C, which
	 * is then the reason), the tails after a death by signal and after an exit.
	 * grace_after_ctrl_c: a kill after Ctrl-C names death_wait, not grace;
	 * quiet_after_ctrl_c: after Ctrl-C only a killed worker is lost (the others
	 * stopped as asked). */
	const char *at_budget, *within, *signal_tail, *exit_tail;
	bool grace_after_ctrl_c, quiet_after_ctrl_c;
	void *ctx;
};

/* The parent's loop: lines in, kill_at and Ctrl-C (lab_interrupted(): SIGINT to every
 * worker, then SIGKILL death_wait later) enforced, children reaped (the parent makes no
 * lab: its only children are workers), until every worker is gone or given up. */
void engine_loop_run(struct engine_proc *const *procs, int n, const struct engine_loop *l);

/* After engine_loop_run: l->on_lost for each worker that never said "D" or "E": killed
 * (at kill_at or after Ctrl-C), died from a signal, or exited. */
void engine_loop_lost(struct engine_proc *const *procs, int n, const struct engine_loop *l);

/* A monotonic clock in seconds. */
double engine_now(void);

#endif
