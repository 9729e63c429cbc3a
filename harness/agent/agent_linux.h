#ifndef TCPCONFORM_AGENT_LINUX_H
#define TCPCONFORM_AGENT_LINUX_H

/* The Linux target's agent: a server of the agent line protocol (targets/PROTOCOL.md)
 * that performs socket calls on the kernel TCP stack of the network namespace it runs
 * in, and reports TCP state through sock_diag (sockdiag.h). It is the agent core
 * (agent_core.h) with the Linux backend (agent_linux.c). */

/* Serve the protocol on ctl_fd (one end of a stream socketpair or any stream socket)
 * until the peer closes it or sends "quit".
 *
 * Sends the greeting first, then answers every request line with exactly one reply.
 * Never blocks on a socket call: calls that can block (accept, connect, send, recv)
 * are done on non-blocking sockets and completed from one poll loop, so several can be
 * outstanding while other requests are answered; their replies may come out of order.
 * A close with SO_LINGER > 0 (which blocks in the kernel even on a non-blocking
 * socket) runs in a detached helper thread. "hold" forks a child process that becomes
 * a socket's only owner, and "kill" SIGKILLs and reaps it; these two wait for their
 * child (a few system calls / its exit), never for a peer.
 *
 * Ownership: ctl_fd stays the caller's (it is set O_NONBLOCK and not closed); every
 * socket the agent opened is closed before returning (with SO_LINGER cleared, so the
 * return never waits on a peer), and every holder process is killed and reaped. Run
 * it on the thread that will stay alive while it serves: holders die with the thread
 * that forked them (PR_SET_PDEATHSIG). It changes no signal disposition; the caller
 * should leave SIGCHLD at its default, so that holders stay waitable.
 * Returns 0 on "quit" or EOF on ctl_fd, 1 on a fatal error (ctl_fd unusable, out of
 * memory at start). Request lines can never make it fail or crash. */
int agent_linux_serve(int ctl_fd);

#endif
