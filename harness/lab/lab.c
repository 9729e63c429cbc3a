/* lab: one target namespace + link + wire + agent channel per test (see lab.h). */
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_proto.h"
#include "frame.h"
#include "netcfg.h"
#include "reaper.h"
#include "target.h"
#include "wire.h"

#define LAB_START_TIMEOUT 10.0   /* seconds for the target to greet */
#define CTL_BUF_MAX (4 * AGENT_LINE_MAX)

struct lab_reply {
	uint32_t id;
	char *line;
};

struct lab {
	struct target_spec target;
	struct lab_addrs addrs;
	char dev[16];
	pid_t child;
	pid_t pgid;              /* the target's process group (= its first pid) */
	int ctl;
	struct wire *wire;
	struct frame_builder *fb;
	struct timeval t0;

	struct lab_rec *log;
	size_t nlog, caplog;

	char *ctlbuf;            /* bytes read from the agent, not yet a whole line */
	size_t nctl;
	bool agent_gone;
	bool stopped;            /* lab_stop done */
	struct lab_reply *replies; /* arrived, not yet collected */
	size_t nreplies, capreplies;
	uint32_t next_id;
	char *hello;             /* the greeting line, kept for lab_target_info */
	struct agent_reply hello_parsed;
	char err[256];           /* error noticed inside a frame callback */
	double limit;            /* lab_set_limit; 0: none */
};

static volatile sig_atomic_t interrupted;
/* One frame builder for the process: building needs no particular link, and each libnet
 * context holds a packet socket whose close() costs an RCU grace period (~10 ms). */
static struct frame_builder *shared_fb;

void lab_interrupt(void)
{
	interrupted = 1;
}

bool lab_interrupted(void)
{
	return interrupted != 0;
}

void lab_become_subreaper(void)
{
	/* Processes a target starts (socket holders) outlive it by a moment when the lab is
	 * killed; as their subreaper we reap them instead of leaving zombies to init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

int lab_runtime_init(char *err, size_t errlen)
{
	lab_become_subreaper();
	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(err, errlen,
			 "cannot create the harness network namespace: %s (tcpconform needs root "
			 "or CAP_NET_ADMIN+CAP_SYS_ADMIN)",
			 strerror(errno));
		return -1;
	}
	/* The harness ends of the links carry no kernel IPv6 either: no DAD, RS or MLD
	 * frames from our side. This namespace is ours alone. */
	if (netcfg_sysctl_write("net.ipv6.conf.default.disable_ipv6", "1", err, errlen) < 0 &&
	    errno != ENOENT)
		return -1;
	struct netcfg *nc = netcfg_open(err, errlen);
	if (!nc)
		return -1;
	int rc = netcfg_link_up(nc, "lo", err, errlen);
	netcfg_close(nc);
	if (rc < 0)
		return -1;
	shared_fb = frame_builder_new("lo", err, errlen);
	return shared_fb ? 0 : -1;
}

int lab_runtime_background_teardown(void)
{
	return reaper_start();
}

void lab_runtime_shutdown(void)
{
	reaper_stop();
	frame_builder_free(shared_fb);
	shared_fb = NULL;
}

static void wire_close_cb(void *w)
{
	wire_close(w);
}

static void child_reap_cb(void *arg)
{
	pid_t pid = (pid_t)(intptr_t)arg;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	/* Members of its group that it had started were re-parented to us (we are a
	 * subreaper) when it died: reap them too, so no zombie is left. */
	while (waitpid(-pid, NULL, 0) > 0 || errno == EINTR)
		;
}

