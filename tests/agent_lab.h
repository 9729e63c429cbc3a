/* The lab of the Linux agent's integration tests (test_agent_linux.c,
 * test_agent_surface.c): a forked child that enters its own network namespace
 * (unshare(CLONE_NEWNET)), brings up lo and serves the protocol on a socketpair, and
 * the helpers that send requests and wait for replies by id. Header-only (static
 * functions, each marked unused so a test that needs only some compiles clean): each
 * tests/test_*.c is its own executable and the build globs only those files. Include
 * after <cmocka.h>. */
#ifndef TCPCONFORM_AGENT_LAB_H
#define TCPCONFORM_AGENT_LAB_H

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_linux.h"
#include "agent_proto.h"

#define AGENT_LAB_FN static __attribute__((unused))

#define REPLY_WAIT_MS 5000
#define STASH 16
#define LINE (AGENT_LINE_MAX + 64)   /* a whole reply, 64 KiB of data in hex */

struct lab {
	pid_t pid;
	int fd;
	uint32_t next_id;
	char in[LINE * 4];
	size_t inlen;
	char stash[STASH][LINE];     /* replies read while waiting for another id */
	int nstash;
	char line[LINE];             /* storage of the last reply returned */
	struct agent_reply r;
	char greeting[LINE];
};

/* ------------------------------------------------------------ the lab */

AGENT_LAB_FN int lo_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc;

	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	rc = ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0)
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	return rc;
}

AGENT_LAB_FN void child_main(int fd, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(70);
	if (unshare(CLONE_NEWNET) < 0 || lo_up() < 0)
		_exit(77);
	_exit(agent_linux_serve(fd));
}

/* Next full line from the agent, or NULL after REPLY_WAIT_MS / EOF. */
AGENT_LAB_FN char *read_line(struct lab *l, char *out, size_t outlen, int wait_ms)
{
	for (;;) {
		char *lf = memchr(l->in, '\n', l->inlen);
		struct pollfd p = { .fd = l->fd, .events = POLLIN };
		ssize_t n;

		if (lf) {
			size_t len = (size_t)(lf - l->in);

			if (len >= outlen)
				return NULL;
			memcpy(out, l->in, len);
			out[len] = '\0';
			memmove(l->in, lf + 1, l->inlen - len - 1);
			l->inlen -= len + 1;
			return out;
		}
		if (l->inlen == sizeof(l->in) || poll(&p, 1, wait_ms) <= 0)
			return NULL;
		n = read(l->fd, l->in + l->inlen, sizeof(l->in) - l->inlen);
		if (n <= 0)
			return NULL;
		l->inlen += (size_t)n;
	}
}

AGENT_LAB_FN uint32_t line_id(const char *s)
{
	return (uint32_t)strtoul(s, NULL, 10);
}

/* The reply to id (parsed into l->r), stashing replies to other ids. */
AGENT_LAB_FN struct agent_reply *wait_reply(struct lab *l, uint32_t id)
{
	char err[256];
	int i;

	for (i = 0; i < l->nstash; i++)
		if (line_id(l->stash[i]) == id) {
			memcpy(l->line, l->stash[i], LINE);
			memmove(l->stash[i], l->stash[i + 1], (size_t)(l->nstash - i - 1) * LINE);
			l->nstash--;
			goto parse;
		}
	for (;;) {
		if (!read_line(l, l->line, sizeof(l->line), REPLY_WAIT_MS))
			fail_msg("no reply to id %u within %d ms", id, REPLY_WAIT_MS);
		if (line_id(l->line) == id)
			break;
		assert_true(l->nstash < STASH);
		memcpy(l->stash[l->nstash++], l->line, LINE);
	}
parse:
	if (agent_reply_parse(l->line, &l->r, err, sizeof(err)) < 0)
		fail_msg("unparsable reply: %s", err);
	return &l->r;
}

