/* fuzz_report_junit: a campaign as JUnit XML through the run's JUnit model (report.h,
 * the same schema-valid writer and escaping as the run and the sweep): one testsuite
 * "fuzz", one testcase per signature, so a short campaign can gate a merge request. A
 * new finding is a <failure> (its rule, expected, outputs and the path of its test.lua);
 * one already in OUT before the run is skipped as known; an unprocessed one (found when
 * the findings' share of the time was spent) says so and has the property processed=false;
 * suppressed and unprocessed findings, cases and coverage are suite properties; a worker's
 * trouble is an <error> testcase of its own. */
#include "fuzz_report.h"

#include <stdio.h>
#include <string.h>

#include "fuzz_json.h"
#include "fuzz_store.h"
#include "report.h"
#include "strbuf.h"

static void detail_of(struct strbuf *b, const struct fuzz_store *s, const struct fuzz_json *x)
{
	static const char *const keys[] = {"oracle", "target", "state", "class", "reply_class",
					   "rule", "rfc", "sentence", "last_words"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = fuzz_json_str(x, keys[i], "");
		if (*v)
			strbuf_addf(b, "%s: %s\n", keys[i], v);
	}
	const char *expected = fuzz_json_str(x, "expected", "");
	if (*expected)
		strbuf_addf(b, "expected:\n  %s\n", expected);
	const struct fuzz_json *out = fuzz_json_get(x, "outputs");
	for (size_t i = 0; out && out->type == FUZZ_JSON_OBJECT && i < out->n; i++)
		if (out->kids[i].text)
			strbuf_addf(b, "output of %s:\n  %s\n", out->kids[i].key, out->kids[i].text);
	strbuf_addf(b, "test: %s/findings/%s/test.lua\n", fuzz_store_dir(s),
		    fuzz_json_str(x, "signature", "?"));
}

static int finding_case(struct report_suite *su, const struct fuzz_store *s,
			const struct fuzz_json *x, bool is_new)
{
	char name[600], msg[1200];
	snprintf(name, sizeof(name), "%s %s %s %s %s", fuzz_json_str(x, "signature", "?"),
		 fuzz_json_str(x, "oracle", "?"), fuzz_json_str(x, "target", "?"),
		 fuzz_json_str(x, "state", "?"), fuzz_json_str(x, "class", "?"));
	struct report_case *c = report_case_add(su, name, "fuzz");
	if (!c)
		return -1;
	const char *rule = fuzz_json_str(x, "rule", "");
	bool processed = fuzz_report_processed(x);
	snprintf(msg, sizeof(msg), "%s finding%s: %s on %s in %s, %s -> %s%s%s%s%s",
		 is_new ? "new" : "known", processed ? "" : " (not processed: as found)",
		 fuzz_json_str(x, "oracle", "?"),
		 fuzz_json_str(x, "target", "?"), fuzz_json_str(x, "state", "?"),
		 fuzz_json_str(x, "class", "?"), fuzz_json_str(x, "reply_class", "?"),
		 *rule ? " (rule " : "", rule, *rule ? ", RFC " : "",
		 *rule ? fuzz_json_str(x, "rfc", "?") : "");
	if (*rule)
		strncat(msg, ")", sizeof(msg) - strlen(msg) - 1);
	struct strbuf d = {0};
	detail_of(&d, s, x);
	int rc = report_case_result(c, is_new ? VERDICT_FAIL : VERDICT_SKIP, 0, msg,
				    is_new ? strbuf_str(&d) : NULL);
	strbuf_free(&d);
	static const char *const props[] = {"signature", "oracle", "target", "state", "rfc"};
	for (size_t i = 0; rc == 0 && i < sizeof(props) / sizeof(props[0]); i++)
		rc = report_case_property(c, props[i], fuzz_json_str(x, props[i], ""));
	const struct fuzz_json *v = fuzz_json_get(x, "test_verified");
	if (rc == 0 && v && v->type == FUZZ_JSON_BOOL)
		rc = report_case_property(c, "test_verified", v->b ? "true" : "false");
	if (rc == 0)
		rc = report_case_property(c, "processed", processed ? "true" : "false");
	const struct fuzz_json *pcaps = fuzz_json_get(x, "pcaps");
	for (size_t i = 0; rc == 0 && pcaps && pcaps->type == FUZZ_JSON_OBJECT && i < pcaps->n; i++)
		if (pcaps->kids[i].text)
			rc = report_case_attachment(c, pcaps->kids[i].text);
	return rc;
}

static int property_num(struct report_suite *su, const char *name, double v)
{
	char num[64];
	snprintf(num, sizeof(num), "%.0f", v);
	return report_suite_property(su, name, num);
}

int fuzz_report_write_junit(const struct fuzz_store *s, const struct fuzz_totals *t,
			    const char *path, char *err, size_t errlen)
{
	struct report *jr = report_new("tcpconform fuzz");
	struct report_suite *su = jr ? report_suite_add(jr, "fuzz", NULL) : NULL;
	int rc = su ? 0 : -1;
	struct strbuf targets = {0};
	for (int i = 0; i < t->ntargets; i++)
		strbuf_addf(&targets, "%s%s", i ? "," : "", t->targets[i]);
	char seed[64], shard[64];
	snprintf(seed, sizeof(seed), "%llu", t->seed);
	snprintf(shard, sizeof(shard), "%d/%d", t->shard_k, t->shard_n);
	if (rc == 0)
		rc = report_suite_property(su, "target", strbuf_str(&targets)) |
		     report_suite_property(su, "seed", seed) |
		     report_suite_property(su, "shard", shard) |
		     property_num(su, "cases", t->cases) | property_num(su, "coverage", t->coverage) |
		     property_num(su, "corpus", t->corpus) |
		     property_num(su, "suppressed", (double)fuzz_store_suppressed_count(s)) |
		     property_num(su, "new_findings", (double)fuzz_store_new_count(s)) |
		     property_num(su, "unprocessed", (double)fuzz_report_unprocessed(s));
	strbuf_free(&targets);
	for (size_t i = 0; rc == 0 && i < fuzz_store_count(s); i++) {
		bool is_new;
		const struct fuzz_json *x = fuzz_store_get(s, i, &is_new);
		rc = finding_case(su, s, x, is_new);
	}
	for (int k = 0; rc == 0 && k < t->ntroubles; k++) {
		struct report_case *c = report_case_add(su, "the campaign itself", "fuzz");
		rc = c ? report_case_result(c, VERDICT_ERROR, 0, t->troubles[k], t->troubles[k]) : -1;
	}
	/* Always one testcase: a campaign that found nothing passed, and says how far it got. */
	if (rc == 0 && fuzz_store_count(s) == 0 && t->ntroubles == 0) {
		char msg[200];
		snprintf(msg, sizeof(msg), "%.0f cases, no finding", t->cases);
		struct report_case *c = report_case_add(su, "campaign", "fuzz");
		rc = c ? report_case_result(c, VERDICT_PASS, t->seconds, msg, NULL) : -1;
	}
	if (rc == 0)
		rc = report_write_junit_file(jr, path, err, errlen);
	else
		snprintf(err, errlen, "fuzz JUnit %s: out of memory", path);
	report_free(jr);
	return rc;
}
