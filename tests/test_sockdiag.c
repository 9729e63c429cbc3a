/* Tests of sockdiag.c (harness/agent/sockdiag.h) against the real kernel: what a
 * listener query (remote port 0) finds now that the dump is of the listening hash only,
 * and the one netlink socket kept between queries (a reply left unread, a socket that
 * broke).
 *
 * The test process enters a network namespace of its own first (unshare(CLONE_NEWNET)),
 * so every socket here is on that namespace's loopback and the dumps see only them.
 * Needs root (CAP_SYS_ADMIN for unshare); without it every test is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockdiag.h"
#include "sockdiag_int.h"

static int in_netns;

static int lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0)
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return rc;
}

static int skip_unless_netns(void **state)
{
	(void)state;
	if (!in_netns)
		skip();
	return 0;
}

/* A TCP socket of family bound to addr:port; listening with that backlog unless
 * backlog < 0. */
static int tcp_socket(int family, const char *addr, uint16_t port, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), off = 0, on = 1;

	assert_true(fd >= 0);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
		len = sizeof(*s6);
		/* Dual-stack whatever net.ipv6.bindv6only says: IPv4 arrives mapped. */
		assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)), 0);
	}
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	if (backlog >= 0)
		assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

/* A connected pair on 127.0.0.1 to the listener lfd (port): *c the client, the accepted
 * server end returned; *cport the client's port. */
static int connect_pair(int lfd, uint16_t port, int *c, uint16_t *cport)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	socklen_t len = sizeof(sa);
	int s;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(*c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	s = accept(lfd, NULL, NULL);
	assert_true(s >= 0);
	assert_int_equal(getsockname(*c, (struct sockaddr *)&sa, &len), 0);
	*cport = ntohs(sa.sin_port);
	return s;
}

/* sockdiag_state for a tuple in text; asserts it succeeded and returns the state name
 * ("CLOSED" when nothing matched, with found 0). */
static const char *state_of(const char *l, uint16_t lport, const char *r, uint16_t rport,
			    struct sockdiag_info *out)
{
	int family = strchr(l, ':') ? AF_INET6 : AF_INET;
	struct in6_addr la, ra;
	char err[256] = "";

	assert_int_equal(inet_pton(family, l, &la), 1);
	assert_int_equal(inet_pton(family, r, &ra), 1);
	if (sockdiag_state(family, &la, lport, &ra, rport, out, err, sizeof(err)) < 0)
		fail_msg("sockdiag_state(%s %u %s %u): %s", l, lport, r, rport, err);
	assert_true(out->found || strcmp(out->state_name, "CLOSED") == 0);
	return out->state_name;
}

/* ------------------------------------------------------------ tests */

/* The listener of an IPv4 query may be an AF_INET6 socket on :: (IPv4 arrives as
 * ::ffff:a.b.c.d): the dump of the AF_INET6 listeners finds it, with its queues. */
static void inet_query_finds_a_listener_on_a_dual_stack_inet6_socket(void **state)
{
	struct sockdiag_info in;
	int l = tcp_socket(AF_INET6, "::", 7001, 7);

	(void)state;
	assert_string_equal(state_of("198.18.0.2", 7001, "0.0.0.0", 0, &in), "LISTEN");
	assert_true(in.found);
	assert_int_equal(in.wqueue, 7);   /* LISTEN: the backlog */
	assert_int_equal(in.rqueue, 0);
	assert_int_not_equal(in.inode, 0);
	assert_string_equal(state_of("2001:db8::2", 7001, "::", 0, &in), "LISTEN");
	close(l);
}

/* The kernel filters the dump by the local port: a listener on another port, and one
 * on this port bound to another address, are not this query's. */
static void listener_query_finds_only_the_listener_on_its_port_and_address(void **state)
{
	struct sockdiag_info in;
	int a = tcp_socket(AF_INET, "0.0.0.0", 7002, 5);
	int b = tcp_socket(AF_INET, "127.0.0.1", 7003, 9);

	(void)state;
	assert_string_equal(state_of("127.0.0.1", 7002, "0.0.0.0", 0, &in), "LISTEN");
	assert_int_equal(in.wqueue, 5);
	assert_string_equal(state_of("127.0.0.1", 7003, "0.0.0.0", 0, &in), "LISTEN");
	assert_int_equal(in.wqueue, 9);
	assert_string_equal(state_of("198.18.0.2", 7003, "0.0.0.0", 0, &in), "CLOSED");
	assert_string_equal(state_of("127.0.0.1", 7004, "0.0.0.0", 0, &in), "CLOSED");
	assert_false(in.found);
	close(a);
	close(b);
}

/* A socket that is only bound listens for nothing: CLOSED, as no segment would reach
 * it (RFC 9293 3.10.7.1). */
static void bound_socket_that_does_not_listen_is_closed(void **state)
{
	struct sockdiag_info in;
	int s = tcp_socket(AF_INET, "127.0.0.1", 7005, -1);

	(void)state;
	assert_string_equal(state_of("127.0.0.1", 7005, "0.0.0.0", 0, &in), "CLOSED");
	assert_false(in.found);
	close(s);
}

