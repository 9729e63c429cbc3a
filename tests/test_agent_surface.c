/* Integration tests of the socket surface (targets/PROTOCOL.md, changelog) on the Linux
 * agent against the real kernel, on the loopback of a lab namespace of its own
 * (tests/agent_lab.h): what agent-check cannot see from a crafted peer -- every
 * struct tcp_info key, the pattern of a len= send split by a small send buffer, the
 * kernel's own answer to an empty send, MSG_MORE and MSG_DONTWAIT reaching the kernel,
 * o_nonblock on connect. Needs root; without it every test is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "agent_lab.h"

/* The value of key in a space-separated "k=v" line (the greeting), or "" (static). */
static const char *line_value(const char *line, const char *key)
{
	static char v[2048];
	size_t n = strlen(key);

	for (const char *p = line; (p = strstr(p, key)) != NULL; p += n)
		if ((p == line || p[-1] == ' ') && p[n] == '=') {
			size_t len = strcspn(p + n + 1, " ");
			snprintf(v, sizeof(v), "%.*s", (int)len, p + n + 1);
			return v;
		}
	return "";
}

static int in_list(const char *list, const char *name)
{
	char padded[2100], want[80];

	snprintf(padded, sizeof(padded), ",%s,", list);
	snprintf(want, sizeof(want), ",%s,", name);
	return strstr(padded, want) != NULL;
}

static void greeting_announces_the_surface_caps_and_every_option(void **state)
{
	static const char *const caps[] = { "msg_more", "msg_dontwait", "nonblock", "tcp_info",
					    "cork", "user_timeout", "defer_accept", "syncnt" };
	static const char *const opts[] = {
		"so_linger", "so_keepalive", "so_reuseaddr", "so_reuseport", "so_rcvbuf",
		"so_sndbuf", "so_oobinline", "so_error", "tcp_nodelay", "tcp_maxseg", "tcp_cork",
		"tcp_keepidle", "tcp_keepintvl", "tcp_keepcnt", "tcp_syncnt", "tcp_linger2",
		"tcp_user_timeout", "tcp_defer_accept", "tcp_quickack", "tcp_window_clamp",
		"ipv6_v6only", "o_nonblock", "tcp_info" };
	struct lab *l = lab_of(state);
	char c[2048];

	snprintf(c, sizeof(c), "%s", line_value(l->greeting, "caps"));
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (!in_list(c, caps[i]))
			fail_msg("caps=%s lacks %s", c, caps[i]);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!in_list(line_value(l->greeting, "sockopts"), opts[i]))
			fail_msg("sockopts=%s lacks %s", line_value(l->greeting, "sockopts"), opts[i]);
}

static void tcp_info_of_a_loopback_connection_has_every_key(void **state)
{
	static const char *const keys[] = {
		"state", "ca_state", "retransmits", "probes", "backoff", "options", "snd_wscale",
		"rcv_wscale", "rto_us", "ato_us", "snd_mss", "rcv_mss", "unacked", "sacked", "lost",
		"retrans", "fackets", "pmtu", "rcv_ssthresh", "rtt_us", "rttvar_us",
		"snd_ssthresh", "snd_cwnd", "advmss", "reordering", "rcv_space", "total_retrans",
		"bytes_acked", "bytes_received", "delivered" };
	struct lab *l = lab_of(state);
	long long lh = listener(l, 7101), ch, sh;
	int cport;
	struct agent_reply *r;

	pair(l, lh, 7101, &ch, &sh, &cport);
	ok(l, "send", call(l, "send %lld len=1000", ch));
	ok(l, "recv", call(l, "recv %lld 1000 waitall", sh));
	r = call(l, "getsockopt %lld tcp_info", ch);
	ok(l, "tcp_info", r);
	assert_int_equal(r->nkv, (int)(sizeof(keys) / sizeof(keys[0])));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!agent_reply_get(r, keys[i]))
			fail_msg("tcp_info has no %s=", keys[i]);
	assert_string_equal(agent_reply_get(r, "state"), "ESTABLISHED");
	assert_string_equal(agent_reply_get(r, "ca_state"), "open");
	assert_string_equal(agent_reply_get(r, "options"), "ts,sack,wscale");
	assert_true(atoll(agent_reply_get(r, "bytes_acked")) >= 1000);
	assert_true(atoll(agent_reply_get(r, "snd_mss")) > 1000);
	expect_err(call(l, "setsockopt %lld tcp_info 1", ch), "EINVAL");
	r = call(l, "getsockopt %lld tcp_info", lh);
	ok(l, "tcp_info of a listener", r);
	assert_string_equal(agent_reply_get(r, "state"), "LISTEN");
}

/* A len= send through a 4 KiB send buffer goes in many partial send() calls; the bytes
 * must still be the pattern counted from the request's first byte. */
static void a_len_send_split_by_the_send_buffer_keeps_the_pattern(void **state)
{
	enum { TOTAL = 300000 };
	struct lab *l = lab_of(state);
	long long lh = listener(l, 7102), ch, sh, got = 0;
	int cport;
	uint32_t sid;
	static unsigned char buf[60000];

	pair(l, lh, 7102, &ch, &sh, &cport);
	ok(l, "sndbuf", call(l, "setsockopt %lld so_sndbuf 4096", ch));
	sid = send_req(l, "send %lld len=%d wait=20000", ch, TOTAL);
	for (int i = 0; got < TOTAL && i < 2000; i++) {
		struct agent_reply *r = call(l, "recv %lld %d wait=5000", sh, (int)sizeof(buf));
		long n = ok(l, "recv", r);

		assert_true(n > 0);
		assert_int_equal(agent_hex_decode(agent_reply_get(r, "data"), buf, sizeof(buf)), n);
		for (long k = 0; k < n; k++)
			if (buf[k] != 'a' + (got + k) % 26)
				fail_msg("byte %lld is '%c', the pattern says '%c'", got + k, buf[k],
					 (char)('a' + (got + k) % 26));
		got += n;
	}
	assert_int_equal(got, TOTAL);
	assert_int_equal(ok(l, "send", wait_reply(l, sid)), TOTAL);
}

