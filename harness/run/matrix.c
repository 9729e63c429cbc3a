/* matrix.c - the behaviour-by-target matrix of a multi-target run, as Markdown and HTML.
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

#include "atomic_file.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NVERDICTS 6
/* A message longer than this is folded into a <details> element in the HTML, whose
 * summary shows its first SUMMARY_BYTES bytes, so one verbose failure cannot blow up
 * the width or height of the table. */
#define INLINE_MESSAGE_MAX 120
#define SUMMARY_BYTES 72

struct cell {
	enum matrix_verdict verdict;
	char *message; /* may be NULL */
	char *pcap;    /* may be NULL */
};

struct row {
	char *id, *rfc, *suite, *name;
	struct cell *cells; /* ntargets of them */
};

struct matrix {
	char *title;
	char **targets;
	int ntargets;
	struct row *rows;
	int nrows, cap;
};

/* What each verdict is called: the Markdown word, and the HTML symbol + word (the
 * symbol makes the verdict readable without colour, WCAG 2.1 SC 1.4.1), CSS class and
 * legend text. */
struct verdict_info {
	const char *word;
	const char *symbol;
	const char *css;
	const char *meaning;
};

static const struct verdict_info VERDICTS[NVERDICTS] = {
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
static const char *verdict_word(enum matrix_verdict v)
{
	return v == MATRIX_NOT_RUN ? "not run" : VERDICTS[v].word;
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
	    (unsigned)v >= NVERDICTS)
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
static bool row_disagrees(const struct matrix *m, const struct row *r)
{
	bool pass = false, other = false;
	for (int t = 0; t < m->ntargets; t++) {
		enum matrix_verdict v = r->cells[t].verdict;
		pass |= v == MATRIX_PASS;
		other |= v == MATRIX_FAIL || v == MATRIX_DEVIATION;
	}
	return pass && other;
}

static bool row_all_pass(const struct matrix *m, const struct row *r)
{
	for (int t = 0; t < m->ntargets; t++)
		if (r->cells[t].verdict != MATRIX_PASS)
			return false;
	return true;
}

/* counts[t * NVERDICTS + v]: how many rows target t has with verdict v. Caller frees. */
static int *count_verdicts(const struct matrix *m)
{
	int *counts = calloc((size_t)m->ntargets * NVERDICTS, sizeof(int));
	if (!counts)
		return NULL;
	for (int i = 0; i < m->nrows; i++)
		for (int t = 0; t < m->ntargets; t++)
			counts[t * NVERDICTS + m->rows[i].cells[t].verdict]++;
	return counts;
}

static int count_disagreements(const struct matrix *m)
{
	int n = 0;
	for (int i = 0; i < m->nrows; i++)
		n += row_disagrees(m, &m->rows[i]);
	return n;
}

/* Whether a cell's pcap is worth a link: always where something went wrong; on a
 * passing cell only in a row where targets disagree, because there the passing
 * target's capture is the reference to compare the failing one against. */
static bool cell_links_pcap(const struct cell *c, bool disagree)
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

/* ---- text hygiene ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when p does not start
 * one (RFC 3629 section 4: no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_valid_len(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	size_t len = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3
		   : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return len;
}

/* Writes s through put_ascii for each ASCII byte that is not a control, verbatim for
 * each valid multi-byte UTF-8 sequence, and as "\xNN" for everything else. TAB, LF and
 * CR go to put_ascii too, which decides what a line break means in its format. */
static void put_text(FILE *f, const char *s, size_t n, void (*put_ascii)(FILE *, char, char, char))
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		bool ws = c == '\t' || c == '\n' || c == '\r';
		if ((c < 0x20 && !ws) || c == 0x7f) {
			fprintf(f, "\\x%02x", c);
			i++;
			continue;
		}
		size_t len = utf8_valid_len(p + i, n - i);
		if (len == 0) {
			fprintf(f, "\\x%02x", c);
			i++;
		} else if (len == 1) {
			put_ascii(f, (char)c, i ? (char)p[i - 1] : ' ', i + 1 < n ? (char)p[i + 1] : ' ');
			i++;
		} else {
			fwrite(p + i, 1, len, f);
			i += len;
		}
	}
}

