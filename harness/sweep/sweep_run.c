/* sweep_run: `tcpconform sweep` -- workers forked per job per target, their result lines
 * gathered, progress, the summary, the reports and the exit status (sweep_run.h). The
 * parent stays single-threaded and never makes a lab itself (see lab.h on forking). */
#include "sweep_run.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine_worker.h"
#include "json_str.h"
#include "lab.h"
#include "mkdirs.h"
#include "strbuf.h"
#include "sweep_report.h"
#include "sweep_worker.h"
#include "target.h"

/* Past its time budget a worker gets this long to finish its cases in flight and report
 * before it is killed; a killed worker that has not died this long after is left to die
 * with the harness (PR_SET_PDEATHSIG). */
#define KILL_GRACE 10.0
#define DEATH_WAIT 5.0
#define PROGRESS_EVERY 0.25

struct sw {
	struct engine_proc p;
	int target, j;
};

struct sweep {
	const struct sweep_cmd *c;
	struct target_spec specs[RUNNER_MAX_TARGETS];
	struct sw *w;
	int nw;
	struct sweep_report *rep;
	long done, differs;
	double t0, last_progress;
	bool tty;
};

void sweep_worker_shard(int k, int n, int jobs, int j, int *wk, int *wn)
{
	*wn = n * jobs;
	*wk = k + n * (j - 1);
}

static void fill_opts(const struct sweep *s, int t, struct sweep_opts *o)
{
	const struct sweep_cmd *c = s->c;
	*o = (struct sweep_opts){.target = &s->specs[t], .descriptor = c->descriptor,
				 .state = c->state, .family = c->family, .shard_k = c->shard_k,
				 .shard_n = c->shard_n, .seed = c->seed, .seconds = c->seconds,
				 .max_cases = c->max_cases, .memory_limit = c->memory_limit};
}

static void list_emit(void *ctx, const char *json)
{
	const char *const *args = ctx;
	FILE *out = (FILE *)args[0];
	/* {"target":"<label>", ...the engine's fields} */
	fputs("{\"target\":", out);
	json_str_write(out, args[1]);
	fputs(json[0] == '{' && json[1] != '}' ? "," : "", out);
	fputs(json[0] == '{' ? json + 1 : json, out);
	fputc('\n', out);
}

static int list_cases(struct sweep *s)
{
	char err[4096];
	for (int t = 0; t < s->c->ntargets; t++) {
		struct sweep_opts o;
		fill_opts(s, t, &o);
		const void *args[2] = {s->c->out, s->c->targets[t]};
		if (script_sweep_list(&o, list_emit, args, err, sizeof(err)) < 0) {
			fprintf(stderr, "tcpconform: sweep --list: %s\n", err);
			return 2;
		}
	}
	return 0;
}

static void progress(struct sweep *s, bool final)
{
	double now = engine_now();
	if (!s->tty || (!final && now - s->last_progress < PROGRESS_EVERY))
		return;
	s->last_progress = now;
	double el = now - s->t0;
	fprintf(s->c->out, "\r\033[Ksweep: %ld cases, %.0f cases/s, %ld differ%s", s->done,
		el > 0 ? (double)s->done / el : 0.0, s->differs, final ? "\n" : "");
	fflush(s->c->out);
}

static void trouble(struct sweep *s, const struct sw *w, const char *what)
{
	char msg[4400];
	snprintf(msg, sizeof(msg), "worker %d of %d: %s", w->j, s->c->jobs, what);
	sweep_report_trouble(s->rep, w->target, msg);
	if (s->tty)
		fputs("\r\033[K", s->c->out);
	fprintf(s->c->out, "%s: %s\n", s->c->targets[w->target], msg);
}

static void on_result(void *ctx, int i, char *json)
{
	struct sweep *s = ctx;
	struct sw *w = &s->w[i];
	struct sweep_result r;
	char err[256];
	if (sweep_result_parse(json, &r, err, sizeof(err)) < 0) {
		char msg[600];
		snprintf(msg, sizeof(msg), "a result line the report cannot read: %s: %.200s",
			 err, json);
		trouble(s, w, msg);
		return;
	}
	s->done++;
	s->differs += r.verdict == SWEEP_DIFFERS;
	if (sweep_report_add(s->rep, w->target, &r) < 0) {
		sweep_result_free(&r);
		trouble(s, w, "out of memory keeping a result");
	}
	progress(s, false);
}

static void on_error(void *ctx, int i, const char *message)
{
	struct sweep *s = ctx;
	/* After Ctrl-C the engine's "interrupted" is the stop we asked for, as in the
	 * fuzzer (fuzz_run.c). */
	if (!lab_interrupted())
		trouble(s, &s->w[i], message);
}

static void on_lost(void *ctx, int i, const char *what)
{
	struct sweep *s = ctx;
	trouble(s, &s->w[i], what);
}

static void on_tick(void *ctx)
{
	progress(ctx, false);
}

/* The loop: results in, time limits and Ctrl-C enforced, until every worker is gone. */
static void gather(struct sweep *s)
{
	double budget = s->c->seconds > 0 ? s->c->seconds : 0;
	struct engine_loop l = {.kill_at = budget > 0 ? s->t0 + budget + KILL_GRACE : 0,
				.grace = KILL_GRACE, .death_wait = DEATH_WAIT,
				.on_result = on_result, .on_error = on_error, .on_tick = on_tick,
				.on_lost = on_lost, .at_budget = "at its time limit",
				.within = "its time budget (--seconds) and ",
				.signal_tail = " before finishing its shard",
				.exit_tail = " before finishing its shard",
				/* After Ctrl-C a worker has death_wait to stop, and one that
				 * stopped as asked is no trouble. */
				.grace_after_ctrl_c = true, .quiet_after_ctrl_c = true, .ctx = s};
	struct engine_proc *procs[s->nw + 1];
	for (int i = 0; i < s->nw; i++)
		procs[i] = &s->w[i].p;
	engine_loop_run(procs, s->nw, &l);
	progress(s, true);
	engine_loop_lost(procs, s->nw, &l);
}

