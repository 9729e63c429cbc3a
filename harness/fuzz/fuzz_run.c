/* fuzz_run: `tcpconform fuzz` -- workers forked, their lines gathered, findings filed as
 * they arrive, progress, time budget and Ctrl-C, the reports and the exit status
 * (fuzz_run.h). The parent stays single-threaded and never makes a lab (lab.h on
 * forking). */
#include "fuzz_run.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine_worker.h"
#include "fuzz.h"
#include "fuzz_json.h"
#include "fuzz_report.h"
#include "fuzz_store.h"
#include "lab.h"
#include "mkdirs.h"
#include "strbuf.h"
#include "sweep_run.h"
#include "target.h"

/* Past the budget a worker gets this long to finish the case (or the minimisation) in
 * hand and report; one killed that has not died this long after is left to die with the
 * harness (PR_SET_PDEATHSIG). */
#define KILL_GRACE 10.0
#define DEATH_WAIT 5.0
#define PROGRESS_EVERY 0.25
#define STATS_EVERY 5.0

struct fw {
	struct engine_proc p;
	int j;
	struct fuzz_json *stats;   /* its last stats object */
};

struct campaign {
	const struct fuzz_cmd *c;
	struct target_spec specs[RUNNER_MAX_TARGETS];
	struct fw *w;
	int nw;
	struct fuzz_store *store;
	const char **known;   /* the store's known signatures, for the workers */
	size_t nknown;
	char **troubles;
	int ntroubles;
	long corpus_at_start, corpus_added;
	double first_corpus;
	double t0, last_progress, last_stats;
	bool tty, progress_shown;
};

static int run_fuzz(const void *arg, engine_emit_fn emit, void *ctx, char *err, size_t errlen)
{
	return script_fuzz_run(arg, emit, ctx, err, errlen);
}

static void totals(const struct campaign *s, struct fuzz_totals *t,
		   const struct fuzz_json **workers)
{
	const struct fuzz_cmd *c = s->c;
	*t = (struct fuzz_totals){.targets = c->targets, .ntargets = c->ntargets, .seed = c->seed,
				  .shard_k = c->shard_k, .shard_n = c->shard_n, .jobs = c->jobs,
				  .seconds = engine_now() - s->t0, .corpus_at_start = s->corpus_at_start,
				  .first_corpus = s->first_corpus, .corpus_added = s->corpus_added,
				  .workers = workers, .nworkers = s->nw,
				  .troubles = (const char *const *)s->troubles,
				  .ntroubles = s->ntroubles, .interrupted = lab_interrupted()};
	for (int i = 0; i < s->nw; i++) {
		const struct fuzz_json *st = workers[i] = s->w[i].stats;
		t->cases += fuzz_json_num(st, "cases", 0);
		t->execs += fuzz_json_num(st, "execs", 0);
		double corpus = fuzz_json_num(st, "corpus", 0), cov = fuzz_json_num(st, "coverage", 0);
		t->corpus = corpus > t->corpus ? corpus : t->corpus;
		t->coverage = cov > t->coverage ? cov : t->coverage;
	}
}

static void clear_progress(struct campaign *s)
{
	if (s->progress_shown) {
		fputs("\r\033[K", s->c->out);
		s->progress_shown = false;
	}
}

static void progress(struct campaign *s, bool final)
{
	double now = engine_now();
	if (!s->tty || (!final && now - s->last_progress < PROGRESS_EVERY))
		return;
	s->last_progress = now;
	const struct fuzz_json *ws[s->nw + 1];
	struct fuzz_totals t;
	totals(s, &t, ws);
	long by[5];
	fuzz_report_by_oracle(s->store, by);
	fprintf(s->c->out, "\r\033[Kfuzz: %.0f s, %.0f cases (%.0f/s), corpus %.0f, coverage %.0f,"
		" findings: model %ld, differential %ld, liveness %ld, invariant %ld; suppressed "
		"%zu", t.seconds, t.cases, t.seconds > 0 ? t.cases / t.seconds : 0.0, t.corpus,
		t.coverage, by[0], by[1], by[2], by[3], fuzz_store_suppressed_count(s->store));
	s->progress_shown = !final;
	if (final)
		fputc('\n', s->c->out);
	fflush(s->c->out);
}

static void write_stats(struct campaign *s)
{
	const struct fuzz_json *ws[s->nw + 1];
	struct fuzz_totals t;
	char path[4200], err[4400];
	totals(s, &t, ws);
	snprintf(path, sizeof(path), "%s/stats.json", s->c->out_dir);
	if (fuzz_report_write_stats(s->store, &t, path, err, sizeof(err)) < 0) {
		clear_progress(s);
		fprintf(stderr, "tcpconform: %s\n", err);
	}
	s->last_stats = engine_now();
}

