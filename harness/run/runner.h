#ifndef TCPCONFORM_RUNNER_H
#define TCPCONFORM_RUNNER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Runs (or lists) the tests of script files: one fresh lab per test, a pcap per test, a
 * console line per test, JUnit at the end. */

#define RUNNER_MAX_TARGETS 8

struct runner_opts {
	const char *const *paths;   /* files or directories (searched for *.lua) */
	int npaths;
	const char *targets[RUNNER_MAX_TARGETS];  /* "linux", "lwip", "exec:CMD" */
	int ntargets;
	const char *descriptor;     /* target descriptor file for exec targets, or NULL */
	const char *junit;          /* JUnit file to write, NULL: none */
	const char *pcap_dir;       /* NULL: no pcaps */
	const char *filter;         /* substring of "suite: name" or behaviour ID, NULL: all */
	const char *tag;            /* only tests with this tag, NULL: all */
	const char *exclude_tag;    /* no test with this tag, NULL: none excluded */
	double timeout;             /* default per-test time limit, seconds */
	size_t memory_limit;        /* bytes each script's Lua state may hold; 0: no limit */
	int jobs;                   /* labs at a time (>= 1) */
	int shard_k, shard_n;       /* run only shard k of n (1-based); n <= 1: all */
	int repeat;                 /* run each test this many times (flake hunting) */
	unsigned seed;              /* harness ISNs and ports */
	bool list_only;
	bool verbose;
	FILE *out;                  /* console */
};

/* Returns the process exit status: 0 all passed, 1 a test failed or errored, 2 a usage
 * or set-up error (message already printed), 130 interrupted. */
int runner_run(const struct runner_opts *o);

#endif
