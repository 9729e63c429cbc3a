/* agent-check: the socket surface (PROTOCOL.md 2, 5, 6.3, 6.4): the greeting's
 * sockopts= against what get/setsockopt answer, and on one accepted connection the
 * empty send, the flags more and dontwait, o_nonblock and tcp_info, each guarded by
 * its cap. The stream and close checks of the same connection are in
 * agent_check_stream.c. */
#include "agent_check_surface.h"

#include <stdlib.h>
#include <string.h>

#include "conn.h"

/* Every option name of PROTOCOL.md 6.4, to tell the ones an agent leaves out. */
static const char *const protocol_opts[] = {
	"so_linger", "so_keepalive", "so_reuseaddr", "so_reuseport", "so_rcvbuf", "so_sndbuf",
	"so_oobinline", "so_error", "tcp_nodelay", "tcp_maxseg", "tcp_cork", "tcp_keepidle",
	"tcp_keepintvl", "tcp_keepcnt", "tcp_syncnt", "tcp_linger2", "tcp_user_timeout",
	"tcp_defer_accept", "tcp_quickack", "tcp_window_clamp", "ipv6_v6only", "o_nonblock",
	"tcp_info",
};

static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

/* Section 2: each name in sockopts= is known to getsockopt; each name of 6.4 that is
 * not answers ENOSYS; caps that stand for an option agree with the list. */
static void ac_sockopts(struct ac *a, const char *list)
{
	long long h = ac_call(a, "2", "socket for the sockopts= checks", ">0", NULL, "socket inet");
	if (h <= 0)
		return;
	char name[128], body[96];
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		struct ac_reply r;
		snprintf(name, sizeof(name), "getsockopt %.*s (in sockopts=) is not ENOSYS",
			 (int)len, p);
		snprintf(body, sizeof(body), "getsockopt %lld %.*s", h, (int)len, p);
		bool got = ac_wait(a, ac_start(a, body), AC_REPLY_SECS, &r);
		ac_result(a, got && strcmp(r.r.errname, "ENOSYS") != 0, "2", name,
			  "\"%s\" got \"%.120s\"", body, r.line ? r.line : "no reply");
		ac_reply_free(&r);
		p += len + (p[len] == ',');
	}
	for (size_t i = 0; i < sizeof(protocol_opts) / sizeof(protocol_opts[0]); i++) {
		const char *o = protocol_opts[i];
		if (listed(list, o))
			continue;
		snprintf(name, sizeof(name), "getsockopt %s (not in sockopts=): ENOSYS", o);
		ac_call(a, "2", name, "-1 ENOSYS", NULL, "getsockopt %lld %s", h, o);
	}
	static const char *const caps[][2] = {
		{ "cork", "tcp_cork" }, { "user_timeout", "tcp_user_timeout" },
		{ "defer_accept", "tcp_defer_accept" }, { "syncnt", "tcp_syncnt" },
		{ "tcp_info", "tcp_info" }, { "nonblock", "o_nonblock" },
	};
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		ac_result(a, ac_has_cap(a, caps[i][0]) == listed(list, caps[i][1]), "2",
			  caps[i][0], "cap %s %s but sockopts= %s %s", caps[i][0],
			  ac_has_cap(a, caps[i][0]) ? "announced" : "absent",
			  listed(list, caps[i][1]) ? "lists" : "leaves out", caps[i][1]);
	ac_call(a, "2", "close of the sockopts= socket", "0", NULL, "close %lld", h);
}

/* See agent_check_surface.h. */
int ac_quiet(struct ac *a, struct conn *c, double secs)
{
	char err[LAB_ERR_MAX];
	double until = lab_now(a->lab) + secs;
	int n = 0;
	/* Segments already captured count too: lab_pump waits for new ones. */
	for (bool more = true; more;
	     more = lab_now(a->lab) < until && lab_pump(a->lab, until, err, sizeof(err)) >= 0) {
		const struct lab_rec *rec;
		for (conn_next(c, &rec); rec; conn_next(c, &rec))
			n++;
	}
	return n;
}

/* Section 6.3: an empty send is one send() of zero bytes: 0, and nothing on the wire. */
static void ac_empty(struct ac *a, struct conn *c, long long h)
{
	ac_call(a, "6.3", "send <h> - (no bytes) answers 0", "0", NULL, "send %lld -", h);
	ac_call(a, "6.3", "send <h> len=0 answers 0", "0", NULL, "send %lld len=0", h);
	int n = ac_quiet(a, c, 0.3);
	ac_result(a, n == 0, "6.3", "an empty send puts no segment on the wire",
		  "%d segment(s) from the target within 0.3 s", n);
}

/* The next n bytes of the target, ACKed as they come; true when they came within 3 s
 * and are `want` (NULL: any). */
static bool ac_bytes(struct ac *a, struct conn *c, const char *sect, const char *name,
		     size_t n, const char *want)
{
	char got[64] = "";
	struct ac_sizes sz;
	bool ok = ac_collect(a, c, n, 3.0, &sz, got, sizeof(got)) == n &&
		  (!want || strcmp(got, want) == 0);
	ac_result(a, ok, sect, name, "expected %zu bytes \"%s\", got %zu \"%s\" in %d "
		  "segment(s)", n, want ? want : "?", sz.total, got, sz.n);
	return ok;
}

