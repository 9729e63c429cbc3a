/* runner_job: one job's life -- its worker forked, its result read, a kill past its
 * deadline, its end (see runner_int.h). */
#include "runner_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procdump.h"

void runner_job_start(struct run *r, struct job *j)
{
	const struct runner_opts *o = r->o;
	const struct plan_test *t = &r->plan.tests[j->test];
	char err[512];
	/* With several targets each gets a pcap directory of its own. */
	char dir[4096], pcap[4096];
	snprintf(dir, sizeof(dir), "%s%s%s", o->pcap_dir ? o->pcap_dir : "",
		 o->ntargets > 1 ? "/" : "", o->ntargets > 1 ? runner_target_label(o, j->target) : "");
	if (o->pcap_dir && plan_pcap_path(&r->plan, t, dir, j->rep, pcap, sizeof(pcap)) == 0)
		j->pcap = strdup(pcap);
	struct worker_job wj = {
		.script = r->plan.suites[t->suite].path, .index = t->index,
		.target = o->targets[j->target], .lab_id = ++r->lab_id,
		.pcap = j->pcap, .timeout = t->timeout, .memory_limit = o->memory_limit,
		.seed = o->seed + (unsigned)j->rep, .descriptor = o->descriptor};
	j->started = runner_mono();
	j->deadline = j->started + t->timeout + KILL_GRACE;
	if (worker_start(&j->w, &wj, err, sizeof(err)) < 0) {
		j->finished = true;
		j->res.status = VERDICT_ERROR;
		strbuf_addf(&j->res.message, "cannot start the test: %s", err);
		r->nfinished++;
		return;
	}
	j->running = true;
	r->nrunning++;
	console_started(r->con, t);
}

static void job_done(struct run *r, struct job *j)
{
	bool exited = worker_finish(&j->w, &j->res);
	if (j->killed) {
		j->res.status = VERDICT_ERROR;
		strbuf_reset(&j->res.message);
		strbuf_addf(&j->res.message, "killed after %.0f s %s: the test did not stop at its "
			    "time limit", j->killed_at - j->started, j->phase);
		strbuf_addf(&j->res.detail, "\n%s\n%s", strbuf_str(&j->res.message),
			    strbuf_str(&j->stuck));
		if (!exited)
			strbuf_addf(&j->res.detail, "it had not died %.0f s after SIGKILL\n", DEATH_WAIT);
	}
	if (j->res.seconds <= 0)
		j->res.seconds = runner_mono() - j->started;
	j->running = false;
	j->finished = true;
	r->nrunning--;
	r->nfinished++;
	if (!exited) {
		j->lingering = true;
		r->nlingering++;
	}
	console_finished(r->con, &r->plan, &r->plan.tests[j->test], j->res.seconds);
	runner_flush(r, false);
}

/* Before the kill: what the worker said it was doing, and where it and its lab's
 * processes wait in the kernel -- the only trace of a hang once they are gone. */
void runner_job_kill(struct job *j)
{
	char phase[64];
	worker_phase(&j->w, phase, sizeof(phase));
	snprintf(j->phase, sizeof(j->phase), "while %s", phase[0] ? phase : "starting");
	strbuf_addf(&j->stuck, "where its processes waited in the kernel:\n");
	procdump_tree(j->w.pid, &j->stuck);
	worker_kill(&j->w);
	j->killed = true;
	j->killed_at = runner_mono();
}

/* Waits for any running worker to send data or finish, or a lingering one to exit, and
 * handles time limits. */
void runner_wait_workers(struct run *r)
{
	int cap = r->nrunning + r->nlingering + 1;
	struct pollfd pfd[cap];
	struct job *who[cap];
	int n = 0;
	double now = runner_mono(), next = now + 1.0;
	for (int i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];
		if (j->lingering) {
			pfd[n] = (struct pollfd){.fd = j->w.pidfd, .events = POLLIN};
			who[n++] = j;
			continue;
		}
		if (!j->running)
			continue;
		if (now > j->deadline && !j->killed)
			runner_job_kill(j);
		if (j->killed && now > j->killed_at + DEATH_WAIT) {
			job_done(r, j);   /* it will not die: report it and leave it lingering */
			continue;
		}
		double at = j->killed ? j->killed_at + DEATH_WAIT : j->deadline;
		if (at < next)
			next = at;
		pfd[n] = (struct pollfd){.fd = j->w.fd, .events = POLLIN};
		who[n++] = j;
	}
	int ms = next <= now ? 0 : (int)((next - now) * 1000) + 1;
	if (poll(pfd, (nfds_t)n, ms > 1000 ? 1000 : ms) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		struct job *j = who[i];
		if (!pfd[i].revents)
			continue;
		if (j->lingering) {
			if (worker_reap(&j->w)) {
				j->lingering = false;
				r->nlingering--;
			}
		} else if (worker_read(&j->w) != 0) {
			job_done(r, j);
		}
	}
}
