/* tailbuf: the last N bytes of a stream (see tailbuf.h). */
#include "tailbuf.h"

#include <stdlib.h>
#include <string.h>

struct tailbuf {
	size_t cap;
	size_t start;   /* index of the oldest byte */
	size_t len;     /* bytes held */
	bool lost;
	char data[];
};

/* See tailbuf.h. */
struct tailbuf *tailbuf_new(size_t cap)
{
	if (cap == 0)
		return NULL;
	struct tailbuf *tb = malloc(sizeof(*tb) + cap);
	if (tb)
		*tb = (struct tailbuf){.cap = cap};
	return tb;
}

void tailbuf_free(struct tailbuf *tb)
{
	free(tb);
}

/* See tailbuf.h. */
void tailbuf_add(struct tailbuf *tb, const void *data, size_t len)
{
	const char *p = data;
	if (len >= tb->cap) {
		/* Only the newest cap bytes can stay. */
		tb->lost = tb->lost || tb->len > 0 || len > tb->cap;
		memcpy(tb->data, p + len - tb->cap, tb->cap);
		tb->start = 0;
		tb->len = tb->cap;
		return;
	}
	size_t over = tb->len + len > tb->cap ? tb->len + len - tb->cap : 0;
	if (over) {
		tb->start = (tb->start + over) % tb->cap;
		tb->len -= over;
		tb->lost = true;
	}
	size_t end = (tb->start + tb->len) % tb->cap;
	size_t first = len < tb->cap - end ? len : tb->cap - end;
	memcpy(tb->data + end, p, first);
	memcpy(tb->data, p + first, len - first);
	tb->len += len;
}

size_t tailbuf_len(const struct tailbuf *tb)
{
	return tb->len;
}

bool tailbuf_lost(const struct tailbuf *tb)
{
	return tb->lost;
}

/* See tailbuf.h. */
size_t tailbuf_copy(const struct tailbuf *tb, char *out, size_t outlen)
{
	if (outlen == 0)
		return 0;
	size_t n = tb->len < outlen - 1 ? tb->len : outlen - 1;
	size_t from = (tb->start + tb->len - n) % tb->cap;   /* skip the oldest that do not fit */
	size_t first = n < tb->cap - from ? n : tb->cap - from;
	memcpy(out, tb->data + from, first);
	memcpy(out + first, tb->data, n - first);
	out[n] = 0;
	return n;
}
