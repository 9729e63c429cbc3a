#ifndef TCPCONFORM_AGENT_CORE_H
#define TCPCONFORM_AGENT_CORE_H

/* The stack-neutral core of an agent (targets/PROTOCOL.md): the control channel, line
 * handling, replies, arguments, the handle table, parked calls with deadlines, the
 * event loop, and every verb whose logic is the same on any stack (socket .. recv,
 * close, shutdown, get/setsockopt, getsockname/getpeername, state, hello, quit).
 *
 * A stack plugs in with one struct agent_backend: its socket calls (BSD-shaped, on
 * the stack's own descriptors), how the loop learns that those are ready, its option
 * table, its TCP state lookup, and its own extra verbs. The Linux agent
 * (agent_linux.c) and the lwIP agent (targets/lwip/lwip_agent.c) are two such
 * backends; a third stack needs only another one:
 *   1. wrap its socket calls as struct agent_sockapi (non-blocking, errno on failure);
 *   2. say whether its descriptors are host fds (host_fds) or need a tick (tick_ms);
 *   3. list the options it has (agent_sockopt) and write its state lookup;
 *   4. add verbs of its own if any (a greeting's caps must match them), and call
 *      agent_serve(ctl_fd, &backend) with the control channel the harness gave it.
 *
 *   agent_core.c     the server: backend, verb table, hello/quit, the event loop
 *   agent_ctl.c      the control channel: reading lines, writing replies
 *   agent_reply.c    building replies (agent_out_*)
 *   agent_args.c     request arguments and the handle table they name
 *   agent_ops.c      parked calls: accept, connect, send, recv
 *   agent_sock.c     socket verbs
 *   agent_close.c    close, with a helper thread for a lingering close
 *   agent_sockopt.c  setsockopt / getsockopt over the backend's option table
 *   agent_tcpinfo.c  getsockopt tcp_info: the reply keys of struct agent_tcpi
 *   agent_greet.c    the greeting: the backend's keys plus the caps the core derives
 *   agent_state.c    state: the 4-tuple and the reply keys
 *
 * Threads: the server is single-threaded; only lingering closes run in helper threads,
 * which call nothing of the core. Backend hooks are called on the server's thread,
 * except sock.close_linger (in the helper thread). */

#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "agent_proto.h"

/* The core's tables: a backend offers at most this many handles open and calls parked
 * at once (struct agent_backend's max_handles, max_pending), and the greeting says how
 * many it offers (handles=, pending=: PROTOCOL.md 2), so a harness can keep within them. */
#define AGENT_MAX_HANDLES 2048
#define AGENT_MAX_PENDING 256
/* A backend that sets neither offers AGENT_DEFAULT_HANDLES / _PENDING (agent_proto.h). */
#define AGENT_DEFAULT_WAIT_MS 2000
#define AGENT_MAX_WAIT_MS 600000
#define AGENT_RECV_MAX 65536                 /* hex of it fits AGENT_LINE_MAX */
#define AGENT_SEND_LEN_MAX (64u << 20)       /* send len=<n>: generated, not carried */
#define AGENT_SEND_PIECE_MAX (8u << 20)      /* one send() of len=<n> offers at most this */

/* The server: opaque to backends, which reach it only through the functions below. */
struct agent_server;

/* A protocol handle. Open: fd is the stack's socket (a descriptor of the backend's
 * socket API, not necessarily a host fd). Held (PROTOCOL.md 6.7, a backend with
 * processes): fd is -1, the socket lives only in process `holder`, and the addresses it
 * had when it was handed over answer state/getsockname/getpeername. */
struct agent_slot {
	uint32_t handle;        /* 0: free */
	int fd;
	int family;
	pid_t holder;           /* > 0: held by this process */
	int holder_ref;         /* the backend's reference to it (Linux: a pidfd), -1 */
	struct sockaddr_storage held_name, held_peer;
	int held_peer_err;      /* getpeername's errno at hold time, 0 if connected */
	int nonblock;           /* o_nonblock: blocking verbs without wait= are wait=0 */
};

/* ---------------------------------------------------------------- the backend */

