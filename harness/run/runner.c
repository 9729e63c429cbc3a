/* runner: the plan's tests, each in a worker process with a lab of its own, up to
 * --jobs at a time; results in plan order on the console and in JUnit (see runner.h). */
#include "runner.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "lab.h"
#include "matrix.h"
#include "plan.h"
#include "procdump.h"
#include "report.h"
#include "worker.h"

/* A worker still running after its test's limit plus this has ignored the Lua hook
 * (stuck in C or in the kernel): it is killed. */
#define KILL_GRACE 5.0
/* A killed worker that has not died this long after SIGKILL is in an uninterruptible
 * kernel wait: its test is reported, the process is left to die when the kernel lets it. */
#define DEATH_WAIT 5.0
/* How long the run waits at its end for workers still tearing labs down. */
#define LINGER_WAIT 30.0

struct job {
	int test;                  /* index into plan.tests */
	int target;                /* index into runner_opts.targets */
	int rep;
	char *pcap;                /* this run's pcap file, or NULL */
	struct worker w;
	double started, deadline, killed_at;
	bool running, finished, killed;
	bool lingering;            /* result in, worker still tearing its lab down */
	char phase[80];            /* what a killed worker said it was doing */
	struct strbuf stuck;       /* where a killed worker's processes waited (kernel stacks) */
	struct worker_result res;
};

struct run {
	const struct runner_opts *o;
	struct plan plan;
	struct job *jobs;
	int njobs, nrunning, nfinished, nlingering;
	unsigned lab_id;
	struct console *con;
	int next_print;            /* first unit (test * ntargets + target) not yet printed */
	struct console_totals tot;
	struct matrix *matrix;     /* several targets: the behaviour-by-target matrix */
	int *matrix_row;           /* its row of each test */
	struct report *rep;        /* the JUnit report, filled as results become final */
	struct report_suite **suite_of;   /* [target * nsuites + suite], NULL: not reported */
};

/* What a test came to over its repetitions. */
struct outcome {
	enum verdict st;
	struct job *j;             /* the repetition whose result stands for the test */
	int runs, passes;
	struct strbuf msg;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	lab_interrupt();
	/* A second Ctrl-C ends the harness at once; workers and labs die with it. */
	signal(sig, SIG_DFL);
}

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

/* A short name for target g: the spec's name ("linux", "lwip", "exec"). */
static const char *target_label(const struct runner_opts *o, int g)
{
	const char *spec = o->targets[g];
	return strncmp(spec, "exec:", 5) == 0 ? "exec" : spec;
}

static int make_jobs(struct run *r)
{
	int reps = r->o->repeat > 0 ? r->o->repeat : 1;
	int nt = r->o->ntargets;
	r->jobs = calloc((size_t)(r->plan.nselected * reps * nt + 1), sizeof(*r->jobs));
	if (!r->jobs)
		return -1;
	for (int i = 0; i < r->plan.ntests; i++)
		for (int g = 0; r->plan.tests[i].selected && g < nt; g++)
			for (int k = 0; k < reps; k++)
				r->jobs[r->njobs++] = (struct job){.test = i, .target = g, .rep = k};
	qsort_r(r->jobs, (size_t)r->njobs, sizeof(*r->jobs), cmp_schedule, r);
	return 0;
}

static void job_start(struct run *r, struct job *j)
{
	const struct runner_opts *o = r->o;
	const struct plan_test *t = &r->plan.tests[j->test];
	char err[512];
	/* With several targets each gets a pcap directory of its own. */
	char dir[4096], pcap[4096];
	snprintf(dir, sizeof(dir), "%s%s%s", o->pcap_dir ? o->pcap_dir : "",
		 o->ntargets > 1 ? "/" : "", o->ntargets > 1 ? target_label(o, j->target) : "");
	if (o->pcap_dir && plan_pcap_path(&r->plan, t, dir, j->rep, pcap, sizeof(pcap)) == 0)
		j->pcap = strdup(pcap);
	struct worker_job wj = {
		.script = r->plan.suites[t->suite].path, .index = t->index,
		.target = o->targets[j->target], .lab_id = ++r->lab_id,
		.pcap = j->pcap, .timeout = t->timeout,
		.seed = o->seed + (unsigned)j->rep, .descriptor = o->descriptor};
	j->started = mono();
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
	console_started(r->con, &r->plan, t, o->ntargets > 1 ? target_label(o, j->target) : NULL);
}

