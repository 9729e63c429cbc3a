/* fuzz_store: a campaign's findings on disk and in memory (fuzz_store.h). */
#include "fuzz_store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "fuzz_json.h"
#include "mkdirs.h"

const char *const FUZZ_ORACLES[FUZZ_NORACLES] = {"model", "differential", "liveness",
						 "invariant"};

int fuzz_oracle_index(const char *oracle)
{
	for (int i = 0; i < FUZZ_NORACLES; i++)
		if (oracle && strcmp(oracle, FUZZ_ORACLES[i]) == 0)
			return i;
	return FUZZ_NORACLES;
}

bool fuzz_signature_ok(const char *sig)
{
	size_t n = strlen(sig);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = sig; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || *p == '_' || *p == '-'))
			return false;
	return true;
}

struct entry {
	struct fuzz_json *f;
	char *sig;
	bool is_new;
	bool seen;   /* reported in this run */
};

struct fuzz_store {
	char *dir;        /* OUT */
	struct entry *e;
	size_t n, cap, nnew;
	char **supp;      /* suppressed signatures, distinct */
	size_t nsupp, capsupp;
	bool sorted;
};

static int find(const struct fuzz_store *s, const char *sig)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->e[i].sig, sig) == 0)
			return (int)i;
	return -1;
}

static int keep(struct fuzz_store *s, struct fuzz_json *f, const char *sig, bool is_new)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct entry *e = realloc(s->e, cap * sizeof(*e));
		if (!e)
			return -1;
		s->e = e;
		s->cap = cap;
	}
	char *copy = strdup(sig);
	if (!copy)
		return -1;
	s->e[s->n++] = (struct entry){.f = f, .sig = copy, .is_new = is_new, .seen = is_new};
	s->nnew += is_new;
	s->sorted = false;
	return 0;
}

/* The end of filing a new finding, its files written (rc 0) or not (rc -1, err set):
 * kept as known from now on, or f freed. 0, or -1 with err. */
