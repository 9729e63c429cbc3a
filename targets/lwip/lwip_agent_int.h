#ifndef TCPCONFORM_LWIP_AGENT_INT_H
#define TCPCONFORM_LWIP_AGENT_INT_H

/* Internals shared by lwip_agent.c (loop, control channel, replies, parked calls) and
 * lwip_verbs.c (one function per verb). Not for other users. */

#include "agent_proto.h"

#include <stddef.h>
#include <stdint.h>

#define MAX_HANDLES 256
#define MAX_PENDING 64
#define DEFAULT_WAIT_MS 2000
#define MAX_WAIT_MS 600000
#define RECV_MAX 65536                 /* hex of it fits AGENT_LINE_MAX */
#define SEND_LEN_MAX (64u << 20)       /* send len=<n>: generated, not carried */
#define REPLY_CAP (AGENT_LINE_MAX + 2)
#define IN_CAP (AGENT_LINE_MAX + 2)    /* line + optional CR + LF */

/* A protocol handle and the lwIP socket (an lwIP fd, not a host fd) it names. */
struct slot {
	uint32_t handle;        /* 0: free */
	int fd;
	int family;
};

enum op_kind { OP_ACCEPT, OP_CONNECT, OP_SEND, OP_RECV };

/* A request whose reply waits on lwIP: at most one read-side (accept, recv) and one
 * write-side (connect, send) per handle, so their completion order is unambiguous. */
struct op {
	int used;
	enum op_kind kind;
	uint32_t id;
	uint32_t handle;
	int fd;
	int64_t deadline_ms;
	int flags;              /* MSG_PEEK for recv */
	int waitall;
	int pattern;            /* send len=<n>: bytes generated on the fly */
	unsigned char *buf;     /* send data or recv buffer (owned) */
	size_t len, done;
};

struct agent_server {
	int ctl;
	int notify[2];          /* pipe: [1] written by linger-close threads, [0] polled */
	uint32_t next_handle;
	int quit;
	uint32_t quit_id;
	int closing;            /* linger-close threads not yet reported */
	struct slot slots[MAX_HANDLES];
	struct op ops[MAX_PENDING];
	char *in;
	size_t inlen;
	int discarding;
	uint32_t discard_id;
	char *out;
	size_t outlen, outcap;
	char *reply;
	size_t replylen;
	int oom;
};

/* Options after the positional arguments. */
struct opts {
	int64_t wait_ms;
	int peek, waitall, oob;
};

#define OPT_WAIT 1
#define OPT_PEEK 2
#define OPT_WAITALL 4
#define OPT_OOB 8

/* Replies (lwip_agent.c). One reply is built in a->reply between begin and end, then
 * queued for the control channel; nothing here blocks or fails (oom ends the server). */
void reply_begin(struct agent_server *a, uint32_t id, long long ret, const char *errname);
void reply_raw(struct agent_server *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void reply_kv(struct agent_server *a, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void reply_end(struct agent_server *a);
void reply_fail(struct agent_server *a, uint32_t id, const char *errname,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void reply_errno(struct agent_server *a, uint32_t id, int err);
void reply_ok(struct agent_server *a, uint32_t id, long long ret);
/* laddr= lport= and, with_peer, raddr= rport= of lwIP socket fd. */
void reply_names(struct agent_server *a, int fd, int with_peer);

/* Handles and parked calls (lwip_agent.c). */
struct slot *slot_find(struct agent_server *a, uint32_t handle);
struct slot *slot_add(struct agent_server *a, int fd, int family);
/* A fresh op for a blocking verb, or NULL after a reply saying why (EBUSY). */
struct op *op_start(struct agent_server *a, const struct agent_request *rq,
		    struct slot *s, enum op_kind kind, const struct opts *o);
void op_free(struct op *op);
/* First attempt of a fresh op: finish it, answer it (wait=0), or leave it parked.
 * first_err: connect's errno from lwip_connect (0 if it returned 0). */
void op_launch(struct agent_server *a, struct op *op, int64_t wait_ms, int first_err);
/* Answer every parked call of handle with CANCELED (its close is coming). */
void op_cancel_handle(struct agent_server *a, uint32_t handle);
/* Close lwIP socket fd in a helper thread; the reply to id comes when it returns. */
int close_in_thread(struct agent_server *a, int fd, uint32_t id);

/* Arguments (lwip_verbs.c). Each returns -1 after an EINVAL/EBADF reply. */
int parse_num(const char *s, long long min, long long max, long long *out);

/* The verb table (lwip_verbs.c): run rq, replying exactly once (now or later). */
void verbs_dispatch(struct agent_server *a, const struct agent_request *rq);
/* The greeting's keys after "0 0 - ". */
const char *verbs_greeting(void);

#endif