static void flush_console(struct run *r, bool final);

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
		j->res.seconds = mono() - j->started;
	j->running = false;
	j->finished = true;
	r->nrunning--;
	r->nfinished++;
	if (!exited) {
		j->lingering = true;
		r->nlingering++;
	}
	console_finished(r->con, &r->plan, &r->plan.tests[j->test], j->res.seconds);
	flush_console(r, false);
}

/* Before the kill: what the worker said it was doing, and where it and its lab's
 * processes wait in the kernel -- the only trace of a hang once they are gone. */
static void job_kill(struct job *j)
{
	char phase[64];
	worker_phase(&j->w, phase, sizeof(phase));
	snprintf(j->phase, sizeof(j->phase), "while %s", phase[0] ? phase : "starting");
	strbuf_addf(&j->stuck, "where its processes waited in the kernel:\n");
	procdump_tree(j->w.pid, &j->stuck);
	worker_kill(&j->w);
	j->killed = true;
	j->killed_at = mono();
}

/* Waits for any running worker to send data or finish, or a lingering one to exit, and
 * handles time limits. */
static void wait_workers(struct run *r)
{
	int cap = r->nrunning + r->nlingering + 1;
	struct pollfd pfd[cap];
	struct job *who[cap];
	int n = 0;
	double now = mono(), next = now + 1.0;
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
			job_kill(j);
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

/* At the end of the run: workers still tearing labs down get LINGER_WAIT to finish. One
 * that does not is stuck in the kernel; it is named with its kernel stacks and left (it
 * is killed with the harness, PR_SET_PDEATHSIG, once the kernel lets go of it). */
static void drain_lingering(struct run *r)
{
	double until = mono() + LINGER_WAIT;
	while (r->nlingering > 0 && mono() < until)
		wait_workers(r);
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
	double until = mono() + 5.0;
	for (int i = 0; i < r->njobs; i++)
		if (r->jobs[i].running && r->jobs[i].w.pid > 0)
			kill(r->jobs[i].w.pid, SIGINT);
	while (r->nrunning > 0) {
		if (mono() > until)
			for (int i = 0; i < r->njobs; i++)
				if (r->jobs[i].running && !r->jobs[i].killed)
					job_kill(&r->jobs[i]);
		wait_workers(r);
	}
}

static void execute(struct run *r)
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
			job_start(r, &r->jobs[next++]);
		if (r->nrunning + r->nlingering > 0)
			wait_workers(r);
	}
	drain_lingering(r);
}

/* The results of a test's repetitions as one: all passed -> pass; none passed -> the
 * first bad one; some passed -> a failure that says it is flaky. False while some
 * repetition is still to finish, or when none ran (interrupted before it started). */
static bool outcome_of(struct run *r, int test, int target, struct outcome *out)
{
	struct job *bad = NULL, *first = NULL;
	int pending = 0;
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];
		if (j->test != test || j->target != target)
			continue;
		if (!j->finished) {
			pending++;
			continue;
		}
		out->runs++;
		if (j->res.status == VERDICT_PASS)
			out->passes++;
		else if (!bad || j->rep < bad->rep)
			bad = j;
		if (!first || j->rep < first->rep)
			first = j;
	}
	out->j = bad ? bad : first;
	if (!out->j || (pending && !lab_interrupted()))
		return false;
	out->st = out->j->res.status;
	strbuf_addf(&out->msg, "%s", strbuf_str(&out->j->res.message));
	if (out->runs > 1 && out->passes > 0 && out->passes < out->runs) {
		out->st = VERDICT_FAIL;
		strbuf_reset(&out->msg);
		strbuf_addf(&out->msg, "flaky: passed %d of %d runs; first failure: %s", out->passes,
			    out->runs, strbuf_str(&out->j->res.message));
	}
	return true;
}

static enum matrix_verdict matrix_verdict_of(const struct outcome *oc)
{
	switch (oc->st) {
	case VERDICT_PASS: return MATRIX_PASS;
	case VERDICT_FAIL: return MATRIX_FAIL;
	case VERDICT_ERROR: return MATRIX_ERROR;
	default:
		return oc->j->res.deviation ? MATRIX_DEVIATION : MATRIX_SKIP;
	}
}

/* One test's final outcome on one target into its suite and the matrix; the case is
 * sealed (report_case_seal) and the test's results freed: a run holds no per-test text
 * once a test is reported, whatever its length. */
