/* agent-check: the socket verbs against segments the harness crafts (PROTOCOL.md 5, 6.2
 * to 6.5, 6.7). A passive open (listen, accept, data both ways, options, shutdown,
 * close) and an active one (connect, a refused connect, hold and kill); on the way, the
 * parked-call rules: EAGAIN for wait=0, TIMEOUT, EBUSY for a second call of one side,
 * replies in completion order, CANCELED on close. */
#include "agent_check_int.h"

#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "tpl.h"


/* See agent_check_int.h. */
bool ac_seg_send(struct ac *a, struct conn *c, const char *text, const char *data)
{
	struct tpl t;
	char err[LAB_ERR_MAX];
	double at;
	bool ok = tpl_parse(text, &t, err, sizeof(err)) == 0 &&
		  (!data || tpl_set_data(&t, data, strlen(data)) == 0) &&
		  conn_send(c, &t, &at, err, sizeof(err)) == 0;
	if (!ok)
		ac_result(a, false, "-", "the harness sends its segment", "\"%s\": %s", text, err);
	tpl_free(&t);
	return ok;
}

/* See agent_check_int.h. */
bool ac_seg_expect(struct ac *a, struct conn *c, const char *sect, const char *name,
		       const char *text, double secs)
{
	struct tpl t;
	char why[LAB_ERR_MAX];
	const struct lab_rec *rec;
	if (tpl_parse(text, &t, why, sizeof(why)) < 0) {
		ac_result(a, false, sect, name, "bad expectation \"%s\": %s", text, why);
		return false;
	}
	int rc = conn_wait(c, &t, CONN_ANY, lab_now(a->lab) + secs, &rec, why, sizeof(why));
	tpl_free(&t);
	ac_result(a, rc == 0, sect, name, "on the wire: %s", why);
	if (rc < 0)
		a->dead = true;
	return rc == 0;
}

/* One check: `state ...` reports want within 1 s (a stack may act on a segment a moment
 * after it crossed the wire: lwIP does on its own thread), polling every 5 ms. */
static void ac_state(struct ac *a, const char *name, const char *body, const char *want)
{
	char last[64] = "(no reply)", err[LAB_ERR_MAX];
	double until = lab_now(a->lab) + 1.0;
	for (int i = 0; i < 400 && !a->dead; i++) {
		struct ac_reply r;
		if (!ac_wait(a, ac_start(a, body), AC_REPLY_SECS, &r))
			break;
		const char *st = r.parsed ? agent_reply_get(&r.r, "state") : NULL;
		snprintf(last, sizeof(last), "%s", st ? st : r.line);
		ac_reply_free(&r);
		if (strcmp(last, want) == 0 || lab_now(a->lab) >= until)
			break;
		if (lab_pump(a->lab, lab_now(a->lab) + 0.005, err, sizeof(err)) < 0)
			break;
	}
	ac_result(a, strcmp(last, want) == 0, "6.5", name, "\"%s\": expected state=%s, got %s",
		  body, want, last);
}

/* See agent_check_int.h. */
struct conn *ac_conn(struct ac *a, uint16_t hport, uint16_t tport)
{
	return conn_new(a->lab, &(struct conn_addr){.family = AF_INET, .lport = hport,
						    .rport = tport, .iss = 1000000});
}

