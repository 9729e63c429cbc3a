#ifndef TCPCONFORM_SCRIPT_H
#define TCPCONFORM_SCRIPT_H
#include <stdbool.h>
#include <stddef.h>
#include "lab.h"
#include "verdict.h"
#include "strbuf.h"

/* A loaded test script: its own Lua state with the embedded library, the strict-globals
 * guard, and the tests it declared. Lua is entered only through lua_pcall with a
 * traceback handler; errors come back as "file:line: message". */

struct script;

struct script_test {
	const char *name, *id, *rfc;
	const char *const *tags;   /* NULL-terminated */
	double timeout;            /* seconds, 0: the runner's default */
	unsigned mtu;              /* the lab link's MTU the test asks for, 0: LAB_MTU */
	const char *where;         /* file:line of the declaration */
};

/* Loads and runs the file (which declares its tests) in a Lua state that may hold at
 * most mem_limit bytes (0: no limit). NULL with err on a syntax error, a runtime error
 * at load, or a bad declaration, err naming file:line; or when loading met the memory
 * limit, err naming the file and the limit. */
struct script *script_load(const char *path, size_t mem_limit, char *err, size_t errlen);
void script_free(struct script *s);

int script_test_count(const struct script *s);
const struct script_test *script_test_get(const struct script *s, int i);

struct script_result {
	enum verdict status;
	bool deviation;            /* a SKIP because the target's descriptor lists the failure */
	struct strbuf message;     /* one line */
	struct strbuf detail;      /* full text: failure report or traceback */
	struct strbuf log;         /* what the test logged (lab:log) */
};

struct script_run {
	double timeout;            /* seconds */
	unsigned seed;             /* the harness's ISNs and ports: same seed, same run */
	const char *descriptor;    /* target descriptor file, NULL: the built-in one */
};

/* Runs test i against lab. The verdict takes the target's known deviations into
 * account (tcpconform.lua _judge); a test that checked nothing is an ERROR (_run); one
 * that met the memory limit is an ERROR naming it. Fills *res (zero it first; free with
 * script_result_free). */
void script_test_run(struct script *s, int i, struct lab *lab, const struct script_run *how,
		     struct script_result *res);
void script_result_free(struct script_result *res);

#endif