/* A stack's socket API, shaped like BSD sockets with the host's constants (AF_*,
 * SOL_SOCKET, SO_LINGER, SHUT_*, MSG_PEEK, MSG_OOB, struct sockaddr, struct linger),
 * and errno set on failure. Every call must return at once: sockets are non-blocking. */
struct agent_sockapi {
	/* A new non-blocking TCP socket, or -1 with errno; `why` may be filled with a
	 * stack-specific reason, which then replaces the plain errno reply. */
	int (*open)(int family, char *why, size_t whylen);
	int (*bind)(int fd, const struct sockaddr *sa, socklen_t len);
	int (*listen)(int fd, int backlog);
	/* The accepted socket, non-blocking, or -1 with errno (EAGAIN: none yet). */
	int (*accept)(int fd, struct sockaddr *sa, socklen_t *len);
	int (*connect)(int fd, const struct sockaddr *sa, socklen_t len);
	/* Without blocking and without raising a signal; flags of MSG_OOB, MSG_MORE (the
	 * latter only with backend msg_more). One call: the core never splits a send. */
	ssize_t (*send)(int fd, const void *buf, size_t len, int flags);
	/* Without blocking; flags of MSG_PEEK, MSG_OOB. */
	ssize_t (*recv)(int fd, void *buf, size_t len, int flags);
	int (*shutdown)(int fd, int how);
	int (*close)(int fd);
	/* A close with SO_LINGER on: may block until the peer acknowledged our FIN or the
	 * time ran out (RFC 9293 3.6). Runs in a helper thread (on the server's thread if
	 * none could be started). */
	int (*close_linger)(int fd);
	int (*getsockname)(int fd, struct sockaddr *sa, socklen_t *len);
	int (*getpeername)(int fd, struct sockaddr *sa, socklen_t *len);
	int (*setsockopt)(int fd, int level, int opt, const void *val, socklen_t len);
	int (*getsockopt)(int fd, int level, int opt, void *val, socklen_t *len);
	/* Readiness of the stack's sockets without waiting (timeout 0), like poll(2).
	 * Always needed: a connect's completion is checked with it; with host_fds 0 the
	 * loop also asks it which parked calls are ready. */
	int (*poll)(struct pollfd *fds, nfds_t n);
};

enum agent_optkind {
	AGENT_OPT_INT,          /* an int, reported as is */
	AGENT_OPT_BOOL,         /* an int, reported as 0/1 (stacks that return flag bits) */
	AGENT_OPT_LINGER,       /* struct linger: <on> <secs> */
	AGENT_OPT_ERROR,        /* read only, reported as an errno name (so_error) */
};

/* One name of PROTOCOL.md 6.4 and what it is on the stack. */
struct agent_sockopt {
	const char *name;
	int level, opt;
	enum agent_optkind kind;
};

/* A state request (PROTOCOL.md 6.5): the target's own end first; AF_INET addresses
 * are in the first 4 bytes. */
struct agent_tuple {
	int family;
	struct in6_addr l, r;
	uint16_t lport, rport;
};

#define AGENT_TCPOPT_TS 1
#define AGENT_TCPOPT_SACK 2
#define AGENT_TCPOPT_WSCALE 4
#define AGENT_TCPOPT_ECN 8

/* What a backend knows of one connection; each has_* says whether a group of reply
 * keys is sent. Fields past `found` count only when found. */
struct agent_tcp_info {
	int found;
	const char *state_name;     /* PROTOCOL.md name; "CLOSED" when not found */
	int has_queues;
	unsigned rqueue, wqueue;
	const char *timer_name;     /* none, retrans, keepalive, timewait, probe */
	unsigned expires_ms, retrans;
	int orphan;
	int has_info;               /* a full connection's control block: */
	unsigned rto_us, snd_mss, cwnd, unacked, snd_wnd, snd_wscale, rcv_wscale;
	unsigned options;           /* AGENT_TCPOPT_* */
	int has_rcv_mss, has_total_retrans;
	unsigned rcv_mss, total_retrans;
};

