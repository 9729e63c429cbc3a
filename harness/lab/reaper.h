#ifndef TCPCONFORM_REAPER_H
#define TCPCONFORM_REAPER_H

/* reaper: runs release work that blocks for nothing the caller needs -- closing a packet
 * socket waits for an RCU grace period in the kernel (packet_release -> synchronize_net,
 * 10-30 ms here) -- on a background thread, so tearing a lab down does not delay the
 * next test. Jobs are independent: they may run in any order, several at once.
 * A process must not fork() while these threads run unless its allocator is fork-safe
 * (see lab_runtime_background_teardown). */

/* Starts the thread (idempotent). Returns 0, or -1 (then reaper_defer runs work inline). */
int reaper_start(void);
/* Queues fn(arg); runs it inline if the thread is not running or memory is short. */
void reaper_defer(void (*fn)(void *), void *arg);
/* Waits until every queued piece of work has run, then stops the thread. */
void reaper_stop(void);

#endif
