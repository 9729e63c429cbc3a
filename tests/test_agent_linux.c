/* Integration tests of the Linux agent (harness/agent/agent_linux.c) against the real kernel.
 *
 * Each test gets a fresh lab: a forked child that enters its own network namespace
 * (unshare(CLONE_NEWNET)), brings up lo and serves the protocol on a socketpair. All
 * traffic stays on that namespace's loopback. The child dies with the test
 * (PR_SET_PDEATHSIG) and is killed and reaped in teardown. Needs root (CAP_SYS_ADMIN
 * for unshare); without it every test is skipped.
 *
 * The test process is a child subreaper (PR_SET_CHILD_SUBREAPER): socket holders
 * ("hold") orphaned by an agent that was killed become our children, so a test can
 * check how they died and teardown leaves no zombie behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_lab.h"

/* ------------------------------------------------------------ tests */

static void greeting_announces_agent_version_1_with_id_0(void **state)
{
	struct lab *l = lab_of(state);
	struct agent_reply r;
	char err[256];

	assert_int_equal(agent_reply_parse(l->greeting, &r, err, sizeof(err)), 0);
	assert_int_equal(r.id, 0);
	assert_int_equal(r.ret, 0);
	assert_string_equal(agent_reply_get(&r, "hello"), "tcpconform-agent");
	assert_string_equal(agent_reply_get(&r, "version"), "1");
	assert_string_equal(agent_reply_get(&r, "stack"), "linux");
	assert_non_null(strstr(agent_reply_get(&r, "caps"), "state"));
	assert_non_null(strstr(agent_reply_get(&r, "caps"), "hold"));
}

/* PROTOCOL.md 2 and 4.1: the greeting says how many handles may be open at once, and
 * that many sockets open while the next one is EMFILE; one closed makes room again. A
 * harness sizes its cases in flight by it (sweep.engine's handle budget). */
static void greeting_says_its_handles_and_that_many_open_then_emfile(void **state)
{
	struct lab *l = lab_of(state);
	struct agent_reply r;
	char err[256];
	long long first = 0;

	assert_int_equal(agent_reply_parse(l->greeting, &r, err, sizeof(err)), 0);
	assert_string_equal(agent_reply_get(&r, "handles"), "2048");
	assert_string_equal(agent_reply_get(&r, "pending"), "256");
	for (int i = 0; i < 2048; i++) {
		long long h = ok(l, "socket", call(l, "socket inet"));
		if (i == 0)
			first = h;
	}
	expect_err(call(l, "socket inet"), "EMFILE");
	ok(l, "close", call(l, "close %lld", first));
	ok(l, "socket after a close", call(l, "socket inet"));
}

static void hello_repeats_the_greeting_under_the_request_id(void **state)
{
	struct lab *l = lab_of(state);
	struct agent_reply *r = call(l, "hello");

	assert_int_equal(r->id, l->next_id);
	assert_string_equal(agent_reply_get(r, "version"), "1");
}

static void loopback_connection_carries_data_and_both_ends_are_established(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5000), ch, sh;
	struct agent_reply *r;
	char tuple[128];
	int cport;

	pair(l, lh, 5000, &ch, &sh, &cport);
	assert_int_equal(ok(l, "send", call(l, "send %lld 68656c6c6f", ch)), 5);
	r = call(l, "recv %lld 100", sh);
	assert_int_equal(ok(l, "recv", r), 5);
	assert_string_equal(agent_reply_get(r, "data"), "68656c6c6f");
	assert_int_equal(ok(l, "send", call(l, "send %lld len=30", sh)), 30);
	r = call(l, "recv %lld 30 waitall", ch);
	assert_int_equal(ok(l, "recv", r), 30);
	assert_string_equal(agent_reply_get(r, "data"),
			    "6162636465666768696a6b6c6d6e6f707172737475767778797a61626364");

	snprintf(tuple, sizeof(tuple), "127.0.0.1 5000 127.0.0.1 %d", cport);
	expect_state(l, tuple, "ESTABLISHED");
	r = call(l, "state %s", tuple);
	assert_string_equal(agent_reply_get(r, "orphan"), "0");
	assert_non_null(agent_reply_get(r, "snd_mss"));
	snprintf(tuple, sizeof(tuple), "127.0.0.1 %d 127.0.0.1 5000", cport);
	expect_state(l, tuple, "ESTABLISHED");
	snprintf(tuple, sizeof(tuple), "%lld", ch);
	expect_state(l, tuple, "ESTABLISHED");
}

