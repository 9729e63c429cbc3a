/* sweep_cli: the options of `tcpconform sweep` (sweep_cli.h). */
#include "sweep_cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_engine.h"
#include "cli_int.h"
#include "plan.h"
#include "sweep_emit.h"
#include "sweep_result.h"
#include "sweep_run.h"
#include "target.h"

#define DEFAULT_SECONDS 600.0

void sweep_cli_usage(FILE *f)
{
	fprintf(f,
		"       tcpconform sweep [--target T[,T...]] [--state S] [--family inet|inet6]\n"
		"                        [--jobs N|auto] [--shard K/N] [--seed N] [--cases N]\n"
		"                        [--seconds N] [--out DIR] [--junit FILE]\n"
		"                        [--descriptor FILE] [--list]\n"
		"       tcpconform sweep --emit CASE-ID|all [--target T] [--out DIR]\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage:\n");
	sweep_cli_usage(f);
	fprintf(f,
		"\n"
		"Sweeps the TCP state machine: every state reached by a prefix, times every class\n"
		"of arriving segment, each case judged against the RFC 9293 model (lua/model/).\n"
		"\n"
		"  --target T[,T...]  stack(s) (default: linux; known: %s); options as sysctls:\n"
		"                     linux:net.ipv4.tcp_rfc1337=1 (several joined by ':')\n"
		"  --state S          only this state (%s)\n"
		"  --family F         only inet or inet6 (default: both)\n"
		"  --jobs N|auto      workers per target, each with labs of its own (default auto: 2\n"
		"                     per CPU, at most 64)\n"
		"  --shard K/N        only the K-th of N disjoint parts of the cases\n"
		"  --seed N           ISNs and ports (default: from the clock; printed)\n"
		"  --cases N          at most N cases per target (default: all)\n"
		"  --seconds N        time budget of the run (default: %.0f); past it the cases in\n"
		"                     flight finish, then workers are killed\n"
		"  --out DIR          cases.jsonl, index.html, pcap/ (default: results/sweep)\n"
		"  --junit FILE       JUnit XML (default: OUT/junit.xml; \"-\": none)\n"
		"  --descriptor FILE  target descriptor (model knobs, sweep_deviations)\n"
		"  --list             print the cases (JSON, one a line) without running them\n"
		"  --emit CASE-ID     print a T.test script reproducing that case (judged with the\n"
		"                     first target's knobs); \"all\": one per disagreement of\n"
		"                     OUT/cases.jsonl into OUT/emit/<id>.lua\n"
		"\n"
		"Exit status: 0 every case agrees with the model or is a declared deviation, 1 a case\n"
		"differs undeclared or errs, 2 usage or set-up error, 130 interrupted.\n",
		target_names(), sweep_state_list(), DEFAULT_SECONDS);
}

int sweep_cli_main(int argc, char **argv, FILE *out, FILE *errout)
{
	static const struct option longopts[] = {
		CLI_ENGINE_LONGOPTS, {"list", no_argument, NULL, 'l'},
		{"emit", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0}};
	struct sweep_cmd c = {.shard_k = 1, .shard_n = 1, .seconds = DEFAULT_SECONDS,
			      .out_dir = "results/sweep", .out = out};
	char *target_arg = "linux", *end;
	const char *junit = NULL, *emit = NULL;
	bool seed_given = false;
	int v;
	struct cli_engine_opts engine_opts = {&c.state, &c.family, &c.jobs, &c.max_cases,
					      &target_arg, &c.descriptor, &c.out_dir};
	optind = 1;
	opterr = 0;
	for (int o; (o = getopt_long(argc, argv, ":h", longopts, NULL)) != -1;) {
		int rc = cli_engine_opt(o, optarg, &engine_opts, errout);
		if (rc != 1) {
			if (rc)
				return rc;
			continue;
		}
		switch (o) {
		case 'l': c.list_only = true; break;
		case 'e':
			if (!*optarg)
				return cli_bad_usage(errout, "--emit: expected a case id or \"all\", got "
						     "\"%s\"", optarg);
			emit = optarg;
			break;
		case 'h': usage(out); return 0;
		case 'j': junit = optarg; break;
		case 'S':
			if (plan_parse_shard(optarg, &c.shard_k, &c.shard_n) < 0)
				return cli_bad_usage(errout, "--shard: expected K/N with 1 <= K <= N, got "
						     "\"%s\"", optarg);
			break;
		case 'E':
			if (cli_parse_int(optarg, 0, 2147483647, &v) < 0)
				return cli_bad_usage(errout, "--seed: expected 0..2147483647, got \"%s\"",
						     optarg);
			c.seed = (unsigned)v;
			seed_given = true;
			break;
		case 'T':
			c.seconds = strtod(optarg, &end);
			if (end == optarg || *end || !(c.seconds > 0 && c.seconds <= 86400))
				return cli_bad_usage(errout, "--seconds: expected seconds in (0, 86400], "
						     "got \"%s\"", optarg);
			break;
		case ':':
			return cli_bad_usage(errout, "sweep: option %s needs a value", argv[optind - 1]);
		default:
			return cli_bad_usage(errout, "sweep: unknown option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_bad_usage(errout, "sweep: unexpected argument \"%s\" (the sweep takes "
				     "no PATH)", argv[optind]);
	if (cli_split_targets(target_arg, c.targets, &c.ntargets, errout) < 0)
		return 2;
	if (!seed_given)
		c.seed = cli_engine_clock_seed();
	if (c.jobs == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		c.jobs = (int)(cpus > 0 ? (2 * cpus > 64 ? 64 : 2 * cpus) : 2);
	}
	char junit_default[4200];
	c.junit = cli_engine_junit(junit, c.out_dir, junit_default, sizeof(junit_default));
	return emit ? sweep_emit(&c, emit) : sweep_run(&c);
}
