/* matrix_html.c - the matrix as one self-contained HTML page (see the top of matrix.c):
 * inline CSS, no script, font, image or any other external resource. */
#include "matrix_int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A message longer than this is folded into a <details> element in the HTML, whose
 * summary shows its first SUMMARY_BYTES bytes, so one verbose failure cannot blow up
 * the width or height of the table. */
#define INLINE_MESSAGE_MAX 120
#define SUMMARY_BYTES 72

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
	matrix_html_put(f, m->title);
	fputs(" \u2014 behaviour matrix</title>\n<style>\n", f);
	fputs(HTML_STYLE, f);
	fputs("</style>\n</head>\n<body>\n", f);
}

/* See matrix_int.h. */
void matrix_page_begin(FILE *f, const char *title, const char *css)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"generator\" content=\"tcpconform\">\n<title>", f);
	matrix_html_put(f, title);
	fputs("</title>\n<style>\n", f);
	fputs(css, f);
	fputs("</style>\n</head>\n<body>\n<header><h1>", f);
	matrix_html_put(f, title);
	fputs("</h1>\n", f);
}

static void html_banner(FILE *f, const struct matrix *m)
{
	int disagree = matrix_count_disagreements(m);
	fputs("<header>\n<h1>", f);
	matrix_html_put(f, m->title);
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
	fprintf(f, "<span class=\"v v-%s\">%s %s</span>", MATRIX_VERDICTS[v].css, MATRIX_VERDICTS[v].symbol,
		matrix_verdict_word(v));
}

static void html_summary(FILE *f, const struct matrix *m, const int *counts)
{
	fputs("<section aria-labelledby=\"h-summary\">\n<h2 id=\"h-summary\">Summary</h2>\n"
	      "<table class=\"summary\">\n<thead><tr><th scope=\"col\">Target</th>", f);
	for (int v = 0; v < MATRIX_NVERDICTS; v++) {
		fputs("<th scope=\"col\">", f);
		html_verdict(f, (enum matrix_verdict)v);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (int t = 0; t < m->ntargets; t++) {
		fputs("<tr><th scope=\"row\">", f);
		matrix_html_put(f, m->targets[t]);
		fputs("</th>", f);
		for (int v = 0; v < MATRIX_NVERDICTS; v++) {
			int n = counts[t * MATRIX_NVERDICTS + v];
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
	for (int v = 0; v < MATRIX_NVERDICTS; v++) {
		fputs("<li>", f);
		html_verdict(f, (enum matrix_verdict)v);
		fprintf(f, " <span>%s</span></li>\n", MATRIX_VERDICTS[v].meaning);
	}
	fputs("<li><span><span class=\"mark\">\u2260</span></span> <span>targets disagree: one "
	      "passes, another fails or deviates</span></li>\n</ul>\n</section>\n", f);
}

static void html_message(FILE *f, const char *msg)
{
	size_t len = strlen(msg);
	if (len <= INLINE_MESSAGE_MAX) {
		fputs("<span class=\"msg\">", f);
		matrix_html_put(f, msg);
		fputs("</span>", f);
		return;
	}
	/* Cut the summary at a character boundary, never inside a UTF-8 sequence. */
	size_t cut = SUMMARY_BYTES;
	while (cut > 0 && ((unsigned char)msg[cut] & 0xc0) == 0x80)
		cut--;
	fputs("<details><summary>", f);
	matrix_html_putn(f, msg, cut);
	fputs("\u2026</summary><span class=\"msg\">", f);
	matrix_html_put(f, msg);
	fputs("</span></details>", f);
}

static void html_cell(FILE *f, const struct cell *c, bool disagree, const struct matrix_outdir *d)
{
	fprintf(f, "<td class=\"c v-%s\"", MATRIX_VERDICTS[c->verdict].css);
	if (c->message && *c->message) {
		fputs(" title=\"", f);
		matrix_html_put(f, c->message);
		fputc('"', f);
	}
	fprintf(f, "><span class=\"v\">%s %s</span>", MATRIX_VERDICTS[c->verdict].symbol,
		matrix_verdict_word(c->verdict));
	if (matrix_cell_links_pcap(c, disagree)) {
		fputs("<a class=\"pcap\" href=\"", f);
		matrix_link_put(f, d, c->pcap);
		fputs("\">pcap</a>", f);
	}
	bool explain = c->verdict == MATRIX_FAIL || c->verdict == MATRIX_ERROR ||
		       c->verdict == MATRIX_DEVIATION || c->verdict == MATRIX_SKIP;
	if (explain && c->message && *c->message)
		html_message(f, c->message);
	fputs("</td>", f);
}

/* Row i; its id "r<i>" lets a bug report link straight to it (page.html#r12). */
static void html_row(FILE *f, const struct matrix *m, int i, const struct matrix_outdir *d)
{
	const struct row *r = &m->rows[i];
	bool disagree = matrix_row_disagrees(m, r);
	fprintf(f, "<tr class=\"%s\" id=\"r%d\">",
		disagree ? "row disagree" : matrix_row_all_pass(m, r) ? "row allpass" : "row", i);
	fputs("<td class=\"id\">", f);
	matrix_html_put(f, r->id);
	if (disagree)
		fputs("<span class=\"mark\" title=\"targets disagree\">\u2260</span>", f);
	fputs("</td><td class=\"rfc\">", f);
	matrix_html_put(f, r->rfc);
	fputs("</td><td class=\"name\">", f);
	matrix_html_put(f, r->name);
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
static void html_suite(FILE *f, const struct matrix *m, int first, const struct matrix_outdir *d)
{
	const char *suite = m->rows[first].suite;
	bool allpass = true;
	for (int i = first; i < m->nrows; i++)
		if (strcmp(m->rows[i].suite, suite) == 0)
			allpass &= matrix_row_all_pass(m, &m->rows[i]);
	fprintf(f, "<tbody%s>\n<tr class=\"suite\"><th colspan=\"%d\" scope=\"colgroup\">",
		allpass ? " class=\"allpass\"" : "", m->ntargets + 3);
	matrix_html_put(f, *suite ? suite : "(no suite)");
	fputs("</th></tr>\n", f);
	for (int i = first; i < m->nrows; i++)
		if (strcmp(m->rows[i].suite, suite) == 0)
			html_row(f, m, i, d);
	fputs("</tbody>\n", f);
}

static void html_table(FILE *f, const struct matrix *m, const struct matrix_outdir *d)
{
	fputs("<section aria-labelledby=\"h-results\">\n<h2 id=\"h-results\">Results</h2>\n"
	      "<input type=\"checkbox\" id=\"only-interesting\">"
	      "<label for=\"only-interesting\"> hide rows where every target passed</label>\n"
	      "<table class=\"matrix\">\n<thead><tr><th scope=\"col\">ID</th>"
	      "<th scope=\"col\">RFC</th><th scope=\"col\">Test</th>", f);
	for (int t = 0; t < m->ntargets; t++) {
		fputs("<th scope=\"col\" class=\"t\">", f);
		matrix_html_put(f, m->targets[t]);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n", f);
	for (int i = 0; i < m->nrows; i++)
		if (!suite_seen_before(m, i))
			html_suite(f, m, i, d);
	fputs("</table>\n</section>\n", f);
}

int matrix_html_render(const struct matrix *m, FILE *f, const struct matrix_outdir *d)
{
	int *counts = matrix_count_verdicts(m);
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