static void lab_default_addrs(struct lab_addrs *a)
{
	static const uint8_t hm[6] = {0x02, 0x74, 0x63, 0x00, 0x00, 0x01};
	static const uint8_t tm[6] = {0x02, 0x74, 0x63, 0x00, 0x00, 0x02};
	memcpy(a->harness_mac, hm, 6);
	memcpy(a->target_mac, tm, 6);
	const uint8_t h4[4] = {198, 18, 0, 1}, t4[4] = {198, 18, 0, 2};
	memcpy(a->harness4, h4, 4);
	memcpy(a->target4, t4, 4);
	memset(a->harness6, 0, 16);
	a->harness6[0] = 0x20, a->harness6[1] = 0x01, a->harness6[2] = 0x0d, a->harness6[3] = 0xb8;
	memcpy(a->target6, a->harness6, 16);
	a->harness6[15] = 1;
	a->target6[15] = 2;
}

void lab_set_limit(struct lab *lab, double limit)
{
	lab->limit = limit;
}

double lab_now(const struct lab *lab)
{
	struct timeval now;
	gettimeofday(&now, NULL);
	return (double)(now.tv_sec - lab->t0.tv_sec) + (double)(now.tv_usec - lab->t0.tv_usec) / 1e6;
}

static double lab_time_of(const struct lab *lab, const struct timeval *tv)
{
	return (double)(tv->tv_sec - lab->t0.tv_sec) + (double)(tv->tv_usec - lab->t0.tv_usec) / 1e6;
}

/* ---- the child: becomes the target ---- */

static int read_byte(int fd, char want)
{
	char c;
	ssize_t n;
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 && c == want ? 0 : -1;
}

/* read_byte with a limit: the child's unshare() and its first netlink calls take the
 * kernel's locks, and a kernel busy tearing other namespaces down can hold them long. */
static int read_byte_within(int fd, char want, double seconds)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int rc;
	do
		rc = poll(&p, 1, (int)(seconds * 1000));
	while (rc < 0 && errno == EINTR);
	return rc == 1 ? read_byte(fd, want) : -2;
}

/* The target runs as PID 1 of a PID namespace of its own: when it dies, the kernel kills
 * every process left in that namespace (pid_namespaces(7)), so nothing a stack started
 * -- not even a process that left its process group with setsid() -- outlives the lab,
 * whatever ended the harness, kill -9 included. This process only waits for it, and then
 * ends as it ended (same exit status or signal), so the harness reads the target's own.
 * Returns only on failure, with the greeting already sent. */
