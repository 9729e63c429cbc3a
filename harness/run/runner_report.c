/* runner_report: results as they become final -- a test's repetitions as one outcome,
 * printed in plan order, into its JUnit suite and the matrix; and the files at the end
 * (see runner_int.h). */
#include "runner_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "lab.h"

/* What a test came to over its repetitions. */
struct outcome {
	enum verdict st;
	struct job *j;             /* the repetition whose result stands for the test */
	int runs, passes;
	struct strbuf msg;
};

/* The results of a test's repetitions as one: all passed -> pass; none passed -> the
 * first bad one; some passed -> a failure that says it is flaky. False while some
 * repetition is still to finish, or when none ran (interrupted before it started). */
static bool outcome_of(struct run *r, int test, int target, struct outcome *out)
{
	struct job *bad = NULL, *first = NULL, **unit = runner_unit_jobs(r, test, target);
	int pending = 0;
	memset(out, 0, sizeof(*out));
	for (int k = 0; k < r->reps; k++) {
		struct job *j = unit[k];
		if (!j)
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
		/* A test of one's own may name no behaviour ID (listed as "-"). */
		if (strcmp(t->id, "-") != 0)
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
	struct job **unit = runner_unit_jobs(r, test, target);
	for (int k = 0; k < r->reps; k++) {
		struct job *j = unit[k];
		if (j && j->finished) {
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
void runner_report_begin(struct run *r)
{
	struct utsname u;
	const char *kernel = uname(&u) == 0 ? u.release : "unknown";
	r->rep = report_new("tcpconform");
	if (r->o->ntargets > 1) {
		const char *labels[RUNNER_MAX_TARGETS];
		for (int g = 0; g < r->o->ntargets; g++)
			labels[g] = runner_target_label(r->o, g);
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
				snprintf(name, sizeof(name), "[%s] %s", runner_target_label(r->o, g), ps->name);
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
void runner_flush(struct run *r, bool final)
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
		console_result(r->con, &r->plan, t, nt > 1 ? runner_target_label(r->o, target) : NULL, oc.st,
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

int runner_write_junit(const struct runner_opts *o, struct report *rep)
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
int runner_write_matrix(const struct runner_opts *o, const struct matrix *m)
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
