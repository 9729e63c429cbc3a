/* agent-check: the stream and close part of the socket-surface checks
 * (agent_check_surface.h). One send request is one send() (PROTOCOL.md 6.3), so a
 * 12000-byte send must reach the wire in the stack's segments: full-sized ones (the
 * MSS, 1460 on this link) and one short remainder, never a split of the agent's making
 * (the Linux agent once wrote 4096-byte pieces: 1460+1460+1176 with TCP_NODELAY). A
 * lingering close is a parked call answered when the stack's close returns, or TIMEOUT
 * at its wait= (PROTOCOL.md 5, RFC 9293 3.6). It is closed with a byte unacknowledged:
 * a stack's lingering close waits for its data (POSIX: "until all queued messages ...
 * have been successfully sent"), while whether it also waits for the FIN's ACK is the
 * stack's (Linux does, lwIP does not). */
#include "agent_check_surface.h"

#include <string.h>

#include "conn.h"

#define STREAM_LEN 12000
#define LINK_MSS 1460       /* what the harness's SYN offers; the lab link is 1500 */

/* See agent_check_surface.h. */
size_t ac_collect(struct ac *a, struct conn *c, size_t n, double secs, struct ac_sizes *sz,
		  char *head, size_t headlen)
{
	char err[LAB_ERR_MAX];
	double until = lab_now(a->lab) + secs;
	size_t hl = 0;
	uint32_t nxt = conn_rcv_nxt(c);
	memset(sz, 0, sizeof(*sz));
	if (headlen)
		head[0] = '\0';
	/* Segments already captured first: lab_pump waits for new ones. */
	for (bool more = true; more && sz->total < n;
	     more = lab_now(a->lab) < until && lab_pump(a->lab, until, err, sizeof(err)) >= 0) {
		const struct lab_rec *rec;
		for (conn_next(c, &rec); rec; conn_next(c, &rec)) {
			uint32_t len = rec->seg.payload_len;
			/* A retransmission (RCV.NXT did not move: a stack that timed out
			 * on a slow machine) is ACKed again but is not new stream. */
			bool fresh = conn_rcv_nxt(c) != nxt;
			nxt = conn_rcv_nxt(c);
			if (len == 0 || !fresh) {
				if (len && !ac_seg_send(a, c, ".", NULL))
					return sz->total;
				continue;
			}
			if (sz->n < AC_SIZES_MAX)
				sz->len[sz->n] = len;
			sz->n++;
			sz->total += len;
			for (uint32_t i = 0; i < len && hl + 1 < headlen; i++)
				head[hl++] = (char)rec->seg.payload[i];
			if (headlen)
				head[hl] = '\0';
			if (!ac_seg_send(a, c, ".", NULL))
				return sz->total;
		}
	}
	return sz->total;
}

/* See agent_check_surface.h. */
long long ac_accept(struct ac *a, long long l, uint16_t hport, uint16_t tport,
		    struct conn **c)
{
	char body[64];
	struct ac_reply r;
	long long h = -1;
	snprintf(body, sizeof(body), "accept %lld wait=5000", l);
	uint32_t aid = ac_start(a, body);
	*c = ac_conn(a, hport, tport);
	if (!*c)
		return -1;
	if (ac_seg_send(a, *c, "S 0:0(0) win 65535 <mss 1460>", NULL) &&
	    ac_seg_expect(a, *c, "6.2", "the target answers the SYN", "S. 0:0(0) ack 1", 3.0) &&
	    ac_seg_send(a, *c, ". 1:1(0) ack 1", NULL) &&
	    ac_finish(a, aid, body, 6.0, "6.2", "the parked accept completes", ">0", &r))
		h = r.r.ret;
	ac_reply_free(&r);
	return h;
}

/* One send len=12000 with tcp_nodelay nodelay: all bytes, every segment but the last of
 * LINK_MSS bytes. */
