/* report.c - the run's results as an in-memory model, rendered as JUnit XML.
 *
 * The model is report -> suites -> cases. Every string handed in is copied, so callers
 * may pass stack buffers or Lua strings that die right after the call. Suites and cases
 * are held through arrays of pointers, so the handles returned to callers stay valid
 * while the arrays grow.
 *
 * The XML must pass the Jenkins xUnit schema (shared/junit/junit-10.xsd). What that
 * schema allows, and therefore what is emitted:
 *   <testsuites name tests failures errors time>   (no "skipped" here: not in the schema)
 *   <testsuite name tests failures errors skipped time [file]>
 *       <properties><property name value/>...</properties>   run-wide facts
 *       <testcase name classname time> ... </testcase>
 *       <system-err> text given by report_suite_error </system-err>
 *   <testcase> holds <failure message type>, <error message type> or
 *       <skipped message>, then <system-out>. It may not hold <properties>, which is why
 *       per-test facts become "[[PROPERTY|name=value]]" lines of <system-out>.
 *   time on testsuite/testsuites is SUREFIRE_TIME: digits with at most 3 decimals, no
 *       sign, no exponent. We always print exactly 3 decimals, computed from integer
 *       milliseconds so that a suite's time is exactly the sum of its cases.
 * No timestamp or hostname is emitted: the output is a pure function of the model, so
 * two runs with the same results give byte-identical files.
 *
 * Sealing (report_case_seal) renders a finished case at once into a spool file (an
 * unlinked tmpfile(), so nothing is left behind even by kill -9) and frees its strings;
 * only its status and time stay for the totals. report_write_junit copies the sealed
 * bytes back in place. A run therefore holds no testcase text in memory, however many
 * tests it has, and the file is the same as if nothing had been sealed.
 *
 * Escaping (XML 1.0, W3C REC-xml section 2.2 "Characters", 2.4 "Character Data",
 * 2.11 "End-of-Line Handling", 3.3.3 "Attribute-Value Normalization"):
 *   & < > " '           -> entities everywhere (">" always, so "]]>" can never appear)
 *   TAB LF CR in attributes -> &#9; &#10; &#13; (normalisation would turn them into spaces)
 *   CR in text          -> &#13; (end-of-line handling would turn it into LF)
 *   other C0 controls, invalid UTF-8 (stray continuation bytes, truncated and overlong
 *   sequences, surrogates, > U+10FFFF), U+FFFE and U+FFFF
 *                       -> the text "\xNN" for each offending byte, so the reader still
 *                          sees which bytes a misbehaving stack or script produced.
 *   valid UTF-8 (emoji included) passes through unchanged. No CDATA is used at all.
 * Each text node is capped at 4 MiB of output and each attribute value at 64 KiB (see
 * TEXT_LIMIT), so libxml2-based consumers never reject the file as too large.
 */
#include "report.h"

#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pair {
	char *name;
	char *value;
};

struct strlist {
	char **items;
	size_t len, cap;
};

struct pairlist {
	struct pair *items;
	size_t len, cap;
};

struct report_case {
	char *name;
	char *classname; /* NULL: the suite's name */
	bool has_result;
	enum verdict status;
	double seconds;
	char *message; /* may be NULL */
	char *detail;  /* may be NULL */
	struct strlist attachments;
	struct pairlist properties;
	struct strlist log;
	bool sealed;     /* rendered into the spool; the strings above are freed */
	long spool_at;   /* its bytes in the spool */
	size_t spool_len;
};

struct report_suite {
	struct report *report;
	char *name;
	char *file; /* may be NULL */
	struct pairlist properties;
	struct strlist errors;
	struct report_case **cases;
	size_t ncases, cap;
};

struct report {
	char *name;
	struct report_suite **suites;
	size_t nsuites, cap;
	FILE *spool;     /* sealed cases' XML; NULL until the first seal */
	bool spool_failed;
};

/* A case that never got a result was cut short (the harness died mid-test, a script
 * bailed out): CI must not read that as a pass. */
static const char NO_RESULT_MESSAGE[] = "no result recorded for this test";

