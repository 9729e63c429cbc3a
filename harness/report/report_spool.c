/* report_spool.c - sealing: a finished case rendered at once into a spool file and its
 * text freed (report.h, report_case_seal).
 *
 * Sealing (report_case_seal) renders a finished case at once into a spool file (an
 * unlinked tmpfile(), so nothing is left behind even by kill -9) and frees its strings;
 * only its status and time stay for the totals. report_write_junit copies the sealed
 * bytes back in place. A run therefore holds no testcase text in memory, however many
 * tests it has, and the file is the same as if nothing had been sealed.
 */
#include "report.h"

#include "report_int.h"

#include <errno.h>
#include <stdint.h>

/* Copies a sealed case's bytes from the spool. */
void report_spool_copy(struct xw *w, FILE *spool, const struct report_case *c)
{
	if (w->err)
		return;
	if (fseek(spool, c->spool_at, SEEK_SET) != 0) {
		w->err = errno ? errno : EIO;
		return;
	}
	char buf[8192];
	for (size_t left = c->spool_len; left > 0 && !w->err;) {
		size_t n = fread(buf, 1, left < sizeof(buf) ? left : sizeof(buf), spool);
		if (n == 0) {
			w->err = EIO;
			return;
		}
		xw_put(w, buf, n);
		left -= n;
	}
}

/* Renders c into the spool and frees its text (see the top of this file). The spool is
 * only ever appended to here; report_write_junit reads it back with explicit seeks. */
int report_case_seal(struct report_suite *s, struct report_case *c)
{
	struct report *r = s ? s->report : NULL;
	if (!r || !c || c->sealed) {
		errno = EINVAL;
		return -1;
	}
	if (!r->spool && !r->spool_failed && !(r->spool = tmpfile()))
		r->spool_failed = true;
	if (!r->spool)
		return -1;   /* the case simply stays in memory */
	if (fseek(r->spool, 0, SEEK_END) != 0)
		return -1;
	long at = ftell(r->spool);
	struct xw w = XW_INIT(r->spool);
	report_render_case(&w, s, c);
	long end = ftell(r->spool);
	if (w.err || at < 0 || end < at) {
		/* Whatever was written is garbage now: the next seal appends after it and this
		 * case is rendered from memory as before. */
		errno = w.err ? w.err : EIO;
		return -1;
	}
	c->sealed = true;
	c->spool_at = at;
	c->spool_len = (size_t)(end - at);
	report_case_free_strings(c);
	return 0;
}
