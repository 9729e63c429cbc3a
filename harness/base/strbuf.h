#ifndef TCPCONFORM_STRBUF_H
#define TCPCONFORM_STRBUF_H
#include <stddef.h>

/* A growable NUL-terminated string. Zero-initialise; strbuf_free releases it. On
 * allocation failure the text is truncated, never corrupted. */
struct strbuf {
	char *s;
	size_t len, cap;
};

void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_add(struct strbuf *b, const char *text, size_t len);
const char *strbuf_str(const struct strbuf *b);   /* "" when empty */
void strbuf_reset(struct strbuf *b);
void strbuf_free(struct strbuf *b);

#endif
