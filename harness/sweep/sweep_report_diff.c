/* sweep_report_diff: how the targets of a sweep compare in one cell (sweep_report_int.h),
 * for the differential page. */
#include "sweep_report_int.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* Each target's behaviour over the cell's cases that every target completed (a case
 * with an error, or missing on a target, cannot be compared): "id\x1f=\x1e" where it
 * agrees with the model, "id\x1f<seen>\x1e" where it does not. Returns how many cases
 * went in. */
static size_t signatures(const struct sweep_report *rep, size_t first, size_t end,
			 struct strbuf *sig, bool *all_agree)
{
	size_t ncases = 0;
	*all_agree = true;
	for (size_t i = first; i < end;) {
		size_t j = i, ok = 0;
		while (j < end && strcmp(rep->e[j].r.id, rep->e[i].r.id) == 0) {
			ok += rep->e[j].r.verdict != SWEEP_ERROR;
			j++;
		}
		/* Sorted by target within an id: one entry per target when complete. */
		if (ok == (size_t)rep->ntargets && j - i == ok) {
			for (size_t k = i; k < j; k++) {
				const struct sweep_result *r = &rep->e[k].r;
				bool agree = r->verdict == SWEEP_AGREE;
				*all_agree = *all_agree && agree;
				strbuf_addf(&sig[rep->e[k].target], "%s\x1f%s\x1e", r->id,
					    agree ? "=" : r->seen);
			}
			ncases++;
		}
		i = j;
	}
	return ncases;
}

static bool same(const struct strbuf *a, const struct strbuf *b)
{
	return strcmp(strbuf_str(a), strbuf_str(b)) == 0;
}

enum sweep_diff sweep_cell_diff(const struct sweep_report *rep, size_t first, size_t end,
				int *odd)
{
	int n = rep->ntargets;
	*odd = -1;
	struct strbuf *sig = calloc((size_t)n, sizeof(*sig));
	if (!sig)
		return SWEEP_DIFF_ERROR;
	bool all_agree;
	enum sweep_diff d;
	if (signatures(rep, first, end, sig, &all_agree) == 0) {
		d = SWEEP_DIFF_ERROR;
	} else {
		bool alike = true;
		for (int t = 1; t < n; t++)
			alike = alike && same(&sig[0], &sig[t]);
		d = !alike ? SWEEP_DIFF_DISAGREE : all_agree ? SWEEP_DIFF_AGREE : SWEEP_DIFF_ALIKE;
		/* The odd one out: differs from every other target, which all behave alike. */
		for (int t = 0; d == SWEEP_DIFF_DISAGREE && n >= 3 && t < n && *odd < 0; t++) {
			int ref = t == 0 ? 1 : 0;
			bool others_alike = true;
			for (int u = 0; u < n; u++)
				if (u != t && !same(&sig[u], &sig[ref]))
					others_alike = false;
			if (others_alike && !same(&sig[t], &sig[ref]))
				*odd = t;
		}
	}
	for (int t = 0; t < n; t++)
		strbuf_free(&sig[t]);
	free(sig);
	return d;
}
