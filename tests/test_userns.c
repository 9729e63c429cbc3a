/* test_userns.c - what a user is told when the kernel refuses tcpconform a user namespace
 * (lab/userns.c), for knob values this machine does not have. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "userns.h"

static char msg[512];

static const char *explain(int e, const char *clone, const char *max, const char *aa)
{
	struct userns_knobs k = {clone, max, aa};
	userns_explain(e, &k, msg, sizeof(msg));
	return msg;
}

static void unprivileged_userns_clone_0_is_named_with_the_sysctl_to_ask_for(void **state)
{
	explain(EPERM, "0", "63000", NULL);
	assert_non_null(strstr(msg, "(Operation not permitted): kernel.unprivileged_userns_clone is 0"));
	assert_non_null(strstr(msg, "run tcpconform as root"));
	assert_non_null(strstr(msg, "sysctl kernel.unprivileged_userns_clone=1"));
}

static void max_user_namespaces_0_is_named_with_the_sysctl_to_ask_for(void **state)
{
	explain(ENOSPC, NULL, "0", NULL);
	assert_non_null(strstr(msg, "user.max_user_namespaces is 0"));
	assert_non_null(strstr(msg, "sysctl user.max_user_namespaces=10000"));
}

static void apparmor_restriction_is_named_on_eperm(void **state)
{
	explain(EACCES, "1", "63000", "1");
	assert_non_null(strstr(msg, "kernel.apparmor_restrict_unprivileged_userns is 1"));
}

static void a_reached_limit_shows_the_limit_read(void **state)
{
	explain(ENOSPC, NULL, "63000", NULL);
	assert_non_null(strstr(msg, "a limit on user namespaces is reached"));
	assert_non_null(strstr(msg, "user.max_user_namespaces is 63000 here"));
}

static void einval_says_the_kernel_lacks_user_namespaces(void **state)
{
	explain(EINVAL, NULL, NULL, NULL);
	assert_non_null(strstr(msg, "CONFIG_USER_NS"));
}

static void eperm_without_a_knob_blames_the_container_and_says_what_to_do(void **state)
{
	explain(EPERM, "1", "63000", "0");
	assert_non_null(strstr(msg, "container, chroot or seccomp filter"));
	assert_non_null(strstr(msg, "run tcpconform as root"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unprivileged_userns_clone_0_is_named_with_the_sysctl_to_ask_for),
		cmocka_unit_test(max_user_namespaces_0_is_named_with_the_sysctl_to_ask_for),
		cmocka_unit_test(apparmor_restriction_is_named_on_eperm),
		cmocka_unit_test(a_reached_limit_shows_the_limit_read),
		cmocka_unit_test(einval_says_the_kernel_lacks_user_namespaces),
		cmocka_unit_test(eperm_without_a_knob_blames_the_container_and_says_what_to_do),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