/* getsockopt tcp_info (PROTOCOL.md 6.4.1): what a backend knows of a connection's
 * control block. Numeric keys count only when their bit (1 << AGENT_TCPI_*) is in
 * `have`: a key the stack does not keep is left out of the reply, never sent as 0. */
enum agent_tcpi_key {
	AGENT_TCPI_RETRANSMITS, AGENT_TCPI_PROBES, AGENT_TCPI_BACKOFF,
	AGENT_TCPI_SND_WSCALE, AGENT_TCPI_RCV_WSCALE, AGENT_TCPI_RTO_US, AGENT_TCPI_ATO_US,
	AGENT_TCPI_SND_MSS, AGENT_TCPI_RCV_MSS, AGENT_TCPI_UNACKED, AGENT_TCPI_SACKED,
	AGENT_TCPI_LOST, AGENT_TCPI_RETRANS, AGENT_TCPI_FACKETS, AGENT_TCPI_PMTU,
	AGENT_TCPI_RCV_SSTHRESH, AGENT_TCPI_RTT_US, AGENT_TCPI_RTTVAR_US,
	AGENT_TCPI_SND_SSTHRESH, AGENT_TCPI_SND_CWND, AGENT_TCPI_ADVMSS,
	AGENT_TCPI_REORDERING, AGENT_TCPI_RCV_SPACE, AGENT_TCPI_TOTAL_RETRANS,
	AGENT_TCPI_BYTES_ACKED, AGENT_TCPI_BYTES_RECEIVED, AGENT_TCPI_DELIVERED,
	AGENT_TCPI_NKEYS
};

struct agent_tcpi {
	const char *state_name;     /* PROTOCOL.md 6.5 name; NULL: left out */
	const char *ca_state;       /* open, disorder, cwr, recovery, loss; NULL: left out */
	int has_options;
	unsigned options;           /* AGENT_TCPOPT_* */
	uint32_t have;              /* bit per enum agent_tcpi_key */
	uint64_t v[AGENT_TCPI_NKEYS];
};

/* Set key k of t to v and mark it present. */
void agent_tcpi_set(struct agent_tcpi *t, enum agent_tcpi_key k, uint64_t v);

/* A verb: answers rq exactly once, now or later. Argument counts are checked before. */
struct agent_verb {
	const char *name;
	int min_args, max_args;
	void (*fn)(struct agent_server *a, const struct agent_request *rq);
	const char *usage;
};

struct agent_backend {
	/* The greeting's keys: "hello=tcpconform-agent ... caps=<the stack's own caps>
	 * [more keys]". The core adds the caps it derives (msg_dontwait, nonblock, and
	 * msg_more, tcp_info, cork, ... from the hooks and the option table) to caps=,
	 * and the key sockopts= (PROTOCOL.md 2). */
	const char *greeting;
	struct agent_sockapi sock;
	/* How the loop waits for parked calls. host_fds 1: the stack's sockets are host
	 * fds, polled in the same poll(2) as the control channel. host_fds 0: they are
	 * not; while calls are parked the loop wakes every tick_ms to ask sock.poll. */
	int host_fds;
	int tick_ms;
	const struct agent_sockopt *sockopts;
	size_t nsockopts;
	const char *sockopt_missing;  /* after "<verb>: option "x" ", e.g. "unknown" */
	const char *no_oob;           /* non-NULL: oob is refused (EOPNOTSUPP) with this */
	int msg_more;                 /* 1: send ... more reaches the stack as MSG_MORE */
	/* getsockopt tcp_info of a socket: 0 with out filled (zeroed by the caller), or -1
	 * with errno. NULL: the agent has no tcp_info (ENOSYS, no cap). */
	int (*tcp_info)(int fd, struct agent_tcpi *out);
	/* Look up a connection (see agent_tcp_info); -1 with err filled when the lookup
	 * itself failed (replied as EIO). */
	int (*state)(const struct agent_tuple *t, struct agent_tcp_info *out, char *err,
		     size_t errlen);
	/* Verbs of this stack (sysctl, hold, ...); looked up before the core's. */
	const struct agent_verb *verbs;
	size_t nverbs;
	/* At exit, for a held handle: end its holder so that its socket is closed; 0 or
	 * an errno. NULL for a backend that never holds. */
	int (*held_end)(struct agent_slot *s);
	/* Handles open and calls parked at once (EMFILE, EBUSY past them); 0: the
	 * AGENT_DEFAULT_* ones; more than AGENT_MAX_* is cut to that. A backend on host
	 * fds needs its RLIMIT_NOFILE above max_handles. */
	int max_handles, max_pending;
};

