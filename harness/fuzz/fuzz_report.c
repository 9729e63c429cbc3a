/* fuzz_report: stats.json, the console summary and a finding's line (fuzz_report.h). */
#include "fuzz_report.h"

#include <string.h>

#include "atomic_file.h"
#include "json_str.h"
#include "fuzz_json.h"
#include "fuzz_store.h"

void fuzz_report_by_oracle(const struct fuzz_store *s, long counts[5])
{
	memset(counts, 0, 5 * sizeof(*counts));
	for (size_t i = 0; i < fuzz_store_count(s); i++)
		counts[fuzz_oracle_index(fuzz_json_str(fuzz_store_get(s, i, NULL), "oracle", ""))]++;
}

struct stats_ctx {
	const struct fuzz_store *s;
	const struct fuzz_totals *t;
};

static int fill_stats(FILE *f, const void *ctx)
{
	const struct stats_ctx *x = ctx;
	const struct fuzz_totals *t = x->t;
	long by[5];
	fuzz_report_by_oracle(x->s, by);
	fprintf(f, "{\n  \"seed\": %llu,\n  \"shard\": \"%d/%d\",\n  \"jobs\": %d,\n  \"targets\": [",
		t->seed, t->shard_k, t->shard_n, t->jobs);
	for (int i = 0; i < t->ntargets; i++) {
		fputs(i ? ", " : "", f);
		json_str_write(f, t->targets[i]);
	}
	fprintf(f, "],\n  \"seconds\": %.3f,\n  \"cases\": %.0f,\n  \"execs\": %.0f,\n"
		"  \"cases_per_s\": %.1f,\n  \"corpus\": %.0f,\n  \"corpus_at_start\": %ld,\n"
		"  \"first_corpus\": %.0f,\n  \"corpus_added\": %ld,\n  \"coverage\": %.0f,\n",
		t->seconds, t->cases, t->execs, t->seconds > 0 ? t->cases / t->seconds : 0.0,
		t->corpus, t->corpus_at_start, t->first_corpus, t->corpus_added, t->coverage);
	fputs("  \"findings\": {", f);
	for (int o = 0; o < FUZZ_NORACLES; o++)
		fprintf(f, "%s\"%s\": %ld", o ? ", " : "", FUZZ_ORACLES[o], by[o]);
	fprintf(f, "},\n  \"unverified_tests\": %ld,\n  \"unprocessed\": %ld,\n"
		"  \"findings_total\": %zu,\n  \"new_findings\": %zu,\n"
		"  \"suppressed\": %zu,\n  \"interrupted\": %s,\n  \"troubles\": [",
		fuzz_report_unverified(x->s), fuzz_report_unprocessed(x->s), fuzz_store_count(x->s),
		fuzz_store_new_count(x->s),
		fuzz_store_suppressed_count(x->s), t->interrupted ? "true" : "false");
	for (int i = 0; i < t->ntroubles; i++) {
		fputs(i ? ", " : "", f);
		json_str_write(f, t->troubles[i]);
	}
	fputs("],\n  \"workers\": [", f);
	for (int i = 0; i < t->nworkers; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		if (t->workers[i])
			fuzz_json_write(f, t->workers[i], false);
		else
			fputs("null", f);
	}
	fputs(t->nworkers ? "\n  ]\n}\n" : "]\n}\n", f);
	return ferror(f);
}

int fuzz_report_write_stats(const struct fuzz_store *s, const struct fuzz_totals *t,
			    const char *path, char *err, size_t errlen)
{
	struct stats_ctx x = {s, t};
	return atomic_file_write(path, fill_stats, &x, "fuzz stats", err, errlen);
}

