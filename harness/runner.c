/* runner: scripts -> labs -> results -> JUnit (see runner.h). */
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "report.h"
#include "script.h"
#include "strbuf.h"

struct files {
	char **v;
	int n, cap;
};

static int files_add(struct files *f, const char *path)
{
	if (f->n == f->cap) {
		int cap = f->cap ? f->cap * 2 : 32;
		char **n = realloc(f->v, (size_t)cap * sizeof(*n));
		if (!n)
			return -1;
		f->v = n;
		f->cap = cap;
	}
	return (f->v[f->n++] = strdup(path)) ? 0 : -1;
}

static void files_free(struct files *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Every *.lua under dir, recursively, in sorted order (stable runs and reports). */
static int files_walk(struct files *f, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	struct files here = {0};
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		files_add(&here, path);
	}
	closedir(d);
	qsort(here.v, (size_t)here.n, sizeof(char *), cmp_str);
	int rc = 0;
	for (int i = 0; i < here.n && rc == 0; i++) {
		struct stat st;
		if (stat(here.v[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = files_walk(f, here.v[i], err, errlen);
		else if (ends_with(here.v[i], ".lua"))
			rc = files_add(f, here.v[i]);
	}
	files_free(&here);
	return rc;
}

static int files_collect(struct files *f, const struct runner_opts *o, char *err, size_t errlen)
{
	for (int i = 0; i < o->npaths; i++) {
		struct stat st;
		if (stat(o->paths[i], &st) < 0) {
			snprintf(err, errlen, "%s: %s", o->paths[i], strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (files_walk(f, o->paths[i], err, errlen) < 0)
				return -1;
		} else if (files_add(f, o->paths[i]) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (f->n == 0) {
		snprintf(err, errlen, "no test scripts (*.lua) found in the given paths");
		return -1;
	}
	return 0;
}

/* "scripts/rst/closed_port.lua" -> "scripts/rst/closed_port" */
static void suite_name(const char *path, char *buf, size_t len)
{
	while (strncmp(path, "./", 2) == 0)
		path += 2;
	snprintf(buf, len, "%s", path);
	if (ends_with(buf, ".lua"))
		buf[strlen(buf) - 4] = 0;
}

static void slug(const char *in, char *out, size_t len)
{
	size_t n = 0;
	bool dash = false;
	for (const char *p = in; *p && n + 2 < len; p++) {
		char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			out[n++] = c;
			dash = false;
		} else if (c >= 'A' && c <= 'Z') {
			out[n++] = (char)(c - 'A' + 'a');
			dash = false;
		} else if (!dash && n > 0) {
			out[n++] = '-';
			dash = true;
		}
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = 0;
}

static int mkdirs(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static bool has_tag(const struct script_test *t, const char *tag)
{
	for (const char *const *g = t->tags; g && *g; g++)
		if (strcmp(*g, tag) == 0)
			return true;
	return false;
}

static bool selected(const struct runner_opts *o, const char *suite, const struct script_test *t)
{
	if (o->tag && !has_tag(t, o->tag))
		return false;
	if (o->exclude_tag && has_tag(t, o->exclude_tag))
		return false;
	if (!o->filter)
		return true;
	char full[1024];
	snprintf(full, sizeof(full), "%s: %s", suite, t->name);
	return strstr(full, o->filter) || strcmp(t->id, o->filter) == 0;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *status_word(enum report_status st)
{
	switch (st) {
	case REPORT_PASS: return "PASS ";
	case REPORT_FAIL: return "FAIL ";
	case REPORT_ERROR: return "ERROR";
	default: return "SKIP ";
	}
}

struct run {
	const struct runner_opts *o;
	struct report *report;
	unsigned lab_id;
	int passed, failed, errors;
	char kernel[128];
};

static void print_indented(FILE *out, const char *text)
{
	fputs("      ", out);
	for (const char *p = text; *p; p++) {
		fputc(*p, out);
		if (*p == '\n')
			fputs("      ", out);
	}
	fputc('\n', out);
}

static void run_one(struct run *r, struct script *s, int i, const char *suite,
		    struct report_suite *rs)
{
	const struct runner_opts *o = r->o;
	const struct script_test *t = script_test_get(s, i);
	struct report_case *rc = report_case_add(rs, t->name, suite);
	report_case_property(rc, "behaviour_id", t->id);
	report_case_property(rc, "rfc", t->rfc);
	report_case_property(rc, "declared_at", t->where);
	struct strbuf tags = {0};
	for (const char *const *g = t->tags; g && *g; g++)
		strbuf_addf(&tags, "%s%s", tags.len ? "," : "", *g);
	if (tags.len)
		report_case_property(rc, "tags", strbuf_str(&tags));
	strbuf_free(&tags);

	struct script_result res = {0};
	double t0 = mono();
	char err[512];
	struct lab_opts lo = {.target = o->target, .id = ++r->lab_id};
	struct lab *lab = lab_create(&lo, err, sizeof(err));
	if (!lab) {
		res.status = REPORT_ERROR;
		strbuf_addf(&res.message, "lab set-up failed: %s", err);
		strbuf_addf(&res.detail, "lab set-up failed: %s", err);
	} else {
		char pcap[4096] = "";
		if (o->pcap_dir) {
			char dir[4096], ss[512], ts[512];
			slug(suite, ss, sizeof(ss));
			slug(t->name, ts, sizeof(ts));
			snprintf(dir, sizeof(dir), "%s/%s", o->pcap_dir, ss);
			snprintf(pcap, sizeof(pcap), "%s/%02d-%s.pcap", dir, i + 1, ts);
			if (mkdirs(dir) < 0 || lab_pcap_open(lab, pcap, err, sizeof(err)) < 0) {
				fprintf(o->out, "warning: no pcap for this test: %s\n", err);
				pcap[0] = 0;
			}
		}
		if (pcap[0])
			report_case_attachment(rc, pcap);
		script_test_run(s, i, lab, t->timeout > 0 ? t->timeout : o->timeout, &res);
		lab_destroy(lab);
	}
	double secs = mono() - t0;
	report_case_result(rc, res.status, secs, strbuf_str(&res.message),
			   res.detail.len ? strbuf_str(&res.detail) : NULL);
	if (res.log.len)
		report_case_log(rc, strbuf_str(&res.log));
	r->passed += res.status == REPORT_PASS;
	r->failed += res.status == REPORT_FAIL;
	r->errors += res.status == REPORT_ERROR;
	fprintf(o->out, "%s %-4s %s: %s (%.2fs)\n", status_word(res.status), t->id, suite, t->name, secs);
	if (res.status != REPORT_PASS)
		print_indented(o->out, strbuf_str(&res.detail));
	if (o->verbose && res.log.len)
		print_indented(o->out, strbuf_str(&res.log));
	fflush(o->out);
	script_result_free(&res);
}

static void run_script(struct run *r, const char *path)
{
	const struct runner_opts *o = r->o;
	char suite[1024], err[4096];
	suite_name(path, suite, sizeof(suite));
	struct script *s = script_load(path, err, sizeof(err));
	if (o->list_only) {
		if (!s) {
			fprintf(o->out, "%s: ERROR %s\n", suite, err);
			r->errors++;
			return;
		}
		for (int i = 0; i < script_test_count(s); i++) {
			const struct script_test *t = script_test_get(s, i);
			if (selected(o, suite, t))
				fprintf(o->out, "%-4s %s: %s\n", t->id, suite, t->name);
		}
		script_free(s);
		return;
	}
	struct report_suite *rs = report_suite_add(r->report, suite, path);
	report_suite_property(rs, "target", o->target);
	report_suite_property(rs, "kernel_release", r->kernel);
	report_suite_property(rs, "tcpconform_version", TCPCONFORM_VERSION);
	if (!s) {
		/* A broken script is an <error> of its own; the other scripts still run. */
		struct report_case *rc = report_case_add(rs, "(load)", suite);
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(err, "\n"), err);
		report_case_result(rc, REPORT_ERROR, 0, line, err);
		fprintf(o->out, "ERROR      %s: script does not load\n", suite);
		print_indented(o->out, err);
		r->errors++;
		return;
	}
	for (int i = 0; i < script_test_count(s) && !lab_interrupted(); i++)
		if (selected(o, suite, script_test_get(s, i)))
			run_one(r, s, i, suite, rs);
	script_free(s);
}

static void on_signal(int sig)
{
	lab_interrupt();
	/* A second Ctrl-C ends the harness at once; the labs die with it. */
	signal(sig, SIG_DFL);
}

int runner_run(const struct runner_opts *o)
{
	struct files files = {0};
	char err[4096];
	if (files_collect(&files, o, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpconform: %s\n", err);
		files_free(&files);
		return 2;
	}
	struct run r = {.o = o};
	struct utsname u;
	snprintf(r.kernel, sizeof(r.kernel), "%s", uname(&u) == 0 ? u.release : "unknown");
	if (o->list_only) {
		for (int i = 0; i < files.n; i++)
			run_script(&r, files.v[i]);
		files_free(&files);
		return r.errors ? 2 : 0;
	}
	if (lab_runtime_init(err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpconform: %s\n", err);
		files_free(&files);
		return 2;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	r.report = report_new("tcpconform");
	double t0 = mono();
	for (int i = 0; i < files.n && !lab_interrupted(); i++)
		run_script(&r, files.v[i]);
	int status = r.failed || r.errors ? 1 : 0;
	if (lab_interrupted()) {
		fprintf(o->out, "interrupted\n");
		status = 130;
	}
	fprintf(o->out, "%d passed, %d failed, %d errors in %.2fs\n", r.passed, r.failed, r.errors,
		mono() - t0);
	if (o->junit) {
		char *slash = strrchr(o->junit, '/');
		if (slash) {
			char dir[4096];
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - o->junit), o->junit);
			mkdirs(dir);
		}
		if (report_write_junit_file(r.report, o->junit, err, sizeof(err)) < 0) {
			fprintf(stderr, "tcpconform: %s\n", err);
			status = 2;
		} else {
			fprintf(o->out, "JUnit: %s\n", o->junit);
		}
	}
	report_free(r.report);
	files_free(&files);
	lab_runtime_shutdown();
	return status;
}