/* Largest time we print: beyond this a value is a bug, not a duration (~31,700 years). */
#define MAX_SECONDS 1e12

/* ---- memory helpers ---------------------------------------------------------------- */

/* Ensures *items has room for need elements of size elem; 0 or -1 with errno ENOMEM. */
static int array_reserve(void **items, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 4;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem) {
			errno = ENOMEM;
			return -1;
		}
		ncap *= 2;
	}
	void *p = realloc(*items, ncap * elem);
	if (!p)
		return -1;
	*items = p;
	*cap = ncap;
	return 0;
}

static int strlist_push(struct strlist *l, const char *s)
{
	if (array_reserve((void **)&l->items, &l->cap, l->len + 1, sizeof(*l->items)))
		return -1;
	char *copy = strdup(s);
	if (!copy)
		return -1;
	l->items[l->len++] = copy;
	return 0;
}

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->items[i]);
	free(l->items);
	*l = (struct strlist){0};
}

static int pairlist_push(struct pairlist *l, const char *name, const char *value)
{
	if (array_reserve((void **)&l->items, &l->cap, l->len + 1, sizeof(*l->items)))
		return -1;
	char *n = strdup(name);
	char *v = strdup(value);
	if (!n || !v) {
		free(n);
		free(v);
		return -1;
	}
	l->items[l->len].name = n;
	l->items[l->len].value = v;
	l->len++;
	return 0;
}

static void pairlist_free(struct pairlist *l)
{
	for (size_t i = 0; i < l->len; i++) {
		free(l->items[i].name);
		free(l->items[i].value);
	}
	free(l->items);
	*l = (struct pairlist){0};
}

/* strdup that maps NULL to NULL (for optional fields). */
static int dup_optional(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -1;
}

/* ---- model ------------------------------------------------------------------------- */

/* Creates an empty report. name: the <testsuites name>, copied; NULL means "tcpconform".
 * Returns NULL with errno ENOMEM. The caller owns the result (report_free). */
struct report *report_new(const char *name)
{
	struct report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->name = strdup(name ? name : "tcpconform");
	if (!r->name) {
		free(r);
		return NULL;
	}
	return r;
}

static void case_free_strings(struct report_case *c)
{
	free(c->name);
	free(c->classname);
	free(c->message);
	free(c->detail);
	c->name = c->classname = c->message = c->detail = NULL;
	strlist_free(&c->attachments);
	pairlist_free(&c->properties);
	strlist_free(&c->log);
}

static void case_free(struct report_case *c)
{
	case_free_strings(c);
	free(c);
}

static void suite_free(struct report_suite *s)
{
	for (size_t i = 0; i < s->ncases; i++)
		case_free(s->cases[i]);
	free(s->cases);
	free(s->name);
	free(s->file);
	pairlist_free(&s->properties);
	strlist_free(&s->errors);
	free(s);
}

/* Frees the report, its suites and cases; every handle into it becomes invalid.
 * NULL is accepted. */
void report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nsuites; i++)
		suite_free(r->suites[i]);
	free(r->suites);
	free(r->name);
	if (r->spool)
		fclose(r->spool);
	free(r);
}

/* Appends a testsuite. name is required, file (the script path, emitted as the "file"
 * attribute) may be NULL; both are copied. Returns a handle owned by the report, or
 * NULL with errno EINVAL (r or name NULL) or ENOMEM. */
struct report_suite *report_suite_add(struct report *r, const char *name, const char *file)
{
	if (!r || !name) {
		errno = EINVAL;
		return NULL;
	}
	if (array_reserve((void **)&r->suites, &r->cap, r->nsuites + 1, sizeof(*r->suites)))
		return NULL;
	struct report_suite *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->report = r;
	s->name = strdup(name);
	if (!s->name || dup_optional(file, &s->file)) {
		suite_free(s);
		return NULL;
	}
	r->suites[r->nsuites++] = s;
	return s;
}

/* Adds a run-wide fact to the suite's <properties>, in the order given; name and value
 * are required and copied. 0, or -1 with errno EINVAL or ENOMEM. */