static void listener_is_listen_and_unknown_tuple_is_closed(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5001);
	char h[32];

	expect_state(l, "127.0.0.1 5001 0.0.0.0 0", "LISTEN");
	snprintf(h, sizeof(h), "%lld", lh);
	expect_state(l, h, "LISTEN");
	expect_state(l, "127.0.0.1 5999 127.0.0.1 4000", "CLOSED");
}

/* PROTOCOL.md 6.5: an IPv4 listener query is answered by a dual-stack AF_INET6 socket
 * on :: (IPv4 arrives on it as ::ffff:a.b.c.d), and a listener is told from a bound
 * socket that does not listen and from a listener on another port (sockdiag.c dumps
 * only the listening hash, filtered by the local port in the kernel). */
static void listener_on_a_dual_stack_inet6_socket_answers_an_inet_query(void **state)
{
	struct lab *l = lab_of(state);
	long long h6 = ok(l, "socket", call(l, "socket inet6"));
	long long b = ok(l, "socket", call(l, "socket inet"));

	ok(l, "v6only", call(l, "setsockopt %lld ipv6_v6only 0", h6));
	ok(l, "bind", call(l, "bind %lld :: 5030", h6));
	ok(l, "listen", call(l, "listen %lld 8", h6));
	ok(l, "bind", call(l, "bind %lld 127.0.0.1 5031", b));
	expect_state(l, "127.0.0.1 5030 0.0.0.0 0", "LISTEN");
	expect_state(l, "::1 5030 :: 0", "LISTEN");
	expect_state(l, "127.0.0.1 5031 0.0.0.0 0", "CLOSED");
	expect_state(l, "127.0.0.1 5032 0.0.0.0 0", "CLOSED");
}

static void active_close_shows_fin_wait_2_then_time_wait(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5002), ch, sh;
	char client[128], server[128];
	struct agent_reply *r;
	int cport;

	pair(l, lh, 5002, &ch, &sh, &cport);
	snprintf(client, sizeof(client), "127.0.0.1 %d 127.0.0.1 5002", cport);
	snprintf(server, sizeof(server), "127.0.0.1 5002 127.0.0.1 %d", cport);
	ok(l, "close", call(l, "close %lld", ch));
	/* RFC 9293 3.6: the closer sits in FIN-WAIT-2 (orphaned) until the peer's FIN. */
	expect_state(l, client, "FIN_WAIT_2");
	expect_state(l, server, "CLOSE_WAIT");
	r = call(l, "recv %lld 10", sh);
	assert_int_equal(ok(l, "recv at EOF", r), 0);
	assert_string_equal(agent_reply_get(r, "data"), "");
	ok(l, "close", call(l, "close %lld", sh));
	expect_state(l, client, "TIME_WAIT");
	r = call(l, "state %s", client);
	assert_string_equal(agent_reply_get(r, "timer"), "timewait");
	expect_state(l, server, "CLOSED");
	expect_err(call(l, "recv %lld 10", ch), "EBADF");
}

static void request_sock_of_deferred_accept_is_syn_recv(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = ok(l, "socket", call(l, "socket inet")), ch;
	struct agent_reply *r;
	char tuple[128];

	/* With TCP_DEFER_ACCEPT the final ACK of the handshake is not enough: the
	 * connection stays a request sock in the listener's queue until data comes. */
	ok(l, "defer", call(l, "setsockopt %lld tcp_defer_accept 5", lh));
	ok(l, "bind", call(l, "bind %lld 127.0.0.1 5003", lh));
	ok(l, "listen", call(l, "listen %lld 4", lh));
	ch = ok(l, "socket", call(l, "socket inet"));
	r = call(l, "connect %lld 127.0.0.1 5003", ch);
	ok(l, "connect", r);
	snprintf(tuple, sizeof(tuple), "127.0.0.1 5003 127.0.0.1 %s", agent_reply_get(r, "lport"));
	expect_state(l, tuple, "SYN_RECV");
	expect_err(call(l, "accept %lld wait=0", lh), "EAGAIN");
}

