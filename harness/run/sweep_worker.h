#ifndef TCPCONFORM_SWEEP_WORKER_H
#define TCPCONFORM_SWEEP_WORKER_H
#include <stddef.h>
#include <sys/types.h>
#include "sweep.h"

/* A sweep worker: one forked process that runs one shard of one target's cases through
 * the engine and sends each result back as it finishes. It dies with the harness
 * (PR_SET_PDEATHSIG) and its labs die with it.
 *
 * Why a network namespace per worker: the engine numbers its labs from 1, and the
 * harness ends of their links ("tch<N>") must be unique within a namespace; a worker that
 * makes its own runtime (lab_runtime_init: its own harness namespace, and its own user
 * namespace when not root) needs no run-wide numbering.
 *
 * The pipe carries lines: "R <json>" per result (a JSON line holds no raw newline),
 * then "D" when the shard is done or "E <message>" when the engine failed (its newlines
 * as " | "). A worker whose pipe closes without either died: the parent says how. */

/* Forks the worker for o; *fd receives the read end of its pipe (non-blocking,
 * close-on-exec). Returns the pid, or -1 with err. */
pid_t sweep_worker_fork(const struct sweep_opts *o, int *fd, char *err, size_t errlen);

#endif