/* Sections 5, 6.3: the flags dontwait and more. */
static void ac_flags(struct ac *a, struct conn *c, long long h)
{
	if (ac_has_cap(a, "msg_dontwait")) {
		ac_call(a, "5", "recv dontwait with nothing there: EAGAIN at once", "-1 EAGAIN",
			NULL, "recv %lld 10 dontwait", h);
		ac_call(a, "5", "dontwait wins over wait=: EAGAIN at once", "-1 EAGAIN", NULL,
			"recv %lld 10 dontwait wait=2000", h);
		ac_call(a, "6.3", "send dontwait of one byte", "1", NULL, "send %lld 41 dontwait", h);
		ac_bytes(a, c, "6.3", "send dontwait: the byte is on the wire", 1, "A");
	}
	if (ac_has_cap(a, "msg_more")) {
		ac_call(a, "6.3", "send more of one byte", "1", NULL, "send %lld 42 more", h);
		ac_call(a, "6.3", "send after a send more", "1", NULL, "send %lld 43", h);
		ac_bytes(a, c, "6.3", "send more: both bytes arrive, in order", 2, "BC");
	} else {
		ac_call(a, "2", "send more without the msg_more cap: ENOSYS", "-1 ENOSYS", NULL,
			"send %lld 42 more", h);
	}
}

/* Section 5: o_nonblock makes a recv without wait= a wait=0 one. */
static void ac_nonblock(struct ac *a, long long h)
{
	struct ac_reply r;
	if (!ac_has_cap(a, "nonblock"))
		return;
	ac_call(a, "5", "setsockopt o_nonblock 1", "0", NULL, "setsockopt %lld o_nonblock 1", h);
	ac_call(a, "5", "getsockopt o_nonblock", "0", &r, "getsockopt %lld o_nonblock", h);
	ac_key(a, "5", "getsockopt o_nonblock: value=1", &r, "value", "1");
	ac_reply_free(&r);
	ac_call(a, "5", "o_nonblock: recv without wait= is EAGAIN at once", "-1 EAGAIN", NULL,
		"recv %lld 10", h);
	ac_call(a, "5", "o_nonblock: recv with wait= still parks (TIMEOUT)", "-1 TIMEOUT", NULL,
		"recv %lld 10 wait=100", h);
	ac_call(a, "5", "setsockopt o_nonblock 2: EINVAL", "-1 EINVAL", NULL,
		"setsockopt %lld o_nonblock 2", h);
	ac_call(a, "5", "setsockopt o_nonblock 0", "0", NULL, "setsockopt %lld o_nonblock 0", h);
	ac_call(a, "5", "getsockopt o_nonblock after 0", "0", &r, "getsockopt %lld o_nonblock", h);
	ac_key(a, "5", "getsockopt o_nonblock: value=0", &r, "value", "0");
	ac_reply_free(&r);
}

/* A key of a tcp_info reply, if the stack gives it, must read want. */
static void tcpi_key(struct ac *a, const struct ac_reply *r, const char *key, const char *want)
{
	char name[96];
	snprintf(name, sizeof(name), "tcp_info: %s=%s (when the stack gives %s)", key, want, key);
	if (r->parsed && agent_reply_get(&r->r, key))
		ac_key(a, "6.4.1", name, r, key, want);
}

/* Section 6.4.1: tcp_info of the live connection, with one byte unacknowledged. */
static void ac_tcpinfo(struct ac *a, struct conn *c, long long h)
{
	struct ac_reply r;
	char text[96];
	if (!ac_has_cap(a, "tcp_info"))
		return;
	ac_call(a, "6.4.1", "getsockopt tcp_info", "0", &r, "getsockopt %lld tcp_info", h);
	ac_key(a, "6.4.1", "tcp_info: state=ESTABLISHED", &r, "state", "ESTABLISHED");
	tcpi_key(a, &r, "snd_mss", "1460");
	tcpi_key(a, &r, "unacked", "0");
	ac_reply_free(&r);
	ac_call(a, "6.4.1", "setsockopt tcp_info: EINVAL (read only)", "-1 EINVAL", NULL,
		"setsockopt %lld tcp_info 1", h);
	/* One byte the harness does not acknowledge yet. */
	ac_call(a, "6.4.1", "send of a byte left unacknowledged", "1", NULL, "send %lld 44", h);
	snprintf(text, sizeof(text), "P. %u:%u(1) ack %u", conn_rcv_nxt(c), conn_rcv_nxt(c) + 1,
		 conn_snd_nxt(c));
	if (!ac_seg_expect(a, c, "6.4.1", "the byte is on the wire", text, 3.0))
		return;
	ac_call(a, "6.4.1", "getsockopt tcp_info with a byte in flight", "0", &r,
		"getsockopt %lld tcp_info", h);
	tcpi_key(a, &r, "unacked", "1");
	ac_reply_free(&r);
	ac_seg_send(a, c, ".", NULL);
	ac_quiet(a, c, 0.05);
}

/* See agent_check_int.h. */
void ac_check_surface(struct ac *a)
{
	const char *list = lab_target_info(a->lab, "sockopts");
	if (list)
		ac_sockopts(a, list);
	long long l = ac_call(a, "6.2", "socket for the socket-surface checks", ">0", NULL,
			      "socket inet");
	if (l <= 0)
		return;
	ac_call(a, "6.2", "bind " T4 " 8082", "0", NULL, "bind %lld " T4 " 8082", l);
	ac_call(a, "6.2", "listen on 8082", "0", NULL, "listen %lld 8", l);
	struct conn *c = NULL;
	long long h = ac_accept(a, l, 40010, 8082, &c);
	if (h > 0) {
		ac_empty(a, c, h);
		ac_stream(a, c, h);
		ac_flags(a, c, h);
		ac_nonblock(a, h);
		ac_tcpinfo(a, c, h);
		ac_linger(a, l, c, h);
	}
	conn_free(c);
	ac_call(a, "6.2", "close of the 8082 listener", "0", NULL, "close %lld", l);
}