AGENT_LAB_FN uint32_t send_req(struct lab *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

AGENT_LAB_FN uint32_t send_req(struct lab *l, const char *fmt, ...)
{
	char buf[LINE];
	va_list ap;
	int n;
	uint32_t id = ++l->next_id;

	n = snprintf(buf, sizeof(buf), "%u ", id);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	assert_int_equal(write(l->fd, buf, (size_t)n), n);
	return id;
}

AGENT_LAB_FN struct agent_reply *call(struct lab *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

AGENT_LAB_FN struct agent_reply *call(struct lab *l, const char *fmt, ...)
{
	char buf[LINE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return wait_reply(l, send_req(l, "%s", buf));
}

/* ret of a call that must succeed. */
AGENT_LAB_FN long long ok(struct lab *l, const char *what, struct agent_reply *r)
{
	if (r->ret < 0)
		fail_msg("%s: ret %lld %s msg=%s", what, r->ret, r->errname,
			 agent_reply_get(r, "msg") ? agent_reply_get(r, "msg") : "");
	return r->ret;
}

AGENT_LAB_FN void expect_err(struct agent_reply *r, const char *errname)
{
	assert_int_equal(r->ret, -1);
	assert_string_equal(r->errname, errname);
}

AGENT_LAB_FN int lab_setup(void **state)
{
	struct lab *l = calloc(1, sizeof(*l));
	int sv[2];
	pid_t parent = getpid();

	assert_non_null(l);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	l->pid = fork();
	assert_true(l->pid >= 0);
	if (l->pid == 0) {
		close(sv[0]);
		child_main(sv[1], parent);
	}
	close(sv[1]);
	l->fd = sv[0];
	*state = l;
	if (!read_line(l, l->greeting, sizeof(l->greeting), REPLY_WAIT_MS))
		l->greeting[0] = '\0';
	return 0;
}

/* Reap holders orphaned by a killed agent (they die of PR_SET_PDEATHSIG and come to
 * us as the subreaper), until we have no child left or a second has passed. */
AGENT_LAB_FN void reap_orphans(void)
{
	int i;

	for (i = 0; i < 100; i++) {
		pid_t p = waitpid(-1, NULL, WNOHANG);

		if (p < 0)
			return;         /* ECHILD: none left */
		if (p == 0)
			usleep(10000);
	}
}

AGENT_LAB_FN int lab_teardown(void **state)
{
	struct lab *l = *state;

	if (!l)
		return 0;
	close(l->fd);
	/* pid 0 means already reaped; never kill(0 or -1, ...), which would signal a
	 * whole process group or every process. */
	if (l->pid > 0) {
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
	}
	reap_orphans();
	free(l);
	return 0;
}

/* Every test starts here: skips when the lab could not start (not root). */
AGENT_LAB_FN struct lab *lab_of(void **state)
{
	struct lab *l = *state;

	if (!l->greeting[0])
		skip();
	return l;
}

/* A listener on 127.0.0.1:port; returns its handle. */
AGENT_LAB_FN long long listener(struct lab *l, int port)
{
	long long h = ok(l, "socket", call(l, "socket inet"));

	ok(l, "reuseaddr", call(l, "setsockopt %lld so_reuseaddr 1", h));
	ok(l, "bind", call(l, "bind %lld 127.0.0.1 %d", h, port));
	ok(l, "listen", call(l, "listen %lld 8", h));
	return h;
}

/* Connect a new client to 127.0.0.1:port and accept it: handles and client port. */
AGENT_LAB_FN void pair(struct lab *l, long long lh, int port, long long *ch, long long *sh,
		 int *cport)
{
	struct agent_reply *r;

	*ch = ok(l, "socket", call(l, "socket inet"));
	r = call(l, "connect %lld 127.0.0.1 %d", *ch, port);
	ok(l, "connect", r);
	assert_string_equal(agent_reply_get(r, "raddr"), "127.0.0.1");
	*cport = atoi(agent_reply_get(r, "lport"));
	assert_true(*cport > 0);
	r = call(l, "accept %lld", lh);
	*sh = ok(l, "accept", r);
	assert_int_equal(atoi(agent_reply_get(r, "rport")), *cport);
	assert_int_equal(atoi(agent_reply_get(r, "lport")), port);
}

/* Poll state until it reads want (loopback transitions are fast but not instant). */
AGENT_LAB_FN void expect_state(struct lab *l, const char *tuple, const char *want)
{
	char last[64] = "";
	int i;

	for (i = 0; i < 100; i++) {
		struct agent_reply *r = call(l, "state %s", tuple);

		ok(l, "state", r);
		snprintf(last, sizeof(last), "%s", agent_reply_get(r, "state"));
		if (strcmp(last, want) == 0)
			return;
		usleep(10000);
	}
	fail_msg("state %s: expected %s, still %s after 1 s", tuple, want, last);
}

/* The pid= of a hold reply, checked to be a real process id of someone else, so that
 * no later kill() can ever get 0, -1 (every process) or ourselves. */
AGENT_LAB_FN pid_t holder_pid(struct lab *l, struct agent_reply *r)
{
	const char *v;
	long pid;

	ok(l, "hold", r);
	v = agent_reply_get(r, "pid");
	assert_non_null(v);
	pid = strtol(v, NULL, 10);
	assert_true(pid > 1 && pid != (long)getpid() && pid != (long)l->pid);
	return (pid_t)pid;
}

/* 1 when no process pid exists any more (not even as a zombie). */
AGENT_LAB_FN int process_gone(pid_t pid)
{
	assert_true(pid > 1 && pid != getpid());
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* Wait for the agent to exit on its own; its status. */
AGENT_LAB_FN int agent_exit_status(struct lab *l)
{
	int status = -1;

	assert_true(l->pid > 0);
	assert_int_equal(waitpid(l->pid, &status, 0), l->pid);
	l->pid = 0;
	return status;
}

/* The state of a tuple is one of a space-separated list of names. */
AGENT_LAB_FN void expect_state_in(struct lab *l, const char *tuple, const char *names)
{
	char padded[160], want[40];
	struct agent_reply *r = call(l, "state %s", tuple);

	ok(l, "state", r);
	snprintf(padded, sizeof(padded), " %s ", names);
	snprintf(want, sizeof(want), " %s ", agent_reply_get(r, "state"));
	if (!strstr(padded, want))
		fail_msg("state %s: expected one of %s, got%s", tuple, names, want);
}

#endif
