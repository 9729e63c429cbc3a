#ifndef TCPCONFORM_AGENT_CORE_INT_H
#define TCPCONFORM_AGENT_CORE_INT_H

/* Internals of the agent core (agent_core.h), shared by its files and by nothing else:
 * backends see struct agent_server only as an opaque pointer. */

#include "agent_core.h"

#define OUT_HIGH_WATER (1u << 20)      /* stop reading requests while replies pile up */
#define MSG_MAX 256
#define IN_CAP (AGENT_LINE_MAX + 2)    /* line + optional CR + LF */
#define REPLY_CAP (AGENT_LINE_MAX + 2)

enum agent_op_kind { OP_ACCEPT, OP_CONNECT, OP_SEND, OP_RECV };

/* One request whose reply waits on the stack. Read-side (accept, recv) and write-side
 * (connect, send) calls may be parked at once on one handle, but not two of the same
 * side: their completion order would be ambiguous (PROTOCOL.md 5). */
struct agent_op {
	int used;
	enum agent_op_kind kind;
	uint32_t id;            /* request id the reply goes to */
	uint32_t handle;
	int fd;
	int64_t deadline_ms;
	int flags;              /* MSG_* for send/recv */
	int waitall;
	int pattern;            /* send len=<n>: bytes generated on the fly */
	unsigned char *buf;     /* send data or recv buffer (owned) */
	size_t len, done;
};

struct agent_server {
	const struct agent_backend *b;
	int ctl;
	int notify[2];          /* [0] read by the loop, [1] dup'ed by close threads */
	uint32_t next_handle;
	int max_handles, max_pending;   /* the backend's, resolved (agent_core.c) */
	int slots_used;         /* slots[0..slots_used) have been used: the rest are free
				 * (the first free slot is taken, so this stays near the
				 * most handles open at once; lookups scan no further) */
	int quit;               /* "quit" seen: read no more requests */
	uint32_t quit_id;       /* its reply is the last line, once closes are done */
	int closing;            /* linger-close threads not yet reported */
	struct agent_close_wait {
		uint32_t id;    /* 0: free */
		int64_t deadline_ms;    /* -1: none */
		int answered;   /* TIMEOUT sent: the thread's result is dropped */
	} closes[AGENT_MAX_PENDING];
	char *greeting;         /* the full greeting's keys (agent_greet.c) */
	struct agent_slot slots[AGENT_MAX_HANDLES];
	struct agent_op ops[AGENT_MAX_PENDING];
	char *in;               /* request bytes not yet ending in LF */
	size_t inlen;
	int discarding;         /* inside a line longer than AGENT_LINE_MAX */
	uint32_t discard_id;
	char *out;              /* replies not yet written to ctl */
	size_t outlen, outcap;
	char *reply;            /* the reply being built */
	size_t replylen;
	int oom;
};

int agent_would_block(int err);

/* ---- control channel (agent_ctl.c). Both return 1 on EOF / the peer gone, -1 on a
 * fatal error, 0 otherwise. ctl_read also handles every complete line. */
int agent_ctl_read(struct agent_server *a);
int agent_ctl_write(struct agent_server *a);
/* Run one request (agent_core.c): the backend's verbs, then the core's. */
void agent_dispatch(struct agent_server *a, const struct agent_request *rq);

/* ---- replies (agent_reply.c) */

/* options=<ts,sack,wscale,ecn | none> of AGENT_TCPOPT_* bits (agent_state.c). */
void agent_out_tcp_options(struct agent_server *a, unsigned opt);
/* laddr= lport= [raddr= rport=] of a socket, through the backend. */
void agent_out_names(struct agent_server *a, int fd, int with_peer);

/* ---- arguments and handles (agent_args.c) */

struct agent_opts {
	int64_t wait_ms;
	int wait_given;         /* wait= was in the request */
	int peek, waitall, oob, more, dontwait;
};

#define OPT_WAIT 1
#define OPT_PEEK 2
#define OPT_WAITALL 4
#define OPT_OOB 8
#define OPT_MORE 16
#define OPT_DONTWAIT 32

int agent_arg_sockaddr(struct agent_server *a, const struct agent_request *rq, int idx,
		       int family, struct sockaddr_storage *ss, socklen_t *len);
int agent_arg_opts(struct agent_server *a, const struct agent_request *rq, int first,
		   int allowed, struct agent_opts *o);
/* The wait of a blocking verb on s: dontwait (whatever wait= says) or o_nonblock
 * (without wait=) make it 0 (PROTOCOL.md 5). */
