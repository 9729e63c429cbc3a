#ifndef TCPCONFORM_LAB_H
#define TCPCONFORM_LAB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "segment.h"

/* A lab: one target network namespace holding the stack under test, a veth link from the
 * harness to it, the wire on the harness end, the target's agent on its own control
 * channel, and the log of every frame seen on the link.
 *
 * The target namespace is created by a forked child with unshare(CLONE_NEWNET) and dies
 * with it; the child dies with the harness (PR_SET_PDEATHSIG), so nothing outlives a
 * kill -9. The harness end of the link has no IP address: no kernel answers for the
 * harness; the lab itself answers ARP and neighbour solicitations for it.
 *
 * All waiting goes through lab_pump(), which services the wire (capture, ARP/ND) and the
 * control channel together, so the target is never kept waiting by the harness. */

struct lab_addrs {
	uint8_t harness_mac[6], target_mac[6];
	uint8_t harness4[4], target4[4];        /* 198.18.0.1 and 198.18.0.2 (RFC 2544) */
	uint8_t harness6[16], target6[16];      /* 2001:db8::1 and 2001:db8::2 (RFC 3849) */
};

struct lab_opts {
	const char *target;     /* "linux" */
	unsigned id;            /* unique within the run: names the link */
	unsigned mtu;           /* the link's MTU, LAB_MTU_MIN..LAB_MTU (0: LAB_MTU) */
};

/* One frame seen on the link. */
struct lab_rec {
	struct seg seg;         /* payload points into frame */
	uint8_t *frame;         /* owned copy of the captured bytes */
	bool inbound;           /* sent by the target (not by the harness) */
	double t;               /* seconds since the lab was created (capture time stamp) */
};

struct lab;

/* Room for a lab error: a crashed target's error carries its last words (a sanitizer
 * report runs to kilobytes), so callers of lab_pump and the agent calls size their err
 * buffers with this, not with a one-line guess. */
#define LAB_ERR_MAX 16384

/* Must be called once per process before lab_create: moves the calling process into a
 * network namespace of its own, so the harness ends of all links live there and never in
 * the host's namespace. */
int lab_runtime_init(char *err, size_t errlen);

/* Tears destroyed labs down on background threads (reaper.h), for a process that makes
 * many labs itself (bench/lab_cost). Not for a process that forks workers: a child forked
 * while another thread holds an allocator lock inherits the lock held -- glibc's malloc
 * guards against that, ASan's allocator (GCC 12) does not, and the worker hangs in its
 * first malloc. The runner's main process stays single-threaded for that reason; its
 * workers report before they tear down, which takes the teardown off the critical path
 * instead. */
int lab_runtime_background_teardown(void);

/* Makes the calling process the reaper of orphans from the labs it makes (done by
 * lab_runtime_init; a forked process that makes labs of its own calls it again). */
void lab_become_subreaper(void);

/* Finishes background teardown of destroyed labs and frees the runtime's own state. */
void lab_runtime_shutdown(void);

/* Set by a SIGINT/SIGTERM handler: lab_pump then fails with "interrupted". */
void lab_interrupt(void);
bool lab_interrupted(void);

/* The handlers of a command's parent process (the runner, the sweep, the fuzzer): SIGINT
 * and SIGTERM call lab_interrupt, and a second one ends the process at once (workers and
 * labs die with it); SIGPIPE is ignored (a closed pipe is an EPIPE to handle). */
void lab_catch_interrupts(void);

struct lab *lab_create(const struct lab_opts *o, char *err, size_t errlen);
/* Ends the test's traffic: kills the target's process group and writes what is still in
 * the capture ring to the pcap, which is then complete and closed. Never blocks on the
 * kernel. The frame log stays readable. */
void lab_stop(struct lab *lab);
/* Frames the capture lost so far (wire_drops): the frame log and pcap lack them. */
unsigned lab_capture_drops(struct lab *lab);
/* lab_stop if not done, then waits for the target to exit (its namespace and link go
 * with it), closes the capture and frees everything. Waits on the kernel: a worker
 * reports its result between the two. */
