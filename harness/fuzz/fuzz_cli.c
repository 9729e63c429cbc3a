/* fuzz_cli: the options of `tcpconform fuzz` (fuzz_cli.h). */
#include "fuzz_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_engine.h"
#include "cli_int.h"
#include "fuzz_run.h"
#include "plan.h"
#include "sweep_result.h"
#include "target.h"

/* The budget when neither --seconds nor --cases is given: long enough to get past the
 * prefixes into new coverage, short enough for a merge request's pipeline. */
#define DEFAULT_SECONDS 60.0
#define DEFAULT_OUT "results/fuzz"

void fuzz_cli_usage(FILE *f)
{
	fprintf(f,
		"       tcpconform fuzz [--target T[,T...]] [--seconds N | --cases N] [--seed N]\n"
		"                       [--jobs N|auto] [--corpus DIR] [--out DIR] [--junit FILE]\n"
		"                       [--shard K/N] [--state S] [--family inet|inet6]\n"
		"                       [--descriptor FILE]\n"
		"       tcpconform fuzz --merge OUT DIR... [--corpus DIR] [--junit FILE]\n"
		"       tcpconform fuzz --emit FILE... [--target T[,T...]] [--out DIR]\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage:\n");
	fuzz_cli_usage(f);
	fprintf(f,
		"\n"
		"A fuzzing campaign: programs (a sweep prefix, then arriving segments, socket calls\n"
		"and delays) generated and mutated from the seed, run on every target, judged by\n"
		"four oracles (the RFC 9293 model, differential, liveness, invariants), steered by\n"
		"coverage; each finding minimised and turned into a T.test (lua/fuzz/README.md).\n"
		"\n"
		"  --target T[,T...]  stack(s), every case on each (default: linux; known: %s);\n"
		"                     options as sysctls: linux:net.ipv4.tcp_rfc1337=1\n"
		"  --seconds N        time budget (default: %.0f when --cases is not given either)\n"
		"  --cases N          at most N cases over all workers (no time budget unless\n"
		"                     --seconds is given too)\n"
		"  --seed N           the campaign's seed (default: from the clock; printed)\n"
		"  --jobs N|auto      worker processes, each with labs of its own and every target\n"
		"                     (default auto: one per CPU -- a worker keeps a CPU busy)\n"
		"  --corpus DIR       read at start, new entries written as found (default: OUT/corpus)\n"
		"  --out DIR          findings/<signature>/, stats.json, index.html (default: %s)\n"
		"  --junit FILE       JUnit XML, a testcase per signature (default: OUT/junit.xml;\n"
		"                     \"-\": none)\n"
		"  --shard K/N        only the K-th of N disjoint parts of the seed space (a CI matrix)\n"
		"  --state S          start from this state only (%s)\n"
		"  --family F         only inet or inet6 (default: both)\n"
		"  --descriptor FILE  target descriptor (model knobs, deviations) for an exec: target\n"
		"  --merge OUT DIR... merge the corpora (by content) and findings (by signature) of\n"
		"                     many runs' output directories into OUT, then rebuild its reports\n"
		"  --emit FILE...     a case (a corpus entry, a finding's minimised.json) as a T.test\n"
		"                     script judged with the targets' knobs: one FILE on the console,\n"
		"                     several into OUT/emit/<name>.lua\n"
		"\n"
		"Exit status: 0 no new finding (one already in OUT is not new), 1 a new finding (or a\n"
		"worker failed; --merge: a finding OUT did not have), 2 usage or set-up error, 130\n"
		"interrupted (every finding reported so far is on disk).\n",
		target_names(), DEFAULT_SECONDS, DEFAULT_OUT, sweep_state_list());
}

static int parse_seed(const char *text, unsigned long long *out)
{
	char *end;
	errno = 0;
	if (*text < '0' || *text > '9')
		return -1;
	*out = strtoull(text, &end, 10);
	return errno || *end ? -1 : 0;
}

