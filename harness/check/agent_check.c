/* agent-check: the command, its lab, and the helpers its checks share (agent_check.h,
 * agent_check_int.h). The checks themselves are in agent_check_lines.c (the protocol's
 * framing, session and errors) and agent_check_tcp.c (socket verbs against segments the
 * harness crafts). */
#include "agent_check.h"
#include "agent_check_int.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

uint32_t ac_id(struct ac *a)
{
	return ++a->next_id;
}

bool ac_raw(struct ac *a, const char *bytes, size_t len)
{
	char err[LAB_ERR_MAX];
	if (a->dead)
		return false;
	if (lab_agent_write(a->lab, bytes, len, err, sizeof(err)) < 0) {
		ac_result(a, false, "1", "the agent reads its control channel", "%s", err);
		a->dead = true;
		return false;
	}
	return true;
}

uint32_t ac_start(struct ac *a, const char *body)
{
	uint32_t id = ac_id(a);
	size_t n = strlen(body) + 16;
	char *line = malloc(n);
	if (!line)
		return 0;
	int len = snprintf(line, n, "%u %s\n", id, body);
	bool ok = ac_raw(a, line, (size_t)len);
	free(line);
	return ok ? id : 0;
}

void ac_reply_free(struct ac_reply *r)
{
	free(r->line);
	free(r->buf);
	*r = (struct ac_reply){0};
}

/* Parses a copy, so the line stays whole for messages. */
static bool ac_parse(struct ac_reply *r)
{
	char perr[160];
	if (!(r->buf = strdup(r->line)))
		return false;
	r->parsed = agent_reply_parse(r->buf, &r->r, perr, sizeof(perr)) == 0;
	return true;
}

bool ac_arrived(struct ac *a, uint32_t id, struct ac_reply *r)
{
	char err[LAB_ERR_MAX];
	*r = (struct ac_reply){0};
	if (a->dead)
		return false;
	if (lab_agent_wait(a->lab, id, lab_now(a->lab) - 1, &r->line, err, sizeof(err)) < 0 ||
	    !r->line)
		return false;
	return ac_parse(r);
}

bool ac_wait(struct ac *a, uint32_t id, double secs, struct ac_reply *r)
{
	char err[LAB_ERR_MAX];
	*r = (struct ac_reply){0};
	if (a->dead)
		return false;
	if (lab_agent_wait(a->lab, id, lab_now(a->lab) + secs, &r->line, err, sizeof(err)) < 0) {
		ac_result(a, false, "5", "the agent stays up", "while waiting for the reply to id %u: %s",
			  id, err);
		a->dead = true;
		return false;
	}
	return r->line && ac_parse(r);
}

void ac_result(struct ac *a, bool ok, const char *sect, const char *name, const char *fmt, ...)
{
	if (ok) {
		a->passed++;
		fprintf(a->out, "ok   %s\n", name);
		return;
	}
	a->failed++;
	fprintf(a->out, "FAIL %s (PROTOCOL.md %s): ", name, sect);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(a->out, fmt, ap);
	va_end(ap);
	fputc('\n', a->out);
	fflush(a->out);
}

bool ac_matches(const struct ac_reply *r, const char *want)
{
	if (!r->line || !r->parsed)
		return false;
	if (want[0] == '>') {
		bool ge = want[1] == '=';
		return (ge ? r->r.ret >= 0 : r->r.ret > 0) && strcmp(r->r.errname, "-") == 0;
	}
	char ret[24], errname[64] = "-";
	if (sscanf(want, "%23s %63s", ret, errname) < 1)
		return false;
	if (r->r.ret != strtoll(ret, NULL, 10))
		return false;
	/* "-1 ECONNREFUSED|ECONNRESET": any of these names. */
	size_t n = strlen(r->r.errname);
	for (const char *p = errname; *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, r->r.errname, n) == 0)
			return true;
		p += len + (bar != NULL);
	}
	return false;
}

/* The request as a reader can see it: control bytes as \xNN, at most 60 bytes. */
static const char *visible(const char *in, char out[256])
{
	size_t o = 0;
	for (size_t i = 0; in[i] && i < 60 && o < 250; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (ch >= 0x20 && ch < 0x7f)
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, 256 - o, "\\x%02x", ch);
	}
	out[o] = 0;
	return out;
}

bool ac_finish(struct ac *a, uint32_t id, const char *sent_raw, double secs, const char *sect,
	       const char *name, const char *want, struct ac_reply *keep)
{
	struct ac_reply r;
	char sent[256];
	visible(sent_raw, sent);
	if (keep)
		*keep = (struct ac_reply){0};
	if (a->dead)
		return false;
	bool got = ac_wait(a, id, secs, &r);
	if (a->dead)
		return false;
	bool ok = got && ac_matches(&r, want);
	if (!got)
		ac_result(a, false, sect, name, "sent \"%s\": expected \"%s\", got no reply within "
			  "%.1f s", sent, want, secs);
	else if (!r.parsed)
		ac_result(a, false, "4", name, "sent \"%s\": the reply \"%.120s\" does not parse",
			  sent, r.line);
	else
		ac_result(a, ok, sect, name, "sent \"%s\": expected \"%s\", got \"%.160s\"", sent,
			  want, r.line);
	if (keep)
		*keep = r;
	else
		ac_reply_free(&r);
	return ok;
}

