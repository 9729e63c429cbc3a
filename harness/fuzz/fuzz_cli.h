#ifndef TCPCONFORM_FUZZ_CLI_H
#define TCPCONFORM_FUZZ_CLI_H
#include <stdio.h>

/* `tcpconform fuzz [options]` and `tcpconform fuzz --merge OUT DIR...`: argv[0] is
 * "fuzz". Returns the exit status (fuzz_run.h; 2 on a usage error, with a message on
 * errout naming the option, what it expects and what it got). */
int fuzz_cli_main(int argc, char **argv, FILE *out, FILE *errout);
/* The synopsis lines for tcpconform --help. */
void fuzz_cli_usage(FILE *f);

#endif
