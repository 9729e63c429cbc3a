/* matrix.c - the behaviour-by-target matrix of a multi-target run, as Markdown and HTML:
 * the model and the atomic writes here; escaping and links in matrix_text.c, the
 * writers in matrix_md.c and matrix_html.c.
 *
 * Differential testing is the point: the same script run against Linux, lwIP and a
 * user's own stack shows at a glance where the stacks disagree. The model is rows
 * (tests) x targets (columns) of cells (verdict, message, pcap). Every string handed in
 * is copied. Rows are held in an array of structs; callers only ever hold row indices,
 * so growing the array invalidates nothing of theirs.
 *
 * Two writers render the same model:
 *   Markdown - a GitHub-flavoured table for $GITHUB_STEP_SUMMARY, a merge request note or
 *              a terminal. Cells are escaped: & < > as entity references (CommonMark 2.5),
 *              so no raw HTML from input reaches the file; other markup punctuation with
 *              a backslash (CommonMark 2.4; GFM tables 4.10: "\|" keeps a pipe inside a
 *              cell); line breaks become spaces.
 *   HTML     - one self-contained page: inline CSS, no script, font, image or any other
 *              external resource, so it can be archived as a CI artifact and opened from
 *              disk years later. Every string is escaped for HTML (& < > " ').
 * Both files are written atomically (temporary file in the same directory + rename), so
 * a browser or CI uploader never sees a torn page.
 *
 * Bytes a misbehaving stack or script may put into a message (C0 controls, DEL, invalid
 * UTF-8) are written as the text "\xNN", so both outputs stay valid UTF-8 and the reader
 * still sees which bytes arrived. Valid UTF-8 passes through unchanged.
 *
 * pcap links are made relative to the directory of the output file, so the results
 * directory can be moved or downloaded as a whole; a pcap outside that directory keeps
 * the path it was given. Link targets are percent-encoded (RFC 3986 section 2.1), which
 * also means no link can carry a scheme such as "javascript:".
 */
#include "matrix.h"

#include "matrix_int.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"

const struct verdict_info MATRIX_VERDICTS[MATRIX_NVERDICTS] = {
	[MATRIX_PASS] = { "pass", "\u2713", "pass", "behaves as the RFC requires" },
	[MATRIX_FAIL] = { "FAIL", "\u2717", "fail", "behaves differently from what the RFC requires" },
	[MATRIX_ERROR] = { "ERROR", "!", "error",
			   "the test could not run to a verdict (script, harness or agent error)" },
	[MATRIX_DEVIATION] = { "deviation", "~", "deviation",
			       "a known deviation of this target: it ran and differed as its "
			       "descriptor says (reason and RFC given)" },
	[MATRIX_SKIP] = { "skipped", "\u2013", "skip", "the target lacks something the test needs" },
	[MATRIX_NOT_RUN] = { "-", "\u25cb", "notrun", "no result (filtered out or interrupted)" },
};

/* A verdict in words: "not run" rather than the cell mark "-", which is easy to miss in a
 * cell and means nothing in a sentence. */
const char *matrix_verdict_word(enum matrix_verdict v)
{
	return v == MATRIX_NOT_RUN ? "not run" : MATRIX_VERDICTS[v].word;
}

/* ---- the model --------------------------------------------------------------------- */

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static void row_release(struct row *r, int ntargets)
{
	free(r->id);
	free(r->rfc);
	free(r->suite);
	free(r->name);
	if (r->cells) {
		for (int t = 0; t < ntargets; t++) {
			free(r->cells[t].message);
			free(r->cells[t].pcap);
		}
	}
	free(r->cells);
}

/* A new matrix with a copy of title (NULL reads as "") and of each target name. Returns
 * NULL when there is no target, a target name is NULL or empty, or memory runs out. The
 * caller owns the matrix and releases it with matrix_free. */
struct matrix *matrix_new(const char *title, const char *const *targets, int ntargets)
{
	if (!targets || ntargets < 1)
		return NULL;
	for (int t = 0; t < ntargets; t++)
		if (!targets[t] || !targets[t][0])
			return NULL;
	struct matrix *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->title = dup_or_empty(title);
	m->targets = calloc((size_t)ntargets, sizeof(*m->targets));
	if (!m->title || !m->targets) {
		matrix_free(m);
		return NULL;
	}
	m->ntargets = ntargets;
	for (int t = 0; t < ntargets; t++) {
		m->targets[t] = strdup(targets[t]);
		if (!m->targets[t]) {
			matrix_free(m);
			return NULL;
		}
	}
	return m;
}

/* Releases m and every string it copied. NULL is a no-op. */
void matrix_free(struct matrix *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nrows; i++)
		row_release(&m->rows[i], m->ntargets);
	free(m->rows);
	if (m->targets)
		for (int t = 0; t < m->ntargets; t++)
			free(m->targets[t]);
	free(m->targets);
	free(m->title);
	free(m);
}

static int rows_reserve(struct matrix *m)
{
	if (m->nrows < m->cap)
		return 0;
	if (m->cap > INT_MAX / 2)
		return -1;
	int cap = m->cap ? m->cap * 2 : 16;
	struct row *n = realloc(m->rows, (size_t)cap * sizeof(*n));
	if (!n)
		return -1;
	m->rows = n;
	m->cap = cap;
	return 0;
}

/* Appends a row whose cells all read "not run" until matrix_set says otherwise. NULL
 * strings read as "". Returns the row's index (0, 1, ...) or -1 when m is NULL or memory
 * runs out. */