/* The passive open's data and options on the accepted handle h (connection c). */
static void ac_data(struct ac *a, struct conn *c, long long h)
{
	char body[128];
	struct ac_reply r;
	snprintf(body, sizeof(body), "recv %lld 100 wait=5000", h);
	uint32_t rid = ac_start(a, body);
	ac_call(a, "5", "a second recv while one is parked: EBUSY", "-1 EBUSY", NULL,
		"recv %lld 10 wait=1000", h);
	/* Section 4: the parked recv is answered after requests sent later. */
	ac_call(a, "6.5", "state <h> while a recv is parked", "0", NULL, "state %lld", h);
	bool early = ac_arrived(a, rid, &r);
	ac_result(a, !early, "4", "a parked recv does not hold up later requests (no reply "
		  "before its data)", "got \"%.120s\" before any data was sent", r.line);
	ac_reply_free(&r);
	if (!ac_seg_send(a, c, "P. 1:6(5) ack 1", "hello"))
		return;
	ac_finish(a, rid, body, 6.0, "6.3", "the parked recv completes with the data", "5", &r);
	ac_key(a, "6.3", "recv: data= is the bytes sent", &r, "data", "68656c6c6f");
	ac_reply_free(&r);
	ac_seg_expect(a, c, "6.3", "the target acknowledges the data", ". 1:1(0) ack 6", 3.0);

	ac_call(a, "6.3", "send <hex> sends the bytes", "5", NULL, "send %lld 776f726c64", h);
	ac_seg_expect(a, c, "6.3", "the bytes sent are on the wire", "P. 1:6(5) ack 6", 3.0);
	ac_seg_send(a, c, ". 6:6(0) ack 6", NULL);
	ac_call(a, "6.3", "send len=<n> sends n bytes", "3", NULL, "send %lld len=3", h);
	ac_seg_expect(a, c, "6.3", "send len=3 puts 3 bytes on the wire", "P. 6:9(3) ack 6", 3.0);
	ac_seg_send(a, c, ". 6:6(0) ack 9", NULL);
	ac_call(a, "5", "recv wait=0 with nothing there: EAGAIN", "-1 EAGAIN", NULL,
		"recv %lld 100 wait=0", h);
	ac_call(a, "5", "recv whose wait runs out: TIMEOUT", "-1 TIMEOUT", NULL,
		"recv %lld 100 wait=100", h);
	ac_call(a, "6.3", "recv maxlen 0: EINVAL", "-1 EINVAL", NULL, "recv %lld 0", h);
	ac_call(a, "6.3", "recv maxlen 65537: EINVAL", "-1 EINVAL", NULL, "recv %lld 65537", h);
	ac_call(a, "5", "wait= above 600000: EINVAL", "-1 EINVAL", NULL, "recv %lld 10 wait=600001", h);
	ac_call(a, "5", "wait= not a number: EINVAL", "-1 EINVAL", NULL, "recv %lld 10 wait=x", h);
	ac_call(a, "6.3", "send odd-length hex: EINVAL", "-1 EINVAL", NULL, "send %lld 616", h);
	ac_call(a, "6.3", "send len= above 67108864: EINVAL", "-1 EINVAL", NULL,
		"send %lld len=67108865", h);

	ac_call(a, "6.4", "setsockopt tcp_nodelay 1", "0", NULL, "setsockopt %lld tcp_nodelay 1", h);
	ac_call(a, "6.4", "getsockopt tcp_nodelay", "0", &r, "getsockopt %lld tcp_nodelay", h);
	const char *v = r.parsed ? agent_reply_get(&r.r, "value") : NULL;
	ac_result(a, v && strcmp(v, "0") != 0, "6.4", "getsockopt tcp_nodelay reads back on",
		  "expected value=<non-zero>, got %s", v ? v : "no value=");
	ac_reply_free(&r);
	if (ac_has_cap(a, "linger")) {
		ac_call(a, "6.4", "setsockopt so_linger 1 5", "0", NULL, "setsockopt %lld so_linger 1 5", h);
		ac_call(a, "6.4", "getsockopt so_linger", "0", &r, "getsockopt %lld so_linger", h);
		ac_key(a, "6.4", "getsockopt so_linger: value=1,5", &r, "value", "1,5");
		ac_reply_free(&r);
		ac_call(a, "6.4", "setsockopt so_linger 0 0", "0", NULL, "setsockopt %lld so_linger 0 0", h);
	}
	if (ac_has_cap(a, "keepalive"))
		ac_call(a, "6.4", "setsockopt tcp_keepidle 30", "0", NULL,
			"setsockopt %lld tcp_keepidle 30", h);
	ac_call(a, "6.4", "getsockopt so_error", "0", &r, "getsockopt %lld so_error", h);
	ac_key(a, "6.4", "getsockopt so_error: value=- on a healthy connection", &r, "value", "-");
	ac_reply_free(&r);
	ac_call(a, "6.4", "setsockopt of an unknown option: ENOSYS", "-1 ENOSYS", NULL,
		"setsockopt %lld so_no_such_option 1", h);
	ac_call(a, "6.4", "setsockopt with a value that is not a number: EINVAL", "-1 EINVAL", NULL,
		"setsockopt %lld tcp_nodelay yes", h);
	if (!ac_has_cap(a, "hold"))
		ac_call(a, "6.7", "hold without the hold cap: ENOSYS", "-1 ENOSYS", NULL, "hold %lld", h);
	else
		ac_call(a, "6.7", "kill of a handle that is not held: EINVAL", "-1 EINVAL", NULL,
			"kill %lld", h);
}

