/* test_fuzz_run.c - the campaign's parent (harness/fuzz/fuzz_run.c) with a stand-in for
 * the fuzzer's core: script_fuzz_run below replaces lua/fuzz's (the archive member that
 * defines the real one is then not linked). Each worker's stand-in emits what its shard
 * says, so the test pins down what the parent makes of the lines: findings filed once by
 * signature across workers, totals summed over workers, the shards of the seed space
 * disjoint, the exit status (1 for a new finding, 0 when every finding was already in
 * OUT, 1 for a worker whose engine failed, with an <error> testcase, and for one that
 * died, saying how), the --cases split
 * and the budget handed to each worker. */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzz_json.h"
#include "fuzz_run.h"
#include "fuzz_store.h"
#include "report_fixture.h"

/* The stand-in: stats for this worker (cases = 100 * shard k, so the parent's sum says
 * which workers ran), the finding "00aa" from every worker, "00bN" from shard N, a
 * suppressed one, a corpus entry; with state "CLOSING" the engine fails instead, with
 * "LAST-ACK" the worker exits with status 3 and with "FIN-WAIT-1" it is killed. */
int script_fuzz_run(const struct fuzz_opts *o, fuzz_emit_fn emit, void *ctx, char *err,
		    size_t errlen)
{
	char line[1024];
	if (o->state && strcmp(o->state, "CLOSING") == 0) {
		snprintf(err, errlen, "lua/fuzz/campaign.lua:1: the stand-in fails\nsecond line");
		return -1;
	}
	if (o->state && strcmp(o->state, "LAST-ACK") == 0)
		_exit(3);
	if (o->state && strcmp(o->state, "FIN-WAIT-1") == 0)
		raise(SIGKILL);   /* not abort(): no core file left behind */
	snprintf(line, sizeof(line), "{\"cases\":%d,\"corpus\":%d,\"coverage\":%d,\"execs\":%d,"
		 "\"kind\":\"stats\",\"max_cases\":%ld,\"seconds\":%g,\"shard\":\"%d/%d\","
		 "\"targets\":%d,\"t\":1}", 100 * o->shard_k, 10 + o->shard_k, 50 * o->shard_k,
		 200 * o->shard_k, o->max_cases, o->seconds, o->shard_k, o->shard_n, o->ntargets);
	emit(ctx, line);
	static const char *const sigs[] = {"00aa", "00b1", "00b2", "00b3"};
	for (int i = 0; i < 2; i++) {
		const char *sig = i == 0 ? sigs[0] : sigs[o->shard_k < 4 ? o->shard_k : 3];
		snprintf(line, sizeof(line), "{\"case\":{\"steps\":[]},\"class\":\"RST\",\"kind\":"
			 "\"finding\",\"minimised\":{\"steps\":[]},\"oracle\":\"differential\","
			 "\"signature\":\"%s\",\"state\":\"TIME-WAIT\",\"steps\":0,\"target\":\"%s\","
			 "\"test\":\"-- from shard %d\\n\"}", sig, o->target_names[o->ntargets - 1],
			 o->shard_k);
		emit(ctx, line);
	}
	emit(ctx, "{\"deviation\":\"d\",\"kind\":\"suppressed\",\"signature\":\"0dev\"}");
	emit(ctx, "{\"id\":\"c1\",\"kind\":\"corpus\",\"path\":\"x\"}");
	return 0;
}

static int campaign(const char *st, int jobs, long max_cases, struct fuzz_json **stats)
{
	char corpus[400], junit[400], path[400], err[300];
	snprintf(corpus, sizeof(corpus), "%s/corpus", tmpdir);
	snprintf(junit, sizeof(junit), "%s/junit.xml", tmpdir);
	FILE *out = tmpfile();
	struct fuzz_cmd c = {.targets = {"linux", "linux:net.ipv4.tcp_rfc1337=1"}, .ntargets = 2,
			     .state = st, .seed = 9, .jobs = jobs, .shard_k = 1, .shard_n = 1,
			     .seconds = max_cases ? 0 : 30, .max_cases = max_cases,
			     .out_dir = tmpdir, .corpus_dir = corpus, .junit = junit, .out = out};
	int rc = fuzz_run(&c);
	fclose(out);
	snprintf(path, sizeof(path), "%s/stats.json", tmpdir);
	size_t len;
	char *text = fuzz_read_file(path, &len);
	assert_non_null(text);
	*stats = fuzz_json_parse(text, err, sizeof(err));
	assert_non_null(*stats);
	free(text);
	return rc;
}

