/* sweep_report_junit: the sweep as JUnit XML through the run's own JUnit model
 * (report.h, so the same schema-valid writer and escaping serve both commands): a
 * testsuite per target, a testcase per (state, event class) group. A group fails when a
 * case in it differs from the model and no deviation covers it; its <failure> lists each
 * such case, expected vs seen, the rule and its RFC sentence. Declared deviations pass,
 * named in [[PROPERTY|deviation=...]] lines; a group with errors and no difference is an
 * <error> listing them. */
#include "sweep_report_int.h"

#include <stdio.h>
#include <string.h>

#include "report.h"
#include "strbuf.h"

/* At most this many cases spelled out per testcase; the rest are in cases.jsonl. */
#define LISTED_MAX 50

static void list_case(struct strbuf *b, const struct sweep_result *r)
{
	strbuf_addf(b, "%s: %s\n  expected: %s\n  seen:     %s\n", r->id,
		    sweep_verdict_name(r->verdict), r->expected, r->seen);
	if (*r->rule || *r->rfc)
		strbuf_addf(b, "  rule: %s (RFC %s)\n", r->rule, r->rfc);
	if (*r->sentence)
		strbuf_addf(b, "  RFC: \"%s\"\n", r->sentence);
	if (*r->detail)
		strbuf_addf(b, "  %s\n", r->detail);
	if (*r->pcap)
		strbuf_addf(b, "  pcap: %s\n", r->pcap);
}

/* The testcase of target t in the cell [first, end). */
static int group_case(struct report_suite *s, const struct sweep_report *rep, size_t first,
		      size_t end, int t)
{
	long c[SWEEP_NVERDICTS] = {0};
	double secs = 0;
	const struct sweep_result *one = NULL, *bad = NULL;
	for (size_t i = first; i < end; i++) {
		const struct sweep_result *r = &rep->e[i].r;
		if (rep->e[i].target != t)
			continue;
		one = one ? one : r;
		if (!bad && r->verdict == SWEEP_DIFFERS)
			bad = r;
		c[r->verdict]++;
		secs += r->t;
	}
	if (!one)
		return 0;
	char classname[4200];
	snprintf(classname, sizeof(classname), "sweep.%s", rep->targets[t]);
	struct report_case *rc = report_case_add(s, *one->group ? one->group : one->klass,
						 classname);
	if (!rc)
		return -1;
	long n = c[0] + c[1] + c[2] + c[3];
	char msg[512], num[32];
	struct strbuf detail = {0};
	enum verdict st = VERDICT_PASS;
	if (c[SWEEP_DIFFERS]) {
		st = VERDICT_FAIL;
		snprintf(msg, sizeof(msg), "%ld of %ld cases differ from the model; first: %s "
			 "(rule %s, RFC %s)", c[SWEEP_DIFFERS], n, bad->id,
			 *bad->rule ? bad->rule : "?", *bad->rfc ? bad->rfc : "?");
	} else if (c[SWEEP_ERROR]) {
		/* An error proves nothing either way, and fails the run: so it shows. */
		st = VERDICT_ERROR;
		snprintf(msg, sizeof(msg), "%ld of %ld cases ended in an error", c[SWEEP_ERROR], n);
	} else {
		snprintf(msg, sizeof(msg), "%ld cases", n);
	}
	long listed = 0;
	for (size_t i = first; i < end && st != VERDICT_PASS; i++) {
		const struct sweep_result *r = &rep->e[i].r;
		if (rep->e[i].target != t ||
		    r->verdict != (st == VERDICT_FAIL ? SWEEP_DIFFERS : SWEEP_ERROR))
			continue;
		if (listed++ < LISTED_MAX)
			list_case(&detail, r);
	}
	if (listed > LISTED_MAX)
		strbuf_addf(&detail, "... and %ld more (cases.jsonl)\n", listed - LISTED_MAX);
	int rc2 = report_case_result(rc, st, secs, msg, st == VERDICT_PASS ? NULL :
				     strbuf_str(&detail));
	strbuf_free(&detail);
	static const char *const keys[SWEEP_NVERDICTS] = {"agree", "differs", "deviations",
							   "errors"};
	for (int v = 0; v < SWEEP_NVERDICTS && rc2 == 0; v++) {
		snprintf(num, sizeof(num), "%ld", c[v]);
		rc2 = report_case_property(rc, keys[v], num);
	}
	for (size_t i = first; i < end && rc2 == 0; i++) {
		const struct sweep_result *r = &rep->e[i].r;
		if (rep->e[i].target == t && r->verdict == SWEEP_DEVIATION) {
			struct strbuf b = {0};
			strbuf_addf(&b, "%s: %s", r->id, r->reason);
			rc2 = report_case_property(rc, "deviation", strbuf_str(&b));
			strbuf_free(&b);
		}
	}
	return rc2;
}

int sweep_report_write_junit(struct sweep_report *rep, const char *path, char *err,
			     size_t errlen)
{
	sweep_report_sort(rep);
	struct report *jr = report_new("tcpconform sweep");
	int rc = jr ? 0 : -1;
	for (int t = 0; rc == 0 && t < rep->ntargets; t++) {
		char name[4200];
		snprintf(name, sizeof(name), "sweep %s", rep->targets[t]);
		struct report_suite *s = report_suite_add(jr, name, NULL);
		if (!s || report_suite_property(s, "target", rep->targets[t]) < 0) {
			rc = -1;
			break;
		}
		for (size_t i = 0; rc == 0 && i < rep->n; i = sweep_cell_end(rep, i))
			rc = group_case(s, rep, i, sweep_cell_end(rep, i), t);
		/* A worker that died or an engine error: an <error> testcase of its own. */
		for (int k = 0; rc == 0 && k < rep->ntroubles; k++) {
			if (rep->troubles[k].target != t)
				continue;
			struct report_case *c = report_case_add(s, "the sweep itself", name);
			rc = c ? report_case_result(c, VERDICT_ERROR, 0, rep->troubles[k].message,
						    rep->troubles[k].message) : -1;
		}
	}
	if (rc == 0)
		rc = report_write_junit_file(jr, path, err, errlen);
	else
		snprintf(err, errlen, "sweep JUnit %s: out of memory", path);
	report_free(jr);
	return rc;
}