static void report_test(struct run *r, int test, int target, struct outcome *oc)
{
	const struct plan_test *t = &r->plan.tests[test];
	struct report_suite *rs = r->suite_of ? r->suite_of[target * r->plan.nsuites + t->suite] : NULL;
	struct report_case *rc = rs ? report_case_add(rs, t->name, r->plan.suites[t->suite].name) : NULL;
	if (rc) {
		if (oc->j->pcap)
			report_case_attachment(rc, oc->j->pcap);
		report_case_property(rc, "behaviour_id", t->id);
		report_case_property(rc, "rfc", t->rfc);
		report_case_property(rc, "declared_at", t->where);
		if (t->tags[0])
			report_case_property(rc, "tags", t->tags);
		if (oc->runs > 1) {
			char v[32];
			snprintf(v, sizeof(v), "%d/%d", oc->passes, oc->runs);
			report_case_property(rc, "passed_runs", v);
		}
		report_case_result(rc, oc->st, oc->j->res.seconds, strbuf_str(&oc->msg),
				   oc->j->res.detail.len ? strbuf_str(&oc->j->res.detail) : NULL);
		if (oc->j->res.log.len)
			report_case_log(rc, strbuf_str(&oc->j->res.log));
		report_case_seal(rs, rc);
	}
	if (r->matrix)
		matrix_set(r->matrix, r->matrix_row[test], target, matrix_verdict_of(oc),
			   strbuf_str(&oc->msg), oc->j->pcap);
	for (int i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];
		if (j->test == test && j->target == target && j->finished) {
			worker_result_free(&j->res);
			strbuf_free(&j->stuck);
			free(j->pcap);
			j->pcap = NULL;
		}
	}
}

/* The report's skeleton before the run: a suite per script and target, with the
 * run-wide properties (and a script that did not load as an error case of its own), and
 * with several targets the matrix's rows. Tests are added as they finish. */
static void report_begin(struct run *r)
{
	struct utsname u;
	const char *kernel = uname(&u) == 0 ? u.release : "unknown";
	r->rep = report_new("tcpconform");
	if (r->o->ntargets > 1) {
		const char *labels[RUNNER_MAX_TARGETS];
		for (int g = 0; g < r->o->ntargets; g++)
			labels[g] = target_label(r->o, g);
		char title[256];
		snprintf(title, sizeof(title), "tcpconform %s -- Linux %s", TCPCONFORM_VERSION, kernel);
		r->matrix = matrix_new(title, labels, r->o->ntargets);
		r->matrix_row = calloc((size_t)r->plan.ntests + 1, sizeof(int));
		for (int i = 0; r->matrix && r->matrix_row && i < r->plan.ntests; i++) {
			const struct plan_test *t = &r->plan.tests[i];
			if (t->selected)
				r->matrix_row[i] = matrix_add_row(r->matrix, t->id, t->rfc,
								  r->plan.suites[t->suite].name, t->name);
		}
		if (!r->matrix_row) {
			matrix_free(r->matrix);
			r->matrix = NULL;
		}
	}
	r->suite_of = calloc((size_t)(r->o->ntargets * r->plan.nsuites) + 1, sizeof(*r->suite_of));
	if (!r->rep || !r->suite_of)
		return;
	char seed[32], jobs[32];
	snprintf(seed, sizeof(seed), "%u", r->o->seed);
	snprintf(jobs, sizeof(jobs), "%d", r->o->jobs);
	for (int g = 0; g < r->o->ntargets; g++)
		for (int s = 0; s < r->plan.nsuites; s++) {
			const struct plan_suite *ps = &r->plan.suites[s];
			bool any = ps->load_error != NULL;
			for (int i = ps->first; i < ps->first + ps->count; i++)
				any |= r->plan.tests[i].selected;
			if (!any)
				continue;
			/* With several targets, a suite per script and target: "[lwip] scripts/...". */
			char name[1200];
			if (r->o->ntargets > 1)
				snprintf(name, sizeof(name), "[%s] %s", target_label(r->o, g), ps->name);
			else
				snprintf(name, sizeof(name), "%s", ps->name);
			struct report_suite *rs = report_suite_add(r->rep, name, ps->path);
			if (!rs)
				continue;
			report_suite_property(rs, "target", r->o->targets[g]);
			report_suite_property(rs, "kernel_release", kernel);
			report_suite_property(rs, "tcpconform_version", TCPCONFORM_VERSION);
			report_suite_property(rs, "seed", seed);
			report_suite_property(rs, "jobs", jobs);
			if (ps->load_error) {
				/* A broken script is an <error> of its own; the others still run. */
				struct report_case *rc = report_case_add(rs, "(load)", ps->name);
				char line[512];
				snprintf(line, sizeof(line), "%.*s", (int)strcspn(ps->load_error, "\n"),
					 ps->load_error);
				report_case_result(rc, VERDICT_ERROR, 0, line, ps->load_error);
				continue;
			}
			r->suite_of[g * r->plan.nsuites + s] = rs;
		}
}

