/* tpl_lex.c -- the shorthand's tokens: the cursor over the text, numbers, words, hex
 * bytes, and the error message every parse failure goes through (tpl_parse_int.h).
 * The grammar that uses them is tpl_parse.c. No allocation, no state but the cursor. */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "tpl_parse_int.h"

/* Fills err with: shorthand "<text>": <detail>. The text is shortened and
 * non-printable bytes replaced so a fuzzed input still yields a readable line. */
int tpl_lex_err(struct tpl_cursor *ps, const char *fmt, ...)
{
	if (!ps->err || ps->errlen == 0)
		return -1;
	char quoted[72];
	size_t q = 0;
	const char *s = ps->text;
	for (; *s && q < 60; s++)
		quoted[q++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	quoted[q] = '\0';
	int k = snprintf(ps->err, ps->errlen, "shorthand \"%s%s\": ", quoted, *s ? "..." : "");
	if (k > 0 && (size_t)k < ps->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(ps->err + k, ps->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* See tpl_parse_int.h. */
bool tpl_lex_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* See tpl_parse_int.h. */
bool tpl_lex_is_alnum(char c)
{
	return isalnum((unsigned char)c) != 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* See tpl_parse_int.h. */
void tpl_lex_skip_ws(struct tpl_cursor *ps)
{
	while (tpl_lex_is_space(*ps->p))
		ps->p++;
}

/* Length of the token at p for messages: up to whitespace or a list delimiter. */
static int tok_len(const char *p)
{
	int n = 0;
	while (p[n] && !tpl_lex_is_space(p[n]) && p[n] != ',' && p[n] != '<' && p[n] != '>' && n < 24)
		n++;
	if (n == 0 && p[0])
		n = 1;
	return n;
}

/* A printable rendering of the token at p ("end of input" when there is none). */
const char *tpl_lex_tok_show(const char *p, char buf[40])
{
	if (!*p)
		return "end of input";
	int n = tok_len(p);
	buf[0] = '"';
	for (int i = 0; i < n; i++)
		buf[1 + i] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
	buf[1 + n] = '"';
	buf[2 + n] = '\0';
	return buf;
}

/* See tpl_parse_int.h. */
size_t tpl_lex_word_len(const char *p)
{
	size_t n = 0;
	while (tpl_lex_is_alnum(p[n]))
		n++;
	return n;
}

/* See tpl_parse_int.h. */
bool tpl_lex_word_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

/* Reads a decimal number no larger than max, or "*" (wild). `field` names it in
 * messages, e.g. "win 70000 out of range 0..65535". */
int tpl_lex_num(struct tpl_cursor *ps, const char *field, uint32_t max, uint32_t *val, bool *wild)
{
	const char *p = ps->p;
	char tb[40];
	*val = 0;
	*wild = false;
	if (*p == '*') {
		if (tpl_lex_is_alnum(p[1]))
			return tpl_lex_err(ps, "%s: expected a number or *, got %s", field, tpl_lex_tok_show(p, tb));
		ps->p = p + 1;
		*wild = true;
		return 0;
	}
	if ((*p == '-' || *p == '+') && is_digit(p[1]))
		return tpl_lex_err(ps, "%s %s is not allowed: numbers are unsigned decimal (0..%u)",
			    field, tpl_lex_tok_show(p, tb), max);
	if (!is_digit(*p))
		return tpl_lex_err(ps, "%s: expected a number or *, got %s", field, tpl_lex_tok_show(p, tb));
	uint64_t v = 0;
	size_t n = 0;
	while (is_digit(p[n])) {
		if (v <= UINT32_MAX)
			v = v * 10 + (uint64_t)(p[n] - '0');
		n++;
	}
	if (tpl_lex_is_alnum(p[n]))
		return tpl_lex_err(ps, "%s: %s is not a decimal number", field, tpl_lex_tok_show(p, tb));
	if (v > max) {
		int shown = n > 24 ? 24 : (int)n;
		return tpl_lex_err(ps, "%s %.*s%s out of range 0..%u", field, shown, p, n > 24 ? "..." : "", max);
	}
	*val = (uint32_t)v;
	ps->p = p + n;
	return 0;
}

/* See tpl_parse_int.h. */
int tpl_lex_expect_char(struct tpl_cursor *ps, char c, const char *what)
{
	char tb[40];
	if (*ps->p != c)
		return tpl_lex_err(ps, "%s: expected '%c', got %s", what, c, tpl_lex_tok_show(ps->p, tb));
	ps->p++;
	return 0;
}

/* FLAGS: "-" (no flags), "*" (don't care) or letters from F S R P . U E W, each once. */
bool tpl_lex_starts_number(const char *p)
{
	return is_digit(*p) || *p == '*' || ((*p == '-' || *p == '+') && is_digit(p[1]));
}

/* See tpl_parse_int.h. */
int tpl_lex_expect_word(struct tpl_cursor *ps, const char *w, const char *what)
{
	char tb[40];
	tpl_lex_skip_ws(ps);
	size_t n = tpl_lex_word_len(ps->p);
	if (!tpl_lex_word_is(ps->p, n, w))
		return tpl_lex_err(ps, "%s: expected \"%s\", got %s", what, w, tpl_lex_tok_show(ps->p, tb));
	ps->p += n;
	tpl_lex_skip_ws(ps);
	return 0;
}

/* HEXBYTES into buf (at most max bytes). */
int tpl_lex_hex(struct tpl_cursor *ps, uint8_t *buf, size_t max, size_t *got)
{
	char tb[40];
	const char *p = ps->p;
	size_t n = 0;
	while (hex_value(p[n]) >= 0)
		n++;
	if (tpl_lex_is_alnum(p[n]))
		return tpl_lex_err(ps, "raw: %s is not hex", tpl_lex_tok_show(p, tb));
	if (n == 0)
		return tpl_lex_err(ps, "raw: expected hex bytes such as 1e0401020304, got %s", tpl_lex_tok_show(p, tb));
	if (n % 2)
		return tpl_lex_err(ps, "raw: odd number of hex digits (%zu)", n);
	if (n / 2 > max)
		return tpl_lex_err(ps, "raw: %zu bytes, at most %zu", n / 2, max);
	for (size_t i = 0; i < n / 2; i++)
		buf[i] = (uint8_t)(hex_value(p[2 * i]) << 4 | hex_value(p[2 * i + 1]));
	*got = n / 2;
	ps->p = p + n;
	return 0;
}

