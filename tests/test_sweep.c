/* Unit tests of the sweep's cases, materializer and judge (lua/sweep/cases.lua,
 * materialize.lua, judge.lua): runs tests/sweep_spec.lua, their specification (counts,
 * stable IDs, every pruning rule checked against the model, arithmetic modulo 2^32, the
 * judge on hand-made observations), with the modules loaded from the source tree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lua_spec.h"

/* The spec prints one line per case and "N passed, N failed". */
static void test_sweep_spec(void **state)
{
	(void)state;
	lua_spec_run("sweep_spec.lua", 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
