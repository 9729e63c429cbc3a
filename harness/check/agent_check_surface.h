#ifndef TCPCONFORM_AGENT_CHECK_SURFACE_H
#define TCPCONFORM_AGENT_CHECK_SURFACE_H
/* Shared by agent-check's socket-surface checks (agent_check_surface.c) and their
 * stream and close part (agent_check_stream.c); nothing else includes it. */
#include <stddef.h>

#include "agent_check_int.h"

struct conn;

/* The payload sizes of the segments that carried a stretch of the target's stream. */
#define AC_SIZES_MAX 64
struct ac_sizes {
	int n;
	unsigned len[AC_SIZES_MAX];
	size_t total;
};

/* Reads the target's stream on c until n bytes came or secs passed, ACKing each data
 * segment at once (so that congestion and receive windows never hold the stack back);
 * the sizes go to *sz, the first bytes (NUL-terminated) to head. Returns the count. */
size_t ac_collect(struct ac *a, struct conn *c, size_t n, double secs, struct ac_sizes *sz,
		  char *head, size_t headlen);
/* Consumes the target's segments on c for secs; returns how many there were. */
int ac_quiet(struct ac *a, struct conn *c, double secs);
/* A connection from the harness's hport to listener l on tport, accepted: its handle
 * (and *c), or -1 after a failed check (*c may then be set: free it). */
long long ac_accept(struct ac *a, long long l, uint16_t hport, uint16_t tport,
		    struct conn **c);
/* Section 6.3: send len=12000 arrives in the stack's segments, with Nagle on and off. */
void ac_stream(struct ac *a, struct conn *c, long long h);
/* Section 5: lingering closes as parked calls, of h (connection c) and of a second
 * connection accepted on listener l. Closes h. */
void ac_linger(struct ac *a, long long l, struct conn *c, long long h);

#endif