static void stream_once(struct ac *a, struct conn *c, long long h, int nodelay)
{
	char body[64], name[128], sizes[512] = "";
	struct ac_sizes sz;
	ac_call(a, "6.4", "setsockopt tcp_nodelay", "0", NULL, "setsockopt %lld tcp_nodelay %d",
		h, nodelay);
	snprintf(body, sizeof(body), "send %lld len=%d wait=5000", h, STREAM_LEN);
	uint32_t id = ac_start(a, body);
	size_t got = ac_collect(a, c, STREAM_LEN, 5.0, &sz, NULL, 0);
	snprintf(name, sizeof(name), "send len=%d (tcp_nodelay %d) is answered %d", STREAM_LEN,
		 nodelay, STREAM_LEN);
	ac_finish(a, id, body, 3.0, "6.3", name, "12000", NULL);
	bool full = got == STREAM_LEN && sz.n <= AC_SIZES_MAX;
	for (int i = 0; i < sz.n && i < AC_SIZES_MAX; i++) {
		size_t k = strlen(sizes);
		snprintf(sizes + k, sizeof(sizes) - k, "%s%u", i ? "," : "", sz.len[i]);
		if (i + 1 < sz.n && sz.len[i] != LINK_MSS)
			full = false;
	}
	snprintf(name, sizeof(name), "send len=%d (tcp_nodelay %d) arrives in full-MSS "
		 "segments: one send() of all the bytes", STREAM_LEN, nodelay);
	ac_result(a, full, "6.3", name, "%zu of %d bytes in %d segment(s) of %s bytes; every "
		  "one but the last should be %d", got, STREAM_LEN, sz.n, sizes, LINK_MSS);
}

/* See agent_check_surface.h. */
void ac_stream(struct ac *a, struct conn *c, long long h)
{
	stream_once(a, c, h, 0);
	stream_once(a, c, h, 1);
}

/* so_linger 1 5 on h, a byte sent and left unacknowledged, then `close <h> [opt]`
 * started: its id, once the byte and the FIN were seen (0 after a failed check). */
static uint32_t linger_start(struct ac *a, struct conn *c, long long h, const char *opt,
			     char *body, size_t bodylen)
{
	char text[64];
	ac_call(a, "6.4", "setsockopt so_linger 1 5", "0", NULL, "setsockopt %lld so_linger 1 5", h);
	ac_call(a, "6.3", "send of a byte left unacknowledged", "1", NULL, "send %lld 45", h);
	snprintf(text, sizeof(text), "P. %u:%u(1) ack %u", conn_rcv_nxt(c), conn_rcv_nxt(c) + 1,
		 conn_snd_nxt(c));
	if (!ac_seg_expect(a, c, "6.3", "the byte is on the wire", text, 3.0))
		return 0;
	snprintf(body, bodylen, "close %lld%s", h, opt);
	uint32_t id = ac_start(a, body);
	snprintf(text, sizeof(text), "F. %u:%u(0) ack %u", conn_rcv_nxt(c), conn_rcv_nxt(c),
		 conn_snd_nxt(c));
	if (!ac_seg_expect(a, c, "5", "a lingering close sends its FIN", text, 3.0))
		return 0;
	return id;
}

/* A lingering close of h with no wait=: parked while its data is unacknowledged,
 * answered once data and FIN are. */
static void linger_until_acked(struct ac *a, struct conn *c, long long h)
{
	char body[64];
	struct ac_reply r;
	uint32_t id = linger_start(a, c, h, "", body, sizeof(body));
	if (!id)
		return;
	ac_quiet(a, c, 0.2);
	bool early = ac_arrived(a, id, &r);
	ac_result(a, !early, "5", "a lingering close is not answered while its data is "
		  "unacknowledged", "got \"%.120s\"", r.line ? r.line : "");
	ac_reply_free(&r);
	ac_call(a, "5", "requests are served while a lingering close is parked", "-1 EBADF",
		NULL, "send %lld 00", h);
	ac_seg_send(a, c, ".", NULL);
	ac_finish(a, id, body, 3.0, "5", "the lingering close answers 0 once data and FIN are "
		  "acknowledged", "0", NULL);
}

/* A lingering close with wait=300 the harness never acknowledges: TIMEOUT. */
static void linger_timeout(struct ac *a, struct conn *c, long long h)
{
	char body[64];
	uint32_t id = linger_start(a, c, h, " wait=300", body, sizeof(body));
	if (!id)
		return;
	ac_finish(a, id, body, 3.0, "5", "close wait=300 of a lingering close never "
		  "acknowledged: TIMEOUT", "-1 TIMEOUT", NULL);
	ac_call(a, "5", "the handle is gone after close wait=: EBADF", "-1 EBADF", NULL,
		"close %lld", h);
	/* Let the stack's close finish now, so no linger is left running. */
	ac_seg_send(a, c, ".", NULL);
}

/* See agent_check_surface.h. */
void ac_linger(struct ac *a, long long l, struct conn *c, long long h)
{
	if (!ac_has_cap(a, "linger")) {
		ac_call(a, "6.2", "close", "0", NULL, "close %lld", h);
		return;
	}
	linger_until_acked(a, c, h);
	struct conn *c2 = NULL;
	long long h2 = ac_accept(a, l, 40011, 8082, &c2);
	if (h2 > 0)
		linger_timeout(a, c2, h2);
	conn_free(c2);
}
