/* cli_engine: the options the engine commands (sweep_cli.c, fuzz/fuzz_cli.c) read alike
 * (cli_engine.h). Here, in the sweep's layer, because --state names the sweep's states
 * (sweep_result.h). */
#include "cli_engine.h"

#include <string.h>
#include <time.h>

#include "cli_int.h"
#include "sweep_result.h"

static int cli_check_state(const char *arg, FILE *errout)
{
	if (sweep_state_rank(arg) != sweep_state_rank(""))
		return 0;
	char fmt[600];
	snprintf(fmt, sizeof(fmt), "--state: expected one of %s; got \"%%s\"", sweep_state_list());
	return cli_bad_usage(errout, fmt, arg);
}

static int cli_check_family(const char *arg, FILE *errout)
{
	if (strcmp(arg, "inet") == 0 || strcmp(arg, "inet6") == 0)
		return 0;
	return cli_bad_usage(errout, "--family: expected inet or inet6, got \"%s\"", arg);
}

int cli_engine_opt(int o, char *arg, struct cli_engine_opts *e, FILE *errout)
{
	int v;
	switch (o) {
	case 's':
		if (cli_check_state(arg, errout))
			return 2;
		*e->state = arg;
		return 0;
	case 'f':
		if (cli_check_family(arg, errout))
			return 2;
		*e->family = arg;
		return 0;
	case 'J':
		/* 0 stands for auto: each command sizes it from the CPUs (its --help says how). */
		if (strcmp(arg, "auto") == 0)
			*e->jobs = 0;
		else if (cli_parse_int(arg, 1, 256, e->jobs) < 0)
			return cli_bad_usage(errout, "--jobs: expected auto or 1..256, got \"%s\"",
					     arg);
		return 0;
	case 'c':
		if (cli_parse_int(arg, 1, 1000000000, &v) < 0)
			return cli_bad_usage(errout, "--cases: expected 1..1000000000, got \"%s\"", arg);
		*e->max_cases = v;
		return 0;
	case 't':
		*e->target_arg = arg;   /* argv's: cli_split_targets splits it in place */
		return 0;
	case 'D':
		*e->descriptor = arg;
		return 0;
	case 'o':
		if (!*arg)
			return cli_bad_usage(errout, "--out: expected a directory, got \"%s\"", arg);
		*e->out_dir = arg;
		return 0;
	default:
		return 1;
	}
}

unsigned cli_engine_clock_seed(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned)((ts.tv_sec ^ ts.tv_nsec) & 0x7fffffff);
}

const char *cli_engine_junit(const char *junit, const char *out_dir, char *buf,
			     size_t buflen)
{
	if (!junit) {
		snprintf(buf, buflen, "%s/junit.xml", out_dir);
		return buf;
	}
	return strcmp(junit, "-") ? junit : NULL;
}