static void trouble(struct campaign *s, const struct fw *w, const char *what)
{
	char msg[4400];
	snprintf(msg, sizeof(msg), "worker %d of %d: %s", w->j, s->c->jobs, what);
	char **t = realloc(s->troubles, (size_t)(s->ntroubles + 1) * sizeof(*t));
	if (t && (t[s->ntroubles] = strdup(msg)))
		s->ntroubles++;
	if (t)
		s->troubles = t;
	clear_progress(s);
	fprintf(s->c->out, "fuzz: %s\n", msg);
}

static void on_object(struct campaign *s, struct fw *w, struct fuzz_json *v)
{
	const char *kind = fuzz_json_str(v, "kind", "");
	char err[4600];
	if (strcmp(kind, "stats") == 0) {
		if (!w->stats && s->first_corpus == 0)
			s->first_corpus = fuzz_json_num(v, "corpus", 0);
		fuzz_json_free(w->stats);
		w->stats = v;
		return;
	}
	if (strcmp(kind, "finding") == 0) {
		enum fuzz_added what;
		const char *sig = fuzz_json_str(v, "signature", "?");
		char sig_copy[80];
		snprintf(sig_copy, sizeof(sig_copy), "%.64s", sig);
		/* The store owns v from here; it stays alive when it was new. */
		if (fuzz_store_add(s->store, v, &what, err, sizeof(err)) < 0) {
			trouble(s, w, err);
			return;
		}
		if (what != FUZZ_ADDED_REPEAT)
			clear_progress(s);
		if (what == FUZZ_ADDED_NEW) {
			fuzz_report_finding_line(v, s->c->out);
			write_stats(s);
		} else if (what == FUZZ_ADDED_KNOWN) {
			fprintf(s->c->out, "known finding %s (already in %s)\n", sig_copy,
				s->c->out_dir);
			fflush(s->c->out);
		}
		return;
	}
	if (strcmp(kind, "suppressed") == 0)
		fuzz_store_suppressed(s->store, fuzz_json_str(v, "signature", "?"));
	else if (strcmp(kind, "corpus") == 0)
		s->corpus_added++;
	fuzz_json_free(v);
}

static void on_result(void *ctx, int i, char *json)
{
	struct campaign *s = ctx;
	char err[300], msg[700];
	struct fuzz_json *v = fuzz_json_parse(json, err, sizeof(err));
	if (!v || v->type != FUZZ_JSON_OBJECT) {
		snprintf(msg, sizeof(msg), "a line the campaign cannot read: %s: %.200s",
			 v ? "not an object" : err, json);
		fuzz_json_free(v);
		trouble(s, &s->w[i], msg);
		return;
	}
	on_object(s, &s->w[i], v);
}

static void on_error(void *ctx, int i, const char *message)
{
	/* After Ctrl-C the engine's "interrupted" is the stop we asked for. */
	if (!lab_interrupted())
		trouble(ctx, &((struct campaign *)ctx)->w[i], message);
}

static void on_lost(void *ctx, int i, const char *what)
{
	trouble(ctx, &((struct campaign *)ctx)->w[i], what);
}

static void on_tick(void *ctx)
{
	struct campaign *s = ctx;
	progress(s, false);
	if (engine_now() - s->last_stats > STATS_EVERY)
		write_stats(s);
}

/* The loop: lines in, the budget and Ctrl-C enforced, until every worker is gone. */
static void gather(struct campaign *s)
{
	struct engine_loop l = {.kill_at = s->c->seconds > 0 ? s->t0 + s->c->seconds + KILL_GRACE
									: 0,
				.grace = KILL_GRACE, .death_wait = DEATH_WAIT,
				.on_result = on_result, .on_error = on_error, .on_tick = on_tick,
				.on_lost = on_lost, .at_budget = "past the time budget (--seconds)",
				.within = "", .signal_tail = "", .exit_tail = " without finishing",
				.grace_after_ctrl_c = true, .quiet_after_ctrl_c = true, .ctx = s};
	struct engine_proc *procs[s->nw + 1];
	for (int i = 0; i < s->nw; i++)
		procs[i] = &s->w[i].p;
	engine_loop_run(procs, s->nw, &l);
	progress(s, true);
	engine_loop_lost(procs, s->nw, &l);
}

static long count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	long n = 0;
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d));)
		n += de->d_name[0] != '.' && !strstr(de->d_name, ".tmp.");
	closedir(d);
	return n;
}

