/* cli: argument parsing and dispatch (see cli.h). */
#include "cli.h"

#include "cli_int.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent_check.h"
#include "fuzz_cli.h"
#include "plan.h"
#include "self_exe.h"
#include "sweep_cli.h"
#include "target.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcpconform run  [PATH...] [--target T[,T...]] [--descriptor FILE]\n"
		"                       [--junit FILE] [--pcap-dir DIR]\n"
		"                       [--filter TEXT] [--tag TAG] [--exclude-tag TAG]\n"
		"                       [--jobs N|auto] [--shard K/N] [--repeat N] [--seed N]\n"
		"                       [--timeout SECONDS] [--memory-limit SIZE] [--verbose]\n"
		"       tcpconform list [PATH...] [--filter TEXT] [--tag TAG] [--exclude-tag TAG]\n");
	sweep_cli_usage(f);
	fuzz_cli_usage(f);
	fprintf(f,
		"       tcpconform agent-check [--target T | COMMAND...] [--pcap FILE]\n"
		"       tcpconform --help | --version\n"
		"\n"
		"Runs Lua TCP conformance scripts against a TCP stack in a network namespace:\n"
		"one fresh lab (namespace, veth link, agent) per test, a pcap per test, JUnit XML.\n"
		"\n"
		"  PATH               script files or directories searched for *.lua (default: ./scripts\n"
		"                     if here, else the installed suite, share/tcpconform/scripts)\n"
		"  --target T[,T...]  stack(s) under test (default: linux; known: %s);\n"
		"                     several: each test on each, plus matrix.md/.html beside the JUnit\n"
		"  --descriptor FILE  target descriptor (params, known deviations) for an exec: target\n"
		"  --junit FILE       write JUnit XML here (default: results/junit.xml; \"-\": none)\n"
		"  --pcap-dir DIR     write one pcap per test under DIR (default: results/pcap; \"-\": none)\n"
		"  --filter TEXT      only tests whose \"suite: name\" contains TEXT or whose ID is TEXT\n"
		"  --jobs N|auto      labs at a time (default auto: 4 per CPU, at most 32; tests\n"
		"                     mostly wait on the target's timers, so more labs than cores pay)\n"
		"  --shard K/N        run only the K-th of N stable, disjoint parts (a CI matrix)\n"
		"  --repeat N         run each test N times; one that both passes and fails is FLAKY\n"
		"  --seed N           the harness's ISNs and ports (default: from the clock; printed)\n"
		"  --tag TAG          only tests tagged TAG\n"
		"  --exclude-tag TAG  no test tagged TAG (e.g. slow: tests that wait for default timers)\n"
		"  --timeout SECONDS  time limit per test unless the test sets its own (default: 60)\n"
		"  --memory-limit SIZE  memory each test's Lua state may hold: 256M, 1G, or bytes\n"
		"                     (default: 512M; at least 1M); beyond it the test is an ERROR\n"
		"  --verbose, -v      print what each test logged\n"
		"  sweep              the state-by-event sweep against the RFC 9293 model:\n"
		"                     tcpconform sweep --help\n"
		"  fuzz               a fuzzing campaign (model, differential, liveness, invariant\n"
		"                     oracles), minimised findings as tests: tcpconform fuzz --help\n"
		"\n"
		"Exit status: 0 all tests passed, 1 a test failed or errored, 2 usage or set-up error.\n"
		"Not root: runs in a user namespace of its own (README: Running without root).\n"
		"Script API: lua/README.md.\n",
		target_names());
}

/* Lua states may not hold less than this: the library itself needs a few hundred KiB. */
#define MIN_MEMORY_LIMIT ((size_t)1 << 20)
#define DEFAULT_MEMORY_LIMIT ((size_t)512 << 20)

/* "256M", "1G", "512k", "1048576": bytes, with an optional binary suffix K, M or G (any
 * case, optionally followed by "iB"). 0, or -1 when text is no such size. */
static int parse_size(const char *text, size_t *out)
{
	char *end;
	errno = 0;
	if (*text < '0' || *text > '9')
		return -1;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 0: break;
	default: return -1;
	}
	if (shift && *++end && strcmp(end, "iB") && strcmp(end, "B"))
		return -1;
	if (!shift && *end)
		return -1;
	if (v > (SIZE_MAX >> 1) >> shift)
		return -1;
	*out = (size_t)v << shift;
	return 0;
}

/* Where an installed binary finds its suite, relative to its own directory (set by the
 * install section of the top-level CMakeLists from GNUInstallDirs). */
#ifndef TCPCONFORM_SCRIPTS_FROM_BIN
#define TCPCONFORM_SCRIPTS_FROM_BIN "../share/tcpconform/scripts"
#endif

/* The suite to run when no PATH is given: ./scripts when the current directory has one
 * (a source tree, as the README's commands run), else the installed suite found from
 * /proc/self/exe, so `tcpconform run` works from anywhere and a relocated prefix still
 * finds its own scripts (no absolute path is compiled in). Writes the path to out;
 * says which was chosen on verbose (when not NULL). Returns 0, or -1 after printing on
 * errout that neither exists. */
