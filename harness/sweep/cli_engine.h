#ifndef TCPCONFORM_CLI_ENGINE_H
#define TCPCONFORM_CLI_ENGINE_H
#include <stddef.h>
#include <stdio.h>

/* The long options both engine commands (sweep, fuzz) take, with the getopt_long value
 * each reads it by: a command's table is these, then its own (sweep: --list, --emit
 * CASE-ID; fuzz: --corpus, --merge, --emit FILE...), then the {NULL} end. The order of
 * a table does not change what getopt_long accepts. */
#define CLI_ENGINE_LONGOPTS                                                              \
	{"target", required_argument, NULL, 't'}, {"state", required_argument, NULL, 's'},  \
	{"family", required_argument, NULL, 'f'}, {"jobs", required_argument, NULL, 'J'},  \
	{"shard", required_argument, NULL, 'S'}, {"seed", required_argument, NULL, 'E'},   \
	{"cases", required_argument, NULL, 'c'}, {"seconds", required_argument, NULL, 'T'}, \
	{"out", required_argument, NULL, 'o'}, {"junit", required_argument, NULL, 'j'},    \
	{"descriptor", required_argument, NULL, 'D'}, {"help", no_argument, NULL, 'h'}

/* The options the engine commands read alike, by their getopt_long value:
 * 's' --state S (a state the sweep knows), 'f' --family inet|inet6, 'J' --jobs 1..256,
 * 'c' --cases 1..1000000000, 't' --target (split later: cli_split_targets), 'D'
 * --descriptor FILE, 'o' --out DIR (not empty). Where each goes: */
struct cli_engine_opts {
	const char **state, **family;
	int *jobs;
	long *max_cases;
	char **target_arg;
	const char **descriptor, **out_dir;
};

/* Reads option o's argument arg into e: 0 when read, 2 (the usage error's status) after
 * printing why it is wrong, 1 when o is none of these (the caller's own option). */
int cli_engine_opt(int o, char *arg, struct cli_engine_opts *e, FILE *errout);

/* The seed of a run given none: from the clock, 0..2^31-1 (the command prints it). */
unsigned cli_engine_clock_seed(void);

/* The JUnit file: junit as given (--junit), out_dir/junit.xml (written into buf) when
 * not given, NULL for "-" (none). */
const char *cli_engine_junit(const char *junit, const char *out_dir, char *buf,
			     size_t buflen);

#endif