int report_suite_property(struct report_suite *s, const char *name, const char *value)
{
	if (!s || !name || !value) {
		errno = EINVAL;
		return -1;
	}
	return pairlist_push(&s->properties, name, value);
}

/* Appends text to the suite's <system-err> (each call its own line); text is copied.
 * 0, or -1 with errno EINVAL or ENOMEM. */
int report_suite_error(struct report_suite *s, const char *text)
{
	if (!s || !text) {
		errno = EINVAL;
		return -1;
	}
	return strlist_push(&s->errors, text);
}

/* Appends a testcase. name is required, classname NULL means the suite's name; both
 * are copied. Until report_case_result is called the case counts as an error ("no
 * result recorded"), so a test cut short never reads as a pass. Returns a handle owned
 * by the report, or NULL with errno EINVAL or ENOMEM. */
struct report_case *report_case_add(struct report_suite *s, const char *name,
				    const char *classname)
{
	if (!s || !name) {
		errno = EINVAL;
		return NULL;
	}
	if (array_reserve((void **)&s->cases, &s->cap, s->ncases + 1, sizeof(*s->cases)))
		return NULL;
	struct report_case *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->name = strdup(name);
	if (!c->name || dup_optional(classname, &c->classname)) {
		case_free(c);
		return NULL;
	}
	s->cases[s->ncases++] = c;
	return c;
}

/* Sets (or replaces) the case's result. seconds below zero or not a number are written
 * as 0.000; message and detail may be NULL and are copied. On failure the previous
 * result is kept. 0, or -1 with errno EINVAL (c NULL, unknown status) or ENOMEM. */
int report_case_result(struct report_case *c, enum verdict st, double seconds,
		       const char *message, const char *detail)
{
	if (!c || c->sealed || (st != VERDICT_PASS && st != VERDICT_FAIL && st != VERDICT_ERROR &&
		   st != VERDICT_SKIP)) {
		errno = EINVAL;
		return -1;
	}
	char *m, *d;
	if (dup_optional(message, &m))
		return -1;
	if (dup_optional(detail, &d)) {
		free(m);
		return -1;
	}
	free(c->message);
	free(c->detail);
	c->message = m;
	c->detail = d;
	c->status = st;
	c->seconds = seconds;
	c->has_result = true;
	return 0;
}

/* Adds a per-test fact, rendered as a "[[PROPERTY|name=value]]" line of <system-out>
 * after every attachment line. Copied. 0, or -1 with errno EINVAL or ENOMEM. */
int report_case_property(struct report_case *c, const char *name, const char *value)
{
	if (!c || c->sealed || !name || !value) {
		errno = EINVAL;
		return -1;
	}
	return pairlist_push(&c->properties, name, value);
}

/* Adds a file to attach, rendered as "[[ATTACHMENT|path]]", first in <system-out> and
 * in the order given (GitLab shows only the first). Copied. 0, or -1 with errno. */
int report_case_attachment(struct report_case *c, const char *path)
{
	if (!c || c->sealed || !path) {
		errno = EINVAL;
		return -1;
	}
	return strlist_push(&c->attachments, path);
}

/* Appends log text to <system-out>, after attachments and properties; a newline is
 * added when the text lacks one. Copied. 0, or -1 with errno EINVAL or ENOMEM. */
int report_case_log(struct report_case *c, const char *text)
{
	if (!c || c->sealed || !text) {
		errno = EINVAL;
		return -1;
	}
	return strlist_push(&c->log, text);
}

/* ---- counting ---------------------------------------------------------------------- */

static enum verdict case_status(const struct report_case *c)
{
	return c->has_result ? c->status : VERDICT_ERROR;
}

struct tally {
	int tests, failures, errors, skipped;
	uint64_t millis;
};

/* Seconds -> whole milliseconds, clamped to [0, MAX_SECONDS]; NaN becomes 0. */
static uint64_t seconds_to_millis(double s)
{
	if (!(s > 0))
		return 0;
	if (s > MAX_SECONDS)
		s = MAX_SECONDS;
	return (uint64_t)(s * 1000.0 + 0.5);
}

