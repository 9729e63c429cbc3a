/* plan: which tests a run runs (see plan.h). */
#include "plan.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "script.h"
#include "strbuf.h"

/* The script files of a run, each with where its suite name starts (name_at). */
struct files {
	char **v;
	size_t *name_at;
	int n, cap;
};

static int files_add(struct files *f, const char *path, size_t name_at)
{
	if (f->n == f->cap) {
		int cap = f->cap ? f->cap * 2 : 32;
		char **n = realloc(f->v, (size_t)cap * sizeof(*n));
		if (!n)
			return -1;
		f->v = n;
		size_t *a = realloc(f->name_at, (size_t)cap * sizeof(*a));
		if (!a)
			return -1;
		f->name_at = a;
		f->cap = cap;
	}
	if (!(f->v[f->n] = strdup(path)))
		return -1;
	f->name_at[f->n] = name_at;
	f->n++;
	return 0;
}

static void files_free(struct files *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	free(f->name_at);
}

/* Where the suite names of the files under a directory root start. A relative root names
 * them as found ("scripts/rst/closed_port"); an absolute one from its last component, so
 * the installed suite (/usr/share/tcpconform/scripts) gives the same names, JUnit classes
 * and pcap paths as a source tree's ./scripts, whatever the prefix. A file given by
 * itself keeps its path as its name (less its .lua), as --filter "path: name" expects. */
