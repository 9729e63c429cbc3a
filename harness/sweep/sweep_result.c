/* sweep_result: the strict reader and the writer of one result line (sweep_result.h). */
#include "sweep_result.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_str.h"

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

/* A JSON string into out (malloc'ed): json_str.h. */
static int string(struct rd *r, char **out)
{
	const char *what;
	if (json_str_read(&r->p, out, &what) < 0)
		return fail(r, what);
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

/* See sweep_result.h. */
void sweep_result_write(FILE *f, const struct sweep_result *r)
{
	fputc('{', f);
	for (size_t i = 0; i < NFIELDS; i++) {
		if (i)
			fputc(',', f);
		fprintf(f, "\"%s\":", FIELDS[i].key);
		json_str_write(f, *slot((struct sweep_result *)r, i));
		if (i == 5)
			fprintf(f, ",\"verdict\":\"%s\"", sweep_verdict_name(r->verdict));
	}
	fprintf(f, ",\"t\":%.6f", r->t);
	if (r->stub)
		fputs(",\"stub\":true", f);
	fputs("}\n", f);
}
