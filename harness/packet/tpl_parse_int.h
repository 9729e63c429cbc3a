#ifndef TCPCONFORM_TPL_PARSE_INT_H
#define TCPCONFORM_TPL_PARSE_INT_H
/* The shorthand's lexer (tpl_lex.c), shared by the grammar (tpl_parse.c) and nothing
 * else. Every function reads at the cursor and either advances it past what it read
 * or leaves it and returns -1 after tpl_lex_err, so a failed parse always carries a
 * message. Not for use outside tpl_parse.c / tpl_lex.c. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tpl.h"

/* A parse in progress. */
struct tpl_cursor {
	const char *text;   /* the whole shorthand, quoted in every message */
	const char *p;      /* cursor */
	struct tpl *t;
	char *err;
	size_t errlen;
};

/* Fills err with: shorthand "<text>": <detail>, and returns -1. The text is shortened
 * and non-printable bytes replaced so a fuzzed input still yields a readable line. */
int tpl_lex_err(struct tpl_cursor *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A blank between tokens: space, tab, CR, LF. */
bool tpl_lex_is_space(char c);

/* Skips blanks. */
void tpl_lex_skip_ws(struct tpl_cursor *ps);

/* A printable rendering of the token at p for messages, quoted, in buf (or "end of
 * input" when there is none). */
const char *tpl_lex_tok_show(const char *p, char buf[40]);

/* isalnum without the locale's surprises on high bytes. */
bool tpl_lex_is_alnum(char c);

/* Length of the alphanumeric word at p, and whether p[0..n) is w (case-insensitive). */
size_t tpl_lex_word_len(const char *p);
bool tpl_lex_word_is(const char *p, size_t n, const char *w);

/* True when a number (or "*", or a signed number to be rejected) starts at p. */
bool tpl_lex_starts_number(const char *p);

/* Reads a decimal number no larger than max, or "*" (*wild set, *val 0). `field` names
 * it in messages, e.g. "win 70000 out of range 0..65535". Returns 0 or -1. */
int tpl_lex_num(struct tpl_cursor *ps, const char *field, uint32_t max, uint32_t *val,
		bool *wild);

/* Consumes c, or fails naming `what` and the token found instead. */
int tpl_lex_expect_char(struct tpl_cursor *ps, char c, const char *what);

/* Consumes the word w (and the blanks around it), or fails naming `what`. */
int tpl_lex_expect_word(struct tpl_cursor *ps, const char *w, const char *what);

/* HEXBYTES into buf (an even number of digits, at most max bytes); *got is the count. */
int tpl_lex_hex(struct tpl_cursor *ps, uint8_t *buf, size_t max, size_t *got);

#endif
