/* fuzz_merge: `tcpconform fuzz --merge OUT DIR...` (fuzz_run.h), as libFuzzer's -merge=1
 * does for corpora: many runs' outputs (a CI matrix's shards, Kubernetes Jobs) into one.
 * Corpus entries are deduplicated by content, findings by signature (fuzz_store_import),
 * and OUT's reports are rebuilt from everything it then holds. */
#include "fuzz_run.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "fuzz_json.h"
#include "fuzz_report.h"
#include "fuzz_store.h"
#include "mkdirs.h"

struct corpus {
	const char *dir;
	uint64_t *hash;   /* of every entry's content */
	size_t n, cap;
	long added, duplicates;
};

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

static bool regular(const char *dir, const char *name, char *path, size_t len)
{
	struct stat st;
	snprintf(path, len, "%s/%s", dir, name);
	return name[0] != '.' && !strstr(name, ".tmp.") && stat(path, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

static bool known(const struct corpus *c, uint64_t h)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->hash[i] == h)
			return true;
	return false;
}

static int remember(struct corpus *c, uint64_t h)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		uint64_t *p = realloc(c->hash, cap * sizeof(*p));
		if (!p)
			return -1;
		c->hash = p;
		c->cap = cap;
	}
	c->hash[c->n++] = h;
	return 0;
}

