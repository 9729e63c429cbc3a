/* agent-check: the session and the lines themselves (PROTOCOL.md 1-4, 6.1, 6.6): the
 * greeting, framing (CR LF, blanks, blank lines, overlong and control bytes), ids,
 * unknown verbs and bad arguments, sysctl's boundary, and quit. Every line here is one
 * the harness's own client would never send, which is why they go out raw. */
#include "agent_check_int.h"

#include <stdlib.h>
#include <string.h>

void ac_check_session(struct ac *a)
{
	struct ac_reply r;
	ac_expect(a, "6.1", "hello answers 0", "hello", "0", &r);
	ac_key(a, "2", "hello: hello=tcpconform-agent", &r, "hello", "tcpconform-agent");
	ac_key(a, "2", "hello: version=1", &r, "version", "1");
	ac_key(a, "2", "hello: stack= is given", &r, "stack", NULL);
	ac_key(a, "2", "hello: caps= is given", &r, "caps", NULL);
	ac_reply_free(&r);
	/* Section 3: an id may come again once its request was answered. */
	uint32_t id = ac_id(a);
	char line[64];
	for (int i = 0; i < 2; i++) {
		int n = snprintf(line, sizeof(line), "%u hello\n", id);
		if (!ac_raw(a, line, (size_t)n))
			return;
		ac_finish(a, id, line, AC_REPLY_SECS, "3", i ? "an id reused after its reply is "
			  "answered again" : "a chosen id is answered with that id", "0", NULL);
	}
}

/* A line sent raw, answered with id 0 (no usable id): want is e.g. "-1 EPROTO". */
static void ac_id0(struct ac *a, const char *sect, const char *name, const char *bytes,
		   const char *want)
{
	if (ac_raw(a, bytes, strlen(bytes)))
		ac_finish(a, 0, bytes, AC_REPLY_SECS, sect, name, want, NULL);
}

/* "<id> " + fill + "\n" raw: the reply to that id must match want. */
static void ac_line(struct ac *a, const char *sect, const char *name, const char *rest,
		    const char *want)
{
	uint32_t id = ac_id(a);
	size_t n = strlen(rest) + 16;
	char *line = malloc(n);
	if (!line)
		return;
	int len = snprintf(line, n, "%u %s\n", id, rest);
	if (ac_raw(a, line, (size_t)len))
		ac_finish(a, id, rest, AC_REPLY_SECS, sect, name, want, NULL);
	free(line);
}

/* Section 1: a line of AGENT_LINE_MAX + 1 bytes is refused with EINVAL to its id, and the
 * agent reads on from the next line. */
static void ac_overlong(struct ac *a)
{
	uint32_t id = ac_id(a);
	size_t n = AGENT_LINE_MAX + 2;
	char *line = malloc(n);
	if (!line)
		return;
	int head = snprintf(line, n, "%u send 1 ", id);
	memset(line + head, 'a', n - 1 - (size_t)head);
	line[n - 1] = '\n';
	if (ac_raw(a, line, n))
		ac_finish(a, id, "<id> send 1 aaaa... (140001 bytes)", AC_REPLY_SECS, "1",
			  "a line longer than 140000 bytes: EINVAL to its id", "-1 EINVAL", NULL);
	free(line);
	ac_line(a, "1", "after an overlong line the next line is served", "hello", "0");
}