/* With connections on the listener's port, the listener query still answers LISTEN
 * (the connections have a remote port) and each connection its own state. */
static void listener_and_its_connections_are_told_apart(void **state)
{
	struct sockdiag_info in;
	int l = tcp_socket(AF_INET, "127.0.0.1", 7006, 16), c[8], s[8];
	uint16_t cport[8];

	(void)state;
	for (int i = 0; i < 8; i++)
		s[i] = connect_pair(l, 7006, &c[i], &cport[i]);
	assert_string_equal(state_of("127.0.0.1", 7006, "0.0.0.0", 0, &in), "LISTEN");
	assert_int_equal(in.rqueue, 0);   /* all accepted */
	assert_string_equal(state_of("127.0.0.1", 7006, "127.0.0.1", cport[3], &in),
			    "ESTABLISHED");
	assert_true(in.has_info);
	assert_string_equal(state_of("127.0.0.1", cport[5], "127.0.0.1", 7006, &in),
			    "ESTABLISHED");
	for (int i = 0; i < 8; i++) {
		close(c[i]);
		close(s[i]);
	}
	close(l);
}

/* One netlink socket serves every query: the second finds the first's still open. */
static void queries_share_one_netlink_socket(void **state)
{
	struct sockdiag_info in;
	int fd;

	(void)state;
	state_of("127.0.0.1", 7007, "0.0.0.0", 0, &in);
	fd = sockdiag_fd();
	assert_true(fd >= 0);
	state_of("127.0.0.1", 7007, "127.0.0.1", 40000, &in);
	state_of("::1", 7007, "::", 0, &in);
	assert_int_equal(sockdiag_fd(), fd);
}

/* A request whose reply nobody read (a query cut short) must not answer the next
 * query: its messages carry another sequence number and are read past. The stale reply
 * is a dump of every socket, whose first message is not the connection asked for. */
static void reply_left_unread_does_not_answer_the_next_query(void **state)
{
	struct sockdiag_info in;
	int l = tcp_socket(AF_INET, "127.0.0.1", 7008, 4), c, s;
	uint16_t cport;
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} stale;

	(void)state;
	s = connect_pair(l, 7008, &c, &cport);
	state_of("127.0.0.1", 7008, "0.0.0.0", 0, &in);
	memset(&stale, 0, sizeof(stale));
	stale.nlh.nlmsg_len = sizeof(stale);
	stale.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	stale.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	stale.nlh.nlmsg_seq = 1;
	stale.req.sdiag_family = AF_INET;
	stale.req.sdiag_protocol = IPPROTO_TCP;
	stale.req.idiag_states = 0xffffffffu;
	for (int i = 0; i < 2; i++)
		assert_int_equal(send(sockdiag_fd(), &stale, sizeof(stale), 0), (ssize_t)sizeof(stale));
	assert_string_equal(state_of("127.0.0.1", cport, "127.0.0.1", 7008, &in), "ESTABLISHED");
	assert_string_equal(state_of("127.0.0.1", 7008, "0.0.0.0", 0, &in), "LISTEN");
	assert_string_equal(state_of("127.0.0.1", 7008, "127.0.0.1", cport, &in), "ESTABLISHED");
	close(c);
	close(s);
	close(l);
}

/* A socket that broke fails the query that meets it, with the call and the reason,
 * and is dropped: the next query opens a new one and answers. */
static void broken_netlink_socket_fails_one_query_and_the_next_reopens(void **state)
{
	struct sockdiag_info in;
	struct in_addr la, ra;
	int l = tcp_socket(AF_INET, "127.0.0.1", 7009, 3), null;
	char err[256] = "";

	(void)state;
	state_of("127.0.0.1", 7009, "0.0.0.0", 0, &in);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(null >= 0);
	assert_true(dup2(null, sockdiag_fd()) >= 0);   /* no socket any more */
	close(null);
	inet_pton(AF_INET, "127.0.0.1", &la);
	inet_pton(AF_INET, "0.0.0.0", &ra);
	assert_int_equal(sockdiag_state(AF_INET, &la, 7009, &ra, 0, &in, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "sock_diag: sendto: "));
	assert_string_equal(in.state_name, "CLOSED");
	assert_int_equal(sockdiag_fd(), -1);
	assert_string_equal(state_of("127.0.0.1", 7009, "0.0.0.0", 0, &in), "LISTEN");
	assert_true(sockdiag_fd() >= 0);
	close(l);
}

#define T(f) cmocka_unit_test_setup(f, skip_unless_netns)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(inet_query_finds_a_listener_on_a_dual_stack_inet6_socket),
		T(listener_query_finds_only_the_listener_on_its_port_and_address),
		T(bound_socket_that_does_not_listen_is_closed),
		T(listener_and_its_connections_are_told_apart),
		T(queries_share_one_netlink_socket),
		T(reply_left_unread_does_not_answer_the_next_query),
		T(broken_netlink_socket_fails_one_query_and_the_next_reopens),
	};

	if (unshare(CLONE_NEWNET) == 0 && lo_up() == 0)
		in_netns = 1;
	else
		fprintf(stderr, "test_sockdiag: no network namespace of its own (%s): skipped\n",
			strerror(errno));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
