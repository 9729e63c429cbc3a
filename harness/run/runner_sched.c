/* runner_sched: the order jobs start in, the loop that keeps --jobs of them running,
 * Ctrl-C, and the end of the run (see runner_int.h). */
#include "runner_int.h"

#include <signal.h>
#include <stdlib.h>

#include "lab.h"
#include "procdump.h"

/* Tests that declare a time limit of their own first, the longest first: those are the
 * ones that wait on protocol timers, so they start early and overlap the many short ones
 * instead of running alone at the end. The rest keep plan order. */
static int cmp_schedule(const void *a, const void *b, void *ctx)
{
	const struct run *r = ctx;
	const struct job *x = a, *y = b;
	double tx = r->plan.tests[x->test].declared_timeout;
	double ty = r->plan.tests[y->test].declared_timeout;
	if (tx != ty)
		return tx > ty ? -1 : 1;
	if (x->test != y->test)
		return x->test - y->test;
	return x->target != y->target ? x->target - y->target : x->rep - y->rep;
}

int runner_make_jobs(struct run *r)
{
	int reps = r->o->repeat > 0 ? r->o->repeat : 1;
	int nt = r->o->ntargets;
	r->reps = reps;
	r->jobs = calloc((size_t)(r->plan.nselected * reps * nt + 1), sizeof(*r->jobs));
	r->unit = calloc((size_t)r->plan.ntests * (size_t)nt * (size_t)reps + 1, sizeof(*r->unit));
	if (!r->jobs || !r->unit)
		return -1;
	for (int i = 0; i < r->plan.ntests; i++)
		for (int g = 0; r->plan.tests[i].selected && g < nt; g++)
			for (int k = 0; k < reps; k++)
				r->jobs[r->njobs++] = (struct job){.test = i, .target = g, .rep = k};
	qsort_r(r->jobs, (size_t)r->njobs, sizeof(*r->jobs), cmp_schedule, r);
	/* After the sort: the index points at the jobs where they now are. */
	for (int i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];
		runner_unit_jobs(r, j->test, j->target)[j->rep] = j;
	}
	return 0;
}

struct job **runner_unit_jobs(const struct run *r, int test, int target)
{
	return &r->unit[((size_t)test * (size_t)r->o->ntargets + (size_t)target) * (size_t)r->reps];
}

/* At the end of the run: workers still tearing labs down get LINGER_WAIT to finish. One
 * that does not is stuck in the kernel; it is named with its kernel stacks and left (it
 * is killed with the harness, PR_SET_PDEATHSIG, once the kernel lets go of it). */
static void drain_lingering(struct run *r)
{
	double until = runner_mono() + LINGER_WAIT;
	while (r->nlingering > 0 && runner_mono() < until)
		runner_wait_workers(r);
	for (int i = 0; i < r->njobs && r->nlingering > 0; i++) {
		struct job *j = &r->jobs[i];
		if (!j->lingering)
			continue;
		struct strbuf dump = {0};
		procdump_tree(j->w.pid, &dump);
		fprintf(stderr, "tcpconform: warning: the worker of %s (pid %d) has not exited %.0f s "
			"after its test ended: stuck in the kernel?\n%s",
			r->plan.tests[j->test].name, (int)j->w.pid, LINGER_WAIT, strbuf_str(&dump));
		strbuf_free(&dump);
		worker_kill(&j->w);
		worker_abandon(&j->w);
		j->lingering = false;
		r->nlingering--;
	}
}

/* Ctrl-C: the workers are told too (a signal sent to the harness alone does not reach
 * them), finish their tests as "interrupted", and are killed if they dawdle. */
static void interrupt_workers(struct run *r)
{
	double until = runner_mono() + 5.0;
	for (int i = 0; i < r->njobs; i++)
		if (r->jobs[i].running && r->jobs[i].w.pid > 0)
			kill(r->jobs[i].w.pid, SIGINT);
	while (r->nrunning > 0) {
		if (runner_mono() > until)
			for (int i = 0; i < r->njobs; i++)
				if (r->jobs[i].running && !r->jobs[i].killed)
					runner_job_kill(&r->jobs[i]);
		runner_wait_workers(r);
	}
}

void runner_execute(struct run *r)
{
	int jobs = r->o->jobs > 0 ? r->o->jobs : 1;
	int next = 0;
	while (r->nfinished < r->njobs) {
		if (lab_interrupted()) {
			interrupt_workers(r);
			break;
		}
		/* Labs still being torn down hold kernel resources too: at most as many as
		 * there are job slots, or a slow kernel would be fed more labs than it frees. */
		while (next < r->njobs && r->nrunning < jobs && r->nlingering < jobs &&
		       !lab_interrupted())
			runner_job_start(r, &r->jobs[next++]);
		if (r->nrunning + r->nlingering > 0)
			runner_wait_workers(r);
	}
	drain_lingering(r);
}