static void ipv6_loopback_connection_is_visible_by_state(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = ok(l, "socket", call(l, "socket inet6")), ch, sh;
	struct agent_reply *r;
	char tuple[128];

	ok(l, "bind", call(l, "bind %lld ::1 5004", lh));
	ok(l, "listen", call(l, "listen %lld 4", lh));
	ch = ok(l, "socket", call(l, "socket inet6"));
	r = call(l, "connect %lld ::1 5004", ch);
	ok(l, "connect", r);
	assert_string_equal(agent_reply_get(r, "laddr"), "::1");
	snprintf(tuple, sizeof(tuple), "::1 5004 ::1 %s", agent_reply_get(r, "lport"));
	sh = ok(l, "accept", call(l, "accept %lld", lh));
	assert_true(sh > ch);
	expect_state(l, tuple, "ESTABLISHED");
	r = call(l, "getsockname %lld", lh);
	assert_string_equal(agent_reply_get(r, "addr"), "::1");
	assert_string_equal(agent_reply_get(r, "port"), "5004");
}

static void connect_to_a_closed_port_is_refused(void **state)
{
	struct lab *l = lab_of(state);
	long long h = ok(l, "socket", call(l, "socket inet"));

	expect_err(call(l, "connect %lld 127.0.0.1 1", h), "ECONNREFUSED");
}

static void accept_wait_that_expires_replies_timeout(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5005);
	struct timespec t0, t1;
	struct agent_reply *r;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = call(l, "accept %lld wait=150", lh);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	expect_err(r, "TIMEOUT");
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 140 && ms < 2000);
}

static void wait_zero_is_a_non_blocking_call(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5006), ch, sh;
	int cport;

	pair(l, lh, 5006, &ch, &sh, &cport);
	expect_err(call(l, "recv %lld 10 wait=0", sh), "EAGAIN");
	expect_err(call(l, "accept %lld wait=0", lh), "EAGAIN");
}

static void pending_accept_replies_after_later_requests(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5007), ch;
	uint32_t acc, hello;
	char line[LINE];
	struct agent_reply *r;

	acc = send_req(l, "accept %lld wait=5000", lh);
	hello = send_req(l, "hello");
	/* The accept is parked: the next line on the wire answers the hello. */
	assert_non_null(read_line(l, line, sizeof(line), REPLY_WAIT_MS));
	assert_int_equal(line_id(line), hello);
	ch = ok(l, "socket", call(l, "socket inet"));
	ok(l, "connect", call(l, "connect %lld 127.0.0.1 5007", ch));
	r = wait_reply(l, acc);
	assert_true(ok(l, "accept", r) > ch);
}

static void pending_recv_completes_when_data_arrives(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5008), ch, sh;
	struct agent_reply *r;
	uint32_t rid;
	int cport;

	pair(l, lh, 5008, &ch, &sh, &cport);
	rid = send_req(l, "recv %lld 64 wait=5000", sh);
	ok(l, "send", call(l, "send %lld 414243", ch));
	r = wait_reply(l, rid);
	assert_int_equal(ok(l, "recv", r), 3);
	assert_string_equal(agent_reply_get(r, "data"), "414243");
}

static void second_pending_recv_on_one_handle_is_busy(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5009), ch, sh;
	uint32_t first;
	int cport;

	pair(l, lh, 5009, &ch, &sh, &cport);
	first = send_req(l, "recv %lld 64 wait=3000", sh);
	expect_err(call(l, "recv %lld 64", sh), "EBUSY");
	/* The write side is independent of the read side. */
	assert_int_equal(ok(l, "send", call(l, "send %lld 00", sh)), 1);
	ok(l, "send", call(l, "send %lld 01", ch));
	assert_int_equal(ok(l, "recv", wait_reply(l, first)), 1);
}

