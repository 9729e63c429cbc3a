/* sweep_emit: `tcpconform sweep --emit` (sweep_emit.h). The script text comes from the
 * Lua side (script_sweep_emit); this file picks the cases and writes the files. */
#include "sweep_emit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "strbuf.h"
#include "sweep.h"
#include "sweep_result.h"
#include "target.h"

static void collect(void *ctx, const char *text)
{
	strbuf_addf(ctx, "%s", text);
}

/* The script of case id on target label into buf. 0, or -1 with err. */
static int script_of(const struct sweep_cmd *c, const char *label, const char *id,
		     struct strbuf *buf, char *err, size_t errlen)
{
	struct target_spec spec;
	if (target_resolve(label, &spec, err, errlen) < 0)
		return -1;
	struct sweep_opts o = {.target = &spec, .descriptor = c->descriptor,
			       .memory_limit = c->memory_limit};
	return script_sweep_emit(&o, id, collect, buf, err, errlen);
}

static int fill(FILE *f, const void *ctx)
{
	const struct strbuf *b = ctx;
	return fwrite(b->s, 1, b->len, f) == b->len ? 0 : -1;
}

/* OUT/emit/<id with unsafe characters as '_'>.lua */
static void file_name(char *out, size_t n, const char *dir, const char *id)
{
	int k = snprintf(out, n, "%s/emit/", dir);
	size_t at = k > 0 ? (size_t)k : 0;
	for (const char *p = id; *p && at + 5 < n; p++)
		out[at++] = (strchr(".=+-", *p) || (*p >= '0' && *p <= '9') ||
			     ((*p | 32) >= 'a' && (*p | 32) <= 'z')) ? *p : '_';
	snprintf(out + at, n - at, ".lua");
}

/* Whether id is already among the first n ids of seen. */
static int seen_before(char **seen, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(seen[i], id) == 0)
			return 1;
	return 0;
}

static int emit_all(const struct sweep_cmd *c)
{
	char path[4200], err[4400];
	snprintf(path, sizeof(path), "%s/cases.jsonl", c->out_dir);
	FILE *in = fopen(path, "r");
	if (!in) {
		fprintf(stderr, "tcpconform: sweep --emit all: %s: %s (run the sweep with the same "
			"--out first)\n", path, strerror(errno));
		return 2;
	}
	snprintf(path, sizeof(path), "%s/emit", c->out_dir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "tcpconform: sweep --emit all: cannot create %s: %s\n", path,
			strerror(errno));
		fclose(in);
		return 2;
	}
	char *line = NULL, **seen = NULL;
	size_t cap = 0, nseen = 0;
	int rc = 0;
	long lineno = 0, written = 0;
	while (rc == 0 && getline(&line, &cap, in) > 0) {
		lineno++;
		line[strcspn(line, "\n")] = 0;
		struct sweep_result r;
		if (sweep_result_parse(line, &r, err, sizeof(err)) < 0) {
			fprintf(stderr, "tcpconform: sweep --emit all: %s/cases.jsonl:%ld: %s\n",
				c->out_dir, lineno, err);
			rc = 2;
			break;
		}
		if ((r.verdict == SWEEP_DIFFERS || r.verdict == SWEEP_DEVIATION) &&
		    !seen_before(seen, nseen, r.id)) {
			struct strbuf b = {0};
			char **grown = realloc(seen, (nseen + 1) * sizeof(*seen));
			if (grown)
				seen = grown, seen[nseen++] = strdup(r.id);
			file_name(path, sizeof(path), c->out_dir, r.id);
			if (script_of(c, r.target[0] ? r.target : c->targets[0], r.id, &b, err,
				      sizeof(err)) < 0 ||
			    atomic_file_write(path, fill, &b, "sweep --emit", err, sizeof(err)) < 0) {
				fprintf(stderr, "tcpconform: %s\n", err);
				rc = 2;
			} else {
				written++;
			}
			strbuf_free(&b);
		}
		sweep_result_free(&r);
	}
	free(line);
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	fclose(in);
	if (rc == 0)
		fprintf(c->out, "%ld scripts in %s/emit/\n", written, c->out_dir);
	return rc;
}

int sweep_emit(const struct sweep_cmd *c, const char *what)
{
	if (strcmp(what, "all") == 0)
		return emit_all(c);
	struct strbuf b = {0};
	char err[4400];
	int rc = 0;
	if (script_of(c, c->targets[0], what, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpconform: %s\n", err);
		rc = 2;
	} else {
		fwrite(b.s, 1, b.len, c->out);
	}
	strbuf_free(&b);
	return rc;
}
