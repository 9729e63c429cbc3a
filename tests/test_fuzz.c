/* Unit tests of the fuzzer's pure parts (lua/fuzz/): runs tests/fuzz_spec.lua, their
 * specification (program round trip and checks, mutation determinism per seed,
 * dependency-aware plans, minimisation with a stand-in oracle, the oracles, signature
 * stability), with the modules loaded from the source tree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lua_spec.h"

static void test_fuzz_spec(void **state)
{
	(void)state;
	lua_spec_run("fuzz_spec.lua", 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
