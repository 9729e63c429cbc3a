#ifndef TCPCONFORM_AGENT_LINUX_INT_H
#define TCPCONFORM_AGENT_LINUX_INT_H

/* Internals of the Linux agent (agent_linux.h), shared by its files and by nothing else:
 *
 *   agent_linux.c    the server: control channel, poll loop, verb table, hello/quit
 *   agent_reply.c    building replies (agent_out_*)
 *   agent_args.c     request arguments and the handle table they name
 *   agent_ops.c      pending (parked) calls: accept, connect, send, recv
 *   agent_sock.c     socket verbs: socket bind listen accept connect send recv close
 *                    shutdown getsockname getpeername
 *   agent_sockopt.c  setsockopt / getsockopt and the option table
 *   agent_state.c    state (sock_diag)
 *   agent_sysctl.c   sysctl
 *   agent_hold.c     hold / kill: a socket held by a helper process
 *
 * The server is single-threaded (one poll loop); only linger-closes run in helper
 * threads, which touch nothing here but the completion socket (notify[1]). */

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "agent_proto.h"

#define MAX_HANDLES 256
#define MAX_PENDING 64
#define DEFAULT_WAIT_MS 2000
#define MAX_WAIT_MS 600000
#define RECV_MAX 65536                 /* hex of it fits AGENT_LINE_MAX */
#define SEND_LEN_MAX (64u << 20)       /* send len=<n>: generated, not carried */
#define OUT_HIGH_WATER (1u << 20)      /* stop reading requests while replies pile up */
#define MSG_MAX 256

#define IN_CAP (AGENT_LINE_MAX + 2)    /* line + optional CR + LF */
#define REPLY_CAP (AGENT_LINE_MAX + 2)

/* A protocol handle. Open: fd is the agent's socket. Held (after "hold"): fd is -1,
 * the socket lives only in process `holder`, and the addresses it had when it was
 * handed over are kept so that state/getsockname/getpeername still answer. */
struct agent_slot {
	uint32_t handle;        /* 0: free */
	int fd;
	int family;
	pid_t holder;           /* > 0: held by this child process */
	int holder_fd;          /* its pidfd (-1: none, kernel < 5.3): kill by it, never
				 * by a pid that may have been reused */
	struct sockaddr_storage held_name, held_peer;
	int held_peer_err;      /* getpeername's errno at hold time, 0 if connected */
};

enum agent_op_kind { OP_ACCEPT, OP_CONNECT, OP_SEND, OP_RECV };

/* One request whose reply waits on the kernel. Read-side (accept, recv) and
 * write-side (connect, send) ops may be pending at once on one handle, but not two of
 * the same side: their completion order would be ambiguous. */
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
	int ctl;
	int notify[2];          /* [0] read by the loop, [1] dup'ed by close threads */
	uint32_t next_handle;
	int quit;               /* "quit" seen: read no more requests */
	uint32_t quit_id;       /* its reply is the last line, once closes are done */
	int closing;            /* linger-close threads not yet reported */
	struct agent_slot slots[MAX_HANDLES];
	struct agent_op ops[MAX_PENDING];
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

int64_t agent_now_ms(void);
int agent_would_block(int err);

/* ---- replies (agent_reply.c). A reply is built with begin, kv/hex/raw, end; end
 * queues it for the control socket. The fail/errno/ok forms are one call each. */