int fuzz_cli_main(int argc, char **argv, FILE *out, FILE *errout)
{
	static const struct option longopts[] = {
		CLI_ENGINE_LONGOPTS, {"corpus", required_argument, NULL, 'C'},
		{"merge", required_argument, NULL, 'm'}, {"emit", no_argument, NULL, 'e'},
		{NULL, 0, NULL, 0}};
	struct fuzz_cmd c = {.shard_k = 1, .shard_n = 1, .jobs = 0, .out_dir = DEFAULT_OUT,
			     .out = out};
	char *target_arg = "linux", *end;
	const char *junit = NULL, *campaign_opt = NULL;
	char campaign_name[40];
	bool seed_given = false, seconds_given = false, emit = false;
	struct cli_engine_opts engine_opts = {&c.state, &c.family, &c.jobs, &c.max_cases,
					      &target_arg, &c.descriptor, &c.out_dir};
	optind = 1;
	opterr = 0;
	for (int o; (o = getopt_long(argc, argv, ":h", longopts, NULL)) != -1;) {
		for (const struct option *lo = longopts; lo->name; lo++)
			if (lo->val == o && strchr("tTcEJSsfD", o)) {
				snprintf(campaign_name, sizeof(campaign_name), "--%s", lo->name);
				campaign_opt = campaign_name;
			}
		int rc = cli_engine_opt(o, optarg, &engine_opts, errout);
		if (rc != 1) {
			if (rc)
				return rc;
			continue;
		}
		switch (o) {
		case 'h': usage(out); return 0;
		case 'e': emit = true; break;
		case 'm':
			if (!*optarg)
				return cli_bad_usage(errout, "--merge: expected the output directory OUT, "
						     "got \"%s\"", optarg);
			c.out_dir = optarg;
			c.shard_n = 0;   /* marks --merge until the options are read */
			break;
		case 'C':
			if (!*optarg)
				return cli_bad_usage(errout, "--corpus: expected a directory, got \"%s\"",
						     optarg);
			c.corpus_dir = optarg;
			break;
		case 'j': junit = optarg; break;
		case 'S': {
			int k, n;
			if (plan_parse_shard(optarg, &k, &n) < 0)
				return cli_bad_usage(errout, "--shard: expected K/N with 1 <= K <= N, got "
						     "\"%s\"", optarg);
			if (c.shard_n)
				c.shard_k = k, c.shard_n = n;
			break;
		}
		case 'E':
			if (parse_seed(optarg, &c.seed) < 0)
				return cli_bad_usage(errout, "--seed: expected 0..18446744073709551615, got "
						     "\"%s\"", optarg);
			seed_given = true;
			break;
		case 'T':
			c.seconds = strtod(optarg, &end);
			if (end == optarg || *end || !(c.seconds > 0 && c.seconds <= 604800))
				return cli_bad_usage(errout, "--seconds: expected seconds in (0, 604800], "
						     "got \"%s\"", optarg);
			seconds_given = true;
			break;
		case ':':
			return cli_bad_usage(errout, "fuzz: option %s needs a value", argv[optind - 1]);
		default:
			return cli_bad_usage(errout, "fuzz: unknown option \"%s\"", argv[optind - 1]);
		}
	}
	bool merge = c.shard_n == 0;
	if (emit && merge)
		return cli_bad_usage(errout, "fuzz: %s", "--emit and --merge do not go together");
	if (emit) {
		if (optind == argc)
			return cli_bad_usage(errout, "fuzz --emit: expected at least one case FILE%s", "");
		if (cli_split_targets(target_arg, c.targets, &c.ntargets, errout) < 0)
			return 2;
		return fuzz_emit(&c, argv + optind, argc - optind);
	}
	if (merge && campaign_opt)
		return cli_bad_usage(errout, "fuzz --merge: %s is an option of a campaign (--merge "
				     "takes only --corpus and --junit)", campaign_opt);
	if (merge && optind == argc)
		return cli_bad_usage(errout, "fuzz --merge %s: expected at least one DIR to merge "
				     "from", c.out_dir);
	if (!merge && optind < argc)
		return cli_bad_usage(errout, "fuzz: unexpected argument \"%s\" (only --merge OUT "
				     "and --emit take files)", argv[optind]);
	if (merge)
		c.shard_k = c.shard_n = 1;
	if (!merge && cli_split_targets(target_arg, c.targets, &c.ntargets, errout) < 0)
		return 2;
	if (!seed_given)
		c.seed = cli_engine_clock_seed();
	if (!seconds_given && c.max_cases == 0)
		c.seconds = DEFAULT_SECONDS;
	if (c.jobs == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		c.jobs = (int)(cpus > 0 ? (cpus > 256 ? 256 : cpus) : 1);
	}
	char corpus_default[4200], junit_default[4200];
	if (!c.corpus_dir) {
		snprintf(corpus_default, sizeof(corpus_default), "%s/corpus", c.out_dir);
		c.corpus_dir = corpus_default;
	}
	c.junit = cli_engine_junit(junit, c.out_dir, junit_default, sizeof(junit_default));
	return merge ? fuzz_merge(&c, argv + optind, argc - optind) : fuzz_run(&c);
}
