#ifndef TCPCONFORM_LAB_INT_H
#define TCPCONFORM_LAB_INT_H
/* The lab's private face: the struct its files share and the calls between them. Not for
 * use outside harness/lab/ (lab.h is the public face). Which file does what:
 *
 *   lab.c          life cycle (create, stop, destroy) and the public accessors
 *   lab_runtime.c  the process's runtime: its own (user and) network namespace, the
 *                  shared frame builder, the interrupt flag, the subreaper
 *   lab_child.c    the forked child that unshares and becomes the target
 *   lab_link.c     the link: veth creation, readiness, the ARP probe of a bridged stack
 *   lab_pump.c     the event pump: frames off the wire, ARP/ND answers, the frame log
 *   lab_agent.c    the control channel: replies, requests, the greeting
 *   lab_words.c    the target's output (its last words) and why it is gone
 *   target_opts.c  a target's options (sysctls): parsed from the spec, applied in a lab */
#include <stdbool.h>
#include <sys/time.h>
#include <sys/types.h>

#include "agent_proto.h"
#include "lab.h"
#include "tailbuf.h"
#include "target.h"

#define LAB_START_TIMEOUT 10.0   /* seconds for the target to greet */

struct lab_reply {
	uint32_t id;
	char *line;
	double t;        /* lab time it was read: when the call returned, as the harness saw it */
};

struct lab {
	struct target_spec target;
	struct lab_addrs addrs;
	char dev[16];
	unsigned mtu;            /* the link's MTU (both veth ends) */
	pid_t child;
	pid_t pgid;              /* the target's process group (= its first pid) */
	int ctl;
	int out;                 /* read end of the target's stdout+stderr; -1 at EOF */
	struct tailbuf *words;   /* the last LAB_WORDS_MAX bytes the target wrote */
	struct wire *wire;
	struct frame_builder *fb;
	struct timeval t0;

	struct lab_rec *log;
	size_t nlog, caplog;

	char *ctlbuf;            /* bytes read from the agent, not yet a whole line */
	size_t nctl;
	bool agent_gone;
	bool stopped;            /* lab_stop done */
	struct lab_reply *replies; /* arrived, not yet collected */
	size_t nreplies, capreplies;
	uint32_t *news;          /* ids of the replies stored since lab_agent_news */
	size_t nnews, capnews;
	bool news_lost;          /* more came than LAB_NEWS_MAX: which ones is unknown */
	uint32_t next_id;
	char *hello;             /* the greeting line, kept for lab_target_info */
	struct agent_reply hello_parsed;
	char err[256];           /* error noticed inside a frame callback */
	double limit;            /* lab_set_limit; 0: none */
};

/* lab_runtime.c: the process's one frame builder (NULL before lab_runtime_init) and the
 * interrupt flag lab_pump checks. */
struct frame_builder *lab_runtime_builder(void);

/* lab_child.c: the child's side of the set-up handshake. Never returns. `out` is the
 * write end of the pipe that takes the target's stdout and stderr. */
void lab_child(const struct target_spec *spec, int ctl, int out, pid_t parent,
	       const struct lab_addrs *a);
/* Reads one byte from fd within `seconds`: 0 if it is `want`, -1 if another byte or
 * EOF came, -2 at the limit. */
int lab_read_byte_within(int fd, char want, double seconds);

/* lab_link.c: creates the link into the child's namespace once it exists (the 'u'/'v'
 * handshake), and waits until it carries frames. */
int lab_link(struct lab *lab, char *err, size_t errlen);
int lab_link_ready(struct lab *lab, char *err, size_t errlen);

/* lab_pump.c: a captured frame, logged (and answered if it asks for the harness). */
void lab_on_frame(void *ctx, const struct timeval *ts, const uint8_t *frame, size_t caplen,
		  size_t len);
double lab_time_of(const struct lab *lab, const struct timeval *tv);

/* lab_agent.c: reads what the agent sent (whole lines become replies); waits for and
 * checks the greeting. */
int lab_read_ctl(struct lab *lab, char *err, size_t errlen);
int lab_wait_greeting(struct lab *lab, char *err, size_t errlen);

/* target_opts.c: "sysctl=value[:sysctl=value...]" (the part of a spec after "NAME:")
 * into out->sysctls, each name checked by sysctl_name_path; 0, or -1 with err naming the
 * option, expected vs actual. */
int target_opts_parse(const char *opts, struct target_spec *out, char *err, size_t errlen);
/* Sets the target's sysctls through its agent once it has greeted; a target whose caps
 * lack `sysctl` is an error naming the target and its caps. 0, or -1 with err. */
int lab_apply_options(struct lab *lab, char *err, size_t errlen);

/* lab_words.c. */
int lab_words_open(struct lab *lab, int pipefd[2], char *err, size_t errlen);
void lab_words_drain(struct lab *lab);
void lab_words_finish(struct lab *lab, double seconds);
void lab_describe_exit(struct lab *lab, char *err, size_t errlen);
void lab_words_append(struct lab *lab, char *err, size_t errlen);

#endif