void agent_out_raw(struct agent_server *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void agent_out_begin(struct agent_server *a, uint32_t id, long long ret, const char *errname);
/* " key=value"; the value must contain no blanks (callers pass numbers, names,
 * addresses or hex). */
void agent_out_kv(struct agent_server *a, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void agent_out_hex(struct agent_server *a, const char *key, const void *data, size_t len);
void agent_out_end(struct agent_server *a);
/* "<id> -1 <errname> msg=<text>", text made blank-free (PROTOCOL.md 4.2). */
void agent_out_fail(struct agent_server *a, uint32_t id, const char *errname,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void agent_out_errno(struct agent_server *a, uint32_t id, int err);
void agent_out_ok(struct agent_server *a, uint32_t id, long long ret);
/* akey=<address> pkey=<port> of ss ("none" for a family that is not inet). */
void agent_out_sockaddr(struct agent_server *a, const char *akey, const char *pkey,
			const struct sockaddr_storage *ss);
/* laddr= lport= [raddr= rport=] of a socket. */
void agent_out_names(struct agent_server *a, int fd, int with_peer);

/* ---- arguments and handles (agent_args.c). Every agent_arg_* either fills its
 * output and returns 0 / non-NULL, or has already replied with the error. */

struct agent_opts {
	int64_t wait_ms;
	int peek, waitall, oob;
};

#define OPT_WAIT 1
#define OPT_PEEK 2
#define OPT_WAITALL 4
#define OPT_OOB 8

int agent_parse_num(const char *s, long long min, long long max, long long *out);
int agent_arg_num(struct agent_server *a, const struct agent_request *rq, int idx,
		  const char *name, long long min, long long max, long long *out);
/* A handle with a socket in the agent: EBADF when unknown, EBUSY when held. */
struct agent_slot *agent_arg_slot(struct agent_server *a, const struct agent_request *rq,
				  int idx);
/* Any known handle, open or held: EBADF when unknown. */
struct agent_slot *agent_arg_handle(struct agent_server *a, const struct agent_request *rq,
				    int idx);
int agent_arg_sockaddr(struct agent_server *a, const struct agent_request *rq, int idx,
		       int family, struct sockaddr_storage *ss, socklen_t *len);
int agent_arg_opts(struct agent_server *a, const struct agent_request *rq, int first,
		   int allowed, struct agent_opts *o);

struct agent_slot *agent_slot_find(struct agent_server *a, uint32_t handle);
/* A new handle for fd (which the slot then owns), or NULL when all are in use. */
struct agent_slot *agent_slot_add(struct agent_server *a, int fd, int family);
/* Forget a handle (or initialise a free one); closes nothing: the caller has dealt
 * with fd / holder. */
void agent_slot_forget(struct agent_slot *s);
/* getsockname (peer 0) or getpeername (peer 1) of an open or held handle: 0, or -1
 * with errno set. */
int agent_slot_name(const struct agent_slot *s, int peer, struct sockaddr_storage *ss);

/* ---- pending calls (agent_ops.c) */

int agent_op_is_read_side(enum agent_op_kind k);
/* 1 when any call is pending on handle. */
int agent_op_pending(struct agent_server *a, uint32_t handle);
/* A new op for a blocking verb, or NULL after a reply saying why there is none. */
struct agent_op *agent_op_start(struct agent_server *a, const struct agent_request *rq,
				struct agent_slot *s, enum agent_op_kind kind,
				const struct agent_opts *o);
/* First attempt of a fresh op: finish it, fail it (wait=0), or leave it pending. */
void agent_op_launch(struct agent_server *a, struct agent_op *op, int64_t wait_ms,
		     int first_err);
/* Try once more: 1 when the op completed (reply queued; the caller frees it). */
int agent_op_try(struct agent_server *a, struct agent_op *op);
/* The deadline passed: reply and free. */
void agent_op_expire(struct agent_server *a, struct agent_op *op);
void agent_op_free(struct agent_op *op);
/* Answer every op of handle with CANCELED and free it. */
void agent_op_cancel_handle(struct agent_server *a, uint32_t handle);

/* ---- verbs. Each answers rq exactly once (or hands the answer to a pending op or a
 * close thread, which answer it later). Argument counts are checked by the table. */

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
void agent_verb_sysctl(struct agent_server *a, const struct agent_request *rq);
void agent_verb_hold(struct agent_server *a, const struct agent_request *rq);
void agent_verb_kill(struct agent_server *a, const struct agent_request *rq);

/* Completions of linger-close threads (agent_sock.c): reply to each. */
void agent_close_done(struct agent_server *a);

/* Kill a held handle's process with SIGKILL and reap it, so that its socket is closed
 * in the kernel when this returns (agent_hold.c). The slot stays; the caller forgets
 * it. Returns 0, or an errno. */
int agent_hold_end(struct agent_slot *s);

#endif
