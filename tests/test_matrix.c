/* test_matrix.c - the behaviour-by-target matrix: model, Markdown, HTML.
 *
 * The matrices here are built from hostile strings (markup, quotes, pipes, line breaks,
 * control bytes, invalid and valid UTF-8) because test names, messages and target names
 * come from scripts and from stacks that misbehave. Every rendered HTML page is also
 * parsed by python3's html.parser with a strict-ish checker (balanced tags, no script or
 * external resource, the same number of cells in every row) when /usr/bin/python3 or a
 * python3 on PATH exists.
 *
 * With TCPCONFORM_MATRIX_EXAMPLE=<path> set, one test also writes a realistic example
 * page to <path>; tests/selftest_matrix_render.sh renders it in headless Chromium.
 * Every temporary file is removed, also when a check fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "matrix.h"

/* ---- fixture: a temporary directory ------------------------------------------------ */

struct fixture {
	char dir[64];
	char html[128];
	char md[128];
};

static int setup_dir(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/test_matrix.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->html, sizeof(fx->html), "%s/matrix.html", fx->dir);
	snprintf(fx->md, sizeof(fx->md), "%s/matrix.md", fx->dir);
	*state = fx;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown_dir(void **state)
{
	struct fixture *fx = *state;
	nftw(fx->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* ---- helpers ----------------------------------------------------------------------- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(f);
	fclose(mem);
	return buf;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected output to contain\n  %s\ngot\n%.6000s", needle, hay);
}

static void assert_starts_with(const char *hay, const char *prefix)
{
	if (strncmp(hay, prefix, strlen(prefix)) != 0)
		fail_msg("expected output to start with\n  %s\ngot\n%.2000s", prefix, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("expected output NOT to contain\n  %s\ngot\n%.6000s", needle, hay);
}

static void assert_lacks_nocase(const char *hay, const char *needle)
{
	if (strcasestr(hay, needle))
		fail_msg("expected output NOT to contain (any case)\n  %s\ngot\n%.6000s", needle,
			 hay);
}

static size_t offset_of(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);
	if (!p)
		fail_msg("expected output to contain\n  %s\ngot\n%.6000s", needle, hay);
	return (size_t)(p - hay);
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The <tr ...> ... </tr> of the HTML table row whose ID cell starts with id (malloc'd). */
static char *html_row_of(const char *html, const char *id)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "<td class=\"id\">%s", id);
	const char *cell = strstr(html, needle);
	if (!cell)
		fail_msg("no table row with ID %s", id);
	const char *start = cell;
	while (start > html && strncmp(start, "<tr", 3) != 0)
		start--;
	const char *end = strstr(cell, "</tr>");
	assert_non_null(end);
	return strndup(start, (size_t)(end - start));
}

/* The Markdown line starting with prefix (malloc'd). */
static char *md_line_of(const char *md, const char *prefix)
{
	const char *p = md;
	size_t pl = strlen(prefix);
	while (p && *p) {
		if (strncmp(p, prefix, pl) == 0) {
			const char *e = strchr(p, '\n');
			return strndup(p, e ? (size_t)(e - p) : strlen(p));
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	fail_msg("no Markdown line starting with %s in\n%s", prefix, md);
	return NULL;
}

/* Cell separators of a GFM table line: '|' not escaped by an odd run of backslashes. */
static int md_separators(const char *line)
{
	int n = 0;
	for (const char *p = line; *p; p++) {
		if (*p != '|')
			continue;
		int bs = 0;
		for (const char *q = p; q > line && q[-1] == '\\'; q--)
			bs++;
		n += bs % 2 == 0;
	}
	return n;
}

/* ---- the hostile matrix ------------------------------------------------------------ */

#define HOSTILE_TITLE "tcpconform <script>alert(\"t\")</script> & 'co'"
#define HOSTILE_NAME "RST for \"closed\" port | a|b\nnext <script>x</script> ünïcödé ✓ 🙂"
#define HOSTILE_MSG "expected R. 0:0(0) ack 1 'q' \"dq\" <img src=x onerror=alert(1)> a|b\nline2"

static const char *const TARGETS[] = { "linux", "lwip|2.1", "evil<script>t</script>" };

/* Five rows, suites interleaved (rst, handshake, rst, handshake, rst):
 *   A1 rst        pass / FAIL (pcap) / pass            -> targets disagree
 *   A2 handshake  pass / pass / pass                   -> all pass
 *   A3 rst        pass / deviation / skipped           -> targets disagree
 *   A4 handshake  ERROR / FAIL / not run                -> no pass: no disagreement
 *   A5 rst        pass / ERROR / pass                  -> an ERROR is no disagreement */
static struct matrix *hostile_matrix(const char *dir)
{
	struct matrix *m = matrix_new(HOSTILE_TITLE, TARGETS, 3);
	assert_non_null(m);
	char pcap[256];
	const char *rst = "scripts/rst/<b>closed</b>";
	const char *hs = "scripts/handshake/synack";
	assert_int_equal(matrix_add_row(m, "A1", "9293 3.10.7.1 | x", rst, HOSTILE_NAME), 0);
	assert_int_equal(matrix_add_row(m, "A2", "9293 3.5", hs, "SYN-ACK carries MSS"), 1);
	assert_int_equal(matrix_add_row(m, "A3", "5961 3.2", rst, "challenge ACK"), 2);
	assert_int_equal(matrix_add_row(m, "A4", "9293 3.5", hs, "simultaneous open"), 3);
	assert_int_equal(matrix_add_row(m, "A5", "793", rst, "bad \xff byte \x01 ctl"), 4);

	snprintf(pcap, sizeof(pcap), "%s/pcap/A1 lwip#1.pcap", dir);
	assert_int_equal(matrix_set(m, 0, 0, MATRIX_PASS, NULL, "/elsewhere/a1-linux.pcap"), 0);
	assert_int_equal(matrix_set(m, 0, 1, MATRIX_FAIL, HOSTILE_MSG, pcap), 0);
	assert_int_equal(matrix_set(m, 0, 2, MATRIX_PASS, NULL, NULL), 0);
	for (int t = 0; t < 3; t++)
		assert_int_equal(matrix_set(m, 1, t, MATRIX_PASS, NULL, "/x/pass.pcap"), 0);
	assert_int_equal(matrix_set(m, 2, 0, MATRIX_PASS, NULL, NULL), 0);
	assert_int_equal(matrix_set(m, 2, 1, MATRIX_DEVIATION, "no challenge ACK (RFC 5961 not implemented)", NULL), 0);
	assert_int_equal(matrix_set(m, 2, 2, MATRIX_SKIP, "no IPv6", NULL), 0);
	assert_int_equal(matrix_set(m, 3, 0, MATRIX_ERROR, "agent: connection refused", "/abs/err.pcap"), 0);
	assert_int_equal(matrix_set(m, 3, 1, MATRIX_FAIL, "no SYN-ACK", NULL), 0);
	/* A4 on target 2 stays "not run". */
	assert_int_equal(matrix_set(m, 4, 0, MATRIX_PASS, NULL, NULL), 0);
	assert_int_equal(matrix_set(m, 4, 1, MATRIX_ERROR, "script error \x02 \xc3(", NULL), 0);
	assert_int_equal(matrix_set(m, 4, 2, MATRIX_PASS, NULL, NULL), 0);
	return m;
}

static char *write_html(const struct matrix *m, const char *path)
{
	char err[512];
	if (matrix_write_html(m, path, err, sizeof(err)) != 0)
		fail_msg("matrix_write_html: %s", err);
	return slurp(path);
}

static char *write_md(const struct matrix *m, const char *path)
{
	char err[512];
	if (matrix_write_markdown(m, path, err, sizeof(err)) != 0)
		fail_msg("matrix_write_markdown: %s", err);
	return slurp(path);
}

/* ---- python3 html.parser as a strict-ish validator --------------------------------- */

static const char VALIDATOR[] =
	"import sys\n"
	"from html.parser import HTMLParser\n"
	"VOID = {'area','base','br','col','embed','hr','img','input','link','meta','source','track','wbr'}\n"
	"BANNED = {'script','iframe','object','embed','link','img','base','frame','frameset','applet'}\n"
	"class V(HTMLParser):\n"
	"    def __init__(s, cells):\n"
	"        super().__init__(convert_charrefs=True)\n"
	"        s.cells, s.stack, s.err = cells, [], []\n"
	"        s.doctype = s.charset = s.lang = s.title = False\n"
	"        s.in_matrix, s.row, s.rows, s.in_style, s.style = False, 0, 0, False, ''\n"
	"    def e(s, m): s.err.append('line %d: %s' % (s.getpos()[0], m))\n"
	"    def handle_decl(s, d):\n"
	"        s.doctype = s.doctype or d.strip().lower() == 'doctype html'\n"
	"    def handle_startendtag(s, tag, attrs):\n"
	"        if tag not in VOID: s.e('self-closing non-void <%s/>' % tag)\n"
	"        s.handle_starttag(tag, attrs)\n"
	"    def handle_starttag(s, tag, attrs):\n"
	"        a = dict(attrs)\n"
	"        if tag in BANNED: s.e('forbidden element <%s>' % tag)\n"
	"        for k, v in attrs:\n"
	"            if k.startswith('on'): s.e('event handler %s' % k)\n"
	"            if k in ('src', 'srcset', 'background', 'style', 'action', 'formaction'): s.e('attribute %s' % k)\n"
	"            if k == 'href' and v is not None and (v.startswith('//') or ':' in v.split('/')[0]): s.e('href with a scheme or host: %r' % v)\n"
	"        if tag == 'html': s.lang = bool(a.get('lang'))\n"
	"        if tag == 'meta' and (a.get('charset') or '').lower() == 'utf-8': s.charset = True\n"
	"        if tag == 'title': s.title = True\n"
	"        if tag == 'style': s.in_style = True\n"
	"        if tag == 'table' and 'matrix' in (a.get('class') or '').split(): s.in_matrix = True\n"
	"        if tag == 'tr': s.row = 0\n"
	"        if tag in ('td', 'th') and s.in_matrix: s.row += int(a.get('colspan') or 1)\n"
	"        if tag not in VOID: s.stack.append(tag)\n"
	"    def handle_endtag(s, tag):\n"
	"        if not s.stack or s.stack[-1] != tag:\n"
	"            s.e('unexpected </%s>, open: %s' % (tag, '/'.join(s.stack[-4:])))\n"
	"            return\n"
	"        s.stack.pop()\n"
	"        if tag == 'style': s.in_style = False\n"
	"        if tag == 'table': s.in_matrix = False\n"
	"        if tag == 'tr' and s.in_matrix:\n"
	"            s.rows += 1\n"
	"            if s.row != s.cells: s.e('row with %d cells, expected %d' % (s.row, s.cells))\n"
	"    def handle_data(s, d):\n"
	"        if s.in_style: s.style += d\n"
	"v = V(int(sys.argv[2]))\n"
	"v.feed(open(sys.argv[1], encoding='utf-8', errors='strict').read())\n"
	"v.close()\n"
	"if v.stack: v.e('unclosed: %s' % '/'.join(v.stack))\n"
	"for ok, what in ((v.doctype, '<!DOCTYPE html>'), (v.lang, '<html lang>'), (v.charset, 'meta charset utf-8'), (v.title, '<title>'), (v.rows > 0, 'matrix rows')):\n"
	"    if not ok: v.e('missing ' + what)\n"
	"for bad in ('url(', '@import', 'http:', 'https:'):\n"
	"    if bad in v.style: v.e('external resource in <style>: ' + bad)\n"
	"print('\\n'.join(v.err) if v.err else 'ok %d rows' % v.rows)\n"
	"sys.exit(1 if v.err else 0)\n";

static const char *find_python(void)
{
	static const char *const candidates[] = { "/usr/bin/python3", "/usr/local/bin/python3" };
	for (size_t i = 0; i < sizeof(candidates) / sizeof(*candidates); i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

/* Runs the validator on path; cells = cells per row of the matrix table. Returns its
 * output (malloc'd) and exit status. tests/setup-debian.sh installs python3 (with
 * python3-junitparser): without it the HTML checks would pass unseen, so that fails. */
static char *validate_html(const char *path, int cells, int *status)
{
	const char *py = find_python();
	if (!py)
		fail_msg("no python3 at /usr/bin or /usr/local/bin: the HTML cannot be validated");
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	char ncells[16];
	snprintf(ncells, sizeof(ncells), "%d", cells);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execl(py, py, "-c", VALIDATOR, path, ncells, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	char chunk[4096];
	ssize_t n;
	while ((n = read(fds[0], chunk, sizeof(chunk))) > 0)
		fwrite(chunk, 1, (size_t)n, mem);
	fclose(mem);
	close(fds[0]);
	int ws;
	waitpid(pid, &ws, 0);
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	return out;
}

static void assert_valid_html(const char *path, int cells)
{
	int status = 0;
	char *out = validate_html(path, cells, &status);
	assert_non_null(out);
	if (status != 0)
		fail_msg("html.parser validation of %s failed (%d):\n%s", path, status, out);
	free(out);
}

/* ---- the model --------------------------------------------------------------------- */

static void a_matrix_needs_at_least_one_named_target(void **state)
{
	const char *const empty[] = { "linux", "" };
	const char *const null[] = { "linux", NULL };
	assert_null(matrix_new("t", NULL, 1));
	assert_null(matrix_new("t", TARGETS, 0));
	assert_null(matrix_new("t", TARGETS, -1));
	assert_null(matrix_new("t", empty, 2));
	assert_null(matrix_new("t", null, 2));
	struct matrix *m = matrix_new(NULL, TARGETS, 1);
	assert_non_null(m);
	matrix_free(m);
	matrix_free(NULL);
}

static void rows_get_consecutive_indices_and_keep_many(void **state)
{
	struct matrix *m = matrix_new("t", TARGETS, 2);
	assert_non_null(m);
	for (int i = 0; i < 1000; i++) {
		char id[16];
		snprintf(id, sizeof(id), "B%d", i);
		assert_int_equal(matrix_add_row(m, id, NULL, NULL, NULL), i);
		assert_int_equal(matrix_set(m, i, i % 2, MATRIX_PASS, "m", "p.pcap"), 0);
	}
	assert_int_equal(matrix_add_row(NULL, "x", "y", "z", "w"), -1);
	matrix_free(m);
}

static void set_rejects_a_cell_outside_the_matrix_or_an_unknown_verdict(void **state)
{
	struct matrix *m = matrix_new("t", TARGETS, 2);
	assert_int_equal(matrix_add_row(m, "A1", "793", "s", "n"), 0);
	assert_int_equal(matrix_set(m, 1, 0, MATRIX_PASS, NULL, NULL), -1);
	assert_int_equal(matrix_set(m, -1, 0, MATRIX_PASS, NULL, NULL), -1);
	assert_int_equal(matrix_set(m, 0, 2, MATRIX_PASS, NULL, NULL), -1);
	assert_int_equal(matrix_set(m, 0, -1, MATRIX_PASS, NULL, NULL), -1);
	assert_int_equal(matrix_set(m, 0, 0, (enum matrix_verdict)6, NULL, NULL), -1);
	assert_int_equal(matrix_set(m, 0, 0, (enum matrix_verdict)-1, NULL, NULL), -1);
	assert_int_equal(matrix_set(NULL, 0, 0, MATRIX_PASS, NULL, NULL), -1);
	assert_int_equal(matrix_set(m, 0, 0, MATRIX_PASS, NULL, NULL), 0);
	matrix_free(m);
}

static void the_matrix_owns_copies_and_the_last_set_of_a_cell_wins(void **state)
{
	struct fixture *fx = *state;
	char title[] = "title", target[] = "linux", msg[] = "first message";
	const char *const targets[] = { target };
	struct matrix *m = matrix_new(title, targets, 1);
	char id[] = "A9";
	assert_int_equal(matrix_add_row(m, id, "793", "s", "n"), 0);
	assert_int_equal(matrix_set(m, 0, 0, MATRIX_FAIL, msg, "p1.pcap"), 0);
	assert_int_equal(matrix_set(m, 0, 0, MATRIX_FAIL, "second message", "p2.pcap"), 0);
	memset(title, 'X', 5);
	memset(target, 'X', 5);
	memset(id, 'X', 2);
	memset(msg, 'X', 5);
	char *html = write_html(m, fx->html);
	assert_contains(html, "<h1>title</h1>");
	assert_contains(html, ">linux</th>");
	assert_contains(html, "<td class=\"id\">A9");
	assert_contains(html, "second message");
	assert_contains(html, "href=\"p2.pcap\"");
	assert_lacks(html, "first message");
	assert_lacks(html, "p1.pcap");
	free(html);
	matrix_free(m);
}

/* ---- Markdown ---------------------------------------------------------------------- */

static void markdown_has_title_legend_and_a_table_with_one_column_per_target(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = hostile_matrix(fx->dir);
	char *md = write_md(m, fx->md);
	assert_starts_with(md, "# tcpconform &lt;script&gt;alert(\"t\")&lt;/script&gt; &amp; 'co'\n\n");
	assert_contains(md, "Legend: **pass**");
	assert_contains(md, "**FAIL**");
	assert_contains(md, "**deviation**");
	assert_contains(md, "| ID | RFC | Test | linux | lwip\\|2.1 | evil&lt;script&gt;t&lt;/script&gt; |\n"
			    "|---|---|---|:---:|:---:|:---:|\n");
	free(md);
	matrix_free(m);
}

static void markdown_escapes_pipes_and_line_breaks_so_every_row_keeps_its_cells(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = hostile_matrix(fx->dir);
	char *md = write_md(m, fx->md);
	char *a1 = md_line_of(md, "| A1 |");
	assert_contains(a1, "| 9293 3.10.7.1 \\| x |");
	assert_contains(a1, "RST for \"closed\" port \\| a\\|b next &lt;script&gt;x&lt;/script&gt; "
			    "ünïcödé ✓ 🙂");
	free(a1);
	/* Every table line (header, delimiter, rows, total) has 3 + 3 cells = 7 separators. */
	int lines = 0;
	for (const char *p = strstr(md, "\n| ID |") + 1; p && *p == '|';) {
		const char *e = strchr(p, '\n');
		char *line = strndup(p, (size_t)(e - p));
		if (md_separators(line) != 7)
			fail_msg("table line with %d separators: %s", md_separators(line), line);
		free(line);
		lines++;
		p = e + 1;
	}
	assert_int_equal(lines, 2 + 5 + 1);
	assert_lacks(md, "<"); /* not one raw markup character from the input */
	free(md);
	matrix_free(m);
}

static void markdown_cells_say_the_verdict_and_link_the_pcap_of_what_went_wrong(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = hostile_matrix(fx->dir);
	char *md = write_md(m, fx->md);
	char *a1 = md_line_of(md, "| A1 |");
	assert_contains(a1, "**\u2260** | pass | FAIL [pcap](pcap/A1%20lwip%231.pcap) | pass |");
	free(a1);
	char *a2 = md_line_of(md, "| A2 |");
	assert_contains(a2, "| pass | pass | pass |");
	assert_lacks(a2, "pcap");
	assert_lacks(a2, "\u2260");
	free(a2);
	char *a3 = md_line_of(md, "| A3 |");
	assert_contains(a3, "**\u2260** | pass | deviation | skipped |");
	free(a3);
	char *a4 = md_line_of(md, "| A4 |");
	assert_contains(a4, "| ERROR [pcap](/abs/err.pcap) | FAIL | - |");
	assert_lacks(a4, "\u2260");
	free(a4);
	char *a5 = md_line_of(md, "| A5 |");
	assert_contains(a5, "bad \\xff byte \\x01 ctl |");
	assert_contains(a5, "| pass | ERROR | pass |");
	assert_lacks(a5, "\u2260");
	free(a5);
	free(md);
	matrix_free(m);
}

static void markdown_counts_each_verdict_per_target(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = hostile_matrix(fx->dir);
	char *md = write_md(m, fx->md);
	assert_contains(md, "- **linux**: 4 pass, 0 FAIL, 1 ERROR, 0 deviation, 0 skipped, 0 not run\n");
	assert_contains(md, "- **lwip\\|2.1**: 1 pass, 2 FAIL, 1 ERROR, 1 deviation, 0 skipped, 0 not run\n");
	assert_contains(md, "- **evil&lt;script&gt;t&lt;/script&gt;**: 3 pass, 0 FAIL, 0 ERROR, 0 deviation, 1 skipped, 1 not run\n");
	assert_contains(md, "- rows where targets disagree: 2 of 5\n");
	assert_contains(md, "| | | **total** | 4 pass, 1 ERROR | 1 pass, 2 FAIL, 1 ERROR, 1 deviation | "
			    "3 pass, 1 skipped, 1 not run |\n");
	free(md);
	matrix_free(m);
}

/* ---- HTML -------------------------------------------------------------------------- */

static void html_is_one_self_contained_html5_document(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = hostile_matrix(fx->dir);
	char *html = write_html(m, fx->html);
	assert_starts_with(html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">");
	assert_contains(html, "<style>");
	assert_lacks_nocase(html, "<script");
	assert_lacks_nocase(html, "<link");
	assert_lacks_nocase(html, "url(");
	assert_lacks_nocase(html, "http:");
	assert_lacks_nocase(html, "https:");
	assert_contains(html, "position:sticky");
	assert_true(strstr(html, "</html>\n") == html + strlen(html) - 8);
	assert_valid_html(fx->html, 3 + 3);
	free(html);
	matrix_free(m);
}

static void html_escapes_every_string_it_is_given(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = hostile_matrix(fx->dir);
	char *html = write_html(m, fx->html);
	assert_contains(html, "<h1>tcpconform &lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; "
			      "&amp; &#39;co&#39;</h1>");
	assert_contains(html, ">evil&lt;script&gt;t&lt;/script&gt;</th>");
	assert_contains(html, ">lwip|2.1</th>");
	assert_contains(html, "scripts/rst/&lt;b&gt;closed&lt;/b&gt;</th>");
	assert_contains(html, "RST for &quot;closed&quot; port | a|b\nnext &lt;script&gt;x&lt;/script&gt; "
			      "ünïcödé ✓ 🙂");
	assert_contains(html, " title=\"expected R. 0:0(0) ack 1 &#39;q&#39; &quot;dq&quot; "
			      "&lt;img src=x onerror=alert(1)&gt; a|b\nline2\"");
	assert_contains(html, "bad \\xff byte \\x01 ctl");
	assert_contains(html, "script error \\x02 \\xc3(");
	assert_lacks_nocase(html, "<img");
	assert_lacks_nocase(html, "<b>");
	free(html);
	matrix_free(m);
}

static void html_cells_carry_a_symbol_and_word_besides_the_colour(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = hostile_matrix(fx->dir);
	char *html = write_html(m, fx->html);
	char *a4 = html_row_of(html, "A4");
	assert_contains(a4, "<td class=\"c v-error\" title=\"agent: connection refused\">"
			    "<span class=\"v\">! ERROR</span><a class=\"pcap\" href=\"/abs/err.pcap\">pcap</a>"
			    "<span class=\"msg\">agent: connection refused</span></td>");
	assert_contains(a4, "<td class=\"c v-fail\" title=\"no SYN-ACK\"><span class=\"v\">\u2717 FAIL</span>");
	assert_contains(a4, "<td class=\"c v-notrun\"><span class=\"v\">\u25cb not run</span></td>");
	free(a4);
	char *a3 = html_row_of(html, "A3");
	assert_contains(a3, "<span class=\"v\">\u2713 pass</span>");
	assert_contains(a3, "<span class=\"v\">~ deviation</span><span class=\"msg\">no challenge ACK");
	assert_contains(a3, "<span class=\"v\">\u2013 skipped</span><span class=\"msg\">no IPv6</span>");
	free(a3);
	free(html);
	matrix_free(m);
}

static void html_marks_rows_where_one_target_passes_and_another_fails_or_deviates(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = hostile_matrix(fx->dir);
	char *html = write_html(m, fx->html);
	assert_int_equal(count_of(html, "<tr class=\"row disagree\""), 2);
	const char *disagree[] = { "A1", "A3" }, *agree[] = { "A2", "A4", "A5" };
	for (int i = 0; i < 2; i++) {
		char *row = html_row_of(html, disagree[i]);
		assert_contains(row, "<tr class=\"row disagree\" id=\"r");
		assert_contains(row, "<span class=\"mark\" title=\"targets disagree\">\u2260</span>");
		free(row);
	}
	for (int i = 0; i < 3; i++) {
		char *row = html_row_of(html, agree[i]);
		assert_lacks(row, "disagree");
		free(row);
	}
	char *a2 = html_row_of(html, "A2");
	assert_contains(a2, "<tr class=\"row allpass\" id=\"r1\">");
	free(a2);
	assert_contains(html, "<strong>2 rows where targets disagree</strong>");
	free(html);
	matrix_free(m);
}

static void html_links_the_passing_pcap_only_where_targets_disagree(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = hostile_matrix(fx->dir);
	char *html = write_html(m, fx->html);
	char *a1 = html_row_of(html, "A1");
	assert_contains(a1, "href=\"/elsewhere/a1-linux.pcap\"");
	assert_contains(a1, "href=\"pcap/A1%20lwip%231.pcap\"");
	free(a1);
	char *a2 = html_row_of(html, "A2");
	assert_lacks(a2, "href=");
	free(a2);
	free(html);
	matrix_free(m);
}

static void html_groups_rows_by_suite_in_order_of_first_appearance(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = hostile_matrix(fx->dir);
	char *html = write_html(m, fx->html);
	size_t rst = offset_of(html, "<tr class=\"suite\"><th colspan=\"6\" scope=\"colgroup\">"
				     "scripts/rst/&lt;b&gt;closed&lt;/b&gt;</th></tr>");
	size_t hs = offset_of(html, "<tr class=\"suite\"><th colspan=\"6\" scope=\"colgroup\">"
				    "scripts/handshake/synack</th></tr>");
	size_t a1 = offset_of(html, "<td class=\"id\">A1"), a2 = offset_of(html, "<td class=\"id\">A2");
	size_t a3 = offset_of(html, "<td class=\"id\">A3"), a4 = offset_of(html, "<td class=\"id\">A4");
	size_t a5 = offset_of(html, "<td class=\"id\">A5");
	assert_true(rst < a1 && a1 < a3 && a3 < a5 && a5 < hs && hs < a2 && a2 < a4);
	assert_int_equal(count_of(html, "<tr class=\"suite\">"), 2);
	assert_int_equal(count_of(html, "<tbody class=\"allpass\">"), 0);
	free(html);
	matrix_free(m);
}

static void html_summary_counts_each_verdict_per_target(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = hostile_matrix(fx->dir);
	char *html = write_html(m, fx->html);
	assert_contains(html, "<tr><th scope=\"row\">linux</th><td>4</td><td class=\"zero\">0</td>"
			      "<td>1</td><td class=\"zero\">0</td><td class=\"zero\">0</td>"
			      "<td class=\"zero\">0</td></tr>");
	assert_contains(html, "<tr><th scope=\"row\">lwip|2.1</th><td>1</td><td>2</td><td>1</td>"
			      "<td>1</td><td class=\"zero\">0</td><td class=\"zero\">0</td></tr>");
	assert_contains(html, "<tr><th scope=\"row\">evil&lt;script&gt;t&lt;/script&gt;</th><td>3</td>"
			      "<td class=\"zero\">0</td><td class=\"zero\">0</td><td class=\"zero\">0</td>"
			      "<td>1</td><td>1</td></tr>");
	assert_contains(html, "5 tests \u00d7 3 targets");
	free(html);
	matrix_free(m);
}

static void html_folds_a_long_message_into_details_without_splitting_a_character(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = matrix_new("t", TARGETS, 1);
	assert_int_equal(matrix_add_row(m, "A1", "793", "s", "n"), 0);
	/* 71 ASCII bytes then 'é' (2 bytes) straddling the 72-byte cut, then more. */
	char msg[400];
	memset(msg, 'a', 71);
	strcpy(msg + 71, "\u00e9");
	for (size_t i = strlen(msg); i < 300; i++)
		msg[i] = 'b';
	msg[300] = '\0';
	assert_int_equal(matrix_set(m, 0, 0, MATRIX_FAIL, msg, NULL), 0);
	char *html = write_html(m, fx->html);
	char expect[200];
	memset(expect, 'a', 71);
	strcpy(expect + 71, "\u2026</summary>");
	assert_contains(html, "<details><summary>");
	assert_contains(html, expect);
	assert_valid_html(fx->html, 4);
	free(html);
	matrix_free(m);
}

/* ---- links and files --------------------------------------------------------------- */

static void pcap_links_are_relative_to_the_output_directory_when_inside_it(void **state)
{
	struct fixture *fx = *state;
	char out[128], outside[128], up[160], real_pcap[160], link[128], via_link[160];
	snprintf(out, sizeof(out), "%s/out", fx->dir);
	snprintf(outside, sizeof(outside), "%s/outside/z.pcap", fx->dir);
	snprintf(up, sizeof(up), "%s/out/../out/./pcap//c.pcap", fx->dir);
	snprintf(real_pcap, sizeof(real_pcap), "%s/out/pcap/s.pcap", fx->dir);
	snprintf(link, sizeof(link), "%s/link", fx->dir);
	assert_int_equal(mkdir(out, 0755), 0);
	char pdir[160];
	snprintf(pdir, sizeof(pdir), "%s/pcap", out);
	assert_int_equal(mkdir(pdir, 0755), 0);
	fclose(fopen(real_pcap, "w"));
	assert_int_equal(symlink(out, link), 0);

	struct matrix *m = matrix_new("t", TARGETS, 1);
	const char *pcaps[] = { up, outside, "out/pcap/r (1).pcap", "javascript:alert(1)", real_pcap };
	for (int i = 0; i < 5; i++) {
		char id[8];
		snprintf(id, sizeof(id), "L%d", i);
		assert_int_equal(matrix_add_row(m, id, "793", "s", "n"), i);
		assert_int_equal(matrix_set(m, i, 0, MATRIX_FAIL, "x", pcaps[i]), 0);
	}
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(fx->dir), 0);
	char err[256];
	int rc = matrix_write_html(m, "out/m.html", err, sizeof(err));
	snprintf(via_link, sizeof(via_link), "%s/m.md", link);
	int rc2 = matrix_write_markdown(m, via_link, err, sizeof(err));
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(rc2, 0);

	char path[160];
	snprintf(path, sizeof(path), "%s/m.html", out);
	char *html = slurp(path);
	assert_contains(html, "href=\"pcap/c.pcap\"");
	char expect[200];
	snprintf(expect, sizeof(expect), "href=\"%s\"", outside);
	assert_contains(html, expect);
	assert_contains(html, "href=\"pcap/r%20%281%29.pcap\"");
	assert_contains(html, "href=\"javascript%3Aalert%281%29\"");
	assert_contains(html, "href=\"pcap/s.pcap\"");
	free(html);
	/* Written through a symbolic link to out/: the pcaps are still found inside, the
	 * one that exists and the one that does not (yet). */
	char *md = slurp(via_link);
	assert_contains(md, "[pcap](pcap/s.pcap)");
	assert_contains(md, "[pcap](pcap/c.pcap)");
	free(md);
	matrix_free(m);
}

static void a_sibling_directory_sharing_the_prefix_is_not_inside(void **state)
{
	struct fixture *fx = *state;
	char out[128], sibling[160];
	snprintf(out, sizeof(out), "%s/out", fx->dir);
	snprintf(sibling, sizeof(sibling), "%s/outer/x.pcap", fx->dir);
	assert_int_equal(mkdir(out, 0755), 0);
	struct matrix *m = matrix_new("t", TARGETS, 1);
	assert_int_equal(matrix_add_row(m, "A1", "793", "s", "n"), 0);
	assert_int_equal(matrix_set(m, 0, 0, MATRIX_FAIL, NULL, sibling), 0);
	char path[160];
	snprintf(path, sizeof(path), "%s/m.md", out);
	char *md = write_md(m, path);
	char expect[200];
	snprintf(expect, sizeof(expect), "[pcap](%s)", sibling);
	assert_contains(md, expect);
	free(md);
	matrix_free(m);
}

static void a_write_that_fails_names_the_file_and_leaves_nothing_behind(void **state)
{
	struct fixture *fx = *state;
	struct matrix *m = hostile_matrix(fx->dir);
	char path[160], err[256];
	snprintf(path, sizeof(path), "%s/missing/m.html", fx->dir);
	assert_int_equal(matrix_write_html(m, path, err, sizeof(err)), -1);
	assert_contains(err, path);
	assert_int_equal(matrix_write_markdown(m, path, err, sizeof(err)), -1);
	assert_contains(err, path);
	assert_int_equal(matrix_write_html(m, "", err, sizeof(err)), -1);
	assert_contains(err, "output path");
	assert_int_equal(matrix_write_html(NULL, fx->html, err, sizeof(err)), -1);
	assert_int_equal(matrix_write_html(m, NULL, NULL, 0), -1);
	matrix_free(m);
}

static void a_write_replaces_the_file_atomically_and_leaves_no_temporary(void **state)
{
	struct fixture *fx = *state;
	FILE *f = fopen(fx->html, "w");
	fputs("OLD CONTENT MARKER", f);
	fclose(f);
	struct matrix *m = hostile_matrix(fx->dir);
	char *html = write_html(m, fx->html);
	free(write_md(m, fx->md));
	assert_lacks(html, "OLD CONTENT MARKER");
	assert_starts_with(html, "<!DOCTYPE html>");
	struct stat st;
	assert_int_equal(stat(fx->html, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ls -A %s | grep -c tmp", fx->dir);
	FILE *ls = popen(cmd, "r");
	char line[32] = "";
	assert_non_null(fgets(line, sizeof(line), ls));
	pclose(ls);
	assert_string_equal(line, "0\n");
	free(html);
	matrix_free(m);
}

/* ---- the example page for the rendering self-test ---------------------------------- */

struct example_row {
	const char *id, *rfc, *suite, *name;
	enum matrix_verdict v[3];
	const char *msg[3];
};

#define P MATRIX_PASS
#define F MATRIX_FAIL
#define E MATRIX_ERROR
#define D MATRIX_DEVIATION
#define S MATRIX_SKIP
#define N MATRIX_NOT_RUN

static const struct example_row EXAMPLE[] = {
	{ "A1", "9293 3.10.7.1", "scripts/rst/closed_port", "SYN to a closed port gets RST/ACK",
	  { P, P, P }, { 0 } },
	{ "A2", "9293 3.10.7.1", "scripts/rst/closed_port", "ACK to a closed port gets RST seq=SEG.ACK",
	  { P, F, P }, { NULL, "expected R 0:0(0) within 0.2s; saw R. 0:0(0) ack 1 at +0.001s", NULL } },
	{ "A3", "5961 3.2", "scripts/rst/in_window", "in-window RST draws a challenge ACK",
	  { P, D, F }, { NULL, "RFC 5961 not implemented (lwIP 2.1)",
			 "expected . 1:1(0) ack 1 within 0.2s; saw nothing (connection reset)" } },
	{ "A4", "5961 3.2", "scripts/rst/in_window", "RST with seq=RCV.NXT resets",
	  { P, P, P }, { 0 } },
	{ "A5", "9293 3.10.7.4", "scripts/rst/in_window", "out-of-window RST is dropped silently",
	  { P, P, S }, { NULL, NULL, "needs SO_LINGER in the agent" } },
	{ "B1", "9293 3.5", "scripts/handshake/synack", "SYN-ACK carries our MSS",
	  { P, P, P }, { 0 } },
	{ "B2", "7323 3.2", "scripts/handshake/synack", "SYN-ACK echoes TSval in TSecr",
	  { P, P, E }, { NULL, NULL, "agent: listen(8080): connection refused by control channel "
				     "after 3 retries; the target process exited with status 134 "
				     "(SIGABRT) -- see the target log" } },
	{ "B3", "9293 3.5", "scripts/handshake/simultaneous", "simultaneous open reaches ESTABLISHED",
	  { P, F, F }, { NULL, "state: expected ESTABLISHED, got SYN_RCVD",
			 "state: expected ESTABLISHED, got CLOSED" } },
	{ "C1", "9293 3.6", "scripts/close/fin_wait2", "FIN_WAIT_2 times out (tcp_fin_timeout)",
	  { P, N, N }, { 0 } },
	{ "C2", "9293 3.10.7.4", "scripts/timewait/reack", "TIME_WAIT re-ACKs a retransmitted FIN",
	  { P, P, P }, { 0 } },
	{ "C3", "6191 2", "scripts/timewait/reack", "SYN in TIME_WAIT with higher TS reopens",
	  { P, D, P }, { NULL, "TIME_WAIT assassination guard differs (documented)", NULL } },
	{ "X1", "9293 3.1", "scripts/misc/<script>alert(1)</script>",
	  "hostile | name \"quoted\" <b>bold</b> ünïcödé 🙂",
	  { F, P, P }, { "saw <script>alert('x')</script> & \"quotes\"", NULL, NULL } },
};

static void the_example_page_is_written_when_TCPCONFORM_MATRIX_EXAMPLE_is_set(void **state)
{
	const char *path = getenv("TCPCONFORM_MATRIX_EXAMPLE");
	if (!path || !*path)
		skip();
	const char *const targets[] = { "linux 6.1.0", "lwip 2.1.3", "mystack (dev)" };
	struct matrix *m = matrix_new("tcpconform 0.1.0 -- kernel 6.1.0-18-amd64", targets, 3);
	assert_non_null(m);
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	for (size_t i = 0; i < sizeof(EXAMPLE) / sizeof(*EXAMPLE); i++) {
		const struct example_row *e = &EXAMPLE[i];
		int row = matrix_add_row(m, e->id, e->rfc, e->suite, e->name);
		assert_true(row >= 0);
		for (int t = 0; t < 3; t++) {
			char pcap[PATH_MAX + 64];
			snprintf(pcap, sizeof(pcap), "%s/pcap/%s/%s.pcap", dir, targets[t], e->id);
			assert_int_equal(matrix_set(m, row, t, e->v[t], e->msg[t], pcap), 0);
		}
	}
	char err[512];
	if (matrix_write_html(m, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_valid_html(path, 6);
	matrix_free(m);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_matrix_needs_at_least_one_named_target),
		cmocka_unit_test(rows_get_consecutive_indices_and_keep_many),
		cmocka_unit_test(set_rejects_a_cell_outside_the_matrix_or_an_unknown_verdict),
		T(the_matrix_owns_copies_and_the_last_set_of_a_cell_wins),
		T(markdown_has_title_legend_and_a_table_with_one_column_per_target),
		T(markdown_escapes_pipes_and_line_breaks_so_every_row_keeps_its_cells),
		T(markdown_cells_say_the_verdict_and_link_the_pcap_of_what_went_wrong),
		T(markdown_counts_each_verdict_per_target),
		T(html_is_one_self_contained_html5_document),
		T(html_escapes_every_string_it_is_given),
		T(html_cells_carry_a_symbol_and_word_besides_the_colour),
		T(html_marks_rows_where_one_target_passes_and_another_fails_or_deviates),
		T(html_links_the_passing_pcap_only_where_targets_disagree),
		T(html_groups_rows_by_suite_in_order_of_first_appearance),
		T(html_summary_counts_each_verdict_per_target),
		T(html_folds_a_long_message_into_details_without_splitting_a_character),
		T(pcap_links_are_relative_to_the_output_directory_when_inside_it),
		T(a_sibling_directory_sharing_the_prefix_is_not_inside),
		T(a_write_that_fails_names_the_file_and_leaves_nothing_behind),
		T(a_write_replaces_the_file_atomically_and_leaves_no_temporary),
		cmocka_unit_test(the_example_page_is_written_when_TCPCONFORM_MATRIX_EXAMPLE_is_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
