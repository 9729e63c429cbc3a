/* sweep_result: the strict reader and the writer of one result line (sweep_result.h). */
#include "sweep_result.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static const char *const VERDICT_NAMES[SWEEP_NVERDICTS] = {"agree", "differs", "deviation",
							    "error"};

/* The contract's states (harness/script/sweep.h), in the order a connection lives
 * through them: the rows of every report. */
static const char *const STATES[] = {
	"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "ESTABLISHED-DATA-IN",
	"ESTABLISHED-DATA-OUT", "FIN-WAIT-1", "FIN-WAIT-2", "FIN-WAIT-2-ORPHAN", "CLOSE-WAIT",
	"CLOSING", "LAST-ACK", "TIME-WAIT",
};
#define NSTATES (int)(sizeof(STATES) / sizeof(STATES[0]))

int sweep_state_rank(const char *state)
{
	for (int i = 0; i < NSTATES; i++)
		if (strcmp(state, STATES[i]) == 0)
			return i;
	return NSTATES;
}

const char *sweep_state_list(void)
{
	static char list[400];
	if (!list[0])
		for (int i = 0; i < NSTATES; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", STATES[i]);
	return list;
}

const char *sweep_verdict_name(enum sweep_verdict v)
{
	return v < SWEEP_NVERDICTS ? VERDICT_NAMES[v] : "?";
}

struct rd {
	const char *s, *p;
	char *err;
	size_t errlen;
};

static int fail(struct rd *r, const char *what)
{
	if (*r->p)
		snprintf(r->err, r->errlen, "byte %zu: %s, got '%c'", (size_t)(r->p - r->s), what,
			 *r->p);
	else
		snprintf(r->err, r->errlen, "byte %zu: %s, got the end of the line",
			 (size_t)(r->p - r->s), what);
	return -1;
}

static void ws(struct rd *r)
{
	while (*r->p == ' ' || *r->p == '\t')
		r->p++;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + (unsigned)d;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct strbuf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	strbuf_add(b, u, n);
}

/* A JSON string (RFC 8259 section 7) into out (malloc'ed). A \u0000 would cut the C
 * string short: refused. */
static int string(struct rd *r, char **out)
{
	if (*r->p != '"')
		return fail(r, "expected a string");
	r->p++;
	struct strbuf b = {0};
	strbuf_add(&b, "", 0);
	while (*r->p != '"') {
		unsigned char c = (unsigned char)*r->p;
		if (!c || c < 0x20) {
			strbuf_free(&b);
			return fail(r, c ? "expected an escape for a control character"
					 : "expected the closing '\"'");
		}
		if (c != '\\') {
			strbuf_add(&b, r->p++, 1);
			continue;
		}
		r->p++;
		const char *esc = strchr("\"\\/bfnrt", *r->p);
		if (*r->p && esc) {
			static const char map[] = "\"\\/\b\f\n\r\t";
			strbuf_add(&b, &map[esc - "\"\\/bfnrt"], 1);
			r->p++;
			continue;
		}
		unsigned cp, lo;
		if (*r->p != 'u' || hex4(r->p + 1, &cp) < 0 || cp == 0) {
			strbuf_free(&b);
			return fail(r, "expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX, "
				    "not \\u0000)");
		}
		r->p += 5;
		if (cp >= 0xd800 && cp < 0xdc00 && r->p[0] == '\\' && r->p[1] == 'u' &&
		    hex4(r->p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			r->p += 6;
		}
		put_utf8(&b, cp);
	}
	r->p++;
	/* Thousands of results stay in memory until the reports are written: no slack. */
	char *tight = b.s ? realloc(b.s, b.len + 1) : NULL;
	*out = tight ? tight : b.s;
	return 0;
}

/* A value we do not keep: a string, number, true, false or null. */
static int skip_value(struct rd *r)
{
	if (*r->p == '"') {
		char *s;
		if (string(r, &s) < 0)
			return -1;
		free(s);
		return 0;
	}
	static const char *const words[] = {"true", "false", "null"};
	for (size_t i = 0; i < 3; i++)
		if (strncmp(r->p, words[i], strlen(words[i])) == 0) {
			r->p += strlen(words[i]);
			return 0;
		}
	char *end;
	strtod(r->p, &end);
	if (end == r->p || (*r->p != '-' && (*r->p < '0' || *r->p > '9')))
		return fail(r, "expected a string, number, true, false or null");
	r->p = end;
	return 0;
}

struct field {
	const char *key;
	size_t off;
	bool required;
};

#define F(k, m, req) {k, offsetof(struct sweep_result, m), req}
static const struct field FIELDS[] = {
	F("id", id, true), F("state", state, true), F("family", family, false),
	F("class", klass, true), F("group", group, false), F("target", target, false),
	F("expected", expected, false), F("seen", seen, false), F("rule", rule, false),
	F("rfc", rfc, false), F("sentence", sentence, false), F("detail", detail, false),
	F("pcap", pcap, false), F("reason", reason, false),
};
#define NFIELDS (sizeof(FIELDS) / sizeof(FIELDS[0]))

static char **slot(struct sweep_result *res, size_t i)
{
	return (char **)((char *)res + FIELDS[i].off);
}

static int member(struct rd *r, struct sweep_result *res, bool *have_verdict)
{
	char *key;
	if (string(r, &key) < 0)
		return -1;
	ws(r);
	if (*r->p != ':') {
		free(key);
		return fail(r, "expected ':' after a key");
	}
	r->p++;
	ws(r);
	int rc = 0;
	size_t i = 0;
	while (i < NFIELDS && strcmp(key, FIELDS[i].key) != 0)
		i++;
	if (i < NFIELDS) {
		char **dst = slot(res, i);
		free(*dst);
		*dst = NULL;
		rc = string(r, dst);
	} else if (strcmp(key, "verdict") == 0) {
		char *v;
		const char *at = r->p;
		if ((rc = string(r, &v)) == 0) {
			int k = 0;
			while (k < SWEEP_NVERDICTS && strcmp(v, VERDICT_NAMES[k]) != 0)
				k++;
			if (k == SWEEP_NVERDICTS) {
				snprintf(r->err, r->errlen, "byte %zu: field \"verdict\": expected agree, "
					 "differs, deviation or error, got \"%s\"", (size_t)(at - r->s), v);
				rc = -1;
			}
			res->verdict = (enum sweep_verdict)k;
			*have_verdict = rc == 0;
			free(v);
		}
	} else if (strcmp(key, "t") == 0) {
		char *end;
		res->t = strtod(r->p, &end);
		if (end == r->p || *r->p == '+' || !(res->t >= 0 && res->t < 1e9))
			rc = fail(r, "field \"t\": expected seconds (a number >= 0)");
		else
			r->p = end;
	} else if (strcmp(key, "stub") == 0) {
		res->stub = strncmp(r->p, "true", 4) == 0;
		rc = skip_value(r);
	} else {
		rc = skip_value(r);
	}
	free(key);
	return rc;
}

/* See sweep_result.h. */
int sweep_result_parse(const char *line, struct sweep_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof(*res));
	struct rd r = {line, line, err, errlen};
	bool have_verdict = false;
	ws(&r);
	if (*r.p != '{')
		return fail(&r, "expected '{'");
	r.p++;
	ws(&r);
	int rc = 0;
	if (*r.p == '}')
		r.p++;
	else
		for (;;) {
			if ((rc = member(&r, res, &have_verdict)) < 0)
				break;
			ws(&r);
			if (*r.p == ',') {
				r.p++;
				ws(&r);
				continue;
			}
			if (*r.p == '}') {
				r.p++;
				break;
			}
			rc = fail(&r, "expected ',' or '}'");
			break;
		}
	if (rc == 0) {
		ws(&r);
		if (*r.p)
			rc = fail(&r, "expected the end of the line after '}'");
	}
	for (size_t i = 0; rc == 0 && i < NFIELDS; i++)
		if (FIELDS[i].required && !*slot(res, i)) {
			snprintf(err, errlen, "missing field \"%s\"", FIELDS[i].key);
			rc = -1;
		}
	if (rc == 0 && !have_verdict) {
		snprintf(err, errlen, "missing field \"verdict\"");
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < NFIELDS; i++)
		if (!*slot(res, i) && !(*slot(res, i) = strdup(""))) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
	if (rc < 0)
		sweep_result_free(res);
	return rc;
}

void sweep_result_free(struct sweep_result *res)
{
	for (size_t i = 0; i < NFIELDS; i++)
		free(*slot(res, i));
	memset(res, 0, sizeof(*res));
}

/* Length of the valid UTF-8 sequence at s (RFC 3629 section 4), 0 if none. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

/* See sweep_result.h. */
void sweep_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	fputc('"', f);
	while (*p) {
		size_t n = utf8_len(p);
		if (n == 1 && (*p < 0x20 || *p == '"' || *p == '\\')) {
			const char *e = *p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : *p == '\n' ? "\\n"
				      : *p == '\t' ? "\\t" : *p == '\r' ? "\\r" : NULL;
			if (e)
				fputs(e, f);
			else
				fprintf(f, "\\u%04x", *p);
		} else if (n == 0) {
			fprintf(f, "\\u%04x", *p);
			n = 1;
		} else {
			fwrite(p, 1, n, f);
		}
		p += n;
	}
	fputc('"', f);
}

/* See sweep_result.h. */
void sweep_result_write(FILE *f, const struct sweep_result *r)
{
	fputc('{', f);
	for (size_t i = 0; i < NFIELDS; i++) {
		if (i)
			fputc(',', f);
		fprintf(f, "\"%s\":", FIELDS[i].key);
		sweep_json_string(f, *slot((struct sweep_result *)r, i));
		if (i == 5)
			fprintf(f, ",\"verdict\":\"%s\"", sweep_verdict_name(r->verdict));
	}
	fprintf(f, ",\"t\":%.6f", r->t);
	if (r->stub)
		fputs(",\"stub\":true", f);
	fputs("}\n", f);
}
