#ifndef TCPCONFORM_CLI_ENGINE_H
#define TCPCONFORM_CLI_ENGINE_H
#include <stdio.h>

/* The options the engine commands (sweep, fuzz) read alike, by their getopt_long value:
 * 's' --state S (a state the sweep knows), 'f' --family inet|inet6, 'J' --jobs 1..256,
 * 'c' --cases 1..1000000000. Where each goes: */
struct cli_engine_opts {
	const char **state, **family;
	int *jobs;
	long *max_cases;
};

/* Reads option o's argument arg into e: 0 when read, 2 (the usage error's status) after
 * printing why it is wrong, 1 when o is none of these (the caller's own option). */
int cli_engine_opt(int o, const char *arg, struct cli_engine_opts *e, FILE *errout);

#endif
