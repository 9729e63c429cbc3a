/* textout.c -- the appending snprintf shared by this layer's text renderers (textout.h). */
#include "textout.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

/* Empty text; a NULL or zero-sized buffer only counts. */
void textout_init(struct textout *o, char *buf, size_t cap)
{
	o->buf = buf;
	o->cap = buf ? cap : 0;
	o->n = 0;
	if (o->cap)
		buf[0] = '\0';
}

/* vsnprintf at the end of what was written so far. Once the buffer is full, vsnprintf
 * with no room still reports the length, so the count stays exact. */
void textout_printf(struct textout *o, const char *fmt, ...)
{
	va_list ap;
	char *dst = NULL;
	size_t room = 0;
	if (o->n < o->cap) {
		dst = o->buf + o->n;
		room = o->cap - o->n;
	}
	va_start(ap, fmt);
	int k = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->n += (size_t)k;
}

/* The snprintf-style return value; vsnprintf has already terminated the buffer. */
int textout_result(const struct textout *o)
{
	return o->n > INT_MAX ? INT_MAX : (int)o->n;
}