void lab_destroy(struct lab *lab);

const struct lab_addrs *lab_addrs(const struct lab *lab);
const char *lab_target_name(const struct lab *lab);
/* The agent's greeting fields (e.g. "stack", "caps"); NULL when absent. */
const char *lab_target_info(const struct lab *lab, const char *key);
/* The target's first process (in the target's network namespace: /proc/<pid>/net shows
 * that namespace's counters, which the fuzzer reads); 0 when there is none. */
int lab_target_pid(const struct lab *lab);

/* Seconds since the lab was created, on the same clock as capture time stamps. */
double lab_now(const struct lab *lab);

/* Starts (or stops, path NULL) writing every frame on the link to a pcap file. */
int lab_pcap_open(struct lab *lab, const char *path, char *err, size_t errlen);

struct frame_builder *lab_builder(struct lab *lab);
int lab_send_frame(struct lab *lab, const uint8_t *frame, size_t len, char *err, size_t errlen);

/* Frame log, in arrival order. Records stay valid until lab_destroy. */
size_t lab_log_count(const struct lab *lab);
const struct lab_rec *lab_log_get(const struct lab *lab, size_t i);

/* A hard limit (lab time) for everything that waits in this lab: past it lab_pump fails
 * with "test exceeded its time limit", so a test blocked in a long wait ends on time.
 * 0: none. */
void lab_set_limit(struct lab *lab, double limit);

/* Waits until `deadline` (lab time) or until at least one frame or control line arrived.
 * Returns 1 when something arrived, 0 at the deadline, -1 with err when the run was
 * interrupted or the target's agent is gone. */
int lab_pump(struct lab *lab, double deadline, char *err, size_t errlen);

/* Sends "<id> <body>" to the agent; *id receives the request id. */
int lab_agent_send(struct lab *lab, const char *body, uint32_t *id, char *err, size_t errlen);
/* Writes len bytes to the agent's control channel exactly as given: no id, no LF
 * added. For a check of the agent itself (check/agent_check.c), which must send the lines
 * a harness never would (no id, overlong, control bytes) and pick its own ids; such a
 * caller uses ids above 2^31 so they never meet lab_agent_send's. */
int lab_agent_write(struct lab *lab, const char *bytes, size_t len, char *err, size_t errlen);
/* Waits for the reply to id until deadline (lab time). On success *line is the reply
 * line (owned by the caller: free it) and 0 is returned; 0 with *line NULL at the
 * deadline; -1 with err if the agent is gone or the run was interrupted. */
int lab_agent_wait(struct lab *lab, uint32_t id, double deadline, char **line, char *err,
		   size_t errlen);
/* lab_agent_wait, and *at (when not NULL) the lab time the reply was read from the
 * control channel: the moment the call returned as the harness saw it, even when the
 * reply is collected later (a script that drove the wire meanwhile). */
int lab_agent_wait_at(struct lab *lab, uint32_t id, double deadline, char **line, double *at,
		      char *err, size_t errlen);
/* The ids of the replies read off the control channel since the last call (by any pump:
 * a wait for one reply reads the others that came with it), *n of them, in arrival
 * order; whether they were collected since does not matter. *lost: more came than the
 * lab keeps (65536 between two calls), so any reply may have come. The array is the
 * lab's, valid until its next pump. A scheduler of many waiting callers (the sweep
 * engine's) wakes only those whose reply came instead of all of them. */
const uint32_t *lab_agent_news(struct lab *lab, size_t *n, bool *lost);
/* The MTU of the lab's link (bytes of IP packet) by default and at most (the capture's
 * snap length holds a 1500-byte packet), and at least (IPv6 needs 1280, RFC 8200 5). */
#define LAB_MTU 1500
#define LAB_MTU_MIN 1280
/* The MTU of this lab's link: a frame the harness injects may be at most this plus the
 * Ethernet header. */
unsigned lab_mtu(const struct lab *lab);

#endif
