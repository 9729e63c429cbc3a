#ifndef TCPCONFORM_PLAN_H
#define TCPCONFORM_PLAN_H
#include <stdbool.h>
#include <stddef.h>
#include "runner.h"

/* The plan of a run: the script files, the tests they declare, and which of them run
 * (filter, tags, shard), each test `repeat` times. Built once in the parent from a
 * first load of every script; workers load their script again to run one test. */

struct plan_test {
	int suite;                 /* index into plan.suites */
	int index;                 /* the test's index within its script */
	char *name, *id, *rfc, *tags, *where;   /* tags: comma-separated, "" for none */
	double timeout;            /* seconds */
	double declared_timeout;   /* the test's own `timeout`, 0 when it has none */
	bool selected;
};

struct plan_suite {
	char *path;                /* the script file */
	char *name;                /* "scripts/rst/closed_port" */
	char *load_error;          /* the script did not load: why (file:line), else NULL */
	int first, count;          /* its tests: plan.tests[first .. first+count) */
};

struct plan {
	struct plan_suite *suites;
	int nsuites;
	struct plan_test *tests;
	int ntests;
	int nselected;
};

/* Collects the files under o->paths, loads each script to list its tests, and marks the
 * selected ones. Returns 0, or -1 with err for a usage problem (a missing path, no
 * scripts, a bad shard). A script that fails to load is not an error here: it is
 * recorded in its suite's load_error and reported as a JUnit <error>. */
int plan_build(struct plan *p, const struct runner_opts *o, char *err, size_t errlen);
void plan_free(struct plan *p);

/* The pcap file for a test under dir: "<dir>/<suite-slug>/<NN>-<name-slug>.pcap" (with
 * "-rK" before ".pcap" for repetition K > 0). Creates the directories. Returns 0 or -1. */
int plan_pcap_path(const struct plan *p, const struct plan_test *t, const char *dir, int rep,
		   char *buf, size_t len);

/* Parses "K/N" (1 <= K <= N). Returns 0 or -1. */
int plan_parse_shard(const char *text, int *k, int *n);

#endif
