/* worker: one test in one forked process (see worker.h). */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "script.h"

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Result encoding: "<status> <seconds>\n" then message, detail and log, each as
 * "<length>\n<bytes>". */
static void put_field(int fd, const struct strbuf *b)
{
	char head[32];
	int n = snprintf(head, sizeof(head), "%zu\n", b->len);
	(void)!write(fd, head, (size_t)n);
	size_t off = 0;
	while (off < b->len) {
		ssize_t w = write(fd, b->s + off, b->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/* "~<phase>\n": what the worker is doing now, for the message of a worker the runner has
 * to kill (worker_phase). */
static void put_phase(int fd, const char *phase)
{
	char line[80];
	int n = snprintf(line, sizeof(line), "~%s\n", phase);
	(void)!write(fd, line, (size_t)n);
}

static void worker_main(const struct worker_job *job, int fd)
{
	struct script_result res = {0};
	double t0 = mono();
	char err[4096];
	put_phase(fd, "loading the script");
	struct script *s = script_load(job->script, job->memory_limit, err, sizeof(err));
	struct lab *lab = NULL;
	if (s)
		put_phase(fd, "setting up the lab");
	if (!s) {
		res.status = VERDICT_ERROR;
		strbuf_addf(&res.message, "%.*s", (int)strcspn(err, "\n"), err);
		strbuf_addf(&res.detail, "%s", err);
	} else if (!(lab = lab_create(&(struct lab_opts){.target = job->target, .id = job->lab_id,
							.mtu = script_test_get(s, job->index)->mtu},
				      err, sizeof(err)))) {
		res.status = VERDICT_ERROR;
		/* The message is one line; a target's last words follow in the detail. */
		strbuf_addf(&res.message, "lab set-up failed: %.*s", (int)strcspn(err, "\n"), err);
		strbuf_addf(&res.detail, "lab set-up failed: %s", err);
	} else {
		put_phase(fd, "running the test");
		if (job->pcap && lab_pcap_open(lab, job->pcap, err, sizeof(err)) < 0)
			strbuf_addf(&res.log, "warning: no pcap for this test: %s\n", err);
		struct script_run how = {job->timeout, job->seed, job->descriptor};
		script_test_run(s, job->index, lab, &how, &res);
		lab_stop(lab);
		unsigned lost = lab_capture_drops(lab);
		if (lost) {
			/* A pass or skip drawn from an incomplete capture proves nothing. */
			if (res.status == VERDICT_PASS || res.status == VERDICT_SKIP) {
				res.status = VERDICT_ERROR;
				res.deviation = false;
				strbuf_reset(&res.message);
				strbuf_addf(&res.message, "the capture lost %u frames (ring full): "
					    "the verdict cannot be trusted", lost);
				strbuf_reset(&res.detail);
				strbuf_addf(&res.detail, "%s", strbuf_str(&res.message));
			} else {
				strbuf_addf(&res.detail, "\nthe capture lost %u frames (ring full)",
					    lost);
			}
		}
	}
	char head[64];
	int n = snprintf(head, sizeof(head), "%d %.6f %d\n", (int)res.status, mono() - t0,
			 res.deviation ? 1 : 0);
	(void)!write(fd, head, (size_t)n);
	put_field(fd, &res.message);
	put_field(fd, &res.detail);
	put_field(fd, &res.log);
	close(fd);
	/* The verdict is out; what remains waits on the kernel (the target's exit takes its
	 * namespace down, closing the capture costs a grace period). */
	lab_destroy(lab);
	script_result_free(&res);
	script_free(s);
	lab_runtime_shutdown();
}

int worker_start(struct worker *w, const struct worker_job *job, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->fd = w->pidfd = -1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t parent = getpid();
	fflush(NULL);
	w->pid = fork();
	if (w->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (w->pid == 0) {
		close(p[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		/* Ctrl-C reaches the whole process group: the worker finishes its test as
		 * "interrupted" (lab_interrupt via the handler inherited from the parent). */
		lab_become_subreaper();
		worker_main(job, p[1]);
		_exit(0);
	}
	close(p[1]);
	w->fd = p[0];
	fcntl(w->fd, F_SETFL, O_NONBLOCK);
	/* A pidfd, to learn of the worker's exit by poll() when it outlives its result. */
	w->pidfd = pidfd_open(w->pid, 0);
	if (w->pidfd < 0) {
		snprintf(err, errlen, "pidfd_open: %s", strerror(errno));
		kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
		close(w->fd);
		return -1;
	}
	return 0;
}

int worker_read(struct worker *w)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));
		if (n > 0) {
			strbuf_add(&w->in, buf, (size_t)n);
			continue;
		}
		if (n == 0) {
			w->done = true;
			return 1;
		}
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? 0 : -1;
	}
}

/* Reads one "<length>\n<bytes>" field at *p. */
static int get_field(const char **p, const char *end, struct strbuf *out)
{
	char *nl;
	unsigned long len = strtoul(*p, &nl, 10);
	if (nl == *p || nl >= end || *nl != '\n' || len > (size_t)(end - nl - 1))
		return -1;
	strbuf_add(out, nl + 1, len);
	*p = nl + 1 + len;
	return 0;
}

/* Past the "~phase" lines; the last one into phase (if not NULL). */
static const char *skip_phases(const char *p, const char *end, char *phase, size_t phaselen)
{
	while (p < end && *p == '~') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return end;
		if (phase)
			snprintf(phase, phaselen, "%.*s", (int)(nl - p - 1), p + 1);
		p = nl + 1;
	}
	return p;
}

void worker_phase(const struct worker *w, char *out, size_t outlen)
{
	out[0] = 0;
	const char *p = strbuf_str(&w->in);
	skip_phases(p, p + w->in.len, out, outlen);
}

static void describe_death(int status, bool exited, struct worker_result *r)
{
	r->status = VERDICT_ERROR;
	strbuf_reset(&r->message);
	if (!exited)
		strbuf_addf(&r->message, "the test's worker closed its result pipe before reporting");
	else if (WIFSIGNALED(status))
		strbuf_addf(&r->message, "the test's worker died from signal %d (%s) before reporting",
			    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		strbuf_addf(&r->message, "the test's worker exited with status %d before reporting",
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	strbuf_addf(&r->detail, "%s", strbuf_str(&r->message));
}

static bool reap(struct worker *w, int *status, int wait_ms)
{
	if (w->reaped)
		return true;
	if (wait_ms > 0) {
		struct pollfd p = {.fd = w->pidfd, .events = POLLIN};
		while (poll(&p, 1, wait_ms) < 0 && errno == EINTR)
			;
	}
	pid_t rc;
	while ((rc = waitpid(w->pid, status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (rc == 0)
		return false;
	w->reaped = true;
	close(w->pidfd);
	w->pidfd = -1;
	return true;
}

bool worker_reap(struct worker *w)
{
	int status;
	return reap(w, &status, 0);
}

bool worker_finish(struct worker *w, struct worker_result *r)
{
	memset(r, 0, sizeof(*r));
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	const char *p = strbuf_str(&w->in), *end = p + w->in.len;
	p = skip_phases(p, end, NULL, 0);
	int st, dev;
	double secs;
	int used;
	if (sscanf(p, "%d %lf %d\n%n", &st, &secs, &dev, &used) == 3 && st >= VERDICT_PASS &&
	    st <= VERDICT_SKIP) {
		p += used;
		r->status = (enum verdict)st;
		r->deviation = dev == 1;
		r->seconds = secs;
		if (get_field(&p, end, &r->message) == 0 && get_field(&p, end, &r->detail) == 0 &&
		    get_field(&p, end, &r->log) == 0) {
			strbuf_free(&w->in);
			return worker_reap(w);
		}
		worker_result_free(r);
		memset(r, 0, sizeof(*r));
	}
	/* No whole result: the pipe closed because the worker is dying; its exit status
	 * follows within moments (a worker stuck in the kernel is the caller's to wait for). */
	int status = 0;
	bool exited = reap(w, &status, 2000);
	describe_death(status, exited, r);
	strbuf_free(&w->in);
	return exited;
}

void worker_kill(struct worker *w)
{
	if (w->pid > 0 && !w->reaped)
		kill(w->pid, SIGKILL);
}

void worker_abandon(struct worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->pidfd >= 0)
		close(w->pidfd);
	w->fd = w->pidfd = -1;
	w->reaped = true;
}

void worker_result_free(struct worker_result *r)
{
	strbuf_free(&r->message);
	strbuf_free(&r->detail);
	strbuf_free(&r->log);
}
