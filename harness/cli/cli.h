#ifndef TCPCONFORM_CLI_H
#define TCPCONFORM_CLI_H
#include <stdio.h>
#include "runner.h"

/* Command line: tcpconform run|list [PATH...] [options]. cli_main parses argv and runs
 * the command; it is main() minus the process, so tests can call it. Returns the exit
 * status (0 passed, 1 test failed, 2 usage/set-up error). */
int cli_main(int argc, char **argv, FILE *out, FILE *errout);

#endif
