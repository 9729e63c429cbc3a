#ifndef TCPCONFORM_TAILBUF_H
#define TCPCONFORM_TAILBUF_H
#include <stdbool.h>
#include <stddef.h>

/* A bounded byte buffer that keeps the last `cap` bytes written to it: the tail of a
 * stream whose length nobody bounds (a crashing stack's output), in constant memory. */

struct tailbuf;

/* A buffer of cap bytes (cap > 0), or NULL when out of memory. */
struct tailbuf *tailbuf_new(size_t cap);
void tailbuf_free(struct tailbuf *tb);

/* Appends len bytes; when more than cap bytes have been written, the oldest go. */
void tailbuf_add(struct tailbuf *tb, const void *data, size_t len);

/* The bytes held (at most cap). */
size_t tailbuf_len(const struct tailbuf *tb);
/* True once bytes have been dropped to make room. */
bool tailbuf_lost(const struct tailbuf *tb);

/* Copies the held bytes, oldest first, into out (at most outlen - 1 of them, the newest
 * kept) and NUL-terminates it. Returns the bytes copied. */
size_t tailbuf_copy(const struct tailbuf *tb, char *out, size_t outlen);

#endif
