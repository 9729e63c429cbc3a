/* sweep_report: the sweep's results kept, sorted into cells, counted and summed up on
 * the console, and cases.jsonl (sweep_report.h). */
#include "sweep_report_int.h"

#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"

struct sweep_report *sweep_report_new(const char *const *targets, int ntargets)
{
	struct sweep_report *rep = calloc(1, sizeof(*rep));
	if (!rep || !(rep->targets = calloc((size_t)ntargets + 1, sizeof(char *)))) {
		free(rep);
		return NULL;
	}
	rep->ntargets = ntargets;
	for (int i = 0; i < ntargets; i++)
		if (!(rep->targets[i] = strdup(targets[i]))) {
			sweep_report_free(rep);
			return NULL;
		}
	return rep;
}

void sweep_report_free(struct sweep_report *rep)
{
	if (!rep)
		return;
	for (int i = 0; i < rep->ntargets; i++)
		free(rep->targets[i]);
	free(rep->targets);
	for (size_t i = 0; i < rep->n; i++)
		sweep_result_free(&rep->e[i].r);
	free(rep->e);
	for (int i = 0; i < rep->ntroubles; i++)
		free(rep->troubles[i].message);
	free(rep->troubles);
	free(rep);
}

int sweep_report_add(struct sweep_report *rep, int target, struct sweep_result *r)
{
	char *label = strdup(rep->targets[target]);
	if (!label)
		return -1;
	if (rep->n == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 256;
		struct sweep_entry *e = realloc(rep->e, cap * sizeof(*e));
		if (!e) {
			free(label);
			return -1;
		}
		rep->e = e;
		rep->cap = cap;
	}
	/* The worker's target is the truth: the engine may not know the options' label. */
	free(r->target);
	r->target = label;
	rep->e[rep->n++] = (struct sweep_entry){*r, target};
	memset(r, 0, sizeof(*r));
	rep->sorted = false;
	return 0;
}

int sweep_report_trouble(struct sweep_report *rep, int target, const char *message)
{
	struct sweep_trouble *t = realloc(rep->troubles, (size_t)(rep->ntroubles + 1) * sizeof(*t));
	if (!t)
		return -1;
	rep->troubles = t;
	char *m = strdup(message);
	if (!m)
		return -1;
	t[rep->ntroubles++] = (struct sweep_trouble){target, m};
	return 0;
}

void sweep_report_counts(const struct sweep_report *rep, int target, long *counts)
{
	memset(counts, 0, SWEEP_NVERDICTS * sizeof(*counts));
	for (size_t i = 0; i < rep->n; i++)
		if (target < 0 || rep->e[i].target == target)
			counts[rep->e[i].r.verdict]++;
}

int sweep_report_troubles(const struct sweep_report *rep)
{
	return rep->ntroubles;
}

bool sweep_report_has_stub(const struct sweep_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		if (rep->e[i].r.stub)
			return true;
	return false;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct sweep_entry *x = a, *y = b;
	int rx = sweep_state_rank(x->r.state), ry = sweep_state_rank(y->r.state), c;
	if (rx != ry)
		return rx < ry ? -1 : 1;
	if ((c = strcmp(x->r.state, y->r.state)) || (c = strcmp(x->r.klass, y->r.klass)) ||
	    (c = strcmp(x->r.id, y->r.id)))
		return c;
	return x->target - y->target;
}

void sweep_report_sort(struct sweep_report *rep)
{
	if (!rep->sorted && rep->n)
		qsort(rep->e, rep->n, sizeof(*rep->e), cmp_entry);
	rep->sorted = true;
}

size_t sweep_cell_end(const struct sweep_report *rep, size_t first)
{
	size_t i = first + 1;
	while (i < rep->n && strcmp(rep->e[i].r.state, rep->e[first].r.state) == 0 &&
	       strcmp(rep->e[i].r.klass, rep->e[first].r.klass) == 0)
		i++;
	return i;
}

int sweep_cell_verdict(const struct sweep_report *rep, size_t first, size_t end, int target)
{
	/* Worst first: what needs a look. */
	static const int weight[SWEEP_NVERDICTS] = {
		[SWEEP_AGREE] = 0, [SWEEP_ERROR] = 1, [SWEEP_DEVIATION] = 2, [SWEEP_DIFFERS] = 3};
	int v = -1;
	for (size_t i = first; i < end; i++)
		if (rep->e[i].target == target &&
		    (v < 0 || weight[rep->e[i].r.verdict] > weight[v]))
			v = (int)rep->e[i].r.verdict;
	return v;
}

/* One row of the summary table. */
static void summary_row(FILE *out, const char *what, const long *c)
{
	long n = 0;
	for (int v = 0; v < SWEEP_NVERDICTS; v++)
		n += c[v];
	fprintf(out, "  %-22s %7ld %7ld %7ld %9ld %7ld\n", what, n, c[SWEEP_AGREE],
		c[SWEEP_DIFFERS], c[SWEEP_DEVIATION], c[SWEEP_ERROR]);
}

void sweep_report_summary(struct sweep_report *rep, FILE *out)
{
	sweep_report_sort(rep);
	for (int t = 0; t < rep->ntargets; t++) {
		fprintf(out, "\n%s\n  %-22s %7s %7s %7s %9s %7s\n", rep->targets[t], "state", "cases",
			"agree", "differs", "deviation", "error");
		long c[SWEEP_NVERDICTS] = {0}, total[SWEEP_NVERDICTS] = {0};
		for (size_t i = 0; i < rep->n; i++) {
			const struct sweep_entry *e = &rep->e[i];
			if (e->target == t) {
				c[e->r.verdict]++;
				total[e->r.verdict]++;
			}
			bool last = i + 1 == rep->n || strcmp(rep->e[i + 1].r.state, e->r.state) != 0;
			long any = c[0] + c[1] + c[2] + c[3];
			if (last && any) {
				summary_row(out, e->r.state, c);
				memset(c, 0, sizeof(c));
			}
		}
		summary_row(out, "total", total);
		for (int k = 0; k < rep->ntroubles; k++)
			if (rep->troubles[k].target == t)
				fprintf(out, "  trouble: %s\n", rep->troubles[k].message);
	}
}

static int fill_jsonl(FILE *f, const void *ctx)
{
	const struct sweep_report *rep = ctx;
	for (size_t i = 0; i < rep->n; i++)
		sweep_result_write(f, &rep->e[i].r);
	return ferror(f);
}

int sweep_report_write_jsonl(struct sweep_report *rep, const char *path, char *err,
			     size_t errlen)
{
	sweep_report_sort(rep);
	return atomic_file_write(path, fill_jsonl, rep, "sweep cases", err, errlen);
}
