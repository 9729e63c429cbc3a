#ifndef TCPCONFORM_AGENT_CHECK_H
#define TCPCONFORM_AGENT_CHECK_H
#include <stdio.h>

/* `tcpconform agent-check [--target T | COMMAND...]`: drives one agent, in a lab of its
 * own, through every verb and documented error of targets/PROTOCOL.md, so the author of
 * a stack's agent learns what it gets wrong before running the suite. argv[0] is
 * "agent-check". Prints one line per check on out ("ok" or "FAIL", with what was sent,
 * what was expected and got, and the PROTOCOL.md section) and a summary. Returns 0 when
 * every check passed, 1 when one failed (or the agent died), 2 on a usage or set-up error
 * (message on errout), 130 when interrupted (Ctrl-C, SIGTERM). */
int agent_check_main(int argc, char **argv, FILE *out, FILE *errout);

#endif
