/* sweep_worker: a sweep worker is an engine worker running script_sweep_run
 * (sweep_worker.h, engine_worker.h). */
#include "sweep_worker.h"

#include "engine_worker.h"

static int run_sweep(const void *arg, engine_emit_fn emit, void *ctx, char *err,
		     size_t errlen)
{
	return script_sweep_run(arg, emit, ctx, err, errlen);
}

pid_t sweep_worker_fork(const struct sweep_opts *o, int *fd, char *err, size_t errlen)
{
	return engine_worker_fork(run_sweep, o, fd, err, errlen);
}
