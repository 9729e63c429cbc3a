#ifndef TCPCONFORM_JSON_STR_H
#define TCPCONFORM_JSON_STR_H
#include <stdio.h>

/* A JSON string (RFC 8259 section 7) read and written, for the two strict readers of
 * the engines' lines (the sweep's flat result line, the fuzzer's JSON tree) and every
 * writer of them, so all decode and encode strings the same way. */

/* Reads the string at *p (its opening '"'): 0 with *out its bytes (malloc'ed, the
 * caller frees) and *p past the closing '"'; -1 with *p at the offending byte and *what
 * what was expected there ("expected the closing '\"'"), for the caller's own message
 * (which says where). \u0000 is refused: it would cut the C string short. Surrogate
 * pairs become one UTF-8 sequence. */
int json_str_read(const char **p, char **out, const char **what);

/* s (NULL: "") as a JSON string with its quotes; bytes that are not valid UTF-8 (RFC 3629
 * section 4) as \u00XX of the byte, so the output is always valid JSON. */
void json_str_write(FILE *f, const char *s);

#endif