void fuzz_report_finding_line(const struct fuzz_json *f, FILE *out)
{
	const char *rule = fuzz_json_str(f, "rule", ""), *rfc = fuzz_json_str(f, "rfc", "");
	fprintf(out, "new finding %s: %s on %s in %s, %s -> %s", fuzz_json_str(f, "signature", "?"),
		fuzz_json_str(f, "oracle", "?"), fuzz_json_str(f, "target", "?"),
		fuzz_json_str(f, "state", "?"), fuzz_json_str(f, "class", "?"),
		fuzz_json_str(f, "reply_class", "?"));
	if (*rule || *rfc)
		fprintf(out, ": rule %s (RFC %s)", *rule ? rule : "?", *rfc ? rfc : "?");
	if (fuzz_report_processed(f))
		fprintf(out, ", %s steps minimised\n", fuzz_json_str(f, "steps", "?"));
	else
		fprintf(out, ", not processed (%s steps as found)\n", fuzz_json_str(f, "steps", "?"));
	fflush(out);
}

bool fuzz_report_processed(const struct fuzz_json *f)
{
	const struct fuzz_json *v = fuzz_json_get(f, "processed");
	return !(v && v->type == FUZZ_JSON_BOOL && !v->b);
}

long fuzz_report_unprocessed(const struct fuzz_store *s)
{
	long n = 0;
	for (size_t i = 0; i < fuzz_store_count(s); i++)
		n += !fuzz_report_processed(fuzz_store_get(s, i, NULL));
	return n;
}

long fuzz_report_unverified(const struct fuzz_store *s)
{
	long n = 0;
	for (size_t i = 0; i < fuzz_store_count(s); i++) {
		const struct fuzz_json *x = fuzz_store_get(s, i, NULL);
		const struct fuzz_json *v = fuzz_json_get(x, "test_verified");
		n += v && v->type == FUZZ_JSON_BOOL && !v->b && fuzz_report_processed(x);
	}
	return n;
}

void fuzz_report_summary(const struct fuzz_store *s, const struct fuzz_totals *t, FILE *f)
{
	long by[5];
	fuzz_report_by_oracle(s, by);
	fprintf(f, "\n%.0f cases in %.1f s (%.0f cases/s), %.0f execs; corpus %.0f (%ld at start, "
		"%ld added), coverage %.0f\n", t->cases, t->seconds,
		t->seconds > 0 ? t->cases / t->seconds : 0.0, t->execs, t->corpus,
		t->corpus_at_start, t->corpus_added, t->coverage);
	fprintf(f, "findings: %zu new, %zu known; by oracle: model %ld, differential %ld, "
		"liveness %ld, invariant %ld; suppressed %zu (declared deviations)\n",
		fuzz_store_new_count(s), fuzz_store_count(s) - fuzz_store_new_count(s), by[0], by[1],
		by[2], by[3], fuzz_store_suppressed_count(s));
	long unprocessed = fuzz_report_unprocessed(s);
	if (unprocessed)
		fprintf(f, "%ld distinct signature%s found after the findings' share of the time was "
			"spent: reported as found, not confirmed or minimised, no pcaps, test not run "
			"(processed false; marked * below)\n", unprocessed, unprocessed == 1 ? "" : "s");
	long unverified = fuzz_report_unverified(s);
	if (unverified)
		fprintf(f, "%ld finding%s with a test.lua that did not do what it must when run "
			"(test_verified false: see index.html)\n", unverified, unverified == 1 ? "" : "s");
	fprintf(f, "seed %llu, shard %d/%d, %d job%s\n", t->seed, t->shard_k, t->shard_n, t->jobs,
		t->jobs == 1 ? "" : "s");
	for (size_t i = 0; i < fuzz_store_count(s); i++) {
		bool is_new;
		const struct fuzz_json *x = fuzz_store_get(s, i, &is_new);
		if (is_new)
			fprintf(f, " %s%s  %-12s %s  %s %s -> %s  %s/findings/%s/test.lua\n",
				fuzz_report_processed(x) ? " " : "*",
				fuzz_json_str(x, "signature", "?"), fuzz_json_str(x, "oracle", "?"),
				fuzz_json_str(x, "target", "?"), fuzz_json_str(x, "state", "?"),
				fuzz_json_str(x, "class", "?"), fuzz_json_str(x, "reply_class", "?"),
				fuzz_store_dir(s), fuzz_json_str(x, "signature", "?"));
	}
	for (int i = 0; i < t->ntroubles; i++)
		fprintf(f, "trouble: %s\n", t->troubles[i]);
}
