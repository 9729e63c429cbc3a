/* The sweep's C entry points (harness/script/sweep.h) without a lab: a state name the
 * sweep does not know and a family other than inet/inet6 are errors that name the
 * field, expected and actual; a Lua state that meets its memory limit says so; every
 * line script_sweep_list emits is one JSON object with the contract's fields. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sweep.h"

struct lines {
	int n;
	int bad;
};

static void count(void *ctx, const char *json)
{
	struct lines *l = ctx;
	l->n++;
	if (json[0] != '{' || json[strlen(json) - 1] != '}' || strchr(json, '\n') ||
	    !strstr(json, "\"id\":") || !strstr(json, "\"steps\":") || !strstr(json, "\"group\":"))
		l->bad++;
}

static void test_unknown_state_is_named(void **state)
{
	(void)state;
	char err[4096] = "";
	struct lines l = {0};
	struct sweep_opts o = {.state = "ESTABLISHD"};
	assert_int_equal(script_sweep_list(&o, count, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown state \"ESTABLISHD\""));
	assert_non_null(strstr(err, "ESTABLISHED"));
	assert_int_equal(l.n, 0);
}

static void test_bad_family_is_named(void **state)
{
	(void)state;
	char err[4096] = "";
	struct lines l = {0};
	struct sweep_opts o = {.family = "ipv4"};
	assert_int_equal(script_sweep_run(&o, count, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "family must be \"inet\" or \"inet6\", got \"ipv4\""));
}

static void test_memory_limit_is_reported(void **state)
{
	(void)state;
	char err[4096] = "";
	struct lines l = {0};
	struct sweep_opts o = {.memory_limit = 64 * 1024};
	assert_int_equal(script_sweep_list(&o, count, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "memory limit"));
}

/* Once the cases module is there (lua/sweep/cases.lua), every listed case is a line of
 * JSON; until then the error names the missing module. */
static void test_list_emits_json_lines_or_names_the_missing_module(void **state)
{
	(void)state;
	char err[4096] = "";
	struct lines l = {0};
	struct sweep_opts o = {.state = "ESTABLISHED", .family = "inet", .shard_k = 1, .shard_n = 1};
	int rc = script_sweep_list(&o, count, &l, err, sizeof(err));
	if (rc < 0) {
		assert_non_null(strstr(err, "sweep.cases"));
		return;
	}
	assert_true(l.n > 0);
	assert_int_equal(l.bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_state_is_named),
		cmocka_unit_test(test_bad_family_is_named),
		cmocka_unit_test(test_memory_limit_is_reported),
		cmocka_unit_test(test_list_emits_json_lines_or_names_the_missing_module),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