void ac_check_lines(struct ac *a)
{
	ac_line(a, "1", "CR LF ends a line like LF", "hello\r", "0");
	ac_line(a, "1", "runs of spaces and tabs separate fields", " \t hello \t ", "0");
	/* Blank lines get no reply: the next request's reply is the next line that comes,
	 * and nothing came for id 0 meanwhile. */
	if (!ac_raw(a, "\n  \t\r\n", 6))
		return;
	ac_line(a, "1", "blank lines are skipped", "hello", "0");
	struct ac_reply r;
	bool stray = ac_arrived(a, 0, &r);
	ac_result(a, !stray, "1", "blank lines get no reply", "got \"%.120s\"", r.line);
	ac_reply_free(&r);

	ac_id0(a, "4.1", "a line whose id is not a number: EPROTO to id 0", "abc hello\n", "-1 EPROTO");
	ac_id0(a, "3", "id 0 is the agent's: EPROTO to id 0", "0 hello\n", "-1 EPROTO");
	ac_id0(a, "3", "an id above 4294967295: EPROTO to id 0", "4294967296 hello\n", "-1 EPROTO");
	ac_id0(a, "4.1", "a control byte before the id: EPROTO to id 0", "\x01" "5 hello\n", "-1 EPROTO");
	ac_line(a, "4.1", "a control byte in the line: EINVAL", "hello \x01", "-1 EINVAL");
	ac_line(a, "1", "a byte outside ASCII in the line: EINVAL", "hello \xc3\xa9", "-1 EINVAL");
	ac_line(a, "3", "a line with an id and no verb: EINVAL", "", "-1 EINVAL");
	ac_overlong(a);

	ac_line(a, "4.1", "an unknown verb: ENOSYS", "frob_it 1", "-1 ENOSYS");
	uint32_t id = ac_start(a, "frob_it");
	if (ac_wait(a, id, AC_REPLY_SECS, &r)) {
		const char *msg = agent_reply_get(&r.r, "msg");
		ac_result(a, msg && strstr(msg, "frob_it"), "4.2", "msg= escapes '_' (it reads back as "
			  "sent)", "unknown verb \"frob_it\": msg decodes to \"%s\"", msg ? msg : "(none)");
	}
	ac_reply_free(&r);
	ac_line(a, "4.1", "a handle that was never open: EBADF", "close 4000000000", "-1 EBADF");
	ac_line(a, "4.1", "a handle that is not a number: EINVAL", "close x1", "-1 EINVAL");
	ac_line(a, "4.1", "a missing argument: EINVAL", "socket", "-1 EINVAL");
	ac_line(a, "4.1", "an unknown family: EINVAL", "socket inet9", "-1 EINVAL");
	ac_line(a, "4.1", "an unsupported socket type: ENOSYS", "socket inet dgram", "-1 ENOSYS");
	ac_line(a, "3", "more than 16 arguments: EINVAL",
		"close 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "-1 EINVAL");
}

void ac_check_extras(struct ac *a)
{
	if (!ac_has_cap(a, "sysctl")) {
		ac_line(a, "6.6", "sysctl without the sysctl cap: ENOSYS",
			"sysctl net.ipv4.tcp_fin_timeout", "-1 ENOSYS");
	} else {
		struct ac_reply r;
		ac_expect(a, "6.6", "sysctl reads a setting", "sysctl net.ipv4.tcp_fin_timeout", "0", &r);
		ac_key(a, "6.6", "sysctl read: value=", &r, "value", NULL);
		ac_reply_free(&r);
		ac_expect(a, "6.6", "sysctl writes a setting", "sysctl net.ipv4.tcp_fin_timeout 17", "0", &r);
		ac_key(a, "6.6", "sysctl write: value= is the new value", &r, "value", "17");
		ac_reply_free(&r);
		ac_line(a, "6.6", "sysctl of a name not under net.: EPERM", "sysctl kernel.hostname", "-1 EPERM");
		ac_line(a, "6.6", "sysctl of a name with an empty component: EPERM",
			"sysctl net..ipv4.tcp_fin_timeout", "-1 EPERM");
		ac_line(a, "6.6", "sysctl of a name with '/': EPERM", "sysctl net.ipv4/tcp_fin_timeout", "-1 EPERM");
		ac_line(a, "6.6", "sysctl of a name that does not exist: ENOENT",
			"sysctl net.ipv4.tcp_no_such_setting", "-1 ENOENT");
		ac_line(a, "6.6", "sysctl with a missing name: EINVAL", "sysctl", "-1 EINVAL");
	}
	/* Section 6.2: inet6 sockets, and an IPv4 literal on one (v4-mapped). */
	long long h = ac_call(a, "6.2", "socket inet6 gives a handle", ">0", NULL, "socket inet6");
	if (h > 0) {
		ac_call(a, "6.2", "bind of an inet6 socket to the target's IPv6 address", "0", NULL,
			"bind %lld 2001:db8::2 8086", h);
		ac_call(a, "6.2", "listen of an inet6 socket", "0", NULL, "listen %lld 4", h);
		struct ac_reply r;
		ac_call(a, "6.5", "state of an inet6 listener", "0", &r, "state %lld", h);
		ac_key(a, "6.5", "state of an inet6 listener: LISTEN", &r, "state", "LISTEN");
		ac_reply_free(&r);
		ac_call(a, "6.2", "close of an inet6 socket", "0", NULL, "close %lld", h);
	}
}

/* Section 6.1: quit answers a parked call with CANCELED, then itself with 0, and the
 * agent exits with status 0. */
void ac_check_quit(struct ac *a)
{
	long long l = ac_call(a, "6.2", "socket for the quit check", ">0", NULL, "socket inet");
	if (l <= 0)
		return;
	ac_call(a, "6.2", "bind (quit check)", "0", NULL, "bind %lld 198.18.0.2 8087", l);
	ac_call(a, "6.2", "listen (quit check)", "0", NULL, "listen %lld 4", l);
	char body[64];
	snprintf(body, sizeof(body), "accept %lld wait=10000", l);
	uint32_t parked = ac_start(a, body);
	uint32_t quit = ac_start(a, "quit");
	struct ac_reply r;
	bool got = ac_wait(a, quit, AC_REPLY_SECS, &r);
	ac_result(a, got && ac_matches(&r, "0"), "6.1", "quit answers 0", "expected \"0\", got %s%.120s",
		  got ? "" : "nothing", got ? r.line : "");
	ac_reply_free(&r);
	got = ac_arrived(a, parked, &r);
	ac_result(a, got && ac_matches(&r, "-1 CANCELED"), "6.1",
		  "quit first answers a parked call with CANCELED", "expected \"-1 CANCELED\" before "
		  "quit's reply, got %s%.120s", got ? "" : "nothing", got ? r.line : "");
	ac_reply_free(&r);
	/* Then end of file: the lab reports how the agent ended. */
	char err[LAB_ERR_MAX] = "";
	double until = lab_now(a->lab) + AC_REPLY_SECS;
	int rc = 0;
	while (rc >= 0 && lab_now(a->lab) < until)
		rc = lab_pump(a->lab, until, err, sizeof(err));
	bool clean = rc < 0 && (strstr(err, "exited with status 0") || strstr(err, "closed its control"));
	ac_result(a, clean, "6.1", "after quit the agent exits with status 0", "%s",
		  rc < 0 ? err : "it was still there 3 s later");
	a->dead = a->ended = true;
}
