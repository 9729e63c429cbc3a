/* report.c - the run's results as an in-memory model (JUnit rendering: report_junit.c,
 * XML escaping: xw.c, the spool of sealed cases: report_spool.c).
 *
 * The model is report -> suites -> cases. Every string handed in is copied, so callers
 * may pass stack buffers or Lua strings that die right after the call. Suites and cases
 * are held through arrays of pointers, so the handles returned to callers stay valid
 * while the arrays grow.
 */
#include "report.h"

#include "report_int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

void report_case_free_strings(struct report_case *c)
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
	report_case_free_strings(c);
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

/* Seconds -> whole milliseconds, clamped to [0, MAX_SECONDS]; NaN becomes 0. */
uint64_t report_seconds_to_millis(double s)
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
		t->millis += report_seconds_to_millis(c->seconds);
}

struct tally report_tally_suite(const struct report_suite *s)
{
	struct tally t = { 0 };
	for (size_t i = 0; i < s->ncases; i++)
		tally_case(&t, s->cases[i]);
	return t;
}

struct tally report_tally_all(const struct report *r)
{
	struct tally t = { 0 };
	for (size_t i = 0; i < r->nsuites; i++) {
		struct tally st = report_tally_suite(r->suites[i]);
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
		t = report_tally_all(r);
	if (tests)
		*tests = t.tests;
	if (failures)
		*failures = t.failures;
	if (errors)
		*errors = t.errors;
	if (skipped)
		*skipped = t.skipped;
}
