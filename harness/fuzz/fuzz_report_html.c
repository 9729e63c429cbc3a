/* fuzz_report_html: index.html of a campaign -- one self-contained page (inline CSS, no
 * script, nothing external): the totals, findings by oracle, and a table of findings
 * (oracle, target, state, event class, reply class, rule, signature, new or known). A
 * click on a row opens its panel (#f-<signature>; CSS :target shows it): the case and the
 * minimised case, the output of every target, what was expected, the rule and its RFC
 * sentence, the stack's last words, links to the pcaps and the ready test.lua. Text goes
 * through the matrix page's escaping (matrix_html_put) and links through its relative
 * links (matrix_link_put), so every page of tcpconform escapes alike. */
#include "fuzz_report.h"

#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "fuzz_json.h"
#include "fuzz_store.h"
#include "matrix_int.h"

/* Colours of the run's pages (matrix_html.c), one tint per oracle; the oracle's name is
 * in every row, so colour is never the only signal (WCAG 2.1 SC 1.4.1). */
static const char STYLE[] =
	MATRIX_PAGE_CSS
	"thead th{background:var(--head);font-size:12px;text-align:left}\n"
	"td a{text-decoration:none;color:inherit}\n"
	".o-model{background:#ffe3e3;color:#8a0b0b}.o-differential{background:#ffd8a8;"
	"color:#5c2100}\n.o-liveness{background:#f1e4ff;color:#4f1a87}.o-invariant{background:"
	"#fff1c2;color:#5c3b00}\n.o-other{background:#eaeef2}.none{color:var(--muted)}\n"
	".new{font-weight:bold}.known{color:var(--muted)}\n"
	".verified{color:#0b4d1f}.unverified{color:#8a0b0b;font-weight:bold}\n"
	".finding{display:none;padding:8px 16px;border-left:3px solid var(--link);background:#fff}\n"
	".finding:target{display:block;position:fixed;top:0;right:0;bottom:0;"
	"width:min(60em,64vw);overflow:auto;box-shadow:-4px 0 12px rgba(0,0,0,.2)}\n"
	".close{float:right}h3{margin:12px 0 4px;font-size:14px}\n"
	"blockquote{margin:4px 0 4px 12px;color:var(--muted)}\n"
	"pre{white-space:pre-wrap;background:var(--head);padding:6px;margin:2px 0}\n";

struct page {
	const struct fuzz_store *s;
	const struct fuzz_totals *t;
	struct matrix_outdir dir;
};

static const char *oracle_css(const char *oracle)
{
	int i = fuzz_oracle_index(oracle);
	return i < FUZZ_NORACLES ? FUZZ_ORACLES[i] : "other";
}

static void text(FILE *f, const char *s)
{
	matrix_html_put(f, s);
}

/* A member shown as a block: a string as is, anything else as indented JSON. */
static void block(FILE *f, const char *title, const struct fuzz_json *v)
{
	if (!v || v->type == FUZZ_JSON_NULL || (v->type == FUZZ_JSON_STRING && !*v->text))
		return;
	if (*title)
		fprintf(f, "<h3>%s</h3>\n", title);
	fputs("<pre>", f);
	if (v->type == FUZZ_JSON_STRING) {
		text(f, v->text);
	} else {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		if (m) {
			fuzz_json_write(m, v, true);
			fclose(m);
			text(f, buf);
		}
		free(buf);
	}
	fputs("</pre>\n", f);
}

static void row(FILE *f, const struct fuzz_json *x, bool is_new)
{
	const char *sig = fuzz_json_str(x, "signature", "");
	const char *oracle = fuzz_json_str(x, "oracle", "?");
	fprintf(f, "<tr class=\"o-%s\"><td><a href=\"#f-", oracle_css(oracle));
	text(f, sig);
	fputs("\">", f);
	text(f, oracle);
	fputs("</a></td>", f);
	static const char *const cols[] = {"target", "state", "class", "reply_class", "rule"};
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		fputs("<td>", f);
		text(f, fuzz_json_str(x, cols[i], ""));
		fputs("</td>", f);
	}
	fputs("<td class=\"mono\"><a href=\"#f-", f);
	text(f, sig);
	fputs("\">", f);
	text(f, sig);
	fprintf(f, "</a></td><td class=\"%s\">%s%s</td></tr>\n", is_new ? "new" : "known",
		is_new ? "new" : "known", fuzz_report_processed(x) ? "" : ", not processed");
}

