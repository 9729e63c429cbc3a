#ifndef TCPCONFORM_CLI_INT_H
#define TCPCONFORM_CLI_INT_H
#include <stdio.h>

/* What the commands' parsers share (cli/cli.c for run/list, sweep/sweep_cli.c,
 * fuzz/fuzz_cli.c), so all read --target, numbers and usage errors the same way
 * (cli_common.c). */

/* text as an integer in [lo, hi] into *out: 0, or -1 when it is not one. */
int cli_parse_int(const char *text, int lo, int hi, int *out);

/* Prints "tcpconform: <fmt with arg> (see tcpconform --help)" and returns 2, the exit
 * status of a usage error. */
int cli_bad_usage(FILE *errout, const char *fmt, const char *arg);

/* Splits "--target linux,lwip,linux:net.ipv4.tcp_rfc1337=1" in place into targets (at
 * most RUNNER_MAX_TARGETS), each resolved once (target_resolve) so a bad one is a usage
 * error now rather than a lab error later. 0, or -1 after printing why on errout. */
int cli_split_targets(char *arg, const char **targets, int *ntargets, FILE *errout);

#endif