bool ac_expect(struct ac *a, const char *sect, const char *name, const char *body,
	       const char *want, struct ac_reply *keep)
{
	if (keep)
		*keep = (struct ac_reply){0};
	return ac_finish(a, ac_start(a, body), body, AC_REPLY_SECS, sect, name, want, keep);
}

long long ac_call(struct ac *a, const char *sect, const char *name, const char *want,
		  struct ac_reply *keep, const char *fmt, ...)
{
	char body[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	struct ac_reply r;
	if (!ac_expect(a, sect, name, body, want, &r)) {
		ac_reply_free(&r);
		return -1;
	}
	long long ret = r.r.ret;
	if (keep)
		*keep = r;
	else
		ac_reply_free(&r);
	return ret;
}

bool ac_key(struct ac *a, const char *sect, const char *name, const struct ac_reply *r,
	    const char *key, const char *want)
{
	const char *v = r->line && r->parsed ? agent_reply_get(&r->r, key) : NULL;
	bool ok = v && (!want || strcmp(v, want) == 0);
	ac_result(a, ok, sect, name, "expected %s=%s, got %s%s%s", key, want ? want : "<any>",
		  v ? key : "no key ", v ? "=" : key, v ? v : "");
	return ok;
}

bool ac_has_cap(const struct ac *a, const char *cap)
{
	size_t n = strlen(cap);
	for (const char *p = a->caps; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, cap, n) == 0)
			return true;
		p += len + (e != NULL);
	}
	return false;
}

static void on_signal(int sig)
{
	lab_interrupt();
	signal(sig, SIG_DFL);
}

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: tcpconform agent-check [--target T | COMMAND [ARG...]] [--pcap FILE]\n"
		"  Drives one agent (default: linux; T as for run: %s, or exec:COMMAND)\n"
		"  through every verb and error of targets/PROTOCOL.md in a lab of its own.\n"
		"  Exit status: 0 every check passed, 1 one failed, 2 usage or set-up error.\n",
		target_names());
	return rc;
}

/* "--target T" or a command (its words joined as exec:COMMAND runs them, through sh). */
static int parse_args(int argc, char **argv, char *target, size_t len, const char **pcap,
		      FILE *errout)
{
	snprintf(target, len, "linux");
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
		if ((strcmp(argv[i], "--target") && strcmp(argv[i], "--pcap")) || i + 1 == argc) {
			fprintf(errout, "tcpconform agent-check: unknown option or missing value: "
				"\"%s\"\n", argv[i]);
			return -1;
		}
		if (strcmp(argv[i], "--pcap") == 0)
			*pcap = argv[++i];
		else
			snprintf(target, len, "%s", argv[++i]);
	}
	if (i < argc) {
		size_t off = (size_t)snprintf(target, len, "exec:");
		for (; i < argc && off < len; i++)
			off += (size_t)snprintf(target + off, len - off, "%s%s", argv[i],
						i + 1 < argc ? " " : "");
		if (off >= len) {
			fprintf(errout, "tcpconform agent-check: the command is too long\n");
			return -1;
		}
	}
	struct target_spec spec;
	char err[512];
	if (target_resolve(target, &spec, err, sizeof(err)) < 0) {
		fprintf(errout, "tcpconform agent-check: %s\n", err);
		return -1;
	}
	return 0;
}

/* See agent_check.h. */
int agent_check_main(int argc, char **argv, FILE *out, FILE *errout)
{
	char target[4096], err[LAB_ERR_MAX];
	const char *pcap = NULL;
	int rc = parse_args(argc, argv, target, sizeof(target), &pcap, errout);
	if (rc)
		return rc > 0 ? usage(out, 0) : usage(errout, 2);
	if (lab_runtime_init(err, sizeof(err)) < 0) {
		fprintf(errout, "tcpconform agent-check: %s\n", err);
		return 2;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct ac a = {.out = out, .next_id = 0x80000000u};
	a.lab = lab_create(&(struct lab_opts){.target = target, .id = 1}, err, sizeof(err));
	if (!a.lab) {
		fprintf(errout, "tcpconform agent-check: %s: %s\n", target, err);
		lab_runtime_shutdown();
		return lab_interrupted() ? 130 : 2;
	}
	if (pcap && lab_pcap_open(a.lab, pcap, err, sizeof(err)) < 0)
		fprintf(errout, "tcpconform agent-check: --pcap: %s\n", err);
	lab_set_limit(a.lab, lab_now(a.lab) + 120);
	const char *caps = lab_target_info(a.lab, "caps");
	snprintf(a.caps, sizeof(a.caps), "%s", caps ? caps : "");
	fprintf(out, "agent-check of %s (stack=%s caps=%s)\n", target,
		lab_target_info(a.lab, "stack") ? lab_target_info(a.lab, "stack") : "?", a.caps);
	void (*groups[])(struct ac *) = {ac_check_session, ac_check_lines, ac_check_passive,
					 ac_check_active, ac_check_surface, ac_check_extras, ac_check_quit};
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]) && !a.dead; i++)
		groups[i](&a);
	if (a.dead && lab_interrupted())
		fprintf(out, "interrupted\n");
	fprintf(out, "%d checks: %d ok, %d FAIL%s\n", a.passed + a.failed, a.passed, a.failed,
		a.dead && !a.ended ? " (stopped early: the agent is gone)" : "");
	lab_destroy(a.lab);
	lab_runtime_shutdown();
	if (lab_interrupted())
		return 130;
	return a.failed ? 1 : 0;
}