static void tally_case(struct tally *t, const struct report_case *c)
{
	t->tests++;
	switch (case_status(c)) {
	case VERDICT_FAIL:
		t->failures++;
		break;
	case VERDICT_ERROR:
		t->errors++;
		break;
	case VERDICT_SKIP:
		t->skipped++;
		break;
	case VERDICT_PASS:
		break;
	}
	if (c->has_result)
		t->millis += seconds_to_millis(c->seconds);
}

static struct tally tally_suite(const struct report_suite *s)
{
	struct tally t = { 0 };
	for (size_t i = 0; i < s->ncases; i++)
		tally_case(&t, s->cases[i]);
	return t;
}

static struct tally tally_report(const struct report *r)
{
	struct tally t = { 0 };
	for (size_t i = 0; i < r->nsuites; i++) {
		struct tally st = tally_suite(r->suites[i]);
		t.tests += st.tests;
		t.failures += st.failures;
		t.errors += st.errors;
		t.skipped += st.skipped;
		t.millis += st.millis;
	}
	return t;
}

/* Totals over every suite: tests counts all cases (skipped included), as JUnit does.
 * Any output pointer may be NULL; r NULL gives zeros. */
void report_counts(const struct report *r, int *tests, int *failures, int *errors, int *skipped)
{
	struct tally t = { 0 };
	if (r)
		t = tally_report(r);
	if (tests)
		*tests = t.tests;
	if (failures)
		*failures = t.failures;
	if (errors)
		*errors = t.errors;
	if (skipped)
		*skipped = t.skipped;
}

/* ---- XML writer -------------------------------------------------------------------- */

/* libxml2 (xmllint, lxml, Nokogiri and so GitLab) refuses, unless given
 * XML_PARSE_HUGE, a text node longer than 10,000,000 bytes ("huge text node") and a run
 * of start tags whose attributes add up to about as much ("Huge input lookup"). A
 * parser never hands back more bytes than the escaped form we write, so capping each
 * text node's escaped content at 4 MiB and each attribute value's at 64 KiB keeps
 * every report loadable, however much a script logs or however long a name it makes
 * up. Attributes are names and one-line messages: 64 KiB is far beyond any real one. */
#define TEXT_LIMIT ((size_t)4 * 1024 * 1024)
#define ATTR_LIMIT ((size_t)64 * 1024)
static const char TRUNCATED_NOTE[] = "[truncated by tcpconform]";

/* A FILE with a sticky error (the first failed write is remembered, the rest skipped)
 * and the byte budget of the text node or attribute value being written. */
struct xw {
	FILE *f;
	int err;
	size_t room; /* bytes the current node may still take */
	bool cut;    /* the current node ran out of room */
};

static void xw_put(struct xw *w, const char *s, size_t n)
{
	if (w->err || n == 0)
		return;
	errno = 0;
	if (fwrite(s, 1, n, w->f) != n)
		w->err = errno ? errno : EIO;
}

static void xw_str(struct xw *w, const char *s)
{
	xw_put(w, s, strlen(s));
}

/* Starts a text node or attribute value: a fresh budget of limit bytes. */
static void xw_node_begin(struct xw *w, size_t limit)
{
	w->room = limit;
	w->cut = false;
}

/* Ends it, saying so in the output when content was dropped. */
static void xw_node_end(struct xw *w, bool text)
{
	if (w->cut) {
		if (text)
			xw_str(w, "\n");
		xw_str(w, TRUNCATED_NOTE);
	}
	w->room = SIZE_MAX;
	w->cut = false;
}

/* Claims n bytes of the current node's budget; false once it is exhausted. */
static bool xw_take(struct xw *w, size_t n)
{
	if (w->cut || n > w->room) {
		w->cut = true;
		return false;
	}
	w->room -= n;
	return true;
}

/* Constant text that is part of a node's content (marker syntax, newlines). */
static void xw_content(struct xw *w, const char *s)
{
	size_t n = strlen(s);
	if (xw_take(w, n))
		xw_put(w, s, n);
}

