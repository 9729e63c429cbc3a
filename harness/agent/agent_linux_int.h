#ifndef TCPCONFORM_AGENT_LINUX_INT_H
#define TCPCONFORM_AGENT_LINUX_INT_H

/* Internals of the Linux agent (agent_linux.h), shared by its files and by nothing else:
 *
 *   agent_linux.c    the backend: kernel socket calls, option table, sock_diag state
 *   agent_sysctl.c   sysctl
 *   agent_hold.c     hold / kill: a socket held by a helper process
 *   agent_tcpinfo_linux.c  getsockopt tcp_info from the kernel's struct tcp_info
 *
 * Everything stack-neutral (control channel, replies, handles, parked calls, the
 * loop, the socket verbs) is the agent core's (agent_core.h). */

#include "agent_core.h"

/* Verbs of the Linux backend; each answers rq exactly once. */
void agent_verb_sysctl(struct agent_server *a, const struct agent_request *rq);
void agent_verb_hold(struct agent_server *a, const struct agent_request *rq);
void agent_verb_kill(struct agent_server *a, const struct agent_request *rq);

/* Kill a held handle's process with SIGKILL and reap it, so that its socket is closed
 * in the kernel when this returns (agent_hold.c). The slot stays; the caller forgets
 * it. Returns 0, or an errno. */
int agent_hold_end(struct agent_slot *s);

/* The backend's tcp_info hook: TCP_INFO of fd (agent_tcpinfo_linux.c); 0, or -1 with
 * errno. */
int agent_linux_tcp_info(int fd, struct agent_tcpi *out);

#endif
