/* sweep_report_html: index.html of a sweep -- one self-contained page (inline CSS, no
 * script, nothing external): a matrix per target (rows states, columns event classes,
 * each cell the worst verdict of its cases with their counts) and, with several targets,
 * the differential matrix (all agree / differ from the model alike / targets disagree,
 * naming the odd one out). A click on a cell jumps to its panel (#id; CSS :target shows
 * it): its cases, expected vs seen, the rule, its RFC sentence and the pcap. Text goes
 * through the matrix page's escaping (matrix_html_put) and pcap links through its
 * relative links (matrix_link_put), so both pages escape and link alike. */
#include "sweep_report_int.h"

#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "matrix_int.h"

/* Cases spelled out per panel; the rest are in cases.jsonl. */
#define PANEL_MAX 200

/* Colours as on the run's matrix page (matrix_html.c): dark on light tints, a symbol
 * and a word in every cell so colour is never the only signal (WCAG 2.1 SC 1.4.1). */
static const char STYLE[] =
	MATRIX_PAGE_CSS
	"thead th{background:var(--head);font-size:12px}th[scope=row]{text-align:left}\n"
	"td a{display:block;text-decoration:none;color:inherit;white-space:nowrap}\n"
	".v-agree{background:#f0faf2;color:#0b4d1f}.v-differs{background:#ffe3e3;color:#8a0b0b}\n"
	".v-deviation{background:#fff1c2;color:#5c3b00}.v-error{background:#f1e4ff;color:#4f1a87}\n"
	".v-alike{background:#ffe3e3;color:#8a0b0b}.v-disagree{background:#ffd8a8;color:#5c2100}\n"
	".v-none{color:var(--muted)}\n"
	/* A cell's panel opens beside the matrices, which stay in view. */
	".cases{display:none;padding:8px 16px;border-left:3px solid var(--link);background:#fff}\n"
	".cases:target{display:block;position:fixed;top:0;right:0;bottom:0;"
	"width:min(56em,60vw);overflow:auto;box-shadow:-4px 0 12px rgba(0,0,0,.2)}\n"
	".close{float:right}.case{border-top:1px solid var(--line);padding:6px 0}\n"
	"blockquote{margin:4px 0 4px 12px;color:var(--muted)}pre{white-space:pre-wrap}\n";

static const char *const SYMBOL[SWEEP_NVERDICTS] = {"\u2713", "\u2717", "~", "!"};

/* The page's grid: distinct states (entry order, which is the state order) and classes
 * (sorted), and the cell (its first entry) at each. */
