/* matrix_md.c - the matrix as a GitHub-flavoured Markdown table (see the top of
 * matrix.c): a title, a legend, a summary line per target, the table and a total row. */
#include "matrix_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static void md_legend(FILE *f)
{
	fputs("Legend:", f);
	for (int v = 0; v < MATRIX_NVERDICTS; v++)
		fprintf(f, " **%s** %s;", MATRIX_VERDICTS[v].word, MATRIX_VERDICTS[v].meaning);
	fputs(" **\u2260** targets disagree (one passes, another fails or deviates).\n\n", f);
}

static void md_summary_lines(FILE *f, const struct matrix *m, const int *counts)
{
	for (int t = 0; t < m->ntargets; t++) {
		fputs("- **", f);
		matrix_md_put(f, m->targets[t]);
		fputs("**:", f);
		for (int v = 0; v < MATRIX_NVERDICTS; v++)
			fprintf(f, "%s %d %s", v ? "," : "", counts[t * MATRIX_NVERDICTS + v],
				matrix_verdict_word((enum matrix_verdict)v));
		fputc('\n', f);
	}
	fprintf(f, "- rows where targets disagree: %d of %d\n\n", matrix_count_disagreements(m),
		m->nrows);
}

static void md_header(FILE *f, const struct matrix *m)
{
	fputs("| ID | RFC | Test |", f);
	for (int t = 0; t < m->ntargets; t++) {
		fputc(' ', f);
		matrix_md_put(f, m->targets[t]);
		fputs(" |", f);
	}
	fputs("\n|---|---|---|", f);
	for (int t = 0; t < m->ntargets; t++)
		fputs(":---:|", f);
	fputc('\n', f);
}

static void md_row(FILE *f, const struct matrix *m, const struct row *r, const struct matrix_outdir *d)
{
	bool disagree = matrix_row_disagrees(m, r);
	fputs("| ", f);
	matrix_md_put(f, r->id);
	fputs(" | ", f);
	matrix_md_put(f, r->rfc);
	fputs(" | ", f);
	matrix_md_put(f, r->name);
	fputs(disagree ? " **\u2260** |" : " |", f);
	for (int t = 0; t < m->ntargets; t++) {
		const struct cell *c = &r->cells[t];
		fprintf(f, " %s", MATRIX_VERDICTS[c->verdict].word);
		if (c->verdict != MATRIX_PASS && matrix_cell_links_pcap(c, disagree)) {
			fputs(" [pcap](", f);
			matrix_link_put(f, d, c->pcap);
			fputc(')', f);
		}
		fputs(" |", f);
	}
	fputc('\n', f);
}

/* The summary row closing the table: per target, the verdicts that occur and how often. */
static void md_summary_row(FILE *f, const struct matrix *m, const int *counts)
{
	fputs("| | | **total** |", f);
	for (int t = 0; t < m->ntargets; t++) {
		const char *sep = " ";
		for (int v = 0; v < MATRIX_NVERDICTS; v++) {
			int n = counts[t * MATRIX_NVERDICTS + v];
			if (n) {
				fprintf(f, "%s%d %s", sep, n, matrix_verdict_word((enum matrix_verdict)v));
				sep = ", ";
			}
		}
		fputs(" |", f);
	}
	fputc('\n', f);
}

int matrix_md_render(const struct matrix *m, FILE *f, const struct matrix_outdir *d)
{
	int *counts = matrix_count_verdicts(m);
	if (!counts) {
		errno = ENOMEM;
		return -1;
	}
	fputs("# ", f);
	matrix_md_put(f, m->title);
	fputs("\n\n", f);
	md_legend(f);
	md_summary_lines(f, m, counts);
	md_header(f, m);
	for (int i = 0; i < m->nrows; i++)
		md_row(f, m, &m->rows[i], d);
	md_summary_row(f, m, counts);
	free(counts);
	return ferror(f) ? -1 : 0;
}
