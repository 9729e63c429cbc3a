/* What the unit tests of the run's reports and commands share (test_fuzz_store.c,
 * test_fuzz_run.c, test_sweep_report.c): the source tree, a scratch directory made for
 * each test and removed after it, and the JUnit schema check. Header-only (static inline
 * functions: a test that needs only some of them builds without warnings): each
 * tests/test_*.c is its own executable and the build globs only those files. Include
 * after <cmocka.h>. */
#ifndef TCPCONFORM_REPORT_FIXTURE_H
#define TCPCONFORM_REPORT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The source tree: TCPCONFORM_SOURCE_DIR, else the directory above this file (CMake
 * compiles the tests by absolute path). */
static inline const char *source_dir(void)
{
	static char buf[4096];
	const char *env = getenv("TCPCONFORM_SOURCE_DIR");
	if (env && *env)
		return env;
	snprintf(buf, sizeof(buf), "%s", __FILE__);
	for (int i = 0; i < 2; i++) {
		char *slash = strrchr(buf, '/');
		if (slash)
			*slash = 0;
	}
	return buf;
}

/* The scratch directory of the running test: setup makes it, teardown removes it with
 * what the test left in it. */
static char tmpdir[256];

static inline int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tcpconform_test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Fails the test unless path is valid against the Jenkins xUnit schema
 * (../shared/junit/junit-10.xsd), with what xmllint said. */
static inline void assert_junit_valid(const char *path)
{
	char xsd[4200], log[300], cmd[9000], said[2000] = "";
	snprintf(xsd, sizeof(xsd), "%s/../shared/junit/junit-10.xsd", source_dir());
	if (access(xsd, R_OK) != 0)
		fail_msg("the JUnit schema %s is missing", xsd);
	snprintf(log, sizeof(log), "%s/xmllint.log", tmpdir);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --schema '%s' '%s' >'%s' 2>&1", xsd, path,
		 log);
	int rc = system(cmd);
	FILE *f = fopen(log, "r");
	if (f) {
		said[fread(said, 1, sizeof(said) - 1, f)] = 0;
		fclose(f);
	}
	unlink(log);
	if (rc != 0)
		fail_msg("xmllint (exit %d): %s", rc, said);
}

#endif
