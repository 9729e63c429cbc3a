#ifndef TCPCONFORM_SWEEP_CLI_H
#define TCPCONFORM_SWEEP_CLI_H
#include <stdio.h>

/* `tcpconform sweep [options]`: argv[0] is "sweep". Parses the options (a usage error
 * names the option, expected vs given, and returns 2), then runs or lists the sweep
 * (sweep_run). Returns the exit status. */
int sweep_cli_main(int argc, char **argv, FILE *out, FILE *errout);

/* The usage text of the sweep command (also part of tcpconform --help). */
void sweep_cli_usage(FILE *f);

#endif