static void findings_are_filed_once_across_workers(void **state)
{
	(void)state;
	struct fuzz_json *s;
	assert_int_equal(campaign(NULL, 3, 0, &s), 1);
	/* Three workers: shards 1, 2 and 3 of 3, cases 100 + 200 + 300. */
	assert_true(fuzz_json_num(s, "cases", 0) == 600);
	assert_true(fuzz_json_num(s, "execs", 0) == 1200);
	assert_true(fuzz_json_num(s, "coverage", 0) == 150);   /* the largest, not the sum */
	assert_true(fuzz_json_num(s, "corpus_added", 0) == 3);
	/* 00aa from all three, once; 00b1..00b3 one each. */
	assert_true(fuzz_json_num(s, "new_findings", 0) == 4);
	assert_true(fuzz_json_num(s, "suppressed", 0) == 1);
	const struct fuzz_json *w = fuzz_json_get(s, "workers");
	assert_int_equal(w->n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(fuzz_json_str(&w->kids[i], "shard", ""),
				    i == 0 ? "1/3" : i == 1 ? "2/3" : "3/3");
		assert_true(fuzz_json_num(&w->kids[i], "seconds", 0) == 30);
		assert_true(fuzz_json_num(&w->kids[i], "targets", 0) == 2);
	}
	fuzz_json_free(s);
	char path[400];
	snprintf(path, sizeof(path), "%s/findings/00aa/test.lua", tmpdir);
	assert_int_equal(access(path, R_OK), 0);
	/* Again into the same OUT: every finding is known, none new: exit 0. */
	assert_int_equal(campaign(NULL, 3, 0, &s), 0);
	assert_true(fuzz_json_num(s, "new_findings", -1) == 0);
	assert_true(fuzz_json_num(s, "findings_total", -1) == 4);
	fuzz_json_free(s);
}

static void cases_are_split_over_the_workers(void **state)
{
	(void)state;
	struct fuzz_json *s;
	/* --cases 5 over 2 workers: 3 and 2; no time budget. */
	assert_int_equal(campaign(NULL, 2, 5, &s), 1);
	const struct fuzz_json *w = fuzz_json_get(s, "workers");
	assert_int_equal(w->n, 2);
	assert_true(fuzz_json_num(&w->kids[0], "max_cases", 0) == 3);
	assert_true(fuzz_json_num(&w->kids[1], "max_cases", 0) == 2);
	assert_true(fuzz_json_num(&w->kids[0], "seconds", -1) == 0);
	fuzz_json_free(s);
}

/* A one-worker campaign whose stand-in is told st: exit 1 and one trouble, text. */
static void assert_one_trouble(const char *st, const char *text)
{
	struct fuzz_json *s;
	assert_int_equal(campaign(st, 1, 0, &s), 1);
	const struct fuzz_json *t = fuzz_json_get(s, "troubles");
	assert_int_equal(t->n, 1);
	assert_string_equal(t->kids[0].text, text);
	fuzz_json_free(s);
}

static void an_engine_error_is_trouble(void **state)
{
	(void)state;
	assert_one_trouble("CLOSING", "worker 1 of 1: lua/fuzz/campaign.lua:1: the stand-in "
			   "fails | second line");
	char path[400];
	snprintf(path, sizeof(path), "%s/junit.xml", tmpdir);
	size_t len;
	char *x = fuzz_read_file(path, &len);
	assert_non_null(strstr(x, "errors=\"1\""));
	assert_non_null(strstr(x, "the campaign itself"));
	free(x);
}

/* A worker that ends without saying so (engine_loop_lost) is a trouble that says how. */
static void a_worker_that_dies_is_trouble(void **state)
{
	(void)state;
	assert_one_trouble("LAST-ACK", "worker 1 of 1: exited with status 3 without finishing");
	assert_one_trouble("FIN-WAIT-1", "worker 1 of 1: died from signal 9 (Killed)");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(findings_are_filed_once_across_workers),
		T(cases_are_split_over_the_workers),
		T(an_engine_error_is_trouble),
		T(a_worker_that_dies_is_trouble),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
