#ifndef TCPCONFORM_PROCDUMP_H
#define TCPCONFORM_PROCDUMP_H
#include <sys/types.h>
#include "strbuf.h"

/* procdump: what a stuck process tree is doing, for the message of a test the runner had
 * to kill. A worker that overran its limit is stuck in C or in the kernel (the Lua hook
 * would have stopped it otherwise); its kernel stack and those of its lab's processes
 * (/proc/PID/stack, readable by root) name the call it is waiting in, which a bare
 * "killed" does not.
 *
 * Appends, for `root` and every descendant (up to PROCDUMP_MAX_PROCS), a line
 * "pid N (comm) state S, waiting in WCHAN" and the top PROCDUMP_MAX_FRAMES frames of its
 * kernel stack. Processes that vanish meanwhile are skipped; nothing here fails. */
#define PROCDUMP_MAX_PROCS 16
#define PROCDUMP_MAX_FRAMES 8

void procdump_tree(pid_t root, struct strbuf *out);

#endif