static void close_cancels_a_pending_recv_before_replying(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5010), ch, sh;
	uint32_t rid, cid;
	char line[LINE];
	int cport;

	pair(l, lh, 5010, &ch, &sh, &cport);
	rid = send_req(l, "recv %lld 64 wait=5000", sh);
	cid = send_req(l, "close %lld", sh);
	assert_non_null(read_line(l, line, sizeof(line), REPLY_WAIT_MS));
	assert_int_equal(line_id(line), rid);
	assert_non_null(strstr(line, " -1 CANCELED "));
	assert_non_null(read_line(l, line, sizeof(line), REPLY_WAIT_MS));
	assert_int_equal(line_id(line), cid);
	assert_non_null(strstr(line, " 0 -"));
}

static void send_to_a_reset_connection_is_an_errno_not_a_signal(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5011), ch, sh;
	struct agent_reply *r;
	int cport, i;

	pair(l, lh, 5011, &ch, &sh, &cport);
	/* SO_LINGER {1, 0}: close sends RST (RFC 9293 3.10.5 ABORT). */
	ok(l, "linger", call(l, "setsockopt %lld so_linger 1 0", ch));
	ok(l, "close", call(l, "close %lld", ch));
	r = call(l, "recv %lld 10", sh);
	expect_err(r, "ECONNRESET");
	for (i = 0; i < 3; i++) {
		r = call(l, "send %lld 41", sh);
		assert_int_equal(r->ret, -1);
		assert_string_equal(r->errname, "EPIPE");
	}
	ok(l, "still alive", call(l, "hello"));
}

static void linger_close_waits_for_the_peer_and_replies(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5012), ch, sh;
	struct agent_reply *r;
	int cport;

	pair(l, lh, 5012, &ch, &sh, &cport);
	ok(l, "linger", call(l, "setsockopt %lld so_linger 1 5", ch));
	r = call(l, "getsockopt %lld so_linger", ch);
	assert_string_equal(agent_reply_get(r, "value"), "1,5");
	ok(l, "send", call(l, "send %lld len=1000", ch));
	assert_int_equal(ok(l, "close", call(l, "close %lld", ch)), 0);
	ok(l, "still serving", call(l, "hello"));
}

static void setsockopt_and_getsockopt_round_trip_keepalive_options(void **state)
{
	struct lab *l = lab_of(state);
	long long h = ok(l, "socket", call(l, "socket inet"));

	ok(l, "keepalive", call(l, "setsockopt %lld so_keepalive 1", h));
	ok(l, "keepidle", call(l, "setsockopt %lld tcp_keepidle 7", h));
	assert_string_equal(agent_reply_get(call(l, "getsockopt %lld so_keepalive", h),
					    "value"), "1");
	assert_string_equal(agent_reply_get(call(l, "getsockopt %lld tcp_keepidle", h),
					    "value"), "7");
	assert_string_equal(agent_reply_get(call(l, "getsockopt %lld so_error", h), "value"),
			    "-");
	expect_err(call(l, "setsockopt %lld tcp_keepidle 0", h), "EINVAL");
	expect_err(call(l, "setsockopt %lld so_frobnicate 1", h), "ENOSYS");
	expect_err(call(l, "setsockopt %lld so_error 1", h), "EINVAL");
	expect_err(call(l, "setsockopt %lld so_linger 1", h), "EINVAL");
	expect_err(call(l, "setsockopt %lld tcp_nodelay x", h), "EINVAL");
}

static void sysctl_reads_and_writes_the_lab_namespace_only(void **state)
{
	struct lab *l = lab_of(state);
	struct agent_reply *r;
	char host_before[64] = "", host_after[64] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_fin_timeout", "r");

	if (f) {
		assert_non_null(fgets(host_before, sizeof(host_before), f));
		fclose(f);
	}
	r = call(l, "sysctl net.ipv4.tcp_fin_timeout 7");
	ok(l, "sysctl write", r);
	assert_string_equal(agent_reply_get(r, "value"), "7");
	r = call(l, "sysctl net.ipv4.tcp_fin_timeout");
	assert_string_equal(agent_reply_get(r, "value"), "7");
	r = call(l, "sysctl net.ipv4.tcp_rmem 4096,65536,1048576");
	assert_string_equal(agent_reply_get(r, "value"), "4096,65536,1048576");
	f = fopen("/proc/sys/net/ipv4/tcp_fin_timeout", "r");
	if (f) {
		assert_non_null(fgets(host_after, sizeof(host_after), f));
		fclose(f);
	}
	assert_string_equal(host_before, host_after);
}

