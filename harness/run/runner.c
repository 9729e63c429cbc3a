/* runner: the plan's tests, each in a worker process with a lab of its own, up to
 * --jobs at a time; results in plan order on the console and in JUnit (see runner.h and
 * runner_int.h for the family). */
#include "runner.h"

#include "runner_int.h"

#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lab.h"

double runner_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A short name for target g: the spec's name ("linux", "lwip", "exec"). */
const char *runner_target_label(const struct runner_opts *o, int g)
{
	const char *spec = o->targets[g];
	return strncmp(spec, "exec:", 5) == 0 ? "exec" : spec;
}

static int list_plan(const struct run *r)
{
	int errors = 0;
	for (int s = 0; s < r->plan.nsuites; s++) {
		const struct plan_suite *ps = &r->plan.suites[s];
		if (ps->load_error) {
			fprintf(r->o->out, "%s: ERROR %s\n", ps->name, ps->load_error);
			errors++;
		}
		for (int i = ps->first; i < ps->first + ps->count; i++) {
			const struct plan_test *t = &r->plan.tests[i];
			if (t->selected)
				fprintf(r->o->out, "%-4s %s: %s\n", t->id, ps->name, t->name);
		}
	}
	return errors ? 2 : 0;
}

int runner_run(const struct runner_opts *o)
{
	struct run r = {.o = o};
	char err[4096];
	if (plan_build(&r.plan, o, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpconform: %s\n", err);
		plan_free(&r.plan);
		return 2;
	}
	if (o->list_only) {
		int rc = list_plan(&r);
		plan_free(&r.plan);
		return rc;
	}
	/* Planning loaded and closed a Lua state per script, and left the heap full of holes
	 * between the plan's strings. Every worker is forked from this process and starts
	 * with its resident pages: give the free ones back first (glibc's malloc_trim also
	 * releases free pages inside the heap, not only at its top). */
	malloc_trim(0);
	if (lab_runtime_init(err, sizeof(err)) < 0 || runner_make_jobs(&r) < 0) {
		fprintf(stderr, "tcpconform: %s\n", err);
		plan_free(&r.plan);
		return 2;
	}
	lab_catch_interrupts();

	r.con = console_new(o->out, r.njobs, o->verbose);
	for (int s = 0; s < r.plan.nsuites; s++)
		if (r.plan.suites[s].load_error) {
			console_load_error(r.con, r.plan.suites[s].name, r.plan.suites[s].load_error);
			r.tot.errors++;
		}
	runner_report_begin(&r);
	double t0 = runner_mono();
	runner_execute(&r);
	runner_flush(&r, true);

	int status = r.tot.failed || r.tot.errors ? 1 : 0;
	if (lab_interrupted()) {
		fprintf(o->out, "interrupted\n");
		status = 130;
	}
	console_summary(r.con, &r.tot, runner_mono() - t0, o->seed, o->jobs);
	if (o->junit && (!r.rep || runner_write_junit(o, r.rep) < 0))
		status = 2;
	if (o->junit && r.matrix && runner_write_matrix(o, r.matrix) < 0)
		status = 2;
	matrix_free(r.matrix);
	free(r.matrix_row);
	report_free(r.rep);
	free(r.suite_of);
	for (int i = 0; i < r.njobs; i++) {
		worker_result_free(&r.jobs[i].res);
		strbuf_free(&r.jobs[i].stuck);
		free(r.jobs[i].pcap);
	}
	free(r.jobs);
	free(r.unit);
	console_free(r.con);
	plan_free(&r.plan);
	lab_runtime_shutdown();
	return status;
}