static int start_workers(struct sweep *s, char *err, size_t errlen)
{
	const struct sweep_cmd *c = s->c;
	s->w = calloc((size_t)(c->ntargets * c->jobs), sizeof(*s->w));
	if (!s->w) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int t = 0; t < c->ntargets; t++)
		for (int j = 1; j <= c->jobs; j++) {
			struct sweep_opts o;
			fill_opts(s, t, &o);
			sweep_worker_shard(c->shard_k, c->shard_n, c->jobs, j, &o.shard_k, &o.shard_n);
			/* --cases N per target: the first N % jobs workers take one more. */
			if (c->max_cases > 0) {
				o.max_cases = c->max_cases / c->jobs + (j <= c->max_cases % c->jobs);
				if (o.max_cases == 0)
					continue;
			}
			/* An exec target's label is a command line: its folder is "exec", as the
			 * run's (runner_target_label). */
			char dir[4096];
			const char *label = strncmp(c->targets[t], "exec:", 5) ? c->targets[t] : "exec";
			snprintf(dir, sizeof(dir), "%s/pcap/%s/w%d", c->out_dir, label, j);
			if (mkdirs(dir, err, errlen) < 0)
				return -1;
			o.pcap_dir = dir;
			struct sw *w = &s->w[s->nw];
			*w = (struct sw){.target = t, .j = j, .p.fd = -1};
			/* The child copies o (and dir) at fork. */
			if ((w->p.pid = sweep_worker_fork(&o, &w->p.fd, err, errlen)) < 0)
				return -1;
			s->nw++;
		}
	return 0;
}

static int write_reports(struct sweep *s)
{
	const struct sweep_cmd *c = s->c;
	char path[4200], err[4400];
	int rc = 0;
	snprintf(path, sizeof(path), "%s/cases.jsonl", c->out_dir);
	if (sweep_report_write_jsonl(s->rep, path, err, sizeof(err)) < 0)
		fprintf(stderr, "tcpconform: %s\n", err), rc = -1;
	snprintf(path, sizeof(path), "%s/index.html", c->out_dir);
	if (sweep_report_write_html(s->rep, path, err, sizeof(err)) < 0)
		fprintf(stderr, "tcpconform: %s\n", err), rc = -1;
	if (c->junit && sweep_report_write_junit(s->rep, c->junit, err, sizeof(err)) < 0)
		fprintf(stderr, "tcpconform: %s\n", err), rc = -1;
	return rc;
}

int sweep_resolve_targets(const char *const *targets, int n, struct target_spec *specs)
{
	char err[4400];
	if (target_resolve_all(targets, n, specs, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpconform: %s\n", err);
		return 2;
	}
	return 0;
}

int sweep_exit_status(int status, FILE *out)
{
	if (!lab_interrupted() || status == 2)
		return status;
	fprintf(out, "interrupted\n");
	return 130;
}

int sweep_run(const struct sweep_cmd *c)
{
	struct sweep s = {.c = c};
	if (sweep_resolve_targets(c->targets, c->ntargets, s.specs))
		return 2;
	char err[4400];
	if (c->list_only)
		return list_cases(&s);
	if (mkdirs(c->out_dir, err, sizeof(err)) < 0 ||
	    !(s.rep = sweep_report_new(c->targets, c->ntargets))) {
		fprintf(stderr, "tcpconform: sweep: %s\n", s.rep ? err : "out of memory");
		return 2;
	}
	lab_catch_interrupts();
	s.tty = isatty(fileno(c->out));
	s.t0 = engine_now();
	int status = 0;
	if (start_workers(&s, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpconform: sweep: %s\n", err);
		status = 2;
		lab_interrupt();   /* the workers already started stop as on Ctrl-C */
	}
	gather(&s);
	double secs = engine_now() - s.t0;
	sweep_report_summary(s.rep, c->out);
	long n[SWEEP_NVERDICTS];
	sweep_report_counts(s.rep, -1, n);
	long total = n[0] + n[1] + n[2] + n[3];
	fprintf(c->out, "\n%ld cases in %.1f s (%.0f cases/s), seed %u, %d job%s per target%s\n",
		total, secs, secs > 0 ? (double)total / secs : 0.0, c->seed, c->jobs,
		c->jobs == 1 ? "" : "s", sweep_report_has_stub(s.rep) ?
		"; stand-in engine (stub): no case was run" : "");
	if (write_reports(&s) < 0)
		status = 2;
	else
		fprintf(c->out, "reports: %s/index.html, %s/cases.jsonl%s%s\n", c->out_dir,
			c->out_dir, c->junit ? ", " : "", c->junit ? c->junit : "");
	if (status == 0)
		status = n[SWEEP_DIFFERS] || n[SWEEP_ERROR] || sweep_report_troubles(s.rep) ? 1 : 0;
	status = sweep_exit_status(status, c->out);
	for (int i = 0; i < s.nw; i++)
		engine_proc_release(&s.w[i].p);
	free(s.w);
	sweep_report_free(s.rep);
	return status;
}