static void sysctl_outside_net_or_climbing_out_is_refused(void **state)
{
	struct lab *l = lab_of(state);

	expect_err(call(l, "sysctl kernel.hostname"), "EPERM");
	expect_err(call(l, "sysctl kernel.hostname evil"), "EPERM");
	expect_err(call(l, "sysctl net/../.."), "EPERM");
	expect_err(call(l, "sysctl net/ipv4/tcp_fin_timeout"), "EPERM");
	expect_err(call(l, "sysctl net.ipv4..tcp_fin_timeout"), "EPERM");
	expect_err(call(l, "sysctl net.."), "EPERM");
	expect_err(call(l, "sysctl net."), "EPERM");
	expect_err(call(l, "sysctl net"), "EPERM");
	expect_err(call(l, "sysctl net.ipv4.no_such_knob"), "ENOENT");
	expect_err(call(l, "sysctl net.ipv4.tcp_fin_timeout notanumber"), "EINVAL");
}

static void protocol_errors_name_the_problem_and_keep_the_agent_alive(void **state)
{
	struct lab *l = lab_of(state);
	struct agent_reply *r;
	char line[LINE];

	r = call(l, "frobnicate 1 2");
	expect_err(r, "ENOSYS");
	assert_non_null(strstr(agent_reply_get(r, "msg"), "frobnicate"));
	expect_err(call(l, "close 99"), "EBADF");
	expect_err(call(l, "close x"), "EINVAL");
	expect_err(call(l, "close"), "EINVAL");
	expect_err(call(l, "socket ipx"), "EINVAL");
	expect_err(call(l, "socket inet dgram"), "ENOSYS");
	expect_err(call(l, "bind 1 1.2.3.4 80"), "EBADF");
	expect_err(call(l, "kill 1"), "EBADF");
	r = call(l, "recv 1 10 wait=-1");
	expect_err(r, "EBADF");
	long long h = ok(l, "socket", call(l, "socket inet"));
	expect_err(call(l, "recv %lld 10 wait=-1", h), "EINVAL");
	expect_err(call(l, "recv %lld 0", h), "EINVAL");
	expect_err(call(l, "recv %lld 10 peek waitall", h), "EINVAL");
	expect_err(call(l, "recv %lld 10 bogus", h), "EINVAL");
	expect_err(call(l, "send %lld 0g", h), "EINVAL");
	expect_err(call(l, "send %lld len=-3", h), "EINVAL");
	expect_err(call(l, "bind %lld 1.2.3 80", h), "EINVAL");
	expect_err(call(l, "bind %lld 127.0.0.1 65536", h), "EINVAL");
	expect_err(call(l, "shutdown %lld sideways", h), "EINVAL");
	expect_err(call(l, "state 127.0.0.1 1 ::1 2"), "EINVAL");

	/* A line without a usable id is answered under id 0 with EPROTO. */
	assert_int_equal(write(l->fd, "x1 hello\n", 9), 9);
	assert_non_null(read_line(l, line, sizeof(line), REPLY_WAIT_MS));
	assert_int_equal(strncmp(line, "0 -1 EPROTO msg=", 16), 0);
	/* Blank lines are ignored, CR LF is accepted. */
	assert_int_equal(write(l->fd, "\n  \n4000 hello\r\n", 16), 16);
	assert_int_equal(wait_reply(l, 4000)->ret, 0);
	ok(l, "still alive", call(l, "hello"));
}

static void overlong_line_is_answered_under_its_id(void **state)
{
	struct lab *l = lab_of(state);
	size_t n = AGENT_LINE_MAX + 5000;
	char *big = malloc(n + 1);

	assert_non_null(big);
	memset(big, 'a', n);
	memcpy(big, "777 send 1 ", 11);
	big[n] = '\n';
	assert_int_equal(write(l->fd, big, n + 1), (ssize_t)n + 1);
	free(big);
	expect_err(wait_reply(l, 777), "EINVAL");
	assert_non_null(strstr(agent_reply_get(&l->r, "msg"), "longer"));
	ok(l, "still alive", call(l, "hello"));
}