/* Serve the protocol on ctl_fd with backend b until "quit" or EOF on ctl_fd.
 * Sends the greeting first; answers every request line with exactly one reply;
 * never blocks on a socket call (blocking verbs are parked and finished by the loop).
 * Ownership: ctl_fd stays the caller's (it is set O_NONBLOCK, not closed); b must
 * outlive the call; every socket opened is closed before returning, with SO_LINGER
 * cleared so the return never waits on a peer, and every held handle is ended
 * (b->held_end). Returns 0 on quit or EOF, 1 on a fatal error (ctl_fd unusable, out of
 * memory). Request lines can never make it fail. */
int agent_serve(int ctl_fd, const struct agent_backend *b);

/* For an agent that cannot start: write "0 -1 <errname> msg=<why>" (blanks in why
 * become '_') on ctl_fd. Best effort: waits at most a second for room, ignores write
 * errors (the harness may be gone). */
void agent_greet_failure(int ctl_fd, const char *errname, const char *why);

/* ---------------------------------------------------------------- replies
 * A reply is built with begin, then kv/hex/raw, then end, which queues it for the
 * control channel. Replies never block and never fail: text past the line limit is
 * cut, and running out of memory ends the server. */

void agent_out_begin(struct agent_server *a, uint32_t id, long long ret, const char *errname);
void agent_out_raw(struct agent_server *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* " key=value"; the value must contain no blanks (numbers, names, addresses, hex). */
void agent_out_kv(struct agent_server *a, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void agent_out_hex(struct agent_server *a, const char *key, const void *data, size_t len);
void agent_out_end(struct agent_server *a);
/* "<id> -1 <errname> msg=<text>", text made blank-free (PROTOCOL.md 4.2). */
void agent_out_fail(struct agent_server *a, uint32_t id, const char *errname,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "<id> -1 <ERRNAME>" (EIO for 0). */
void agent_out_errno(struct agent_server *a, uint32_t id, int err);
void agent_out_ok(struct agent_server *a, uint32_t id, long long ret);
/* The reply to a call that returns 0 or -1 with errno: "<id> 0 -" or the errno. Call
 * it right after the call, before anything else can change errno. */
void agent_out_status(struct agent_server *a, uint32_t id, int rc);
/* akey=<address> pkey=<port> of ss ("none" and 0 for a family that is not inet). */
void agent_out_sockaddr(struct agent_server *a, const char *akey, const char *pkey,
			const struct sockaddr_storage *ss);

/* ---------------------------------------------------------------- arguments, handles
 * Every agent_arg_* either fills its output and returns 0 / non-NULL, or has already
 * replied with the error, naming the verb, the argument, expected and actual. */

/* Decimal only, at most 12 digits, optional leading '-': 0, or -1 if not in range. */
int agent_parse_num(const char *s, long long min, long long max, long long *out);
int agent_arg_num(struct agent_server *a, const struct agent_request *rq, int idx,
		  const char *name, long long min, long long max, long long *out);
/* A handle with a socket in the agent: EBADF when unknown, EBUSY when held. */
struct agent_slot *agent_arg_slot(struct agent_server *a, const struct agent_request *rq,
				  int idx);
/* Any known handle, open or held: EBADF when unknown. */
struct agent_slot *agent_arg_handle(struct agent_server *a, const struct agent_request *rq,
				    int idx);
/* Forget a handle (or initialise a free one); closes nothing: the caller has dealt
 * with fd / holder. */
void agent_slot_forget(struct agent_slot *s);
/* 1 when any call is parked on handle. */
int agent_op_pending(struct agent_server *a, uint32_t handle);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t agent_now_ms(void);

#endif