static int default_suite(char *out, size_t len, FILE *verbose, FILE *errout)
{
	struct stat st;
	if (stat("scripts", &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(out, len, "scripts");
		if (verbose)
			fprintf(verbose, "tcpconform: no PATH given: running ./scripts\n");
		return 0;
	}
	char joined[PATH_MAX], real[PATH_MAX];
	if (self_exe_path(TCPCONFORM_SCRIPTS_FROM_BIN, joined, sizeof(joined)) < 0) {
		fprintf(errout, "tcpconform: no PATH given and no ./scripts here, and the installed "
			"suite cannot be found (/proc/self/exe: %s): give a PATH\n", strerror(errno));
		return -1;
	}
	if (!realpath(joined, real) || stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(errout, "tcpconform: no PATH given and no ./scripts here; the installed "
			"suite %s is missing (give a PATH, or reinstall: cmake --install)\n", joined);
		return -1;
	}
	snprintf(out, len, "%s", real);
	if (verbose)
		fprintf(verbose, "tcpconform: no PATH given and no ./scripts here: running the "
			"installed suite %s\n", out);
	return 0;
}

int cli_main(int argc, char **argv, FILE *out, FILE *errout)
{
	if (argc < 2)
		return usage(errout), 2;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
		return usage(out), 0;
	if (strcmp(argv[1], "--version") == 0) {
		fprintf(out, "tcpconform %s\n", TCPCONFORM_VERSION);
		return 0;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "agent-check") == 0)
		return agent_check_main(argc - 1, argv + 1, out, errout);
	if (strcmp(cmd, "sweep") == 0)
		return sweep_cli_main(argc - 1, argv + 1, out, errout);
	if (strcmp(cmd, "fuzz") == 0)
		return fuzz_cli_main(argc - 1, argv + 1, out, errout);
	if (strcmp(cmd, "run") && strcmp(cmd, "list"))
		return cli_bad_usage(errout, "unknown command \"%s\" (expected run, list, sweep, fuzz or agent-check)", cmd);

	struct runner_opts o = {
		.junit = "results/junit.xml", .pcap_dir = "results/pcap",
		.timeout = 60, .memory_limit = DEFAULT_MEMORY_LIMIT, .jobs = 0, .list_only = strcmp(cmd, "list") == 0, .out = out};
	static const struct option longopts[] = {
		{"target", required_argument, NULL, 't'}, {"junit", required_argument, NULL, 'j'},
		{"pcap-dir", required_argument, NULL, 'p'}, {"filter", required_argument, NULL, 'f'},
		{"timeout", required_argument, NULL, 'T'}, {"tag", required_argument, NULL, 'g'},
		{"exclude-tag", required_argument, NULL, 'x'}, {"jobs", required_argument, NULL, 'J'},
		{"shard", required_argument, NULL, 'S'}, {"repeat", required_argument, NULL, 'R'},
		{"seed", required_argument, NULL, 'E'}, {"descriptor", required_argument, NULL, 'D'},
		{"memory-limit", required_argument, NULL, 'M'}, {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	bool seed_given = false;
	char *target_arg = "linux";
	optind = 1;
	opterr = 0;
	int c;
	char *end;
	char **a = argv + 1;
	int n = argc - 1;
	while ((c = getopt_long(n, a, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case 't': target_arg = optarg; break;
		case 'D': o.descriptor = optarg; break;
		case 'j': o.junit = strcmp(optarg, "-") ? optarg : NULL; break;
		case 'p': o.pcap_dir = strcmp(optarg, "-") ? optarg : NULL; break;
		case 'f': o.filter = optarg; break;
		case 'g': o.tag = optarg; break;
		case 'x': o.exclude_tag = optarg; break;
		case 'J':
			if (strcmp(optarg, "auto") == 0) {
				o.jobs = 0;
				break;
			}
			if (cli_parse_int(optarg, 1, 256, &o.jobs) < 0)
				return cli_bad_usage(errout, "--jobs: expected auto or 1..256, got \"%s\"", optarg);
			break;
		case 'S':
			if (plan_parse_shard(optarg, &o.shard_k, &o.shard_n) < 0)
				return cli_bad_usage(errout, "--shard: expected K/N with 1 <= K <= N, got \"%s\"", optarg);
			break;
		case 'R':
			if (cli_parse_int(optarg, 1, 10000, &o.repeat) < 0)
				return cli_bad_usage(errout, "--repeat: expected 1..10000, got \"%s\"", optarg);
			break;
		case 'E': {
			int v;
			if (cli_parse_int(optarg, 0, 2147483647, &v) < 0)
				return cli_bad_usage(errout, "--seed: expected 0..2147483647, got \"%s\"", optarg);
			o.seed = (unsigned)v;
			seed_given = true;
			break;
		}
		case 'v': o.verbose = true; break;
		case 'h': usage(out); return 0;
		case 'T':
			o.timeout = strtod(optarg, &end);
			if (*end || !(o.timeout > 0 && o.timeout <= 86400))
				return cli_bad_usage(errout, "--timeout: expected seconds in (0, 86400], got \"%s\"", optarg);
			break;
		case 'M':
			if (parse_size(optarg, &o.memory_limit) < 0 || o.memory_limit < MIN_MEMORY_LIMIT)
				return cli_bad_usage(errout, "--memory-limit: expected a size of at least 1M "
						 "(256M, 1G, or bytes), got \"%s\"", optarg);
			break;
		case ':':
			return cli_bad_usage(errout, "option %s needs a value", a[optind - 1]);
		default:
			return cli_bad_usage(errout, "unknown option \"%s\"", a[optind - 1]);
		}
	}
	if (!seed_given) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		o.seed = (unsigned)((ts.tv_sec ^ ts.tv_nsec) & 0x7fffffff);
	}
	if (o.jobs == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		o.jobs = (int)(cpus > 0 ? (4 * cpus > 32 ? 32 : 4 * cpus) : 4);
	}
	if (cli_split_targets(target_arg, o.targets, &o.ntargets, errout) < 0)
		return 2;
	char suite[PATH_MAX];
	const char *dflt[] = {suite};
	o.paths = (const char *const *)a + optind;
	o.npaths = n - optind;
	if (o.npaths == 0) {
		if (default_suite(suite, sizeof(suite), o.verbose ? out : NULL, errout) < 0)
			return 2;
		o.paths = dflt;
		o.npaths = 1;
	}
	return runner_run(&o);
}
