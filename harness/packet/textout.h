#ifndef TCPCONFORM_TEXTOUT_H
#define TCPCONFORM_TEXTOUT_H
#include <stddef.h>

/* An snprintf that appends, over a caller's fixed buffer: the one-line renderers of this
 * layer (seg_format, tpl_format, match_format_seg) build their text piece by piece and
 * still return what snprintf would, so a caller can size a buffer or detect truncation.
 * A plain value on the caller's stack; it owns nothing. `buf` may be NULL with cap 0,
 * which only counts. */
struct textout {
	char *buf;
	size_t cap;
	size_t n;       /* bytes the whole text needs, NUL excluded (may exceed cap) */
};

/* Starts an empty text in buf[0..cap): buf[0] is NUL when cap > 0. */
void textout_init(struct textout *o, char *buf, size_t cap);

/* Appends printf-style; what does not fit is counted but not written, and the buffer
 * stays NUL-terminated. */
void textout_printf(struct textout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The length the whole text needs (INT_MAX at most), as snprintf returns it. */
int textout_result(const struct textout *o);

#endif