static int start_workers(struct campaign *s, char *err, size_t errlen)
{
	const struct fuzz_cmd *c = s->c;
	if (!(s->w = calloc((size_t)c->jobs, sizeof(*s->w)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int j = 1; j <= c->jobs; j++) {
		struct fuzz_opts o = {.ntargets = c->ntargets, .descriptor = c->descriptor,
				      .seed = c->seed, .seconds = c->seconds,
				      .corpus_dir = c->corpus_dir, .out_dir = c->out_dir,
				      .state = c->state, .family = c->family,
				      .memory_limit = c->memory_limit, .known = s->known,
				      .nknown = (int)s->nknown};
		for (int t = 0; t < c->ntargets; t++) {
			o.targets[t] = &s->specs[t];
			o.target_names[t] = c->targets[t];
		}
		sweep_worker_shard(c->shard_k, c->shard_n, c->jobs, j, &o.shard_k, &o.shard_n);
		/* --cases N over the campaign: the first N % jobs workers take one more. */
		if (c->max_cases > 0) {
			o.max_cases = c->max_cases / c->jobs + (j <= c->max_cases % c->jobs);
			if (o.max_cases == 0)
				continue;
		}
		struct fw *w = &s->w[s->nw];
		*w = (struct fw){.j = j, .p.fd = -1};
		/* The child copies o (and the specs it points to) at fork. */
		if ((w->p.pid = engine_worker_fork(run_fuzz, &o, &w->p.fd, err, errlen)) < 0)
			return -1;
		s->nw++;
	}
	return 0;
}

static int write_reports(struct campaign *s)
{
	const struct fuzz_json *ws[s->nw + 1];
	struct fuzz_totals t;
	char path[4200], err[4400];
	int rc = 0;
	totals(s, &t, ws);
	snprintf(path, sizeof(path), "%s/stats.json", s->c->out_dir);
	if (fuzz_report_write_stats(s->store, &t, path, err, sizeof(err)) < 0)
		fprintf(stderr, "tcpconform: %s\n", err), rc = -1;
	snprintf(path, sizeof(path), "%s/index.html", s->c->out_dir);
	if (fuzz_report_write_html(s->store, &t, path, err, sizeof(err)) < 0)
		fprintf(stderr, "tcpconform: %s\n", err), rc = -1;
	if (s->c->junit && fuzz_report_write_junit(s->store, &t, s->c->junit, err, sizeof(err)) < 0)
		fprintf(stderr, "tcpconform: %s\n", err), rc = -1;
	fuzz_report_summary(s->store, &t, s->c->out);
	return rc;
}

static void campaign_free(struct campaign *s)
{
	for (int i = 0; i < s->nw; i++) {
		engine_proc_release(&s->w[i].p);
		fuzz_json_free(s->w[i].stats);
	}
	free(s->w);
	for (int i = 0; i < s->ntroubles; i++)
		free(s->troubles[i]);
	free(s->troubles);
	free(s->known);
	fuzz_store_free(s->store);
}

int fuzz_run(const struct fuzz_cmd *c)
{
	struct campaign s = {.c = c};
	if (sweep_resolve_targets(c->targets, c->ntargets, s.specs))
		return 2;
	char err[4400];
	if (mkdirs(c->corpus_dir, err, sizeof(err)) < 0 ||
	    !(s.store = fuzz_store_open(c->out_dir, err, sizeof(err)))) {
		fprintf(stderr, "tcpconform: fuzz: %s\n", err);
		return 2;
	}
	/* The signatures OUT holds: the workers report them as seen without processing them
	 * again (fuzz_store_known). */
	size_t nknown = fuzz_store_known(s.store, NULL, 0);
	if (nknown && !(s.known = malloc(nknown * sizeof(*s.known)))) {
		fprintf(stderr, "tcpconform: fuzz: out of memory\n");
		campaign_free(&s);
		return 2;
	}
	s.nknown = fuzz_store_known(s.store, s.known, nknown);
	s.corpus_at_start = count_entries(c->corpus_dir);
	lab_catch_interrupts();
	s.tty = isatty(fileno(c->out));
	s.t0 = s.last_stats = engine_now();
	fprintf(c->out, "fuzz: seed %llu, shard %d/%d, %d job%s, corpus %s (%ld entries), "
		"%zu finding%s known in %s\n", c->seed, c->shard_k, c->shard_n, c->jobs,
		c->jobs == 1 ? "" : "s", c->corpus_dir, s.corpus_at_start,
		fuzz_store_count(s.store), fuzz_store_count(s.store) == 1 ? "" : "s", c->out_dir);
	fflush(c->out);
	int status = 0;
	if (start_workers(&s, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpconform: fuzz: %s\n", err);
		status = 2;
		lab_interrupt();   /* the workers already started stop as on Ctrl-C */
	}
	gather(&s);
	if (write_reports(&s) < 0)
		status = 2;
	if (status == 0)
		status = fuzz_store_new_count(s.store) || s.ntroubles ? 1 : 0;
	status = sweep_exit_status(status, c->out);
	campaign_free(&s);
	return status;
}