struct grid {
	const char **states, **classes;
	int nstates, nclasses;
	long *cell; /* [state * nclasses + class]: first entry, or -1 */
	const struct sweep_report *rep;
	struct matrix_outdir dir;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int find(const char **list, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

static int grid_build(struct grid *g, const struct sweep_report *rep)
{
	size_t n = rep->n;
	g->rep = rep;
	g->states = calloc(n + 1, sizeof(char *));
	g->classes = calloc(n + 1, sizeof(char *));
	if (!g->states || !g->classes)
		return -1;
	for (size_t i = 0; i < n; i = sweep_cell_end(rep, i)) {
		if (find(g->states, g->nstates, rep->e[i].r.state) < 0)
			g->states[g->nstates++] = rep->e[i].r.state;
		if (find(g->classes, g->nclasses, rep->e[i].r.klass) < 0)
			g->classes[g->nclasses++] = rep->e[i].r.klass;
	}
	qsort(g->classes, (size_t)g->nclasses, sizeof(char *), cmp_str);
	g->cell = malloc(((size_t)g->nstates * (size_t)g->nclasses + 1) * sizeof(long));
	if (!g->cell)
		return -1;
	for (int i = 0; i < g->nstates * g->nclasses; i++)
		g->cell[i] = -1;
	for (size_t i = 0; i < n; i = sweep_cell_end(rep, i))
		g->cell[find(g->states, g->nstates, rep->e[i].r.state) * g->nclasses +
			find(g->classes, g->nclasses, rep->e[i].r.klass)] = (long)i;
	return 0;
}

static void grid_free(struct grid *g)
{
	free(g->states);
	free(g->classes);
	free(g->cell);
}

static void head_row(FILE *f, const struct grid *g)
{
	fputs("<table>\n<thead><tr><th scope=\"col\">state \\ event</th>", f);
	for (int c = 0; c < g->nclasses; c++) {
		fputs("<th scope=\"col\">", f);
		matrix_html_put(f, g->classes[c]);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
}

/* The matrix of target t: a cell links to panel "c<t>-<cell>". */
static void target_matrix(FILE *f, const struct grid *g, int t)
{
	const struct sweep_report *rep = g->rep;
	long tot[SWEEP_NVERDICTS];
	sweep_report_counts(rep, t, tot);
	fprintf(f, "<section id=\"t%d\">\n<h2>", t);
	matrix_html_put(f, rep->targets[t]);
	fprintf(f, "</h2>\n<p>%ld cases: %ld agree, %ld differ from the model, %ld declared "
		"deviations, %ld errors.</p>\n", tot[0] + tot[1] + tot[2] + tot[3], tot[0], tot[1],
		tot[2], tot[3]);
	head_row(f, g);
	for (int s = 0; s < g->nstates; s++) {
		fputs("<tr><th scope=\"row\">", f);
		matrix_html_put(f, g->states[s]);
		fputs("</th>", f);
		for (int c = 0; c < g->nclasses; c++) {
			long first = g->cell[s * g->nclasses + c];
			size_t end = first < 0 ? 0 : sweep_cell_end(rep, (size_t)first);
			int v = first < 0 ? -1 : sweep_cell_verdict(rep, (size_t)first, end, t);
			if (v < 0) {
				fputs("<td class=\"v-none\">\u2013</td>", f);
				continue;
			}
			long n = 0, k = 0;
			for (size_t i = (size_t)first; i < end; i++)
				if (rep->e[i].target == t) {
					n++;
					k += rep->e[i].r.verdict == (enum sweep_verdict)v;
				}
			fprintf(f, "<td class=\"v-%s\"><a href=\"#c%d-%ld\">%s %s %ld/%ld</a></td>",
				sweep_verdict_name(v), t, first, SYMBOL[v], sweep_verdict_name(v), k, n);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n</section>\n", f);
}

static const char *const DIFF_CSS[] = {"agree", "alike", "disagree", "none"};
static const char *const DIFF_WORD[] = {"all agree", "all differ from the model",
					"targets disagree", "nothing to compare"};

static void diff_matrix(FILE *f, const struct grid *g)
{
	fputs("<section id=\"diff\">\n<h2>Differential: the targets compared</h2>\n", f);
	head_row(f, g);
	for (int s = 0; s < g->nstates; s++) {
		fputs("<tr><th scope=\"row\">", f);
		matrix_html_put(f, g->states[s]);
		fputs("</th>", f);
		for (int c = 0; c < g->nclasses; c++) {
			long first = g->cell[s * g->nclasses + c];
			if (first < 0) {
				fputs("<td class=\"v-none\">\u2013</td>", f);
				continue;
			}
			int odd;
			enum sweep_diff d = sweep_cell_diff(g->rep, (size_t)first,
							    sweep_cell_end(g->rep, (size_t)first), &odd);
			fprintf(f, "<td class=\"v-%s\"><a href=\"#d%ld\">%s", DIFF_CSS[d], first,
				DIFF_WORD[d]);
			if (odd >= 0) {
				fputs(": odd one out ", f);
				matrix_html_put(f, g->rep->targets[odd]);
			}
			fputs("</a></td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n</section>\n", f);
}

static void field(FILE *f, const char *name, const char *value)
{
	if (!*value)
		return;
	fprintf(f, "<div>%s: <code>", name);
	matrix_html_put(f, value);
	fputs("</code></div>\n", f);
}

static void one_case(FILE *f, const struct grid *g, const struct sweep_result *r)
{
	fputs("<div class=\"case\"><strong class=\"mono\">", f);
	matrix_html_put(f, r->id);
	fprintf(f, "</strong> <span class=\"v-%s\">%s %s</span>\n", sweep_verdict_name(r->verdict),
		SYMBOL[r->verdict], sweep_verdict_name(r->verdict));
	field(f, "expected", r->expected);
	field(f, "seen", r->seen);
	field(f, "rule", r->rule);
	field(f, "RFC", r->rfc);
	if (*r->sentence) {
		fputs("<blockquote>", f);
		matrix_html_put(f, r->sentence);
		fputs("</blockquote>\n", f);
	}
	field(f, "deviation", r->reason);
	if (*r->pcap) {
		fputs("<div><a href=\"", f);
		matrix_link_put(f, &g->dir, r->pcap);
		fputs("\">pcap</a></div>\n", f);
	}
	if (*r->detail) {
		fputs("<details><summary>every step</summary><pre>", f);
		matrix_html_put(f, r->detail);
		fputs("</pre></details>\n", f);
	}
	fputs("</div>\n", f);
}

/* Panel of target t's cases in the cell at first: those that do not agree in full,
 * then how many agree. */
static void target_panel(FILE *f, const struct grid *g, int t, size_t first, size_t end)
{
	const struct sweep_report *rep = g->rep;
	fprintf(f, "<section class=\"cases\" id=\"c%d-%zu\">\n<a class=\"close\" href=\"#t%d\">"
		"close</a><h3>", t, first, t);
	matrix_html_put(f, rep->e[first].r.state);
	fputs(" \u00d7 ", f);
	matrix_html_put(f, rep->e[first].r.klass);
	fputs(" on ", f);
	matrix_html_put(f, rep->targets[t]);
	fputs("</h3>\n", f);
	long shown = 0, agree = 0, more = 0;
	for (size_t i = first; i < end; i++) {
		const struct sweep_result *r = &rep->e[i].r;
		if (rep->e[i].target != t)
			continue;
		if (r->verdict == SWEEP_AGREE)
			agree++;
		else if (shown < PANEL_MAX)
			one_case(f, g, r), shown++;
		else
			more++;
	}
	if (more)
		fprintf(f, "<p>... and %ld more in cases.jsonl.</p>\n", more);
	fprintf(f, "<p>%ld case%s agree with the model.</p>\n</section>\n", agree,
		agree == 1 ? "" : "s");
}

/* Panel of the differential cell at first: each case where a target does not agree,
 * every target's verdict and what it was seen doing. */
static void diff_panel(FILE *f, const struct grid *g, size_t first, size_t end)
{
	const struct sweep_report *rep = g->rep;
	fprintf(f, "<section class=\"cases\" id=\"d%zu\">\n<a class=\"close\" href=\"#diff\">"
		"close</a><h3>", first);
	matrix_html_put(f, rep->e[first].r.state);
	fputs(" \u00d7 ", f);
	matrix_html_put(f, rep->e[first].r.klass);
	fputs(": the targets compared</h3>\n<table><thead><tr><th>case</th><th>expected</th>", f);
	for (int t = 0; t < rep->ntargets; t++) {
		fputs("<th>", f);
		matrix_html_put(f, rep->targets[t]);
		fputs("</th>", f);
	}
	fputs("</tr></thead><tbody>\n", f);
	long shown = 0;
	for (size_t i = first; i < end && shown < PANEL_MAX;) {
		size_t j = i;
		bool all_agree = true;
		for (; j < end && strcmp(rep->e[j].r.id, rep->e[i].r.id) == 0; j++)
			all_agree = all_agree && rep->e[j].r.verdict == SWEEP_AGREE;
		if (!all_agree) {
			shown++;
			fputs("<tr><td class=\"mono\">", f);
			matrix_html_put(f, rep->e[i].r.id);
			fputs("</td><td class=\"mono\">", f);
			matrix_html_put(f, rep->e[i].r.expected);
			fputs("</td>", f);
			for (int t = 0; t < rep->ntargets; t++) {
				size_t k = i;
				while (k < j && rep->e[k].target != t)
					k++;
				if (k == j) {
					fputs("<td class=\"v-none\">not run</td>", f);
					continue;
				}
				const struct sweep_result *r = &rep->e[k].r;
				fprintf(f, "<td class=\"v-%s\">%s ", sweep_verdict_name(r->verdict),
					SYMBOL[r->verdict]);
				matrix_html_put(f, r->verdict == SWEEP_AGREE ? "as the model" : r->seen);
				fputs("</td>", f);
			}
			fputs("</tr>\n", f);
		}
		i = j;
	}
	fprintf(f, "</tbody></table>\n<p>%s</p>\n</section>\n",
		shown ? "Cases where every target agrees are not listed." : "Every target agrees "
		"with the model in every case.");
}

static int fill_html(FILE *f, const void *ctx)
{
	const struct grid *g = ctx;
	const struct sweep_report *rep = g->rep;
	matrix_page_begin(f, "tcpconform sweep", STYLE);
	fprintf(f, "<p>%zu cases on %d target%s, judged against the RFC 9293 model. Click a "
		"cell for its cases.</p>\n<nav>", rep->n, rep->ntargets,
		rep->ntargets == 1 ? "" : "s");
	for (int t = 0; t < rep->ntargets; t++) {
		fprintf(f, "<a href=\"#t%d\">", t);
		matrix_html_put(f, rep->targets[t]);
		fputs("</a> ", f);
	}
	if (rep->ntargets > 1)
		fputs("<a href=\"#diff\">differential</a>", f);
	fputs("</nav></header>\n<main>\n", f);
	if (rep->ntargets > 1)
		diff_matrix(f, g);
	for (int t = 0; t < rep->ntargets; t++)
		target_matrix(f, g, t);
	for (size_t i = 0; i < rep->n; i = sweep_cell_end(rep, i)) {
		size_t end = sweep_cell_end(rep, i);
		for (int t = 0; t < rep->ntargets; t++)
			if (sweep_cell_verdict(rep, i, end, t) >= 0)
				target_panel(f, g, t, i, end);
		if (rep->ntargets > 1)
			diff_panel(f, g, i, end);
	}
	for (int k = 0; k < rep->ntroubles; k++) {
		fputs("<p class=\"v-error\">trouble on ", f);
		matrix_html_put(f, rep->targets[rep->troubles[k].target]);
		fputs(": ", f);
		matrix_html_put(f, rep->troubles[k].message);
		fputs("</p>\n", f);
	}
	fputs("</main>\n</body>\n</html>\n", f);
	return ferror(f);
}

int sweep_report_write_html(struct sweep_report *rep, const char *path, char *err,
			    size_t errlen)
{
	sweep_report_sort(rep);
	struct grid g = {0};
	if (grid_build(&g, rep) < 0) {
		grid_free(&g);
		snprintf(err, errlen, "sweep page %s: out of memory", path);
		return -1;
	}
	matrix_outdir_init(&g.dir, path);
	int rc = atomic_file_write(path, fill_html, &g, "sweep page", err, errlen);
	matrix_outdir_release(&g.dir);
	grid_free(&g);
	return rc;
}