static void link_to(FILE *f, const struct page *p, const char *path, const char *label)
{
	fputs("<a href=\"", f);
	matrix_link_put(f, &p->dir, path);
	fputs("\">", f);
	text(f, label);
	fputs("</a> ", f);
}

/* Whether the emitted test did what it must when the core ran it (test_verified,
 * test_results): not PASS on the offending target, PASS on the others. */
static void verification(FILE *f, const struct fuzz_json *x)
{
	const struct fuzz_json *v = fuzz_json_get(x, "test_verified");
	const struct fuzz_json *r = fuzz_json_get(x, "test_results");
	if (!v && !r)
		return;
	bool ok = v && v->type == FUZZ_JSON_BOOL && v->b;
	fprintf(f, "<h3>test.lua</h3>\n<div class=\"%s\">%s</div>\n<ul>\n",
		ok ? "verified" : "unverified", ok ? "verified: it fails on the offending target "
		"and passes on the others" : "not verified: it did not do what it must on every "
		"target (see below)");
	for (size_t i = 0; r && r->type == FUZZ_JSON_OBJECT && i < r->n; i++) {
		fputs("<li>", f);
		text(f, r->kids[i].key);
		fputs(": <code>", f);
		text(f, fuzz_json_str(&r->kids[i], "verdict", "?"));
		fputs("</code> ", f);
		text(f, fuzz_json_str(&r->kids[i], "message", ""));
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

static void panel(FILE *f, const struct page *p, const struct fuzz_json *x, bool is_new)
{
	const char *sig = fuzz_json_str(x, "signature", "");
	fputs("<section class=\"finding\" id=\"f-", f);
	text(f, sig);
	fputs("\"><a class=\"close\" href=\"#\">close</a>\n<h2 class=\"mono\">", f);
	text(f, sig);
	fprintf(f, "</h2>\n<p><span class=\"o-%s\">", oracle_css(fuzz_json_str(x, "oracle", "")));
	text(f, fuzz_json_str(x, "oracle", "?"));
	fputs("</span> on <strong>", f);
	text(f, fuzz_json_str(x, "target", "?"));
	fputs("</strong> in ", f);
	text(f, fuzz_json_str(x, "state", "?"));
	fputs(", ", f);
	text(f, fuzz_json_str(x, "class", "?"));
	fputs(" &rarr; ", f);
	text(f, fuzz_json_str(x, "reply_class", "?"));
	fprintf(f, " (%s; ", is_new ? "new" : "known");
	text(f, fuzz_json_str(x, "steps", "?"));
	fputs(fuzz_report_processed(x) ? " steps after the prefix, minimised)</p>\n" :
	      " steps after the prefix, as found: not processed -- found after the findings' "
	      "share of the time was spent, so not confirmed or minimised, no pcaps, its test "
	      "not run)</p>\n", f);
	const char *rule = fuzz_json_str(x, "rule", ""), *rfc = fuzz_json_str(x, "rfc", "");
	if (*rule || *rfc) {
		fputs("<h3>rule</h3>\n<div><code>", f);
		text(f, rule);
		fputs("</code> (RFC ", f);
		text(f, rfc);
		fputs(")</div>\n", f);
		const char *sentence = fuzz_json_str(x, "sentence", "");
		if (*sentence) {
			fputs("<blockquote>", f);
			text(f, sentence);
			fputs("</blockquote>\n", f);
		}
	}
	block(f, "expected", fuzz_json_get(x, "expected"));
	const struct fuzz_json *out = fuzz_json_get(x, "outputs");
	for (size_t i = 0; out && out->type == FUZZ_JSON_OBJECT && i < out->n; i++) {
		fputs("<h3>output of ", f);
		text(f, out->kids[i].key);
		fputs("</h3>\n", f);
		if (out->kids[i].type == FUZZ_JSON_STRING) {
			fputs("<pre>", f);
			text(f, out->kids[i].text);
			fputs("</pre>\n", f);
		} else {
			block(f, "", &out->kids[i]);
		}
	}
	block(f, "last words", fuzz_json_get(x, "last_words"));
	verification(f, x);
	block(f, "minimised case", fuzz_json_get(x, "minimised"));
	block(f, "case", fuzz_json_get(x, "case"));
	block(f, "detail", fuzz_json_get(x, "detail"));
	fputs("<h3>files</h3>\n<div>", f);
	char path[4400];
	snprintf(path, sizeof(path), "%s/findings/%s/test.lua", fuzz_store_dir(p->s), sig);
	link_to(f, p, path, "test.lua");
	snprintf(path, sizeof(path), "%s/findings/%s/minimised.json", fuzz_store_dir(p->s), sig);
	link_to(f, p, path, "minimised.json");
	const struct fuzz_json *pcaps = fuzz_json_get(x, "pcaps");
	for (size_t i = 0; pcaps && pcaps->type == FUZZ_JSON_OBJECT && i < pcaps->n; i++) {
		if (!pcaps->kids[i].text)
			continue;
		char label[300];
		snprintf(label, sizeof(label), "pcap of %s", pcaps->kids[i].key);
		link_to(f, p, pcaps->kids[i].text, label);
	}
	fputs("</div>\n</section>\n", f);
}

static int fill_html(FILE *f, const void *ctx)
{
	const struct page *p = ctx;
	const struct fuzz_totals *t = p->t;
	size_t n = fuzz_store_count(p->s);
	long by[5];
	fuzz_report_by_oracle(p->s, by);
	matrix_page_begin(f, "tcpconform fuzz", STYLE);
	fputs("<p>", f);
	for (int i = 0; i < t->ntargets; i++) {
		fputs(i ? ", " : "targets ", f);
		fputs("<strong>", f);
		text(f, t->targets[i]);
		fputs("</strong>", f);
	}
	fprintf(f, "; %.0f cases in %.0f s (%.0f/s), corpus %.0f, coverage %.0f; seed %llu, shard "
		"%d/%d. %zu finding%s (%zu new, %ld not processed), %zu suppressed by declared "
		"deviations.%s</p>\n</header>\n<main>\n", t->cases, t->seconds, t->seconds > 0 ?
		t->cases / t->seconds : 0.0, t->corpus, t->coverage, t->seed, t->shard_k, t->shard_n,
		n, n == 1 ? "" : "s", fuzz_store_new_count(p->s), fuzz_report_unprocessed(p->s),
		fuzz_store_suppressed_count(p->s),
		t->interrupted ? " Interrupted." : "");
	fputs("<h2>by oracle</h2>\n<table id=\"oracles\"><thead><tr>", f);
	for (int o = 0; o < FUZZ_NORACLES; o++)
		fprintf(f, "<th>%s</th>", FUZZ_ORACLES[o]);
	fputs("</tr></thead><tbody><tr>", f);
	for (int o = 0; o < FUZZ_NORACLES; o++)
		fprintf(f, "<td class=\"%s%s\">%ld</td>", by[o] ? "o-" : "none",
			by[o] ? FUZZ_ORACLES[o] : "", by[o]);
	fputs("</tr></tbody></table>\n<h2>findings</h2>\n", f);
	if (n == 0) {
		fputs("<p class=\"none\">No finding.</p>\n", f);
	} else {
		fputs("<table id=\"findings\"><thead><tr><th>oracle</th><th>target</th><th>state</th>"
		      "<th>event class</th><th>reply class</th><th>rule</th><th>signature</th>"
		      "<th>status</th></tr></thead><tbody>\n", f);
		for (size_t i = 0; i < n; i++) {
			bool is_new;
			const struct fuzz_json *x = fuzz_store_get(p->s, i, &is_new);
			row(f, x, is_new);
		}
		fputs("</tbody></table>\n<p>Click a row for its case, the outputs and the test.</p>\n", f);
	}
	for (size_t i = 0; i < n; i++) {
		bool is_new;
		const struct fuzz_json *x = fuzz_store_get(p->s, i, &is_new);
		panel(f, p, x, is_new);
	}
	for (int k = 0; k < t->ntroubles; k++) {
		fputs("<p class=\"o-liveness\">trouble: ", f);
		text(f, t->troubles[k]);
		fputs("</p>\n", f);
	}
	fputs("</main>\n</body>\n</html>\n", f);
	return ferror(f);
}

int fuzz_report_write_html(const struct fuzz_store *s, const struct fuzz_totals *t,
			   const char *path, char *err, size_t errlen)
{
	struct page p = {.s = s, .t = t};
	matrix_outdir_init(&p.dir, path);
	int rc = atomic_file_write(path, fill_html, &p, "fuzz page", err, errlen);
	matrix_outdir_release(&p.dir);
	return rc;
}
