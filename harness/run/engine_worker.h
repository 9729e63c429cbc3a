#ifndef TCPCONFORM_ENGINE_WORKER_H
#define TCPCONFORM_ENGINE_WORKER_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A worker process for an engine that runs in labs of its own and reports JSON lines:
 * the sweep's (sweep_worker.h) and the fuzzer's (fuzz_worker.h). One forked process
 * that makes its own lab runtime (lab_runtime_init: its own harness namespace, and its
 * own user namespace when not root), so workers need no run-wide numbering of labs or
 * links; it dies with the harness (PR_SET_PDEATHSIG) and its labs die with it.
 *
 * The pipe carries lines: "R <json>" per emitted object (a JSON line holds no raw
 * newline), then "D" when the engine returned 0 or "E <message>" when it failed (its
 * newlines as " | "). A worker whose pipe closes without either died: the parent says
 * how. */

struct strbuf;
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

#endif
