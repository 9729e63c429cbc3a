/* fuzz_json: a strict JSON tree reader and writer (fuzz_json.h). */
#include "fuzz_json.h"

#include <stdlib.h>
#include <string.h>

#include "json_str.h"
#include "strbuf.h"

#define MAX_DEPTH 64

struct rd {
	const char *s, *p;
	char *err;
	size_t errlen;
	bool failed;
};

static void fail(struct rd *r, const char *what)
{
	if (r->failed)
		return;
	r->failed = true;
	if (*r->p)
		snprintf(r->err, r->errlen, "byte %zu: %s, got '%c'", (size_t)(r->p - r->s), what,
			 *r->p);
	else
		snprintf(r->err, r->errlen, "byte %zu: %s, got the end of the text",
			 (size_t)(r->p - r->s), what);
}

static void ws(struct rd *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

/* A string's bytes into a malloc'ed C string: json_str.h. */
static char *string(struct rd *r)
{
	char *s;
	const char *what;
	if (json_str_read(&r->p, &s, &what) < 0)
		return fail(r, what), NULL;
	return s;
}

static char *number(struct rd *r)
{
	const char *q = r->p;
	if (*q == '-')
		q++;
	if (*q == '0')
		q++;
	else if (*q >= '1' && *q <= '9')
		while (*q >= '0' && *q <= '9')
			q++;
	else
		return fail(r, "expected a value"), NULL;
	if (*q == '.') {
		if (*++q < '0' || *q > '9')
			return r->p = q, fail(r, "expected a digit after '.'"), NULL;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		q += q[1] == '+' || q[1] == '-' ? 2 : 1;
		if (*q < '0' || *q > '9')
			return r->p = q, fail(r, "expected a digit in the exponent"), NULL;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	char *t = strndup(r->p, (size_t)(q - r->p));
	r->p = q;
	return t;
}

static int value(struct rd *r, struct fuzz_json *v, int depth);

/* Items or members until close, into v->kids. */
static int items(struct rd *r, struct fuzz_json *v, char close, int depth)
{
	size_t cap = 0;
	r->p++;
	ws(r);
	if (*r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		if (v->n == cap) {
			cap = cap ? 2 * cap : 4;
			struct fuzz_json *k = realloc(v->kids, cap * sizeof(*k));
			if (!k)
				return fail(r, "out of memory"), -1;
			v->kids = k;
		}
		struct fuzz_json *kid = &v->kids[v->n];
		*kid = (struct fuzz_json){0};
		v->n++;
		if (close == '}') {
			if (!(kid->key = string(r)))
				return -1;
			ws(r);
			if (*r->p != ':')
				return fail(r, "expected ':' after a key"), -1;
			r->p++;
			ws(r);
		}
		if (value(r, kid, depth + 1) < 0)
			return -1;
		ws(r);
		if (*r->p == close) {
			r->p++;
			return 0;
		}
		if (*r->p != ',')
			return fail(r, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'"), -1;
		r->p++;
		ws(r);
	}
}

static int value(struct rd *r, struct fuzz_json *v, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(r, "nesting deeper than 64 levels"), -1;
	switch (*r->p) {
	case '{':
		v->type = FUZZ_JSON_OBJECT;
		return items(r, v, '}', depth);
	case '[':
		v->type = FUZZ_JSON_ARRAY;
		return items(r, v, ']', depth);
	case '"':
		v->type = FUZZ_JSON_STRING;
		return (v->text = string(r)) ? 0 : -1;
	}
	static const char *const words[] = {"true", "false", "null"};
	for (int i = 0; i < 3; i++)
		if (strncmp(r->p, words[i], strlen(words[i])) == 0) {
			r->p += strlen(words[i]);
			v->type = i == 2 ? FUZZ_JSON_NULL : FUZZ_JSON_BOOL;
			v->b = i == 0;
			return 0;
		}
	v->type = FUZZ_JSON_NUMBER;
	return (v->text = number(r)) ? 0 : -1;
}

static void release(struct fuzz_json *v)
{
	for (size_t i = 0; i < v->n; i++)
		release(&v->kids[i]);
	free(v->kids);
	free(v->key);
	free(v->text);
}

void fuzz_json_free(struct fuzz_json *v)
{
	if (v) {
		release(v);
		free(v);
	}
}

struct fuzz_json *fuzz_json_parse(const char *text, char *err, size_t errlen)
{
	struct rd r = {.s = text, .p = text, .err = err, .errlen = errlen};
	struct fuzz_json *v = calloc(1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ws(&r);
	if (value(&r, v, 0) == 0) {
		ws(&r);
		if (*r.p)
			fail(&r, "expected the end of the text after the value");
	}
	if (r.failed) {
		fuzz_json_free(v);
		return NULL;
	}
	return v;
}

const struct fuzz_json *fuzz_json_get(const struct fuzz_json *v, const char *key)
{
	if (!v || v->type != FUZZ_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->kids[i].key, key) == 0)
			return &v->kids[i];
	return NULL;
}

const char *fuzz_json_str(const struct fuzz_json *v, const char *key, const char *dflt)
{
	const struct fuzz_json *m = fuzz_json_get(v, key);
	return m && m->text ? m->text : dflt;
}

double fuzz_json_num(const struct fuzz_json *v, const char *key, double dflt)
{
	const struct fuzz_json *m = fuzz_json_get(v, key);
	return m && m->type == FUZZ_JSON_NUMBER ? strtod(m->text, NULL) : dflt;
}

static void indent(FILE *f, bool pretty, int depth)
{
	if (pretty) {
		fputc('\n', f);
		for (int i = 0; i < depth; i++)
			fputs("  ", f);
	}
}

/* About how long v is written compact (escapes not counted), stopping past limit. */
static size_t compact_len(const struct fuzz_json *v, size_t limit)
{
	size_t n = v->text ? strlen(v->text) + 2 : 5;
	for (size_t i = 0; i < v->n && n <= limit; i++)
		n += 1 + (v->kids[i].key ? strlen(v->kids[i].key) + 3 : 0) +
		     compact_len(&v->kids[i], limit);
	return n;
}

/* Pretty output keeps a container on one line when it is short: a step's seq, ack and
 * options read as one line each. */
#define PRETTY_INLINE 64

static void write_value(FILE *f, const struct fuzz_json *v, bool pretty, int depth)
{
	if (pretty && v->n && compact_len(v, PRETTY_INLINE) <= PRETTY_INLINE)
		pretty = false;
	switch (v->type) {
	case FUZZ_JSON_NULL: fputs("null", f); return;
	case FUZZ_JSON_BOOL: fputs(v->b ? "true" : "false", f); return;
	case FUZZ_JSON_NUMBER: fputs(v->text, f); return;
	case FUZZ_JSON_STRING: json_str_write(f, v->text); return;
	case FUZZ_JSON_ARRAY:
	case FUZZ_JSON_OBJECT: break;
	}
	bool obj = v->type == FUZZ_JSON_OBJECT;
	fputc(obj ? '{' : '[', f);
	for (size_t i = 0; i < v->n; i++) {
		if (i)
			fputc(',', f);
		indent(f, pretty, depth + 1);
		if (obj) {
			json_str_write(f, v->kids[i].key);
			fputs(pretty ? ": " : ":", f);
		}
		write_value(f, &v->kids[i], pretty, depth + 1);
	}
	if (v->n)
		indent(f, pretty, depth);
	fputc(obj ? '}' : ']', f);
}

void fuzz_json_write(FILE *f, const struct fuzz_json *v, bool pretty)
{
	write_value(f, v, pretty, 0);
}