/* Where a string lands decides how whitespace must be protected. */
enum esc_mode {
	ESC_TEXT,   /* element content: CR would become LF (XML 1.0 section 2.11) */
	ESC_ATTR,   /* attribute value: TAB/LF/CR would become spaces (section 3.3.3) */
	ESC_MARKER, /* inside a [[...]] line of <system-out>: must stay on one line */
};

/* Length of the well-formed UTF-8 sequence starting at p (Unicode 15 table 3-7) that
 * is also an XML 1.0 Char, or 0: lone or unexpected continuation bytes, truncation,
 * overlong forms (C0, C1, E0 80-9F, F0 80-8F), surrogates (ED A0-BF), code points
 * above U+10FFFF (F4 90+, F5-FF) and the non-characters U+FFFE/U+FFFF all give 0. */
static size_t utf8_xml_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	if (c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
		return 0; /* U+FFFE, U+FFFF: excluded from Char (section 2.2) */
	return len;
}

/* The "\xNN" text standing for a byte XML cannot carry. hex must hold 5 bytes. */
static const char *hex_escape(unsigned c, char *hex)
{
	snprintf(hex, 5, "\\x%02X", c & 0xFFu);
	return hex;
}

/* Replacement for an ASCII byte, or NULL when it is written as is. */
static const char *ascii_replacement(unsigned c, enum esc_mode mode, char *hex)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&apos;";
	case '\t':
		return mode == ESC_ATTR ? "&#9;" : mode == ESC_MARKER ? hex_escape(c, hex) : NULL;
	case '\n':
		return mode == ESC_ATTR ? "&#10;" : mode == ESC_MARKER ? hex_escape(c, hex) : NULL;
	case '\r':
		return mode == ESC_MARKER ? hex_escape(c, hex) : "&#13;";
	default:
		return c < 0x20 ? hex_escape(c, hex) : NULL;
	}
}

/* Writes s escaped for mode, within the node's budget and never splitting a
 * character; runs of bytes that need nothing are written in one go. */
static void xw_escaped(struct xw *w, const char *s, enum esc_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), start = 0, i = 0;
	char hex[5];
	while (i < n) {
		const char *rep = NULL;
		size_t k = 1;
		if (p[i] >= 0x80) {
			k = utf8_xml_len(p + i, n - i);
			if (!k) {
				rep = hex_escape(p[i], hex);
				k = 1;
			}
		} else {
			rep = ascii_replacement(p[i], mode, hex);
		}
		if (!xw_take(w, rep ? strlen(rep) : k))
			break;
		if (!rep) {
			i += k;
			continue;
		}
		xw_put(w, s + start, i - start);
		xw_str(w, rep);
		start = ++i;
	}
	xw_put(w, s + start, i - start);
}

static void xw_attr(struct xw *w, const char *name, const char *value)
{
	xw_str(w, " ");
	xw_str(w, name);
	xw_str(w, "=\"");
	xw_node_begin(w, ATTR_LIMIT);
	xw_escaped(w, value, ESC_ATTR);
	xw_node_end(w, false);
	xw_str(w, "\"");
}

static void xw_attr_int(struct xw *w, const char *name, int v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", v);
	xw_attr(w, name, buf);
}

/* Exactly three decimals, no sign, no exponent: what SUREFIRE_TIME accepts. */
static void xw_attr_millis(struct xw *w, const char *name, uint64_t ms)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64 ".%03u", ms / 1000, (unsigned)(ms % 1000));
	xw_attr(w, name, buf);
}

/* Text followed by a newline unless it already ends in one. */
static void xw_line(struct xw *w, const char *text)
{
	xw_escaped(w, text, ESC_TEXT);
	size_t n = strlen(text);
	if (n == 0 || text[n - 1] != '\n')
		xw_content(w, "\n");
}

/* ---- rendering --------------------------------------------------------------------- */

static void render_properties(struct xw *w, const struct pairlist *props)
{
	if (props->len == 0)
		return;
	xw_str(w, "    <properties>\n");
	for (size_t i = 0; i < props->len; i++) {
		xw_str(w, "      <property");
		xw_attr(w, "name", props->items[i].name);
		xw_attr(w, "value", props->items[i].value);
		xw_str(w, "/>\n");
	}
	xw_str(w, "    </properties>\n");
}