/* Prints, in plan order, every test whose result is complete and whose predecessors are
 * printed: the console reads the same whatever --jobs is. */
static void flush_console(struct run *r, bool final)
{
	int nt = r->o->ntargets;
	for (; r->next_print < r->plan.ntests * nt; r->next_print++) {
		int test = r->next_print / nt, target = r->next_print % nt;
		const struct plan_test *t = &r->plan.tests[test];
		if (!t->selected)
			continue;
		struct outcome oc;
		if (!outcome_of(r, test, target, &oc)) {
			strbuf_free(&oc.msg);
			if (!final && !lab_interrupted())
				return;
			continue;
		}
		console_result(r->con, &r->plan, t, nt > 1 ? target_label(r->o, target) : NULL, oc.st,
			       strbuf_str(&oc.msg),
			       strbuf_str(&oc.j->res.detail), strbuf_str(&oc.j->res.log),
			       oc.j->res.seconds, oc.runs, oc.passes);
		r->tot.passed += oc.st == VERDICT_PASS;
		r->tot.failed += oc.st == VERDICT_FAIL;
		r->tot.errors += oc.st == VERDICT_ERROR;
		r->tot.skipped += oc.st == VERDICT_SKIP;
		r->tot.flaky += oc.runs > 1 && oc.passes > 0 && oc.passes < oc.runs;
		report_test(r, test, target, &oc);
		strbuf_free(&oc.msg);
	}
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

static int write_junit(const struct runner_opts *o, struct report *rep)
{
	char err[4096];
	const char *slash = strrchr(o->junit, '/');
	if (slash) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - o->junit), o->junit);
		for (char *q = dir + 1; *q; q++)
			if (*q == '/') {
				*q = 0;
				mkdir(dir, 0755);
				*q = '/';
			}
		mkdir(dir, 0755);
	}
	if (report_write_junit_file(rep, o->junit, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpconform: %s\n", err);
		return -1;
	}
	fprintf(o->out, "JUnit: %s\n", o->junit);
	return 0;
}

/* The matrix beside the JUnit file: <dir>/matrix.md and <dir>/matrix.html. */
static int write_matrix(const struct runner_opts *o, const struct matrix *m)
{
	char dir[4096], md[4200], html[4200], err[512];
	const char *slash = strrchr(o->junit, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - o->junit) : 1, slash ? o->junit : ".");
	snprintf(md, sizeof(md), "%s/matrix.md", dir);
	snprintf(html, sizeof(html), "%s/matrix.html", dir);
	if (matrix_write_markdown(m, md, err, sizeof(err)) < 0 ||
	    matrix_write_html(m, html, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpconform: %s\n", err);
		return -1;
	}
	fprintf(o->out, "matrix: %s, %s\n", md, html);
	return 0;
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
	if (lab_runtime_init(err, sizeof(err)) < 0 || make_jobs(&r) < 0) {
		fprintf(stderr, "tcpconform: %s\n", err);
		plan_free(&r.plan);
		return 2;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	r.con = console_new(o->out, r.njobs, o->verbose);
	for (int s = 0; s < r.plan.nsuites; s++)
		if (r.plan.suites[s].load_error) {
			console_load_error(r.con, r.plan.suites[s].name, r.plan.suites[s].load_error);
			r.tot.errors++;
		}
	report_begin(&r);
	double t0 = mono();
	execute(&r);
	flush_console(&r, true);

	int status = r.tot.failed || r.tot.errors ? 1 : 0;
	if (lab_interrupted()) {
		fprintf(o->out, "interrupted\n");
		status = 130;
	}
	console_summary(r.con, &r.tot, mono() - t0, o->seed, o->jobs);
	if (o->junit && (!r.rep || write_junit(o, r.rep) < 0))
		status = 2;
	if (o->junit && r.matrix && write_matrix(o, r.matrix) < 0)
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
	console_free(r.con);
	plan_free(&r.plan);
	lab_runtime_shutdown();
	return status;
}