static int kept_new(struct fuzz_store *s, struct fuzz_json *f, const char *sig, int rc,
		    char *err, size_t errlen)
{
	if (rc == 0 && keep(s, f, sig, true) < 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	if (rc < 0)
		fuzz_json_free(f);
	return rc;
}

char *fuzz_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (cap - n < 65536) {
			char *b = realloc(buf, cap += 65536);
			if (!b) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* One finding.json of an earlier run: known, not new. */
static int load_one(struct fuzz_store *s, const char *sig, char *err, size_t errlen)
{
	char path[4400], perr[300];
	snprintf(path, sizeof(path), "%s/findings/%s/finding.json", s->dir, sig);
	size_t len;
	char *text = fuzz_read_file(path, &len);
	if (!text)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", path,
						      strerror(errno)), -1);
	struct fuzz_json *f = fuzz_json_parse(text, perr, sizeof(perr));
	free(text);
	if (!f) {
		snprintf(err, errlen, "%s: %s (remove the directory or fix the file)", path, perr);
		return -1;
	}
	if (keep(s, f, sig, false) < 0) {
		fuzz_json_free(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

struct fuzz_store *fuzz_store_open(const char *out_dir, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/findings", out_dir);
	if (mkdirs(path, err, errlen) < 0)
		return NULL;
	struct fuzz_store *s = calloc(1, sizeof(*s));
	if (!s || !(s->dir = strdup(out_dir))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	DIR *d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fuzz_store_free(s);
		return NULL;
	}
	int rc = 0;
	for (struct dirent *de; rc == 0 && (de = readdir(d));)
		if (fuzz_signature_ok(de->d_name))
			rc = load_one(s, de->d_name, err, errlen);
	closedir(d);
	if (rc < 0) {
		fuzz_store_free(s);
		return NULL;
	}
	return s;
}

void fuzz_store_free(struct fuzz_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		fuzz_json_free(s->e[i].f);
		free(s->e[i].sig);
	}
	for (size_t i = 0; i < s->nsupp; i++)
		free(s->supp[i]);
	free(s->supp);
	free(s->e);
	free(s->dir);
	free(s);
}

struct part {
	const struct fuzz_json *json;  /* written as JSON, or */
	const char *text;              /* as is */
	size_t len;
};

static int fill_part(FILE *f, const void *ctx)
{
	const struct part *p = ctx;
	if (p->json) {
		fuzz_json_write(f, p->json, true);
		fputc('\n', f);
	} else {
		fwrite(p->text, 1, p->len, f);
	}
	return ferror(f);
}

static int write_part(const char *dir, const char *name, const struct part *p, char *err,
		      size_t errlen)
{
	char path[4400];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return atomic_file_write(path, fill_part, p, "finding", err, errlen);
}

int fuzz_store_add(struct fuzz_store *s, struct fuzz_json *f, enum fuzz_added *what,
		   char *err, size_t errlen)
{
	*what = FUZZ_ADDED_REPEAT;
	const char *sig = fuzz_json_str(f, "signature", NULL);
	if (!sig || !fuzz_signature_ok(sig)) {
		snprintf(err, errlen, "a finding whose \"signature\" is %s%s%s (expected 1..64 of "
			 "[0-9A-Za-z_-])", sig ? "\"" : "", sig ? sig : "missing", sig ? "\"" : "");
		fuzz_json_free(f);
		return -1;
	}
	int known = find(s, sig);
	if (known >= 0) {
		*what = s->e[known].seen ? FUZZ_ADDED_REPEAT : FUZZ_ADDED_KNOWN;
		s->e[known].seen = true;
		fuzz_json_free(f);
		return 0;
	}
	char dir[4400];
	snprintf(dir, sizeof(dir), "%s/findings/%s", s->dir, sig);
	if (mkdirs(dir, err, errlen) < 0) {
		fuzz_json_free(f);
		return -1;
	}
	const struct fuzz_json *c = fuzz_json_get(f, "case"), *m = fuzz_json_get(f, "minimised");
	const char *test = fuzz_json_str(f, "test", NULL);
	int rc = 0;
	if (c)
		rc = write_part(dir, "case.json", &(struct part){.json = c}, err, errlen);
	if (rc == 0 && m)
		rc = write_part(dir, "minimised.json", &(struct part){.json = m}, err, errlen);
	if (rc == 0 && test)
		rc = write_part(dir, "test.lua", &(struct part){.text = test, .len = strlen(test)},
				err, errlen);
	/* Last: its presence says the finding is complete. */
	if (rc == 0)
		rc = write_part(dir, "finding.json", &(struct part){.json = f}, err, errlen);
	if (kept_new(s, f, sig, rc, err, errlen) < 0)
		return -1;
	*what = FUZZ_ADDED_NEW;
	return 0;
}

void fuzz_store_suppressed(struct fuzz_store *s, const char *signature)
{
	for (size_t i = 0; i < s->nsupp; i++)
		if (strcmp(s->supp[i], signature) == 0)
			return;
	if (s->nsupp == s->capsupp) {
		size_t cap = s->capsupp ? 2 * s->capsupp : 16;
		char **p = realloc(s->supp, cap * sizeof(*p));
		if (!p)
			return;
		s->supp = p;
		s->capsupp = cap;
	}
	if ((s->supp[s->nsupp] = strdup(signature)))
		s->nsupp++;
}

/* Copies one regular file src into dir under its own name, atomically. */
static int copy_file(const char *src, const char *dir, const char *name, char *err,
		     size_t errlen)
{
	size_t len;
	char *text = fuzz_read_file(src, &len);
	if (!text) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		return -1;
	}
	int rc = write_part(dir, name, &(struct part){.text = text, .len = len}, err, errlen);
	free(text);
	return rc;
}

int fuzz_store_import(struct fuzz_store *s, const char *dir, bool *is_new, char *err,
		      size_t errlen)
{
	*is_new = false;
	char path[4400], perr[300];
	snprintf(path, sizeof(path), "%s/finding.json", dir);
	size_t len;
	char *text = fuzz_read_file(path, &len);
	if (!text) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct fuzz_json *f = fuzz_json_parse(text, perr, sizeof(perr));
	free(text);
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, perr);
		return -1;
	}
	const char *sig = fuzz_json_str(f, "signature", NULL);
	if (!sig || !fuzz_signature_ok(sig)) {
		snprintf(err, errlen, "%s: no valid \"signature\"", path);
		fuzz_json_free(f);
		return -1;
	}
	if (find(s, sig) >= 0) {
		fuzz_json_free(f);
		return 0;
	}
	char to[4400];
	snprintf(to, sizeof(to), "%s/findings/%s", s->dir, sig);
	if (mkdirs(to, err, errlen) < 0) {
		fuzz_json_free(f);
		return -1;
	}
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		fuzz_json_free(f);
		return -1;
	}
	int rc = 0;
	for (struct dirent *de; rc == 0 && (de = readdir(d));) {
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (strcmp(de->d_name, "finding.json") == 0 || strstr(de->d_name, ".tmp.") ||
		    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		rc = copy_file(path, to, de->d_name, err, errlen);
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/finding.json", dir);
	if (rc == 0)
		rc = copy_file(path, to, "finding.json", err, errlen);
	if (kept_new(s, f, sig, rc, err, errlen) < 0)
		return -1;
	*is_new = true;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct fuzz_json *x = ((const struct entry *)a)->f, *y = ((const struct entry *)b)->f;
	int d = fuzz_oracle_index(fuzz_json_str(x, "oracle", "")) -
		fuzz_oracle_index(fuzz_json_str(y, "oracle", ""));
	static const char *const keys[] = {"oracle", "target", "state", "class", "signature"};
	for (size_t i = 0; d == 0 && i < sizeof(keys) / sizeof(keys[0]); i++)
		d = strcmp(fuzz_json_str(x, keys[i], ""), fuzz_json_str(y, keys[i], ""));
	return d;
}

size_t fuzz_store_count(const struct fuzz_store *s)
{
	return s->n;
}

const struct fuzz_json *fuzz_store_get(const struct fuzz_store *s, size_t i, bool *is_new)
{
	struct fuzz_store *w = (struct fuzz_store *)s;   /* sorting is not a change */
	if (!w->sorted) {
		qsort(w->e, w->n, sizeof(*w->e), cmp_entry);
		w->sorted = true;
	}
	if (is_new)
		*is_new = s->e[i].is_new;
	return s->e[i].f;
}

size_t fuzz_store_new_count(const struct fuzz_store *s)
{
	return s->nnew;
}

size_t fuzz_store_suppressed_count(const struct fuzz_store *s)
{
	return s->nsupp;
}

size_t fuzz_store_known(const struct fuzz_store *s, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		if (!s->e[i].is_new) {
			if (n < max)
				out[n] = s->e[i].sig;
			n++;
		}
	return n;
}

const char *fuzz_store_dir(const struct fuzz_store *s)
{
	return s->dir;
}