static size_t name_start(const char *root)
{
	if (root[0] != '/')
		return 0;
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	while (n > 0 && root[n - 1] != '/')
		n--;
	return n;
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
static int files_walk(struct files *f, const char *dir, size_t name_at, char *err,
		      size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	struct files here = {0};
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		rc = files_add(&here, path, name_at);
	}
	closedir(d);
	if (rc < 0) {
		snprintf(err, errlen, "%s: out of memory", dir);
		files_free(&here);
		return -1;
	}
	qsort(here.v, (size_t)here.n, sizeof(char *), cmp_str);
	for (int i = 0; i < here.n && rc == 0; i++) {
		struct stat st;
		if (stat(here.v[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = files_walk(f, here.v[i], name_at, err, errlen);
		else if (ends_with(here.v[i], ".lua") && files_add(f, here.v[i], name_at) < 0) {
			snprintf(err, errlen, "%s: out of memory", here.v[i]);
			rc = -1;
		}
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
			if (files_walk(f, o->paths[i], name_start(o->paths[i]), err, errlen) < 0)
				return -1;
		} else if (files_add(f, o->paths[i], 0) < 0) {
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
static char *suite_name(const char *path)
{
	while (strncmp(path, "./", 2) == 0)
		path += 2;
	char *s = strdup(path);
	if (s && ends_with(s, ".lua"))
		s[strlen(s) - 4] = 0;
	return s;
}

static bool has_tag(const char *tags, const char *tag)
{
	size_t n = strlen(tag);
	for (const char *p = tags; *p;) {
		size_t m = strcspn(p, ",");
		if (m == n && strncmp(p, tag, n) == 0)
			return true;
		p += m + (p[m] == ',');
	}
	return false;
}

/* FNV-1a: the shard of a test depends on its own name only, so adding a test never
 * moves the others between CI jobs. */
static uint32_t fnv1a(const char *a, const char *b)
{
	uint32_t h = 2166136261u;
	for (const char *p = a; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ ':') * 16777619u;
	for (const char *p = b; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

static bool selected(const struct runner_opts *o, const char *suite, const struct plan_test *t)
{
	if (o->tag && !has_tag(t->tags, o->tag))
		return false;
	if (o->exclude_tag && has_tag(t->tags, o->exclude_tag))
		return false;
	if (o->shard_n > 1 && (int)(fnv1a(suite, t->name) % (uint32_t)o->shard_n) != o->shard_k - 1)
		return false;
	if (!o->filter)
		return true;
	char full[2048];
	snprintf(full, sizeof(full), "%s: %s", suite, t->name);
	return strstr(full, o->filter) || strcmp(t->id, o->filter) == 0;
}

/* path: the script file; name: its suite name's source (a tail of path, name_start). */
static int plan_add_script(struct plan *p, const char *path, const char *name,
			   const struct runner_opts *o)
{
	struct plan_suite *ps = &p->suites[p->nsuites++];
	memset(ps, 0, sizeof(*ps));
	ps->path = strdup(path);
	ps->name = suite_name(name);
	ps->first = p->ntests;
	char err[4096];
	struct script *s = script_load(path, o->memory_limit, err, sizeof(err));
	if (!s) {
		ps->load_error = strdup(err);
		return 0;
	}
	int n = script_test_count(s);
	struct plan_test *nt = realloc(p->tests, (size_t)(p->ntests + n + 1) * sizeof(*nt));
	if (!nt) {
		script_free(s);
		return -1;
	}
	p->tests = nt;
	for (int i = 0; i < n; i++) {
		const struct script_test *st = script_test_get(s, i);
		struct plan_test *t = &p->tests[p->ntests++];
		struct strbuf tags = {0};
		for (const char *const *g = st->tags; g && *g; g++)
			strbuf_addf(&tags, "%s%s", tags.len ? "," : "", *g);
		*t = (struct plan_test){
			.suite = p->nsuites - 1, .index = i, .name = strdup(st->name),
			.id = strdup(st->id), .rfc = strdup(st->rfc), .tags = strdup(strbuf_str(&tags)),
			.where = strdup(st->where), .timeout = st->timeout > 0 ? st->timeout : o->timeout,
			.declared_timeout = st->timeout};
		strbuf_free(&tags);
		t->selected = selected(o, ps->name, t);
		p->nselected += t->selected;
	}
	ps->count = n;
	script_free(s);
	return 0;
}

int plan_build(struct plan *p, const struct runner_opts *o, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	struct files files = {0};
	if (files_collect(&files, o, err, errlen) < 0) {
		files_free(&files);
		return -1;
	}
	p->suites = calloc((size_t)files.n, sizeof(*p->suites));
	int rc = p->suites ? 0 : -1;
	for (int i = 0; i < files.n && rc == 0; i++)
		rc = plan_add_script(p, files.v[i], files.v[i] + files.name_at[i], o);
	files_free(&files);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

void plan_free(struct plan *p)
{
	for (int i = 0; i < p->nsuites; i++) {
		free(p->suites[i].path);
		free(p->suites[i].name);
		free(p->suites[i].load_error);
	}
	for (int i = 0; i < p->ntests; i++) {
		struct plan_test *t = &p->tests[i];
		free(t->name);
		free(t->id);
		free(t->rfc);
		free(t->tags);
		free(t->where);
	}
	free(p->suites);
	free(p->tests);
	memset(p, 0, sizeof(*p));
}

static void slug(const char *in, char *out, size_t len)
{
	size_t n = 0;
	bool dash = false;
	for (const char *q = in; *q && n + 2 < len; q++) {
		char c = *q;
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
	for (char *q = tmp + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*q = '/';
	}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int plan_pcap_path(const struct plan *p, const struct plan_test *t, const char *dir, int rep,
		   char *buf, size_t len)
{
	char dirpath[4096], ss[512], ts[512], r[16] = "";
	slug(p->suites[t->suite].name, ss, sizeof(ss));
	slug(t->name, ts, sizeof(ts));
	snprintf(dirpath, sizeof(dirpath), "%s/%s", dir, ss);
	if (rep > 0)
		snprintf(r, sizeof(r), "-r%d", rep);
	snprintf(buf, len, "%s/%02d-%.150s%s.pcap", dirpath, t->index + 1, ts, r);
	return mkdirs(dirpath);
}

int plan_parse_shard(const char *text, int *k, int *n)
{
	char *end;
	long a = strtol(text, &end, 10);
	if (end == text || *end != '/')
		return -1;
	const char *q = end + 1;
	long b = strtol(q, &end, 10);
	if (end == q || *end || a < 1 || b < 1 || a > b || b > 100000)
		return -1;
	*k = (int)a;
	*n = (int)b;
	return 0;
}