int matrix_add_row(struct matrix *m, const char *id, const char *rfc, const char *suite,
		   const char *name)
{
	if (!m || rows_reserve(m) != 0)
		return -1;
	struct row r = {
		.id = dup_or_empty(id),
		.rfc = dup_or_empty(rfc),
		.suite = dup_or_empty(suite),
		.name = dup_or_empty(name),
		.cells = calloc((size_t)m->ntargets, sizeof(struct cell)),
	};
	if (!r.id || !r.rfc || !r.suite || !r.name || !r.cells) {
		row_release(&r, 0);
		return -1;
	}
	for (int t = 0; t < m->ntargets; t++)
		r.cells[t].verdict = MATRIX_NOT_RUN;
	m->rows[m->nrows] = r;
	return m->nrows++;
}

/* Sets (or replaces) one cell, copying message and pcap (either may be NULL). Returns 0,
 * or -1 when row, target or verdict is out of range or memory runs out; the cell is then
 * left as it was. */
int matrix_set(struct matrix *m, int row, int target, enum matrix_verdict v,
	       const char *message, const char *pcap)
{
	if (!m || row < 0 || row >= m->nrows || target < 0 || target >= m->ntargets ||
	    (unsigned)v >= MATRIX_NVERDICTS)
		return -1;
	char *msg = message ? strdup(message) : NULL;
	char *cap = pcap && *pcap ? strdup(pcap) : NULL;
	if ((message && !msg) || (pcap && *pcap && !cap)) {
		free(msg);
		free(cap);
		return -1;
	}
	struct cell *c = &m->rows[row].cells[target];
	free(c->message);
	free(c->pcap);
	c->verdict = v;
	c->message = msg;
	c->pcap = cap;
	return 0;
}

/* Targets disagree when one passes and another fails or deviates. An ERROR says
 * nothing about how the stack behaves (the test never reached a verdict), and a skip
 * only that a feature is missing, so neither makes a disagreement on its own. */
bool matrix_row_disagrees(const struct matrix *m, const struct row *r)
{
	bool pass = false, other = false;
	for (int t = 0; t < m->ntargets; t++) {
		enum matrix_verdict v = r->cells[t].verdict;
		pass |= v == MATRIX_PASS;
		other |= v == MATRIX_FAIL || v == MATRIX_DEVIATION;
	}
	return pass && other;
}

bool matrix_row_all_pass(const struct matrix *m, const struct row *r)
{
	for (int t = 0; t < m->ntargets; t++)
		if (r->cells[t].verdict != MATRIX_PASS)
			return false;
	return true;
}

/* counts[t * MATRIX_NVERDICTS + v]: how many rows target t has with verdict v. Caller frees. */
int *matrix_count_verdicts(const struct matrix *m)
{
	int *counts = calloc((size_t)m->ntargets * MATRIX_NVERDICTS, sizeof(int));
	if (!counts)
		return NULL;
	for (int i = 0; i < m->nrows; i++)
		for (int t = 0; t < m->ntargets; t++)
			counts[t * MATRIX_NVERDICTS + m->rows[i].cells[t].verdict]++;
	return counts;
}

int matrix_count_disagreements(const struct matrix *m)
{
	int n = 0;
	for (int i = 0; i < m->nrows; i++)
		n += matrix_row_disagrees(m, &m->rows[i]);
	return n;
}

/* Whether a cell's pcap is worth a link: always where something went wrong; on a
 * passing cell only in a row where targets disagree, because there the passing
 * target's capture is the reference to compare the failing one against. */
bool matrix_cell_links_pcap(const struct cell *c, bool disagree)
{
	if (!c->pcap)
		return false;
	switch (c->verdict) {
	case MATRIX_FAIL:
	case MATRIX_ERROR:
	case MATRIX_DEVIATION:
		return true;
	case MATRIX_PASS:
		return disagree;
	default:
		return false;
	}
}

/* ---- atomic file output ------------------------------------------------------------ */

typedef int (*render_fn)(const struct matrix *, FILE *, const struct matrix_outdir *);

struct render_job {
	const struct matrix *m;
	render_fn render;
	const char *path;          /* the final file: links are made relative to its directory */
};

static int render_fill(FILE *f, const void *ctx)
{
	const struct render_job *j = ctx;
	struct matrix_outdir d;
	matrix_outdir_init(&d, j->path);
	int rc = j->render(j->m, f, &d);
	matrix_outdir_release(&d);
	return rc;
}

static int write_atomic(const struct matrix *m, render_fn render, const char *path, char *err,
			size_t errlen)
{
	if (!m) {
		if (err && errlen)
			snprintf(err, errlen, "matrix: matrix: expected a matrix, got NULL");
		errno = EINVAL;
		return -1;
	}
	struct render_job j = {m, render, path};
	return atomic_file_write(path, render_fill, &j, "matrix", err, errlen);
}

/* Writes the Markdown rendering to path atomically: a title line, a legend, one summary
 * line per target, then the table (ID, RFC, Test, one column per target, a closing
 * total row). Returns 0, or -1 with err naming the file and the reason. */
int matrix_write_markdown(const struct matrix *m, const char *path, char *err, size_t errlen)
{
	return write_atomic(m, matrix_md_render, path, err, errlen);
}

/* Writes the self-contained HTML page to path atomically. Returns 0, or -1 with err
 * naming the file and the reason. */
int matrix_write_html(const struct matrix *m, const char *path, char *err, size_t errlen)
{
	return write_atomic(m, matrix_html_render, path, err, errlen);
}