/* <failure>, <error> or <skipped>: message attribute, detail as element text. */
static void render_outcome(struct xw *w, const char *element, const char *type,
			   const char *message, const char *detail)
{
	xw_str(w, "      <");
	xw_str(w, element);
	if (message)
		xw_attr(w, "message", message);
	if (type)
		xw_attr(w, "type", type);
	if (!detail || !*detail) {
		xw_str(w, "/>\n");
		return;
	}
	xw_str(w, ">");
	xw_node_begin(w, TEXT_LIMIT);
	xw_escaped(w, detail, ESC_TEXT);
	xw_node_end(w, true);
	xw_str(w, "</");
	xw_str(w, element);
	xw_str(w, ">\n");
}

static void render_case_outcome(struct xw *w, const struct report_case *c)
{
	if (!c->has_result) {
		render_outcome(w, "error", "error", NO_RESULT_MESSAGE, NULL);
		return;
	}
	switch (c->status) {
	case VERDICT_FAIL:
		render_outcome(w, "failure", "failure", c->message, c->detail);
		break;
	case VERDICT_ERROR:
		render_outcome(w, "error", "error", c->message, c->detail);
		break;
	case VERDICT_SKIP:
		render_outcome(w, "skipped", NULL, c->message, c->detail);
		break;
	case VERDICT_PASS:
		break;
	}
}

/* <system-out>: attachments first (GitLab takes the first), then properties, then the
 * log. Marker fields are escaped so one marker is always exactly one line. */
static void render_case_output(struct xw *w, const struct report_case *c)
{
	if (c->attachments.len == 0 && c->properties.len == 0 && c->log.len == 0)
		return;
	xw_str(w, "      <system-out>");
	xw_node_begin(w, TEXT_LIMIT);
	for (size_t i = 0; i < c->attachments.len; i++) {
		xw_content(w, "[[ATTACHMENT|");
		xw_escaped(w, c->attachments.items[i], ESC_MARKER);
		xw_content(w, "]]\n");
	}
	for (size_t i = 0; i < c->properties.len; i++) {
		xw_content(w, "[[PROPERTY|");
		xw_escaped(w, c->properties.items[i].name, ESC_MARKER);
		xw_content(w, "=");
		xw_escaped(w, c->properties.items[i].value, ESC_MARKER);
		xw_content(w, "]]\n");
	}
	for (size_t i = 0; i < c->log.len; i++)
		xw_line(w, c->log.items[i]);
	xw_node_end(w, true);
	xw_str(w, "</system-out>\n");
}

/* Copies a sealed case's bytes from the spool. */
static void copy_sealed(struct xw *w, FILE *spool, const struct report_case *c)
{
	if (w->err)
		return;
	if (fseek(spool, c->spool_at, SEEK_SET) != 0) {
		w->err = errno ? errno : EIO;
		return;
	}
	char buf[8192];
	for (size_t left = c->spool_len; left > 0 && !w->err;) {
		size_t n = fread(buf, 1, left < sizeof(buf) ? left : sizeof(buf), spool);
		if (n == 0) {
			w->err = EIO;
			return;
		}
		xw_put(w, buf, n);
		left -= n;
	}
}

static void render_case(struct xw *w, const struct report_suite *s, const struct report_case *c)
{
	xw_str(w, "    <testcase");
	xw_attr(w, "name", c->name);
	xw_attr(w, "classname", c->classname ? c->classname : s->name);
	xw_attr_millis(w, "time", c->has_result ? seconds_to_millis(c->seconds) : 0);
	bool has_outcome = !c->has_result || c->status != VERDICT_PASS;
	bool has_output = c->attachments.len || c->properties.len || c->log.len;
	if (!has_outcome && !has_output) {
		xw_str(w, "/>\n");
		return;
	}
	xw_str(w, ">\n");
	render_case_outcome(w, c);
	render_case_output(w, c);
	xw_str(w, "    </testcase>\n");
}