/* shutdown wr, then a recv parked when close comes: CANCELED first, then close's 0. */
static void ac_teardown(struct ac *a, struct conn *c, long long h)
{
	char body[64];
	ac_call(a, "6.2", "shutdown wr", "0", NULL, "shutdown %lld wr", h);
	if (!ac_seg_expect(a, c, "6.2", "shutdown wr sends a FIN", "F. 9:9(0) ack 6", 3.0))
		return;
	ac_seg_send(a, c, ". 6:6(0) ack 10", NULL);
	snprintf(body, sizeof(body), "state " T4 " 8080 " H4 " 40000");
	ac_state(a, "state after our FIN was acknowledged: FIN_WAIT_2", body, "FIN_WAIT_2");
	ac_call(a, "6.2", "shutdown with a bad how: EINVAL", "-1 EINVAL", NULL, "shutdown %lld up", h);
	snprintf(body, sizeof(body), "recv %lld 100 wait=5000", h);
	uint32_t rid = ac_start(a, body);
	ac_call(a, "5", "close with a recv parked answers 0", "0", NULL, "close %lld", h);
	struct ac_reply r;
	bool got = ac_arrived(a, rid, &r);
	ac_result(a, got && ac_matches(&r, "-1 CANCELED"), "5", "close first answers the parked "
		  "recv with CANCELED", "expected \"-1 CANCELED\" before close's reply, got %s%.120s",
		  got ? "" : "nothing", got ? r.line : "");
	ac_reply_free(&r);
	ac_call(a, "5", "a closed handle: EBADF", "-1 EBADF", NULL, "send %lld 00", h);
}

void ac_check_passive(struct ac *a)
{
	long long l = ac_call(a, "6.2", "socket inet gives a handle", ">0", NULL, "socket inet");
	if (l <= 0)
		return;
	ac_call(a, "6.4", "setsockopt so_reuseaddr 1", "0", NULL, "setsockopt %lld so_reuseaddr 1", l);
	ac_call(a, "6.2", "bind with a port above 65535: EINVAL", "-1 EINVAL", NULL,
		"bind %lld " T4 " 70000", l);
	ac_call(a, "6.2", "bind with a bad address: EINVAL", "-1 EINVAL", NULL, "bind %lld 198.18.0.300 80", l);
	ac_call(a, "6.2", "bind with the port missing: EINVAL", "-1 EINVAL", NULL, "bind %lld " T4, l);
	ac_call(a, "6.2", "bind", "0", NULL, "bind %lld " T4 " 8080", l);
	ac_call(a, "6.2", "listen with a backlog that is not a number: EINVAL", "-1 EINVAL", NULL,
		"listen %lld x", l);
	ac_call(a, "6.2", "listen", "0", NULL, "listen %lld 8", l);
	char body[96];
	snprintf(body, sizeof(body), "state %lld", l);
	ac_state(a, "state <h> of a listener: LISTEN", body, "LISTEN");
	ac_state(a, "state of a wildcard remote end matches the listener",
		 "state " T4 " 8080 0.0.0.0 0", "LISTEN");
	ac_state(a, "state of an unknown connection: CLOSED", "state " T4 " 8099 " H4 " 1", "CLOSED");
	ac_call(a, "6.5", "state with mixed families: EINVAL", "-1 EINVAL", NULL,
		"state " T4 " 8080 2001:db8::1 1");
	ac_call(a, "5", "accept wait=0 with no connection: EAGAIN", "-1 EAGAIN", NULL,
		"accept %lld wait=0", l);
	ac_call(a, "5", "accept whose wait runs out: TIMEOUT", "-1 TIMEOUT", NULL,
		"accept %lld wait=100", l);
	snprintf(body, sizeof(body), "accept %lld wait=5000", l);
	uint32_t aid = ac_start(a, body);
	ac_call(a, "5", "a second accept while one is parked: EBUSY", "-1 EBUSY", NULL,
		"accept %lld wait=1000", l);
	struct conn *c = ac_conn(a, 40000, 8080);
	if (!c)
		return;
	struct ac_reply r;
	long long h = -1;
	if (ac_seg_send(a, c, "S 0:0(0) win 65535 <mss 1460>", NULL) &&
	    ac_seg_expect(a, c, "6.2", "listen: the target answers a SYN with SYN|ACK", "S. 0:0(0) ack 1", 3.0) &&
	    ac_seg_send(a, c, ". 1:1(0) ack 1", NULL) &&
	    ac_finish(a, aid, body, 6.0, "6.2", "the parked accept completes with a handle", ">0", &r)) {
		h = r.r.ret;
		ac_key(a, "6.2", "accept: laddr=", &r, "laddr", T4);
		ac_key(a, "6.2", "accept: lport=", &r, "lport", "8080");
		ac_key(a, "6.2", "accept: raddr=", &r, "raddr", H4);
		ac_key(a, "6.2", "accept: rport=", &r, "rport", "40000");
	}
	ac_reply_free(&r);
	if (h > 0) {
		ac_call(a, "6.2", "getsockname", "0", &r, "getsockname %lld", h);
		ac_key(a, "6.2", "getsockname: port=8080", &r, "port", "8080");
		ac_reply_free(&r);
		ac_call(a, "6.2", "getpeername", "0", &r, "getpeername %lld", h);
		ac_key(a, "6.2", "getpeername: addr=" H4, &r, "addr", H4);
		ac_reply_free(&r);
		ac_state(a, "state of the accepted connection: ESTABLISHED",
			 "state " T4 " 8080 " H4 " 40000", "ESTABLISHED");
		ac_data(a, c, h);
		ac_teardown(a, c, h);
	}
	conn_free(c);
	ac_call(a, "6.2", "close of the listener", "0", NULL, "close %lld", l);
	ac_call(a, "5", "close again (handles are not reused): EBADF", "-1 EBADF", NULL, "close %lld", l);
}