/* The hashes of what OUT's corpus already holds. */
static int corpus_load(struct corpus *c)
{
	DIR *d = opendir(c->dir);
	if (!d)
		return 0;
	char path[4400];
	for (struct dirent *de; (de = readdir(d));) {
		size_t len;
		char *text;
		if (!regular(c->dir, de->d_name, path, sizeof(path)) || !(text = fuzz_read_file(path, &len)))
			continue;
		int rc = remember(c, fnv1a(text, len));
		free(text);
		if (rc < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

struct bytes {
	const char *p;
	size_t n;
};

static int fill_bytes(FILE *f, const void *ctx)
{
	const struct bytes *b = ctx;
	fwrite(b->p, 1, b->n, f);
	return ferror(f);
}

/* DIR/corpus into OUT's: new content only; a name OUT already uses for other content
 * gets "-<hash>" before its extension. */
static int corpus_merge(struct corpus *c, const char *from, char *err, size_t errlen)
{
	DIR *d = opendir(from);
	if (!d)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", from, strerror(errno)), -1);
	char path[4400], to[4600];
	int rc = 0;
	for (struct dirent *de; rc == 0 && (de = readdir(d));) {
		size_t len;
		char *text;
		if (!regular(from, de->d_name, path, sizeof(path)))
			continue;
		if (!(text = fuzz_read_file(path, &len))) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = -1;
			break;
		}
		uint64_t h = fnv1a(text, len);
		if (known(c, h)) {
			c->duplicates++;
			free(text);
			continue;
		}
		snprintf(to, sizeof(to), "%s/%s", c->dir, de->d_name);
		if (access(to, F_OK) == 0) {
			const char *dot = strrchr(de->d_name, '.');
			int stem = dot ? (int)(dot - de->d_name) : (int)strlen(de->d_name);
			snprintf(to, sizeof(to), "%s/%.*s-%016llx%s", c->dir, stem, de->d_name,
				 (unsigned long long)h, dot ? dot : "");
		}
		struct bytes b = {text, len};
		rc = atomic_file_write(to, fill_bytes, &b, "corpus entry", err, errlen);
		if (rc == 0 && (rc = remember(c, h)) < 0)
			snprintf(err, errlen, "out of memory");
		c->added += rc == 0;
		free(text);
	}
	closedir(d);
	return rc;
}

static int findings_merge(struct fuzz_store *s, const char *from, long *added, char *err,
			  size_t errlen)
{
	DIR *d = opendir(from);
	if (!d)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", from, strerror(errno)), -1);
	char path[4400], fj[4500];
	int rc = 0;
	for (struct dirent *de; rc == 0 && (de = readdir(d));) {
		snprintf(path, sizeof(path), "%s/%s", from, de->d_name);
		snprintf(fj, sizeof(fj), "%s/finding.json", path);
		if (!fuzz_signature_ok(de->d_name) || access(fj, F_OK) < 0)
			continue;   /* not a finding, or one whose run died writing it */
		bool is_new;
		rc = fuzz_store_import(s, path, &is_new, err, errlen);
		*added += rc == 0 && is_new;
	}
	closedir(d);
	return rc;
}

/* A DIR must be some campaign's OUT: it has stats.json, findings/ or corpus/. */
static bool campaign_dir(const char *dir)
{
	static const char *const marks[] = {"stats.json", "findings", "corpus"};
	char path[4400];
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, marks[i]);
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

int fuzz_merge(const struct fuzz_cmd *c, char *const *dirs, int ndirs)
{
	char err[4600], path[4400];
	for (int i = 0; i < ndirs; i++)
		if (!campaign_dir(dirs[i])) {
			fprintf(stderr, "tcpconform: fuzz --merge: %s is no campaign's output (expected "
				"stats.json, findings/ or corpus/ in it)\n", dirs[i]);
			return 2;
		}
	struct fuzz_store *s = NULL;
	struct corpus corp = {.dir = c->corpus_dir};
	if (mkdirs(c->corpus_dir, err, sizeof(err)) < 0 ||
	    !(s = fuzz_store_open(c->out_dir, err, sizeof(err))) || corpus_load(&corp) < 0) {
		fprintf(stderr, "tcpconform: fuzz --merge: %s\n", s ? "out of memory" : err);
		fuzz_store_free(s);
		return 2;
	}
	size_t before = fuzz_store_count(s);
	struct fuzz_totals t = {.seed = c->seed, .shard_k = 1, .shard_n = 1};
	struct fuzz_json *stats[ndirs + 1];
	const char *targets[RUNNER_MAX_TARGETS];
	long added = 0;
	int rc = 0;
	for (int i = 0; i < ndirs; i++) {
		stats[i] = NULL;
		snprintf(path, sizeof(path), "%s/corpus", dirs[i]);
		if (rc == 0)
			rc = corpus_merge(&corp, path, err, sizeof(err));
		snprintf(path, sizeof(path), "%s/findings", dirs[i]);
		if (rc == 0)
			rc = findings_merge(s, path, &added, err, sizeof(err));
		size_t len;
		snprintf(path, sizeof(path), "%s/stats.json", dirs[i]);
		char *text = fuzz_read_file(path, &len), perr[200];
		if (text && !(stats[i] = fuzz_json_parse(text, perr, sizeof(perr))))
			fprintf(stderr, "tcpconform: fuzz --merge: %s: %s (its totals are left out)\n",
				path, perr);
		free(text);
		const struct fuzz_json *st = stats[i];
		t.cases += fuzz_json_num(st, "cases", 0);
		t.execs += fuzz_json_num(st, "execs", 0);
		t.seconds += fuzz_json_num(st, "seconds", 0);
		t.jobs += (int)fuzz_json_num(st, "jobs", 0);
		double cov = fuzz_json_num(st, "coverage", 0);
		t.coverage = cov > t.coverage ? cov : t.coverage;
		const struct fuzz_json *tg = fuzz_json_get(st, "targets");
		for (size_t k = 0; t.ntargets == 0 && tg && k < tg->n && k < RUNNER_MAX_TARGETS; k++)
			if (tg->kids[k].text)
				targets[k] = tg->kids[k].text;
		if (t.ntargets == 0 && tg)
			t.ntargets = (int)(tg->n < RUNNER_MAX_TARGETS ? tg->n : RUNNER_MAX_TARGETS);
	}
	t.targets = targets;
	t.corpus = (double)corp.n;
	t.corpus_added = corp.added;
	int status = 0;
	if (rc < 0) {
		fprintf(stderr, "tcpconform: fuzz --merge: %s\n", err);
		status = 2;
	}
	/* The reports of everything OUT now holds, also after an error part way. */
	snprintf(path, sizeof(path), "%s/stats.json", c->out_dir);
	if (fuzz_report_write_stats(s, &t, path, err, sizeof(err)) < 0)
		fprintf(stderr, "tcpconform: %s\n", err), status = 2;
	snprintf(path, sizeof(path), "%s/index.html", c->out_dir);
	if (fuzz_report_write_html(s, &t, path, err, sizeof(err)) < 0)
		fprintf(stderr, "tcpconform: %s\n", err), status = 2;
	if (c->junit && fuzz_report_write_junit(s, &t, c->junit, err, sizeof(err)) < 0)
		fprintf(stderr, "tcpconform: %s\n", err), status = 2;
	fprintf(c->out, "merged %d run%s into %s: corpus %zu entries (%ld added, %ld duplicates), "
		"findings %zu (%ld added, %zu were there)\n", ndirs, ndirs == 1 ? "" : "s",
		c->out_dir, corp.n, corp.added, corp.duplicates, fuzz_store_count(s), added, before);
	fuzz_report_summary(s, &t, c->out);
	if (status == 0)
		status = added > 0;
	for (int i = 0; i < ndirs; i++)
		fuzz_json_free(stats[i]);
	free(corp.hash);
	fuzz_store_free(s);
	return status;
}