static void render_suite_errors(struct xw *w, const struct report_suite *s)
{
	if (s->errors.len == 0)
		return;
	xw_str(w, "    <system-err>");
	xw_node_begin(w, TEXT_LIMIT);
	for (size_t i = 0; i < s->errors.len; i++)
		xw_line(w, s->errors.items[i]);
	xw_node_end(w, true);
	xw_str(w, "</system-err>\n");
}

static void render_suite(struct xw *w, const struct report_suite *s)
{
	struct tally t = tally_suite(s);
	xw_str(w, "  <testsuite");
	xw_attr(w, "name", s->name);
	xw_attr_int(w, "tests", t.tests);
	xw_attr_int(w, "failures", t.failures);
	xw_attr_int(w, "errors", t.errors);
	xw_attr_int(w, "skipped", t.skipped);
	xw_attr_millis(w, "time", t.millis);
	if (s->file)
		xw_attr(w, "file", s->file);
	xw_str(w, ">\n");
	render_properties(w, &s->properties);
	for (size_t i = 0; i < s->ncases; i++) {
		if (s->cases[i]->sealed)
			copy_sealed(w, s->report->spool, s->cases[i]);
		else
			render_case(w, s, s->cases[i]);
	}
	render_suite_errors(w, s);
	xw_str(w, "  </testsuite>\n");
}

/* Writes the whole JUnit document to out and flushes it. The schema gives <testsuites>
 * no "skipped" attribute, so the skipped total appears on each <testsuite> only.
 * Returns 0, or -1 with errno set (EINVAL for NULL arguments, else the write error). */
int report_write_junit(const struct report *r, FILE *out)
{
	if (!r || !out) {
		errno = EINVAL;
		return -1;
	}
	struct xw w = { .f = out, .err = 0, .room = SIZE_MAX, .cut = false };
	struct tally t = tally_report(r);
	xw_str(&w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	xw_attr(&w, "name", r->name);
	xw_attr_int(&w, "tests", t.tests);
	xw_attr_int(&w, "failures", t.failures);
	xw_attr_int(&w, "errors", t.errors);
	xw_attr_millis(&w, "time", t.millis);
	xw_str(&w, ">\n");
	for (size_t i = 0; i < r->nsuites; i++)
		render_suite(&w, r->suites[i]);
	xw_str(&w, "</testsuites>\n");
	if (!w.err && fflush(out) != 0)
		w.err = errno ? errno : EIO;
	if (!w.err && ferror(out))
		w.err = EIO;
	if (w.err) {
		errno = w.err;
		return -1;
	}
	return 0;
}

/* Renders c into the spool and frees its text (see the top of the file). The spool is
 * only ever appended to here; report_write_junit reads it back with explicit seeks. */
int report_case_seal(struct report_suite *s, struct report_case *c)
{
	struct report *r = s ? s->report : NULL;
	if (!r || !c || c->sealed) {
		errno = EINVAL;
		return -1;
	}
	if (!r->spool && !r->spool_failed && !(r->spool = tmpfile()))
		r->spool_failed = true;
	if (!r->spool)
		return -1;   /* the case simply stays in memory */
	if (fseek(r->spool, 0, SEEK_END) != 0)
		return -1;
	long at = ftell(r->spool);
	struct xw w = { .f = r->spool, .err = 0, .room = SIZE_MAX, .cut = false };
	render_case(&w, s, c);
	long end = ftell(r->spool);
	if (w.err || at < 0 || end < at) {
		/* Whatever was written is garbage now: the next seal appends after it and this
		 * case is rendered from memory as before. */
		errno = w.err ? w.err : EIO;
		return -1;
	}
	c->sealed = true;
	c->spool_at = at;
	c->spool_len = (size_t)(end - at);
	case_free_strings(c);
	return 0;
}

/* ---- atomic file output ------------------------------------------------------------ */

static int junit_fill(FILE *f, const void *r)
{
	return report_write_junit(r, f);
}

int report_write_junit_file(const struct report *r, const char *path, char *err, size_t errlen)
{
	if (!r) {
		if (err && errlen)
			snprintf(err, errlen, "junit: report: expected a report, got NULL");
		errno = EINVAL;
		return -1;
	}
	return atomic_file_write(path, junit_fill, r, "junit", err, errlen);
}