static int lab_run_target(const struct target_spec *spec, int ctl, const struct lab_addrs *a)
{
	char err[256];
	int alive[2];
	if (unshare(CLONE_NEWPID) < 0 || pipe2(alive, O_CLOEXEC) < 0) {
		snprintf(err, sizeof(err), "PID namespace for the target: %s", strerror(errno));
		return target_fail_greeting(ctl, err);
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, sizeof(err), "fork: %s", strerror(errno));
		return target_fail_greeting(ctl, err);
	}
	if (pid == 0) {
		/* PID 1 sees no parent (getppid() is 0), so the race with a parent dying before
		 * prctl is closed by the pipe: its write end closes with the parent. */
		close(alive[1]);
		struct pollfd p = {.fd = alive[0], .events = POLLIN};
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || poll(&p, 1, 0) != 0)
			_exit(1);
		close(alive[0]);
		_exit(spec->ops->child_main(ctl, a, spec->arg));
	}
	close(alive[0]);
	close(ctl);   /* the target's alone: its exit closes the control channel */
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	if (WIFSIGNALED(status)) {
		/* Die of the same signal, without a core file of our own. */
		struct rlimit none = {0, 0};
		setrlimit(RLIMIT_CORE, &none);
		signal(WTERMSIG(status), SIG_DFL);
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		raise(WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

static void lab_child(const struct target_spec *spec, int ctl, pid_t parent,
		      const struct lab_addrs *a)
{
	/* Die with the harness, whatever kills it (kill -9 included): the namespace and the
	 * link die with us. The getppid check closes the race with a parent that died before
	 * prctl took effect. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	/* A process group of its own: the target and any process it starts (a socket
	 * holder, a user's stack) are killed together by lab_destroy. */
	setpgid(0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	char err[256];
	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(err, sizeof(err), "unshare(CLONE_NEWNET): %s", strerror(errno));
		_exit(target_fail_greeting(ctl, err));
	}
	const struct target_ops *t = spec->ops;
	if (t->child_pre && t->child_pre(a, err, sizeof(err)) < 0)
		_exit(target_fail_greeting(ctl, err));
	/* Tell the parent our namespace exists, wait until it has put the link in. */
	if (write(ctl, "u", 1) != 1 || read_byte(ctl, 'v') < 0)
		_exit(1);
	_exit(lab_run_target(spec, ctl, a));
}

/* ---- log and frame handling ---- */

static void lab_answer_neighbour(struct lab *lab, const struct seg *s)
{
	const struct lab_addrs *a = &lab->addrs;
	const uint8_t *out;
	size_t outlen;
	int rc = 1;
	/* RFC 826: answer a request for our protocol address, broadcast or unicast. */
	if (s->kind == SEG_KIND_ARP && s->arp_op == 1 && memcmp(s->arp_tpa, a->harness4, 4) == 0)
		rc = frame_build_arp_reply(lab->fb, a->harness_mac, a->harness4, s->arp_sha,
					   s->arp_spa, &out, &outlen, lab->err, sizeof(lab->err));
	/* RFC 4861 7.2.4: a solicitation for our address gets a solicited advertisement. */
	else if (s->kind == SEG_KIND_ICMP6 && s->icmp6_type == 135 && s->icmp6_has_target &&
		 memcmp(s->icmp6_target, a->harness6, 16) == 0)
		rc = frame_build_na(lab->fb, a->harness_mac, a->harness6, s->eth_src, s->src, &out,
				    &outlen, lab->err, sizeof(lab->err));
	if (rc == 0)
		wire_send(lab->wire, out, outlen, lab->err, sizeof(lab->err));
}

static void lab_on_frame(void *ctx, const struct timeval *ts, const uint8_t *frame, size_t caplen,
			 size_t len)
{
	struct lab *lab = ctx;
	if (lab->nlog == lab->caplog) {
		size_t cap = lab->caplog ? lab->caplog * 2 : 256;
		struct lab_rec *n = realloc(lab->log, cap * sizeof(*n));
		if (!n) {
			snprintf(lab->err, sizeof(lab->err), "frame log: out of memory");
			return;
		}
		lab->log = n;
		lab->caplog = cap;
	}
	struct lab_rec *r = &lab->log[lab->nlog];
	r->frame = malloc(caplen ? caplen : 1);
	if (!r->frame) {
		snprintf(lab->err, sizeof(lab->err), "frame log: out of memory");
		return;
	}
	memcpy(r->frame, frame, caplen);
	/* A frame the decoder finds malformed is still logged: its kind says how far it got. */
	seg_decode(r->frame, caplen, &r->seg, NULL, 0);
	r->seg.ts = *ts;
	r->t = lab_time_of(lab, ts);
	r->inbound = memcmp(r->seg.eth_src, lab->addrs.harness_mac, 6) != 0;
	lab->nlog++;
	if (r->inbound)
		lab_answer_neighbour(lab, &r->seg);
}

/* ---- the control channel ---- */

static int lab_store_reply(struct lab *lab, char *line)
{
	char *end;
	errno = 0;
	unsigned long id = strtoul(line, &end, 10);
	if (end == line || errno || id > UINT32_MAX) {
		snprintf(lab->err, sizeof(lab->err), "agent sent a line without a request id: \"%.80s\"", line);
		return -1;
	}
	if (lab->nreplies == lab->capreplies) {
		size_t cap = lab->capreplies ? lab->capreplies * 2 : 8;
		struct lab_reply *n = realloc(lab->replies, cap * sizeof(*n));
		if (!n)
			return -1;
		lab->replies = n;
		lab->capreplies = cap;
	}
	char *copy = strdup(line);
	if (!copy)
		return -1;
	lab->replies[lab->nreplies++] = (struct lab_reply){(uint32_t)id, copy};
	return 0;
}

/* Reads what the agent sent; whole lines become stored replies. */
static int lab_read_ctl(struct lab *lab, char *err, size_t errlen)
{
	if (lab->nctl >= CTL_BUF_MAX) {
		snprintf(err, errlen, "agent sent a line longer than %d bytes", AGENT_LINE_MAX);
		return -1;
	}
	ssize_t n = read(lab->ctl, lab->ctlbuf + lab->nctl, CTL_BUF_MAX - lab->nctl);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		lab->agent_gone = true;
		return 0;
	}
	lab->nctl += (size_t)n;
	char *start = lab->ctlbuf, *nl;
	while ((nl = memchr(start, '\n', lab->nctl - (size_t)(start - lab->ctlbuf)))) {
		*nl = 0;
		if (lab_store_reply(lab, start) < 0) {
			snprintf(err, errlen, "%s", lab->err[0] ? lab->err : "out of memory");
			return -1;
		}
		start = nl + 1;
	}
	lab->nctl -= (size_t)(start - lab->ctlbuf);
	memmove(lab->ctlbuf, start, lab->nctl);
	return 0;
}

static void lab_describe_exit(struct lab *lab, char *err, size_t errlen)
{
	int status;
	pid_t p = lab->child > 0 ? waitpid(lab->child, &status, WNOHANG) : 0;
	if (p == lab->child && WIFSIGNALED(status)) {
		snprintf(err, errlen, "the target (%s) died from signal %d (%s)", lab->target.name,
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
		lab->child = -1;
	} else if (p == lab->child) {
		snprintf(err, errlen, "the target (%s) exited with status %d", lab->target.name,
			 WEXITSTATUS(status));
		lab->child = -1;
	} else {
		snprintf(err, errlen, "the target (%s) closed its control channel", lab->target.name);
	}
}

int lab_pump(struct lab *lab, double deadline, char *err, size_t errlen)
{
	for (;;) {
		if (interrupted) {
			snprintf(err, errlen, "interrupted");
			return -1;
		}
		if (lab->limit > 0 && lab_now(lab) >= lab->limit) {
			snprintf(err, errlen, "test exceeded its time limit");
			return -1;
		}
		bool clamped = lab->limit > 0 && deadline >= lab->limit;
		if (clamped)
			deadline = lab->limit;
		struct pollfd pfd[2] = {
			{.fd = wire_fd(lab->wire), .events = POLLIN},
			{.fd = lab->agent_gone ? -1 : lab->ctl, .events = POLLIN},
		};
		double left = deadline - lab_now(lab);
		int ms = left <= 0 ? 0 : (int)(left * 1000.0 + 0.999);
		int rc = poll(pfd, 2, ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		size_t before = lab->nlog + lab->nreplies;
		if (pfd[0].revents) {
			lab->err[0] = 0;
			if (wire_drain(lab->wire, lab_on_frame, lab, err, errlen) < 0)
				return -1;
			if (lab->err[0]) {
				snprintf(err, errlen, "%s", lab->err);
				return -1;
			}
		}
		if (pfd[1].revents && lab_read_ctl(lab, err, errlen) < 0)
			return -1;
		if (lab->nlog + lab->nreplies != before)
			return 1;
		if (lab->agent_gone) {
			lab_describe_exit(lab, err, errlen);
			return -1;
		}
		if (rc == 0 || lab_now(lab) >= deadline) {
			if (clamped)
				continue;   /* the time limit, not the caller's deadline: fail above */
			return 0;
		}
	}
}

int lab_agent_send(struct lab *lab, const char *body, uint32_t *id, char *err, size_t errlen)
{
	if (lab->agent_gone) {
		lab_describe_exit(lab, err, errlen);
		return -1;
	}
	*id = ++lab->next_id;
	size_t blen = strlen(body);
	char *line = malloc(blen + 16);
	if (!line) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int n = snprintf(line, blen + 16, "%u %s\n", *id, body);
	size_t off = 0;
	while (off < (size_t)n) {
		ssize_t w = send(lab->ctl, line + off, (size_t)n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			free(line);
			lab->agent_gone = true;
			lab_describe_exit(lab, err, errlen);
			return -1;
		}
		off += (size_t)w;
	}
	free(line);
	return 0;
}

static char *lab_take_reply(struct lab *lab, uint32_t id)
{
	for (size_t i = 0; i < lab->nreplies; i++) {
		if (lab->replies[i].id != id)
			continue;
		char *line = lab->replies[i].line;
		lab->replies[i] = lab->replies[--lab->nreplies];
		return line;
	}
	return NULL;
}

int lab_agent_wait(struct lab *lab, uint32_t id, double deadline, char **line, char *err,
		   size_t errlen)
{
	for (;;) {
		if ((*line = lab_take_reply(lab, id)))
			return 0;
		int rc = lab_pump(lab, deadline, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 0 && (*line = lab_take_reply(lab, id)) == NULL)
			return 0;
	}
}

/* ---- life cycle ---- */

static int lab_wait_greeting(struct lab *lab, char *err, size_t errlen)
{
	char *line = NULL;
	if (lab_agent_wait(lab, 0, lab_now(lab) + LAB_START_TIMEOUT, &line, err, errlen) < 0)
		return -1;
	if (!line) {
		snprintf(err, errlen, "the target (%s) did not greet within %.0f s", lab->target.name,
			 LAB_START_TIMEOUT);
		return -1;
	}
	lab->hello = line;
	char perr[160];
	if (agent_reply_parse(lab->hello, &lab->hello_parsed, perr, sizeof(perr)) < 0) {
		snprintf(err, errlen, "the target (%s) sent a bad greeting: %s", lab->target.name, perr);
		return -1;
	}
	const char *hello = agent_reply_get(&lab->hello_parsed, "hello");
	const char *version = agent_reply_get(&lab->hello_parsed, "version");
	if (lab->hello_parsed.ret == 0 &&
	    (!hello || strcmp(hello, "tcpconform-agent") || !version || strcmp(version, "1"))) {
		snprintf(err, errlen,
			 "the target (%s) greeted with hello=%s version=%s; expected "
			 "hello=tcpconform-agent version=1 (targets/PROTOCOL.md)",
			 lab->target.name, hello ? hello : "(none)", version ? version : "(none)");
		return -1;
	}
	if (lab->hello_parsed.ret != 0) {
		const char *msg = agent_reply_get(&lab->hello_parsed, "msg");
		snprintf(err, errlen, "the target (%s) failed to start: %s", lab->target.name,
			 msg ? msg : lab->hello_parsed.errname);
		return -1;
	}
	return 0;
}

static int lab_link(struct lab *lab, char *err, size_t errlen)
{
	int got = read_byte_within(lab->ctl, 'u', LAB_START_TIMEOUT);
	if (got == -2) {
		snprintf(err, errlen, "the target (%s) did not make its namespace within %.0f s "
			 "(unshare(CLONE_NEWNET) blocked in the kernel)", lab->target.name,
			 LAB_START_TIMEOUT);
		return -1;
	}
	if (got < 0) {
		char line[300] = "";
		ssize_t n = read(lab->ctl, line, sizeof(line) - 1);
		line[n > 0 ? n : 0] = 0;
		line[strcspn(line, "\n")] = 0;
		snprintf(err, errlen, "the target (%s) failed before its link was made%s%s",
			 lab->target.name, line[0] ? ": " : "", line);
		return -1;
	}
	struct netcfg *nc = netcfg_open(err, errlen);
	if (!nc)
		return -1;
	/* A bridged stack answers with the target MAC itself; the link's end in its
	 * namespace is then just a bridge port with a MAC of its own. */
	uint8_t peer_mac[6];
	memcpy(peer_mac, lab->addrs.target_mac, 6);
	if (lab->target.ops->bridged)
		peer_mac[5] = 0x03;
	int rc = netcfg_veth_create(nc, lab->dev, lab->addrs.harness_mac, TARGET_LINK, peer_mac,
				    lab->child, err, errlen);
	if (rc == 0)
		rc = netcfg_link_up(nc, lab->dev, err, errlen);
	netcfg_close(nc);
	if (rc < 0)
		return -1;
	if (write(lab->ctl, "v", 1) != 1) {
		snprintf(err, errlen, "the target (%s) went away during set-up", lab->target.name);
		return -1;
	}
	return 0;
}

/* A stack behind a bridge (exec targets) is ready only when frames reach it: its TAP
 * becomes a forwarding bridge port once the stack has opened it, which it may well do
 * after greeting. So the lab asks, as any host would: ARP requests for the target's
 * address until the stack itself answers (RFC 826), every 20 ms for up to 5 s. */
static int lab_probe_target(struct lab *lab, char *err, size_t errlen)
{
	const struct lab_addrs *a = &lab->addrs;
	size_t seen = lab->nlog;
	double deadline = lab_now(lab) + 5.0;
	while (lab_now(lab) < deadline) {
		const uint8_t *f;
		size_t flen;
		if (frame_build_arp_request(lab->fb, a->harness_mac, a->harness4, a->target4, &f, &flen,
					    err, errlen) < 0 ||
		    wire_send(lab->wire, f, flen, err, errlen) < 0)
			return -1;
		double until = lab_now(lab) + 0.02;
		while (lab_now(lab) < until) {
			if (lab_pump(lab, until, err, errlen) < 0)
				return -1;
			for (; seen < lab->nlog; seen++) {
				const struct seg *s = &lab->log[seen].seg;
				if (lab->log[seen].inbound && s->kind == SEG_KIND_ARP && s->arp_op == 2 &&
				    memcmp(s->arp_spa, a->target4, 4) == 0 &&
				    memcmp(s->arp_sha, a->target_mac, 6) == 0)
					return 0;
			}
		}
	}
	snprintf(err, errlen, "the target (%s) greeted but does not answer ARP for its address "
		 "within 5 s: is its link up?", lab->target.name);
	return -1;
}

/* Our end of the link must carry frames before the test sends its first one (see
 * netcfg_link_wait_running); by the greeting the target's end already does. */
static int lab_link_ready(struct lab *lab, char *err, size_t errlen)
{
	struct netcfg *nc = netcfg_open(err, errlen);
	if (!nc)
		return -1;
	int rc = netcfg_link_wait_running(nc, lab->dev, 5000, err, errlen);
	netcfg_close(nc);
	if (rc == 0 && lab->target.ops->bridged)
		rc = lab_probe_target(lab, err, errlen);
	return rc;
}

struct lab *lab_create(const struct lab_opts *o, char *err, size_t errlen)
{
	struct lab *lab = calloc(1, sizeof(*lab));
	if (!lab || !(lab->ctlbuf = malloc(CTL_BUF_MAX))) {
		free(lab);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	lab->ctl = -1;
	lab->child = -1;
	if (target_resolve(o->target ? o->target : "linux", &lab->target, err, errlen) < 0)
		goto fail;
	lab_default_addrs(&lab->addrs);
	snprintf(lab->dev, sizeof(lab->dev), "tch%u", o->id);
	gettimeofday(&lab->t0, NULL);

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		goto fail;
	}
	pid_t parent = getpid();
	fflush(NULL);
	lab->child = fork();
	if (lab->child < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	lab->pgid = lab->child;
	if (lab->child == 0) {
		close(sv[0]);
		lab_child(&lab->target, sv[1], parent, &lab->addrs);
	}
	close(sv[1]);
	lab->ctl = sv[0];
	if (lab_link(lab, err, errlen) < 0)
		goto fail;
	lab->fb = shared_fb;
	if (!lab->fb) {
		snprintf(err, errlen, "lab_runtime_init() was not called");
		goto fail;
	}
	lab->wire = wire_open(lab->dev, "arp or ip or ip6", err, errlen);
	if (!lab->wire)
		goto fail;
	if (lab_wait_greeting(lab, err, errlen) < 0 || lab_link_ready(lab, err, errlen) < 0)
		goto fail;
	return lab;
fail:
	lab_destroy(lab);
	return NULL;
}

void lab_stop(struct lab *lab)
{
	if (!lab || lab->stopped)
		return;
	lab->stopped = true;
	if (lab->pgid > 0) {
		/* SIGKILL, not a polite quit: the namespace and both link ends vanish with the
		 * child, and no test may depend on what a dying target does. The whole group
		 * goes: the target and whatever it started. */
		kill(-lab->pgid, SIGKILL);
		if (lab->child > 0)
			kill(lab->child, SIGKILL);
	}
	/* What the test sent last is in the capture ring by now (outgoing frames are
	 * captured as they are sent) but not yet read: read it, so the pcap has it. */
	if (lab->wire) {
		char err[256];
		lab->err[0] = 0;
		wire_drain(lab->wire, lab_on_frame, lab, err, sizeof(err));
		wire_dump_close(lab->wire);
	}
}

unsigned lab_capture_drops(struct lab *lab)
{
	return lab->wire ? wire_drops(lab->wire) : 0;
}

void lab_destroy(struct lab *lab)
{
	if (!lab)
		return;
	lab_stop(lab);
	/* Its exit can take tens of milliseconds (its sockets and namespace are torn down
	 * on the way out): reaped in the background where a reaper runs. */
	if (lab->pgid > 0)
		reaper_defer(child_reap_cb, (void *)(intptr_t)lab->pgid);
	if (lab->ctl >= 0)
		close(lab->ctl);
	/* Closing the capture and injection sockets costs RCU grace periods: in the
	 * background, so the next lab need not wait for them. */
	if (lab->wire)
		reaper_defer(wire_close_cb, lab->wire);
	for (size_t i = 0; i < lab->nlog; i++)
		free(lab->log[i].frame);
	free(lab->log);
	for (size_t i = 0; i < lab->nreplies; i++)
		free(lab->replies[i].line);
	free(lab->replies);
	free(lab->hello);
	free(lab->ctlbuf);
	free(lab);
}

const struct lab_addrs *lab_addrs(const struct lab *lab)
{
	return &lab->addrs;
}

const char *lab_target_name(const struct lab *lab)
{
	return lab->target.name;
}

const char *lab_target_info(const struct lab *lab, const char *key)
{
	return lab->hello ? agent_reply_get(&lab->hello_parsed, key) : NULL;
}

int lab_pcap_open(struct lab *lab, const char *path, char *err, size_t errlen)
{
	if (!path) {
		wire_dump_close(lab->wire);
		return 0;
	}
	return wire_dump_open(lab->wire, path, err, errlen);
}

struct frame_builder *lab_builder(struct lab *lab)
{
	return lab->fb;
}

int lab_send_frame(struct lab *lab, const uint8_t *frame, size_t len, char *err, size_t errlen)
{
	return wire_send(lab->wire, frame, len, err, errlen);
}

size_t lab_log_count(const struct lab *lab)
{
	return lab->nlog;
}

const struct lab_rec *lab_log_get(const struct lab *lab, size_t i)
{
	return i < lab->nlog ? &lab->log[i] : NULL;
}