static void control_bytes_in_a_line_are_rejected(void **state)
{
	struct lab *l = lab_of(state);

	assert_int_equal(write(l->fd, "900 hel\0lo\n", 11), 11);
	expect_err(wait_reply(l, 900), "EINVAL");
	assert_int_equal(write(l->fd, "901 hel\001lo\n", 11), 11);
	expect_err(wait_reply(l, 901), "EINVAL");
}

static void quit_cancels_pending_calls_replies_last_and_exits_0(void **state)
{
	struct lab *l = lab_of(state);
	int status = -1;

	long long lh = listener(l, 5013);
	uint32_t acc = send_req(l, "accept %lld wait=60000", lh);
	char line[LINE];

	/* The parked accept is canceled, and the quit reply is the last line. */
	assert_int_equal(ok(l, "quit", call(l, "quit")), 0);
	expect_err(wait_reply(l, acc), "CANCELED");
	assert_null(read_line(l, line, sizeof(line), 1000));
	assert_int_equal(waitpid(l->pid, &status, 0), l->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	l->pid = 0;
}

static void eof_on_the_control_socket_ends_serve_with_status_0(void **state)
{
	struct lab *l = lab_of(state);
	int status = -1;

	uint32_t id = send_req(l, "recv 1 10 wait=60000");
	(void)id;
	shutdown(l->fd, SHUT_WR);
	assert_int_equal(waitpid(l->pid, &status, 0), l->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	l->pid = 0;
}

/* BEHAVIOURS.md C16: the process holding the socket dies -> the kernel sends FIN
 * (RFC 9293 3.6: the kernel closes the socket for the dead process, an orderly close). */
static void killing_the_holder_of_a_connection_makes_the_kernel_send_fin(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5020), ch, sh;
	char client[128], server[128], h[32];
	struct agent_reply *r;
	pid_t pid;
	int cport;

	pair(l, lh, 5020, &ch, &sh, &cport);
	snprintf(client, sizeof(client), "127.0.0.1 %d 127.0.0.1 5020", cport);
	snprintf(server, sizeof(server), "127.0.0.1 5020 127.0.0.1 %d", cport);
	snprintf(h, sizeof(h), "%lld", ch);
	pid = holder_pid(l, call(l, "hold %lld", ch));

	/* Handing the socket over is no close: nothing on the wire, a file still owns it. */
	expect_state(l, client, "ESTABLISHED");
	expect_state(l, server, "ESTABLISHED");
	expect_state(l, h, "ESTABLISHED");
	assert_string_equal(agent_reply_get(call(l, "state %s", client), "orphan"), "0");
	expect_err(call(l, "recv %lld 10 wait=0", sh), "EAGAIN");

	assert_int_equal(ok(l, "kill", call(l, "kill %lld", ch)), 0);
	assert_true(process_gone(pid));
	r = call(l, "recv %lld 10", sh);
	assert_int_equal(ok(l, "recv after kill", r), 0);     /* the FIN: end of file */
	assert_string_equal(agent_reply_get(r, "data"), "");
	expect_state_in(l, client, "FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT CLOSED");
	expect_state(l, server, "CLOSE_WAIT");
	expect_err(call(l, "state %lld", ch), "EBADF");       /* kill forgot the handle */
}

static void killing_a_holder_with_linger_zero_resets_the_connection(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5021), ch, sh;
	int cport;

	pair(l, lh, 5021, &ch, &sh, &cport);
	/* SO_LINGER {1, 0}: the close the kernel does for the dead holder aborts (RST,
	 * RFC 9293 3.10.5), like a close by the program would. */
	ok(l, "linger", call(l, "setsockopt %lld so_linger 1 0", ch));
	holder_pid(l, call(l, "hold %lld", ch));
	ok(l, "kill", call(l, "kill %lld", ch));
	expect_err(call(l, "recv %lld 10", sh), "ECONNRESET");
}

