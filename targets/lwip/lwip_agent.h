#ifndef TCPCONFORM_LWIP_AGENT_H
#define TCPCONFORM_LWIP_AGENT_H

/* The lwIP target's agent: the agent core (harness/agent/agent_core.h) serving the line
 * protocol (targets/PROTOCOL.md) on lwIP's socket API (lwip_socket, lwip_connect, ...),
 * with TCP state from lwIP's PCB lists (lwip_stack.h).
 *
 * The control channel is a host fd and lwIP sockets are not host fds, so one poll()
 * cannot wait on both. The loop blocks in poll() on the control channel alone while no
 * call is parked; while calls are parked it wakes every LWIP_AGENT_STEP_MS to check
 * them with a zero-timeout lwip_poll(), so it never spins on the CPU the harness needs.
 * A close with SO_LINGER > 0 blocks inside lwIP, so it runs in a helper thread that
 * reports back through a socket the loop also polls. A start-up failure before serving
 * is reported with agent_greet_failure() (agent_core.h). */

#define LWIP_AGENT_STEP_MS 1

/* Serve the protocol on ctl_fd until EOF or "quit". lwIP must be running
 * (lwip_stack_start). Sends the greeting first. ctl_fd stays the caller's (it is set
 * O_NONBLOCK, not closed); every lwIP socket the agent opened is closed before
 * returning, with SO_LINGER cleared so the return never waits on a peer.
 * Returns 0 on quit or EOF, 1 on a fatal error (control channel unusable, no memory). */
int lwip_agent_serve(int ctl_fd);

#endif