/* An active open to port 9000 the harness answers, then hold and kill of it. */
static void ac_connect(struct ac *a)
{
	long long h = ac_call(a, "6.2", "socket for connect", ">0", NULL, "socket inet");
	if (h <= 0)
		return;
	ac_call(a, "6.2", "bind before connect", "0", NULL, "bind %lld " T4 " 40001", h);
	char body[96];
	snprintf(body, sizeof(body), "connect %lld " H4 " 9000 wait=5000", h);
	uint32_t cid = ac_start(a, body);
	struct conn *c = ac_conn(a, 9000, 40001);
	if (!c)
		return;
	struct ac_reply r;
	bool up = ac_seg_expect(a, c, "6.2", "connect sends a SYN", "S 0:0(0)", 3.0) &&
		  ac_seg_send(a, c, "S. 0:0(0) ack 1 win 65535 <mss 1460>", NULL) &&
		  ac_finish(a, cid, body, 6.0, "6.2", "the parked connect completes with 0", "0", &r);
	if (up) {
		ac_key(a, "6.2", "connect: rport=9000", &r, "rport", "9000");
		ac_key(a, "6.2", "connect: lport=40001", &r, "lport", "40001");
		ac_seg_expect(a, c, "6.2", "connect completes the handshake with an ACK", ". 1:1(0) ack 1", 3.0);
	}
	ac_reply_free(&r);
	if (up && ac_has_cap(a, "hold")) {
		ac_call(a, "6.7", "hold", "0", &r, "hold %lld", h);
		ac_key(a, "6.7", "hold: pid=", &r, "pid", NULL);
		ac_reply_free(&r);
		ac_call(a, "6.7", "send on a held handle: EBUSY", "-1 EBUSY", NULL, "send %lld 00", h);
		ac_call(a, "6.7", "hold of a held handle: EBUSY", "-1 EBUSY", NULL, "hold %lld", h);
		ac_call(a, "6.7", "state <h> of a held handle", "0", NULL, "state %lld", h);
		ac_call(a, "6.7", "kill", "0", NULL, "kill %lld", h);
		/* The FIN left before kill's reply; 0.2 s is for the capture to hand it over
		 * (the veth passes it on in a softirq, perhaps on another CPU). */
		ac_seg_expect(a, c, "6.7", "kill: the stack has sent its FIN by the time kill answers",
			   "F. 1:1(0) ack 1", 0.2);
		ac_call(a, "6.7", "a killed handle: EBADF", "-1 EBADF", NULL, "close %lld", h);
	} else {
		ac_call(a, "6.2", "close of a connected socket", "0", NULL, "close %lld", h);
	}
	conn_free(c);
}

/* A connect the harness refuses with RST|ACK (RFC 9293 3.10.7.3: "error: connection
 * reset"; POSIX sockets say ECONNREFUSED). */
static void ac_refused(struct ac *a)
{
	long long h = ac_call(a, "6.2", "socket for a refused connect", ">0", NULL, "socket inet");
	if (h <= 0)
		return;
	ac_call(a, "6.2", "bind before a refused connect", "0", NULL, "bind %lld " T4 " 40002", h);
	char body[96];
	snprintf(body, sizeof(body), "connect %lld " H4 " 9001 wait=5000", h);
	uint32_t cid = ac_start(a, body);
	struct conn *c = ac_conn(a, 9001, 40002);
	if (!c)
		return;
	if (ac_seg_expect(a, c, "6.2", "the refused connect sends a SYN", "S 0:0(0)", 3.0) &&
	    ac_seg_send(a, c, "R. 0:0(0) ack 1", NULL))
		/* The stack's own errno: lwIP reports a refused connect as ECONNRESET
		 * (targets/lwip/README.md); what the protocol requires is an error, not
		 * TIMEOUT and not success. */
		ac_finish(a, cid, body, 6.0, "6.2", "connect answered by RST fails with the stack's "
			  "error", "-1 ECONNREFUSED|ECONNRESET", NULL);
	conn_free(c);
	ac_call(a, "6.2", "close after a refused connect", "0", NULL, "close %lld", h);
}

void ac_check_active(struct ac *a)
{
	ac_connect(a);
	ac_refused(a);
}