static void held_handle_refuses_socket_verbs_with_ebusy_naming_its_holder(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5022), ch, sh;
	struct agent_reply *r;
	char pidstr[32];
	pid_t pid;
	int cport;

	pair(l, lh, 5022, &ch, &sh, &cport);
	pid = holder_pid(l, call(l, "hold %lld", ch));
	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);

	r = call(l, "send %lld 41", ch);
	expect_err(r, "EBUSY");
	assert_non_null(strstr(agent_reply_get(r, "msg"), "held"));
	assert_non_null(strstr(agent_reply_get(r, "msg"), pidstr));
	expect_err(call(l, "recv %lld 10", ch), "EBUSY");
	expect_err(call(l, "close %lld", ch), "EBUSY");
	expect_err(call(l, "shutdown %lld wr", ch), "EBUSY");
	expect_err(call(l, "setsockopt %lld tcp_nodelay 1", ch), "EBUSY");
	expect_err(call(l, "getsockopt %lld so_error", ch), "EBUSY");
	expect_err(call(l, "connect %lld 127.0.0.1 5022", ch), "EBUSY");
	expect_err(call(l, "hold %lld", ch), "EBUSY");

	/* Its addresses are remembered from the hand-over. */
	r = call(l, "getsockname %lld", ch);
	ok(l, "getsockname", r);
	assert_int_equal(atoi(agent_reply_get(r, "port")), cport);
	r = call(l, "getpeername %lld", ch);
	ok(l, "getpeername", r);
	assert_string_equal(agent_reply_get(r, "port"), "5022");

	ok(l, "kill", call(l, "kill %lld", ch));
	expect_err(call(l, "send %lld 41", ch), "EBADF");
	expect_err(call(l, "kill %lld", ch), "EBADF");
	ok(l, "other handles unaffected", call(l, "send %lld 41", sh));
}

static void hold_of_a_handle_with_a_pending_call_is_busy(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5023), ch, sh;
	uint32_t rid;
	int cport;

	pair(l, lh, 5023, &ch, &sh, &cport);
	rid = send_req(l, "recv %lld 10 wait=5000", sh);
	expect_err(call(l, "hold %lld", sh), "EBUSY");
	ok(l, "send", call(l, "send %lld 41", ch));
	assert_int_equal(ok(l, "recv", wait_reply(l, rid)), 1);
	holder_pid(l, call(l, "hold %lld", sh));          /* nothing pending any more */
	ok(l, "kill", call(l, "kill %lld", sh));
}

static void kill_of_a_handle_that_is_not_held_is_einval(void **state)
{
	struct lab *l = lab_of(state);
	long long h = ok(l, "socket", call(l, "socket inet"));
	struct agent_reply *r = call(l, "kill %lld", h);

	expect_err(r, "EINVAL");
	assert_non_null(strstr(agent_reply_get(r, "msg"), "not held"));
	ok(l, "handle still open", call(l, "setsockopt %lld tcp_nodelay 1", h));
	expect_err(call(l, "kill 99"), "EBADF");
	expect_err(call(l, "kill x"), "EINVAL");
	expect_err(call(l, "hold 99"), "EBADF");
}

/* The holder must not keep the control channel (or any other socket) open: the
 * harness would miss the agent's EOF, and other sockets would never close. */
static void holder_keeps_the_socket_and_no_other_descriptor(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5024), ch, sh;
	char path[64], link[128];
	struct dirent *e;
	int n = 0, cport;
	DIR *d;
	pid_t pid;

	pair(l, lh, 5024, &ch, &sh, &cport);
	pid = holder_pid(l, call(l, "hold %lld", ch));
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d))) {
		char fdpath[128];
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		n++;
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
		len = readlink(fdpath, link, sizeof(link) - 1);
		assert_true(len > 0);
		link[len] = '\0';
		assert_int_equal(strncmp(link, "socket:", 7), 0);
	}
	closedir(d);
	assert_int_equal(n, 1);
}

