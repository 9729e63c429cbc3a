#ifndef TCPCONFORM_MATRIX_INT_H
#define TCPCONFORM_MATRIX_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "matrix.h"

/* Internals shared by the matrix family: the model (matrix.c), text escaping and pcap
 * links (matrix_text.c), the Markdown (matrix_md.c) and HTML (matrix_html.c) writers. */

#define MATRIX_NVERDICTS 6

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

/* Indexed by enum matrix_verdict. */
extern const struct verdict_info MATRIX_VERDICTS[MATRIX_NVERDICTS];

/* A verdict in words: "not run" rather than the cell mark "-". */
const char *matrix_verdict_word(enum matrix_verdict v);
/* Targets disagree when one passes and another fails or deviates (ERROR and skip say
 * nothing about behaviour, so neither makes a disagreement on its own). */
bool matrix_row_disagrees(const struct matrix *m, const struct row *r);
bool matrix_row_all_pass(const struct matrix *m, const struct row *r);
/* counts[t * MATRIX_NVERDICTS + v]: how many rows target t has with verdict v; NULL
 * when out of memory. Caller frees. */
int *matrix_count_verdicts(const struct matrix *m);
int matrix_count_disagreements(const struct matrix *m);
/* Whether a cell's pcap is worth a link: where something went wrong, and on a passing
 * cell of a row where targets disagree (the reference to compare against). */
bool matrix_cell_links_pcap(const struct cell *c, bool disagree);

/* s escaped for HTML text and double-quoted attribute values (matrix_text.c); putn: the
 * first n bytes only (the caller cuts at a character boundary). */
void matrix_html_put(FILE *f, const char *s);
void matrix_html_putn(FILE *f, const char *s, size_t n);
/* s escaped for a GFM table cell: no raw HTML, no markup, no line break. */
void matrix_md_put(FILE *f, const char *s);

/* What the engines' pages (sweep/sweep_report_html.c, fuzz/fuzz_report_html.c) share
 * with each other, in the colours of the run's matrix page (matrix_html.c): the start
 * of their stylesheets (a page's own rules follow) and the start of the page. */
#define MATRIX_PAGE_CSS                                                                  \
	":root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--head:#f6f8fa;--link:#0550ae}\n"  \
	"body{margin:0;color:var(--fg);font:14px/1.45 system-ui,\"DejaVu Sans\",sans-serif}\n" \
	"header{padding:16px 24px;border-bottom:1px solid var(--line);background:var(--head)}\n" \
	"h1{margin:0;font-size:20px}main{padding:4px 24px 24px}a{color:var(--link)}\n"        \
	"code,pre,.mono{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace}\n"           \
	"table{border-collapse:collapse}th,td{border:1px solid var(--line);padding:4px 8px}\n"
/* Writes the page from its doctype to its header's title: title (escaped) as the
 * <title> and the <h1>, css inline. The caller writes the rest of the <header>. */
void matrix_page_begin(FILE *f, const char *title, const char *css);

/* The directory holding the output file, made absolute: both the lexical form and, when
 * it exists, the form with symbolic links resolved. */
struct matrix_outdir {
	char *lexical;  /* NULL when unknown */
	char *resolved; /* NULL when unknown */
};

/* Fills d for the file out_path; matrix_outdir_release frees it. */
void matrix_outdir_init(struct matrix_outdir *d, const char *out_path);
void matrix_outdir_release(struct matrix_outdir *d);
/* Writes the link target for pcap, percent-encoded: relative to d when the pcap lies
 * below it, else as given. */
void matrix_link_put(FILE *f, const struct matrix_outdir *d, const char *pcap);

/* The two renderings of m into f, links relative to d: 0, or -1 on a write error or
 * when out of memory. */
int matrix_md_render(const struct matrix *m, FILE *f, const struct matrix_outdir *d);
int matrix_html_render(const struct matrix *m, FILE *f, const struct matrix_outdir *d);

#endif