static void html_ascii(FILE *f, char c, char prev, char next)
{
	switch (c) {
	case '&': fputs("&amp;", f); break;
	case '<': fputs("&lt;", f); break;
	case '>': fputs("&gt;", f); break;
	case '"': fputs("&quot;", f); break;
	case '\'': fputs("&#39;", f); break;
	case '\r': fputs("&#13;", f); break;
	default: fputc(c, f);
	}
}

/* s escaped for HTML text and for a double-quoted attribute value (HTML Living Standard
 * 13.1.2.3 "Attributes", 13.1.3 "Text"): & < > " ' as character references. */
static void html_put(FILE *f, const char *s)
{
	put_text(f, s, strlen(s), html_ascii);
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* One byte of a Markdown table cell. A line break would end the table row, so it
 * becomes a space. Other punctuation that CommonMark could read as markup is
 * backslash-escaped ('|' included: GFM reads "\|" as a pipe inside the cell); '_' only
 * where it could open or close emphasis, so snake_case names stay readable. */
static void md_ascii(FILE *f, char c, char prev, char next)
{
	if (c == '\n' || c == '\r' || c == '\t') {
		fputc(' ', f);
		return;
	}
	if (c == '_' && is_alnum(prev) && is_alnum(next)) {
		fputc(c, f);
		return;
	}
	/* Markup characters become entity references (CommonMark 2.5), not backslash
	 * escapes, so not a single '<' from a message reaches the file: even a renderer
	 * that passes raw HTML through unsanitised gets only text. */
	if (c == '<' || c == '>' || c == '&') {
		fputs(c == '<' ? "&lt;" : c == '>' ? "&gt;" : "&amp;", f);
		return;
	}
	if (strchr("\\`*_[]|~!#", c))
		fputc('\\', f);
	fputc(c, f);
}

static void md_put(FILE *f, const char *s)
{
	put_text(f, s, strlen(s), md_ascii);
}

/* A path as a URL path: every byte but RFC 3986 unreserved characters and '/' is
 * percent-encoded, so spaces, '#', '?', '(' and ')' cannot end or redirect the link in
 * either format, and no link can start with a scheme. */
static void url_put(FILE *f, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (is_alnum((char)*p) || strchr("-._~/", *p))
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

/* ---- pcap links relative to the output file --------------------------------------- */

/* Lexically normalised form of an absolute path: empty and "." components dropped,
 * ".." removing the one before it. malloc'd; NULL when out of memory. */
static char *path_normalise(const char *abs)
{
	char *out = malloc(strlen(abs) + 2);
	if (!out)
		return NULL;
	size_t len = 0;
	for (const char *s = abs; *s;) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t cl = (size_t)(e - s);
		if (cl == 2 && s[0] == '.' && s[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else if (cl > 0 && !(cl == 1 && s[0] == '.')) {
			out[len++] = '/';
			memcpy(out + len, s, cl);
			len += cl;
		}
		s = e;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

/* p made absolute against the working directory and normalised; NULL when the working
 * directory is unknown or memory runs out. */
static char *path_absolute(const char *p)
{
	if (p[0] == '/')
		return path_normalise(p);
	char *cwd = getcwd(NULL, 0);
	if (!cwd)
		return NULL;
	size_t lc = strlen(cwd), lp = strlen(p);
	char *full = malloc(lc + lp + 2);
	char *norm = NULL;
	if (full) {
		memcpy(full, cwd, lc);
		full[lc] = '/';
		memcpy(full + lc + 1, p, lp + 1);
		norm = path_normalise(full);
	}
	free(full);
	free(cwd);
	return norm;
}

/* The part of path below dir (both absolute and normalised), or NULL when path is not
 * strictly inside dir. "/a/bc" is not inside "/a/b". */
static const char *path_below(const char *path, const char *dir)
{
	if (strcmp(dir, "/") == 0)
		return path[1] ? path + 1 : NULL;
	size_t dl = strlen(dir);
	if (strncmp(path, dir, dl) != 0 || path[dl] != '/' || !path[dl + 1])
		return NULL;
	return path + dl + 1;
}

/* path with symbolic links resolved: the file itself when it exists, else its directory
 * followed by its last component (the pcap may not be written yet). malloc'd or NULL. */
static char *path_resolve(const char *path)
{
	char *real = realpath(path, NULL);
	if (real)
		return real;
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1])
		return NULL;
	char *dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	char *rdir = dir ? realpath(dir, NULL) : NULL;
	char *out = NULL;
	if (rdir && asprintf(&out, "%s/%s", strcmp(rdir, "/") ? rdir : "", slash + 1) < 0)
		out = NULL;
	free(rdir);
	free(dir);
	return out;
}

/* The directory holding the output file, made absolute: both the lexical form and, when
 * it exists, the form with symbolic links resolved. */
struct outdir {
	char *lexical;  /* NULL when unknown */
	char *resolved; /* NULL when unknown */
};

static void outdir_init(struct outdir *d, const char *out_path)
{
	const char *slash = strrchr(out_path, '/');
	char *dir = !slash ? strdup(".") : slash == out_path ? strdup("/")
			   : strndup(out_path, (size_t)(slash - out_path));
	d->lexical = dir ? path_absolute(dir) : NULL;
	d->resolved = dir ? realpath(dir, NULL) : NULL;
	free(dir);
}

static void outdir_release(struct outdir *d)
{
	free(d->lexical);
	free(d->resolved);
}

/* Writes the link target for pcap: relative to the output directory when the pcap lies
 * below it (compared lexically first, then with symbolic links resolved, for results
 * directories reached through a link such as /tmp -> /private/tmp), else as given. */
static void link_put(FILE *f, const struct outdir *d, const char *pcap)
{
	char *abs = path_absolute(pcap);
	const char *rel = abs && d->lexical ? path_below(abs, d->lexical) : NULL;
	char *real = NULL;
	if (!rel && d->resolved) {
		real = path_resolve(pcap);
		rel = real ? path_below(real, d->resolved) : NULL;
	}
	url_put(f, rel ? rel : pcap);
	free(real);
	free(abs);
}

/* ---- Markdown ---------------------------------------------------------------------- */

static void md_legend(FILE *f)
{
	fputs("Legend:", f);
	for (int v = 0; v < NVERDICTS; v++)
		fprintf(f, " **%s** %s;", VERDICTS[v].word, VERDICTS[v].meaning);
	fputs(" **\u2260** targets disagree (one passes, another fails or deviates).\n\n", f);
}

static void md_summary_lines(FILE *f, const struct matrix *m, const int *counts)
{
	for (int t = 0; t < m->ntargets; t++) {
		fputs("- **", f);
		md_put(f, m->targets[t]);
		fputs("**:", f);
		for (int v = 0; v < NVERDICTS; v++)
			fprintf(f, "%s %d %s", v ? "," : "", counts[t * NVERDICTS + v],
				verdict_word((enum matrix_verdict)v));
		fputc('\n', f);
	}
	fprintf(f, "- rows where targets disagree: %d of %d\n\n", count_disagreements(m),
		m->nrows);
}

static void md_header(FILE *f, const struct matrix *m)
{
	fputs("| ID | RFC | Test |", f);
	for (int t = 0; t < m->ntargets; t++) {
		fputc(' ', f);
		md_put(f, m->targets[t]);
		fputs(" |", f);
	}
	fputs("\n|---|---|---|", f);
	for (int t = 0; t < m->ntargets; t++)
		fputs(":---:|", f);
	fputc('\n', f);
}

static void md_row(FILE *f, const struct matrix *m, const struct row *r, const struct outdir *d)
{
	bool disagree = row_disagrees(m, r);
	fputs("| ", f);
	md_put(f, r->id);
	fputs(" | ", f);
	md_put(f, r->rfc);
	fputs(" | ", f);
	md_put(f, r->name);
	fputs(disagree ? " **\u2260** |" : " |", f);
	for (int t = 0; t < m->ntargets; t++) {
		const struct cell *c = &r->cells[t];
		fprintf(f, " %s", VERDICTS[c->verdict].word);
		if (c->verdict != MATRIX_PASS && cell_links_pcap(c, disagree)) {
			fputs(" [pcap](", f);
			link_put(f, d, c->pcap);
			fputc(')', f);
		}
		fputs(" |", f);
	}
	fputc('\n', f);
}

/* The summary row closing the table: per target, the verdicts that occur and how often. */
static void md_summary_row(FILE *f, const struct matrix *m, const int *counts)
{
	fputs("| | | **total** |", f);
	for (int t = 0; t < m->ntargets; t++) {
		const char *sep = " ";
		for (int v = 0; v < NVERDICTS; v++) {
			int n = counts[t * NVERDICTS + v];
			if (n) {
				fprintf(f, "%s%d %s", sep, n, verdict_word((enum matrix_verdict)v));
				sep = ", ";
			}
		}
		fputs(" |", f);
	}
	fputc('\n', f);
}

static int md_render(const struct matrix *m, FILE *f, const struct outdir *d)
{
	int *counts = count_verdicts(m);
	if (!counts) {
		errno = ENOMEM;
		return -1;
	}
	fputs("# ", f);
	md_put(f, m->title);
	fputs("\n\n", f);
	md_legend(f);
	md_summary_lines(f, m, counts);
	md_header(f, m);
	for (int i = 0; i < m->nrows; i++)
		md_row(f, m, &m->rows[i], d);
	md_summary_row(f, m, counts);
	free(counts);
	return ferror(f) ? -1 : 0;
}

/* ---- HTML -------------------------------------------------------------------------- */

/* Colours: dark text on light tints, every pair above 7:1 contrast (WCAG 2.1 SC 1.4.6),
 * and a symbol + word in every cell so colour is never the only signal (SC 1.4.1).
 * A dark scheme follows prefers-color-scheme. */
static const char HTML_STYLE[] =
	":root{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--head:#f6f8fa;"
	"--suite:#eaeef2;--link:#0550ae;"
	"--pass-bg:#f0faf2;--pass-fg:#0b4d1f;--fail-bg:#ffe3e3;--fail-fg:#8a0b0b;"
	"--error-bg:#f1e4ff;--error-fg:#4f1a87;--deviation-bg:#fff1c2;--deviation-fg:#5c3b00;"
	"--skip-bg:#eef1f4;--skip-fg:#3b434c;--notrun-bg:#fff;--notrun-fg:#57606a;"
	"--diff-bg:#fff8e6;--diff-edge:#bc4c00;color-scheme:light dark}\n"
	"@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9aa5b1;"
	"--line:#30363d;--head:#161b22;--suite:#1f2630;--link:#79c0ff;"
	"--pass-bg:#0f2d1a;--pass-fg:#7ee2a0;--fail-bg:#3b1114;--fail-fg:#ffb3b3;"
	"--error-bg:#2c1745;--error-fg:#dbbfff;--deviation-bg:#3a2a05;--deviation-fg:#f5d27a;"
	"--skip-bg:#1c2128;--skip-fg:#c2cad3;--notrun-bg:#0d1117;--notrun-fg:#9aa5b1;"
	"--diff-bg:#2a1f0c;--diff-edge:#f0883e}}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:var(--bg);color:var(--fg);"
	"font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",\"DejaVu Sans\",sans-serif,\"Noto Color Emoji\"}\n"
	"header{padding:16px 24px 12px;border-bottom:1px solid var(--line);background:var(--head)}\n"
	"h1{margin:0 0 4px;font-size:20px;font-weight:600}\n"
	"h2{font-size:15px;margin:18px 0 8px;font-weight:600}\n"
	".sub{margin:0;color:var(--muted)}\n"
	".sub strong{color:var(--diff-edge)}\n"
	"main{padding:4px 24px 24px}\n"
	"code,.mono,.msg,td.id,td.rfc{font-family:ui-monospace,\"DejaVu Sans Mono\",Menlo,Consolas,monospace}\n"
	"a{color:var(--link)}\n"
	"a:focus-visible,summary:focus-visible,input:focus-visible{outline:2px solid var(--link);outline-offset:2px}\n"
	".top{display:flex;flex-wrap:wrap;gap:0 48px;align-items:flex-start}\n"
	".top>section:first-child{flex:0 0 auto}\n"
	".top>section:last-child{flex:1 1 380px;max-width:640px}\n"
	"table{border-collapse:separate;border-spacing:0}\n"
	"table.summary th,table.summary td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:right}\n"
	"table.summary th[scope=row]{text-align:left;font-weight:600}\n"
	"table.summary thead th{font-weight:600;border-bottom:2px solid var(--line)}\n"
	"table.summary td.zero{color:var(--muted)}\n"
	"ul.legend{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:auto 1fr;gap:2px 10px;font-size:13px}\n"
	"ul.legend li{display:contents}\n"
	"ul.legend .v{justify-self:start;align-self:start}\n"
	".v{display:inline-block;padding:0 6px;border-radius:4px;font-weight:600;white-space:nowrap}\n"
	".v-pass{background:var(--pass-bg);color:var(--pass-fg)}\n"
	".v-fail{background:var(--fail-bg);color:var(--fail-fg)}\n"
	".v-error{background:var(--error-bg);color:var(--error-fg)}\n"
	".v-deviation{background:var(--deviation-bg);color:var(--deviation-fg)}\n"
	".v-skip{background:var(--skip-bg);color:var(--skip-fg)}\n"
	".v-notrun{background:var(--notrun-bg);color:var(--notrun-fg);font-weight:400}\n"
	".mark{display:inline-block;min-width:1.3em;text-align:center;font-weight:700;"
	"color:var(--bg);background:var(--diff-edge);border-radius:4px;margin-left:4px}\n"
	".filter{margin:16px 0 8px;display:block;color:var(--muted)}\n"
	"table.matrix{width:100%;margin-top:4px}\n"
	"table.matrix th,table.matrix td{padding:5px 10px;border-bottom:1px solid var(--line);"
	"text-align:left;vertical-align:top}\n"
	"table.matrix thead th{position:sticky;top:0;z-index:2;background:var(--head);"
	"border-bottom:2px solid var(--line);font-weight:600;white-space:nowrap}\n"
	"table.matrix thead th.t{text-align:center}\n"
	"tr.suite th{background:var(--suite);font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;"
	"font-weight:600;font-size:13px;padding-top:7px;padding-bottom:7px}\n"
	"td.id{white-space:nowrap;font-weight:600;border-left:4px solid transparent}\n"
	"td.rfc{white-space:nowrap;color:var(--muted);font-size:13px}\n"
	"td.name{min-width:16em;overflow-wrap:anywhere}\n"
	"td.c{text-align:center;min-width:9em;max-width:30em;overflow-wrap:anywhere}\n"
	"td.c .v{background:transparent;color:inherit;padding:0;font-weight:inherit}\n"
	"td.c.v-fail,td.c.v-error,td.c.v-deviation{font-weight:600}\n"
	"tr.disagree td.id,tr.disagree td.rfc,tr.disagree td.name{background:var(--diff-bg)}\n"
	"tr.disagree td.id{border-left-color:var(--diff-edge)}\n"
	".pcap{margin-left:6px;font-size:12px;font-weight:400;color:inherit}\n"
	".msg{display:block;margin-top:3px;font-size:12px;line-height:1.35;text-align:left;"
	"white-space:pre-wrap;font-weight:400}\n"
	"details{margin-top:3px;text-align:left;font-size:12px}\n"
	"summary{cursor:pointer;font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;font-weight:400}\n"
	"#only-interesting:checked~table tbody.allpass,#only-interesting:checked~table tr.allpass{display:none}\n"
	"footer{padding:12px 24px;color:var(--muted);font-size:12px;border-top:1px solid var(--line)}\n"
	"@media print{table.matrix thead th{position:static}.filter,#only-interesting{display:none}}\n";

static void html_head(FILE *f, const struct matrix *m)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"tcpconform\">\n<title>", f);
	html_put(f, m->title);
	fputs(" \u2014 behaviour matrix</title>\n<style>\n", f);
	fputs(HTML_STYLE, f);
	fputs("</style>\n</head>\n<body>\n", f);
}

static void html_banner(FILE *f, const struct matrix *m)
{
	int disagree = count_disagreements(m);
	fputs("<header>\n<h1>", f);
	html_put(f, m->title);
	fprintf(f, "</h1>\n<p class=\"sub\">Behaviour matrix: %d test%s \u00d7 %d target%s. ",
		m->nrows, m->nrows == 1 ? "" : "s", m->ntargets, m->ntargets == 1 ? "" : "s");
	if (disagree)
		fprintf(f, "<strong>%d row%s where targets disagree</strong> (marked \u2260).",
			disagree, disagree == 1 ? "" : "s");
	else
		fputs("No row where targets disagree.", f);
	fputs("</p>\n</header>\n<main>\n", f);
}

static void html_verdict(FILE *f, enum matrix_verdict v)
{
	fprintf(f, "<span class=\"v v-%s\">%s %s</span>", VERDICTS[v].css, VERDICTS[v].symbol,
		verdict_word(v));
}

static void html_summary(FILE *f, const struct matrix *m, const int *counts)
{
	fputs("<section aria-labelledby=\"h-summary\">\n<h2 id=\"h-summary\">Summary</h2>\n"
	      "<table class=\"summary\">\n<thead><tr><th scope=\"col\">Target</th>", f);
	for (int v = 0; v < NVERDICTS; v++) {
		fputs("<th scope=\"col\">", f);
		html_verdict(f, (enum matrix_verdict)v);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (int t = 0; t < m->ntargets; t++) {
		fputs("<tr><th scope=\"row\">", f);
		html_put(f, m->targets[t]);
		fputs("</th>", f);
		for (int v = 0; v < NVERDICTS; v++) {
			int n = counts[t * NVERDICTS + v];
			fprintf(f, "<td%s>%d</td>", n ? "" : " class=\"zero\"", n);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</section>\n", f);
}

static void html_legend(FILE *f)
{
	fputs("<section aria-labelledby=\"h-legend\">\n<h2 id=\"h-legend\">Legend</h2>\n"
	      "<ul class=\"legend\">\n", f);
	for (int v = 0; v < NVERDICTS; v++) {
		fputs("<li>", f);
		html_verdict(f, (enum matrix_verdict)v);
		fprintf(f, " <span>%s</span></li>\n", VERDICTS[v].meaning);
	}
	fputs("<li><span><span class=\"mark\">\u2260</span></span> <span>targets disagree: one "
	      "passes, another fails or deviates</span></li>\n</ul>\n</section>\n", f);
}

static void html_message(FILE *f, const char *msg)
{
	size_t len = strlen(msg);
	if (len <= INLINE_MESSAGE_MAX) {
		fputs("<span class=\"msg\">", f);
		html_put(f, msg);
		fputs("</span>", f);
		return;
	}
	/* Cut the summary at a character boundary, never inside a UTF-8 sequence. */
	size_t cut = SUMMARY_BYTES;
	while (cut > 0 && ((unsigned char)msg[cut] & 0xc0) == 0x80)
		cut--;
	fputs("<details><summary>", f);
	put_text(f, msg, cut, html_ascii);
	fputs("\u2026</summary><span class=\"msg\">", f);
	html_put(f, msg);
	fputs("</span></details>", f);
}

static void html_cell(FILE *f, const struct cell *c, bool disagree, const struct outdir *d)
{
	fprintf(f, "<td class=\"c v-%s\"", VERDICTS[c->verdict].css);
	if (c->message && *c->message) {
		fputs(" title=\"", f);
		html_put(f, c->message);
		fputc('"', f);
	}
	fprintf(f, "><span class=\"v\">%s %s</span>", VERDICTS[c->verdict].symbol,
		verdict_word(c->verdict));
	if (cell_links_pcap(c, disagree)) {
		fputs("<a class=\"pcap\" href=\"", f);
		link_put(f, d, c->pcap);
		fputs("\">pcap</a>", f);
	}
	bool explain = c->verdict == MATRIX_FAIL || c->verdict == MATRIX_ERROR ||
		       c->verdict == MATRIX_DEVIATION || c->verdict == MATRIX_SKIP;
	if (explain && c->message && *c->message)
		html_message(f, c->message);
	fputs("</td>", f);
}

/* Row i; its id "r<i>" lets a bug report link straight to it (page.html#r12). */
static void html_row(FILE *f, const struct matrix *m, int i, const struct outdir *d)
{
	const struct row *r = &m->rows[i];
	bool disagree = row_disagrees(m, r);
	fprintf(f, "<tr class=\"%s\" id=\"r%d\">",
		disagree ? "row disagree" : row_all_pass(m, r) ? "row allpass" : "row", i);
	fputs("<td class=\"id\">", f);
	html_put(f, r->id);
	if (disagree)
		fputs("<span class=\"mark\" title=\"targets disagree\">\u2260</span>", f);
	fputs("</td><td class=\"rfc\">", f);
	html_put(f, r->rfc);
	fputs("</td><td class=\"name\">", f);
	html_put(f, r->name);
	fputs("</td>", f);
	for (int t = 0; t < m->ntargets; t++)
		html_cell(f, &r->cells[t], disagree, d);
	fputs("</tr>\n", f);
}

/* Whether an earlier row than i has the same suite (so the suite was already written). */
static bool suite_seen_before(const struct matrix *m, int i)
{
	for (int j = 0; j < i; j++)
		if (strcmp(m->rows[j].suite, m->rows[i].suite) == 0)
			return true;
	return false;
}

/* One <tbody> per suite, in the order suites first appear, holding that suite's rows in
 * the order given; rows of a suite need not be adjacent in the model. Quadratic in the
 * number of rows, which stays in the thousands. */
static void html_suite(FILE *f, const struct matrix *m, int first, const struct outdir *d)
{
	const char *suite = m->rows[first].suite;
	bool allpass = true;
	for (int i = first; i < m->nrows; i++)
		if (strcmp(m->rows[i].suite, suite) == 0)
			allpass &= row_all_pass(m, &m->rows[i]);
	fprintf(f, "<tbody%s>\n<tr class=\"suite\"><th colspan=\"%d\" scope=\"colgroup\">",
		allpass ? " class=\"allpass\"" : "", m->ntargets + 3);
	html_put(f, *suite ? suite : "(no suite)");
	fputs("</th></tr>\n", f);
	for (int i = first; i < m->nrows; i++)
		if (strcmp(m->rows[i].suite, suite) == 0)
			html_row(f, m, i, d);
	fputs("</tbody>\n", f);
}

static void html_table(FILE *f, const struct matrix *m, const struct outdir *d)
{
	fputs("<section aria-labelledby=\"h-results\">\n<h2 id=\"h-results\">Results</h2>\n"
	      "<input type=\"checkbox\" id=\"only-interesting\">"
	      "<label for=\"only-interesting\"> hide rows where every target passed</label>\n"
	      "<table class=\"matrix\">\n<thead><tr><th scope=\"col\">ID</th>"
	      "<th scope=\"col\">RFC</th><th scope=\"col\">Test</th>", f);
	for (int t = 0; t < m->ntargets; t++) {
		fputs("<th scope=\"col\" class=\"t\">", f);
		html_put(f, m->targets[t]);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n", f);
	for (int i = 0; i < m->nrows; i++)
		if (!suite_seen_before(m, i))
			html_suite(f, m, i, d);
	fputs("</table>\n</section>\n", f);
}

static int html_render(const struct matrix *m, FILE *f, const struct outdir *d)
{
	int *counts = count_verdicts(m);
	if (!counts) {
		errno = ENOMEM;
		return -1;
	}
	html_head(f, m);
	html_banner(f, m);
	fputs("<div class=\"top\">\n", f);
	html_summary(f, m, counts);
	html_legend(f);
	fputs("</div>\n", f);
	html_table(f, m, d);
	fputs("</main>\n<footer>Written by tcpconform. This page is self-contained: no script, "
	      "no external resource; pcap links are relative to this file.</footer>\n"
	      "</body>\n</html>\n", f);
	free(counts);
	return ferror(f) ? -1 : 0;
}

/* ---- atomic file output ------------------------------------------------------------ */

typedef int (*render_fn)(const struct matrix *, FILE *, const struct outdir *);

struct render_job {
	const struct matrix *m;
	render_fn render;
	const char *path;          /* the final file: links are made relative to its directory */
};

static int render_fill(FILE *f, const void *ctx)
{
	const struct render_job *j = ctx;
	struct outdir d;
	outdir_init(&d, j->path);
	int rc = j->render(j->m, f, &d);
	outdir_release(&d);
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
	return write_atomic(m, md_render, path, err, errlen);
}

/* Writes the self-contained HTML page to path atomically. Returns 0, or -1 with err
 * naming the file and the reason. */
int matrix_write_html(const struct matrix *m, const char *path, char *err, size_t errlen)
{
	return write_atomic(m, html_render, path, err, errlen);
}