static void quit_kills_and_reaps_every_holder(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5025), ch, sh;
	pid_t p1, p2, p3;
	int cport, status;

	pair(l, lh, 5025, &ch, &sh, &cport);
	p1 = holder_pid(l, call(l, "hold %lld", ch));
	p2 = holder_pid(l, call(l, "hold %lld", sh));
	p3 = holder_pid(l, call(l, "hold %lld", lh));
	ok(l, "quit", call(l, "quit"));
	status = agent_exit_status(l);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* Reaped by the agent itself: as our orphans they would still exist (zombies). */
	assert_true(process_gone(p1));
	assert_true(process_gone(p2));
	assert_true(process_gone(p3));
}

static void eof_on_the_control_socket_kills_and_reaps_every_holder(void **state)
{
	struct lab *l = lab_of(state);
	long long lh = listener(l, 5026), ch, sh;
	int cport, status;
	pid_t pid;

	pair(l, lh, 5026, &ch, &sh, &cport);
	pid = holder_pid(l, call(l, "hold %lld", ch));
	shutdown(l->fd, SHUT_WR);
	status = agent_exit_status(l);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(process_gone(pid));
}

static void holders_die_when_the_agent_is_killed(void **state)
{
	struct lab *l = lab_of(state);
	long long h = ok(l, "socket", call(l, "socket inet"));
	pid_t pid = holder_pid(l, call(l, "hold %lld", h)), got = 0;
	int status = -1, i;

	assert_true(l->pid > 0);
	kill(l->pid, SIGKILL);
	agent_exit_status(l);
	/* PR_SET_PDEATHSIG: the orphan is killed and, we being the subreaper, ours. */
	for (i = 0; i < 200 && got == 0; i++) {
		got = waitpid(pid, &status, WNOHANG);
		if (got == 0)
			usleep(10000);
	}
	assert_int_equal(got, pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, lab_setup, lab_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(greeting_announces_agent_version_1_with_id_0),
		T(greeting_says_its_handles_and_that_many_open_then_emfile),
		T(hello_repeats_the_greeting_under_the_request_id),
		T(loopback_connection_carries_data_and_both_ends_are_established),
		T(listener_is_listen_and_unknown_tuple_is_closed),
		T(listener_on_a_dual_stack_inet6_socket_answers_an_inet_query),
		T(active_close_shows_fin_wait_2_then_time_wait),
		T(request_sock_of_deferred_accept_is_syn_recv),
		T(ipv6_loopback_connection_is_visible_by_state),
		T(connect_to_a_closed_port_is_refused),
		T(accept_wait_that_expires_replies_timeout),
		T(wait_zero_is_a_non_blocking_call),
		T(pending_accept_replies_after_later_requests),
		T(pending_recv_completes_when_data_arrives),
		T(second_pending_recv_on_one_handle_is_busy),
		T(close_cancels_a_pending_recv_before_replying),
		T(send_to_a_reset_connection_is_an_errno_not_a_signal),
		T(linger_close_waits_for_the_peer_and_replies),
		T(setsockopt_and_getsockopt_round_trip_keepalive_options),
		T(sysctl_reads_and_writes_the_lab_namespace_only),
		T(sysctl_outside_net_or_climbing_out_is_refused),
		T(protocol_errors_name_the_problem_and_keep_the_agent_alive),
		T(overlong_line_is_answered_under_its_id),
		T(control_bytes_in_a_line_are_rejected),
		T(quit_cancels_pending_calls_replies_last_and_exits_0),
		T(eof_on_the_control_socket_ends_serve_with_status_0),
		T(killing_the_holder_of_a_connection_makes_the_kernel_send_fin),
		T(killing_a_holder_with_linger_zero_resets_the_connection),
		T(held_handle_refuses_socket_verbs_with_ebusy_naming_its_holder),
		T(hold_of_a_handle_with_a_pending_call_is_busy),
		T(kill_of_a_handle_that_is_not_held_is_einval),
		T(holder_keeps_the_socket_and_no_other_descriptor),
		T(quit_kills_and_reaps_every_holder),
		T(eof_on_the_control_socket_kills_and_reaps_every_holder),
		T(holders_die_when_the_agent_is_killed),
	};

	/* Orphaned holders come to us, not to init: see the top of this file. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
