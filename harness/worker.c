/* worker: one test in one forked process (see worker.h). */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "reaper.h"
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

static void worker_main(const struct worker_job *job, int fd)
{
	struct script_result res = {0};
	double t0 = mono();
	char err[4096];
	struct script *s = script_load(job->script, err, sizeof(err));
	struct lab *lab = NULL;
	if (!s) {
		res.status = REPORT_ERROR;
		strbuf_addf(&res.message, "%.*s", (int)strcspn(err, "\n"), err);
		strbuf_addf(&res.detail, "%s", err);
	} else if (!(lab = lab_create(&(struct lab_opts){.target = job->target, .id = job->lab_id},
				      err, sizeof(err)))) {
		res.status = REPORT_ERROR;
		strbuf_addf(&res.message, "lab set-up failed: %s", err);
		strbuf_addf(&res.detail, "lab set-up failed: %s", err);
	} else {
		if (job->pcap && lab_pcap_open(lab, job->pcap, err, sizeof(err)) < 0)
			strbuf_addf(&res.log, "warning: no pcap for this test: %s\n", err);
		struct script_run how = {job->timeout, job->seed, job->descriptor};
		script_test_run(s, job->index, lab, &how, &res);
		lab_destroy(lab);
	}
	char head[64];
	int n = snprintf(head, sizeof(head), "%d %.6f\n", (int)res.status, mono() - t0);
	(void)!write(fd, head, (size_t)n);
	put_field(fd, &res.message);
	put_field(fd, &res.detail);
	put_field(fd, &res.log);
	script_result_free(&res);
	script_free(s);
	/* The lab's target is gone; the capture sockets close as this process exits. */
	lab_runtime_shutdown();
}

int worker_start(struct worker *w, const struct worker_job *job, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
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
		reaper_after_fork();
		lab_become_subreaper();
		worker_main(job, p[1]);
		_exit(0);
	}
	close(p[1]);
	w->fd = p[0];
	fcntl(w->fd, F_SETFL, O_NONBLOCK);
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

static void describe_death(int status, struct worker_result *r)
{
	r->status = REPORT_ERROR;
	strbuf_reset(&r->message);
	if (WIFSIGNALED(status))
		strbuf_addf(&r->message, "the test's worker died from signal %d (%s) before reporting",
			    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		strbuf_addf(&r->message, "the test's worker exited with status %d before reporting",
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	strbuf_addf(&r->detail, "%s", strbuf_str(&r->message));
}

void worker_finish(struct worker *w, struct worker_result *r)
{
	memset(r, 0, sizeof(*r));
	int status = 0;
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(w->fd);
	const char *p = strbuf_str(&w->in), *end = p + w->in.len;
	int st;
	double secs;
	int used;
	if (sscanf(p, "%d %lf\n%n", &st, &secs, &used) == 2 && st >= REPORT_PASS && st <= REPORT_SKIP) {
		p += used;
		r->status = (enum report_status)st;
		r->seconds = secs;
		if (get_field(&p, end, &r->message) == 0 && get_field(&p, end, &r->detail) == 0 &&
		    get_field(&p, end, &r->log) == 0) {
			strbuf_free(&w->in);
			return;
		}
	}
	describe_death(status, r);
	strbuf_free(&w->in);
}

void worker_kill(struct worker *w)
{
	if (w->pid > 0)
		kill(w->pid, SIGKILL);
}

void worker_result_free(struct worker_result *r)
{
	strbuf_free(&r->message);
	strbuf_free(&r->detail);
	strbuf_free(&r->log);
}
