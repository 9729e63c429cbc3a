/* test_tailbuf.c - the bounded buffer that keeps a target's last words. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tailbuf.h"

static void keeps_everything_while_it_fits(void **state)
{
	struct tailbuf *tb = tailbuf_new(8);
	char out[16];

	tailbuf_add(tb, "abc", 3);
	tailbuf_add(tb, "de", 2);
	assert_int_equal(tailbuf_copy(tb, out, sizeof(out)), 5);
	assert_string_equal(out, "abcde");
	assert_false(tailbuf_lost(tb));
	tailbuf_free(tb);
}

static void keeps_the_newest_bytes_when_it_wraps(void **state)
{
	struct tailbuf *tb = tailbuf_new(8);
	char out[16];

	tailbuf_add(tb, "abcdef", 6);
	tailbuf_add(tb, "ghijk", 5);          /* wraps: "abc" go */
	assert_int_equal(tailbuf_len(tb), 8);
	tailbuf_copy(tb, out, sizeof(out));
	assert_string_equal(out, "defghijk");
	assert_true(tailbuf_lost(tb));
	tailbuf_add(tb, "0123456789", 10);    /* more than it holds at once */
	tailbuf_copy(tb, out, sizeof(out));
	assert_string_equal(out, "23456789");
	tailbuf_free(tb);
}

static void copy_into_a_short_buffer_gives_the_end(void **state)
{
	struct tailbuf *tb = tailbuf_new(8);
	char out[4];

	tailbuf_add(tb, "abcdef", 6);
	tailbuf_add(tb, "gh", 2);
	assert_int_equal(tailbuf_copy(tb, out, sizeof(out)), 3);
	assert_string_equal(out, "fgh");
	tailbuf_free(tb);
}

static void byte_by_byte_equals_one_write(void **state)
{
	struct tailbuf *a = tailbuf_new(5), *b = tailbuf_new(5);
	const char *s = "the quick brown fox";
	char oa[8], ob[8];

	for (size_t i = 0; s[i]; i++)
		tailbuf_add(a, s + i, 1);
	tailbuf_add(b, s, strlen(s));
	tailbuf_copy(a, oa, sizeof(oa));
	tailbuf_copy(b, ob, sizeof(ob));
	assert_string_equal(oa, "n fox");
	assert_string_equal(oa, ob);
	tailbuf_free(a);
	tailbuf_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keeps_everything_while_it_fits),
		cmocka_unit_test(keeps_the_newest_bytes_when_it_wraps),
		cmocka_unit_test(copy_into_a_short_buffer_gives_the_end),
		cmocka_unit_test(byte_by_byte_equals_one_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