void agent_opts_apply_nonblock(const struct agent_slot *s, struct agent_opts *o);
struct agent_slot *agent_slot_find(struct agent_server *a, uint32_t handle);
/* A new handle for fd (which the slot then owns), or NULL when all are in use. */
struct agent_slot *agent_slot_add(struct agent_server *a, int fd, int family);
/* getsockname (peer 0) or getpeername (peer 1) of an open or held handle: 0, or -1
 * with errno set. */
int agent_slot_name(struct agent_server *a, const struct agent_slot *s, int peer,
		    struct sockaddr_storage *ss);

/* ---- parked calls (agent_ops.c) */

int agent_op_is_read_side(enum agent_op_kind k);
/* A new op for a blocking verb, or NULL after a reply saying why there is none. */
struct agent_op *agent_op_start(struct agent_server *a, const struct agent_request *rq,
				struct agent_slot *s, enum agent_op_kind kind,
				const struct agent_opts *o);
/* First attempt of a fresh op: finish it, fail it (wait=0), or leave it parked.
 * first_err: connect's errno (0 when it returned 0). */
void agent_op_launch(struct agent_server *a, struct agent_op *op, int64_t wait_ms,
		     int first_err);
/* Try once more: 1 when the op completed (reply queued; the caller frees it). */
int agent_op_try(struct agent_server *a, struct agent_op *op);
/* The deadline passed: reply and free. */
void agent_op_expire(struct agent_server *a, struct agent_op *op);
void agent_op_free(struct agent_op *op);
/* Answer every op of handle with CANCELED and free it. */
void agent_op_cancel_handle(struct agent_server *a, uint32_t handle);
/* Answer every op with CANCELED (quit) and free it. */
void agent_op_cancel_all(struct agent_server *a);
/* Milliseconds to the nearest deadline (0 if past), -1 when nothing is parked. */
int agent_op_next_timeout(struct agent_server *a, int64_t now);
/* Expire every op whose deadline is past. */
void agent_op_expire_due(struct agent_server *a, int64_t now);

/* ---- core verbs (agent_sock.c, agent_close.c, agent_sockopt.c, agent_state.c) */

void agent_verb_socket(struct agent_server *a, const struct agent_request *rq);
void agent_verb_bind(struct agent_server *a, const struct agent_request *rq);
void agent_verb_listen(struct agent_server *a, const struct agent_request *rq);
void agent_verb_accept(struct agent_server *a, const struct agent_request *rq);
void agent_verb_connect(struct agent_server *a, const struct agent_request *rq);
void agent_verb_send(struct agent_server *a, const struct agent_request *rq);
void agent_verb_recv(struct agent_server *a, const struct agent_request *rq);
void agent_verb_close(struct agent_server *a, const struct agent_request *rq);
void agent_verb_shutdown(struct agent_server *a, const struct agent_request *rq);
void agent_verb_getsockname(struct agent_server *a, const struct agent_request *rq);
void agent_verb_getpeername(struct agent_server *a, const struct agent_request *rq);
void agent_verb_setsockopt(struct agent_server *a, const struct agent_request *rq);
void agent_verb_getsockopt(struct agent_server *a, const struct agent_request *rq);
void agent_verb_state(struct agent_server *a, const struct agent_request *rq);
/* getsockopt tcp_info (agent_tcpinfo.c): a reply for s. */
void agent_tcpinfo_reply(struct agent_server *a, const struct agent_request *rq,
			 const struct agent_slot *s);

/* ---- the greeting (agent_greet.c) */

/* Build a->greeting from the backend: 0, or -1 out of memory. */
int agent_greet_build(struct agent_server *a);
/* Option names the core itself answers, whatever the backend's table. */
#define AGENT_OPT_NONBLOCK_NAME "o_nonblock"
#define AGENT_OPT_TCPINFO_NAME "tcp_info"

/* ---- lingering closes (agent_close.c) */

/* Milliseconds to the nearest close deadline (0 if past), -1 when none. */
int agent_close_next_timeout(struct agent_server *a, int64_t now);
/* Answer TIMEOUT to every parked close whose wait ran out. */
void agent_close_expire_due(struct agent_server *a, int64_t now);

/* Completions of linger-close threads: reply to each. */
void agent_close_done(struct agent_server *a);
/* Close every socket and end every holder (server teardown). */
void agent_close_all(struct agent_server *a);

#endif