/* An empty send reaches the kernel: 0 on a connection, the kernel's error on a socket
 * that has none (so the agent does not answer for it). */
static void empty_send_is_a_zero_byte_send_call(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 7103), ch, sh, lone;
	int cport;

	pair(l, lh, 7103, &ch, &sh, &cport);
	assert_int_equal(ok(l, "send -", call(l, "send %lld -", ch)), 0);
	assert_int_equal(ok(l, "send len=0", call(l, "send %lld len=0 dontwait", ch)), 0);
	expect_err(call(l, "recv %lld 10 dontwait", sh), "EAGAIN");
	lone = ok(l, "socket", call(l, "socket inet"));
	expect_err(call(l, "send %lld - wait=0", lone), "EPIPE");
}

/* tcpi_delivered of h (segments acknowledged) once nothing is unacknowledged. */
static long long delivered_when_acked(struct lab *l, long long h)
{
	for (int i = 0; i < 200; i++) {
		struct agent_reply *r = call(l, "getsockopt %lld tcp_info", h);

		ok(l, "tcp_info", r);
		if (strcmp(agent_reply_get(r, "unacked"), "0") == 0)
			return atoll(agent_reply_get(r, "delivered"));
		usleep(5000);
	}
	fail_msg("handle %lld: data still unacknowledged after 1 s", h);
	return -1;
}

/* MSG_MORE reaches the kernel: a byte sent with it is held back (Linux corks it) and
 * leaves in one segment with the next send's byte. Without the flag the first byte
 * would go at once, nothing being in flight: two segments. The two requests go
 * together, so the kernel's own flush of corked data (its probe timer, about an RTO
 * later) never comes between them. */
static void send_more_joins_the_byte_with_the_next_send(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 7104), ch, sh, before;
	int cport;
	uint32_t a, b;
	struct agent_reply *r;

	pair(l, lh, 7104, &ch, &sh, &cport);
	before = delivered_when_acked(l, ch);
	a = send_req(l, "send %lld 41 more", ch);
	b = send_req(l, "send %lld 42", ch);
	assert_int_equal(ok(l, "send more", wait_reply(l, a)), 1);
	assert_int_equal(ok(l, "send", wait_reply(l, b)), 1);
	r = call(l, "recv %lld 2 waitall wait=2000", sh);
	assert_int_equal(ok(l, "recv", r), 2);
	assert_string_equal(agent_reply_get(r, "data"), "4142");
	assert_int_equal(delivered_when_acked(l, ch) - before, 1);
}

/* dontwait into a send buffer the peer never drains: short counts, then EAGAIN. */
static void dontwait_send_into_a_full_buffer_ends_in_eagain(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 7105), ch, sh;
	int cport, i;
	struct agent_reply *r = NULL;

	pair(l, lh, 7105, &ch, &sh, &cport);
	ok(l, "sndbuf", call(l, "setsockopt %lld so_sndbuf 4096", ch));
	ok(l, "rcvbuf", call(l, "setsockopt %lld so_rcvbuf 4096", sh));
	for (i = 0; i < 200; i++) {
		r = call(l, "send %lld len=100000 dontwait", ch);
		if (r->ret < 0)
			break;
		assert_true(r->ret > 0 && r->ret < 100000);
	}
	assert_true(i > 0 && i < 200);
	expect_err(r, "EAGAIN");
	expect_err(call(l, "send %lld 41 dontwait wait=10", ch), "EINVAL");
}

/* o_nonblock: connect without wait= is the kernel's EINPROGRESS; the handshake goes on. */
static void nonblocking_connect_is_einprogress_and_completes(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 7106), ch;
	struct agent_reply *r;

	ch = ok(l, "socket", call(l, "socket inet"));
	ok(l, "o_nonblock", call(l, "setsockopt %lld o_nonblock 1", ch));
	r = call(l, "getsockopt %lld o_nonblock", ch);
	assert_string_equal(agent_reply_get(r, "value"), "1");
	expect_err(call(l, "connect %lld 127.0.0.1 7106", ch), "EINPROGRESS");
	r = call(l, "accept %lld wait=2000", lh);
	ok(l, "accept", r);
	/* The accepted socket does not inherit the flag (accept4 without SOCK_NONBLOCK). */
	r = call(l, "getsockopt %lld o_nonblock", r->ret);
	assert_string_equal(agent_reply_get(r, "value"), "0");
	expect_err(call(l, "recv %lld 10", ch), "EAGAIN");
}

#define T(f) cmocka_unit_test_setup_teardown(f, lab_setup, lab_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(greeting_announces_the_surface_caps_and_every_option),
		T(tcp_info_of_a_loopback_connection_has_every_key),
		T(a_len_send_split_by_the_send_buffer_keeps_the_pattern),
		T(empty_send_is_a_zero_byte_send_call),
		T(send_more_joins_the_byte_with_the_next_send),
		T(dontwait_send_into_a_full_buffer_ends_in_eagain),
		T(nonblocking_connect_is_einprogress_and_completes),
	};

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
