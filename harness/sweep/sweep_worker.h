#ifndef TCPCONFORM_SWEEP_WORKER_H
#define TCPCONFORM_SWEEP_WORKER_H
#include <stddef.h>
#include <sys/types.h>
#include "sweep.h"

/* A sweep worker: one forked process that runs one shard of one target's cases through
 * the engine and sends each result back as it finishes: an engine worker
 * (engine_worker.h: its own lab runtime, PR_SET_PDEATHSIG, the "R <json>" / "D" /
 * "E <message>" lines). Why a network namespace per worker: the engine numbers its labs
 * from 1, and the harness ends of their links ("tch<N>") must be unique within a
 * namespace. */

/* Forks the worker for o; *fd receives the read end of its pipe (non-blocking,
 * close-on-exec). Returns the pid, or -1 with err. */
pid_t sweep_worker_fork(const struct sweep_opts *o, int *fd, char *err, size_t errlen);

#endif
