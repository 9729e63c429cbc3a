/* engine_worker: the child side of an engine's worker and the parent's line reader
 * (engine_worker.h). */
#include "engine_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "strbuf.h"

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;   /* the parent is gone: PR_SET_PDEATHSIG ends us */
		s += w;
		n -= (size_t)w;
	}
}

static void emit_line(void *ctx, const char *json)
{
	int fd = *(int *)ctx;
	/* One write per line where it fits, so a reader mostly sees whole lines. */
	size_t n = strlen(json);
	char *line = malloc(n + 3);
	if (!line) {
		write_all(fd, "R ", 2);
		write_all(fd, json, n);
		write_all(fd, "\n", 1);
		return;
	}
	memcpy(line, "R ", 2);
	memcpy(line + 2, json, n);
	line[n + 2] = '\n';
	write_all(fd, line, n + 3);
	free(line);
}

static void send_error(int fd, const char *err)
{
	char line[4200];
	size_t o = 0;
	o += (size_t)snprintf(line, sizeof(line), "E ");
	for (const char *p = err; *p && o + 5 < sizeof(line); p++) {
		if (*p == '\n') {
			memcpy(line + o, " | ", 3);
			o += 3;
		} else {
			line[o++] = *p;
		}
	}
	line[o++] = '\n';
	write_all(fd, line, o);
}

static int worker_main(engine_run_fn run, const void *arg, int fd)
{
	char err[4096] = "";
	if (lab_runtime_init(err, sizeof(err)) < 0) {
		send_error(fd, err);
		return 1;
	}
	int rc = run(arg, emit_line, &fd, err, sizeof(err));
	if (rc < 0)
		send_error(fd, err[0] ? err : "the engine failed without saying why");
	else
		write_all(fd, "D\n", 2);
	close(fd);
	lab_runtime_shutdown();
	return rc < 0 ? 1 : 0;
}

pid_t engine_worker_fork(engine_run_fn run, const void *arg, int *fd, char *err,
			 size_t errlen)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		_exit(worker_main(run, arg, p[1]));
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*fd = p[0];
	return pid;
}

bool engine_worker_drain(int fd, struct strbuf *in, void (*on_line)(void *ctx, char *line),
			 void *ctx)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0)
			strbuf_add(in, buf, (size_t)n);
		size_t used = 0;
		for (char *nl; in->len > used && (nl = memchr(in->s + used, '\n',
							    in->len - used));) {
			*nl = 0;
			on_line(ctx, in->s + used);
			used = (size_t)(nl - in->s) + 1;
		}
		if (used) {
			memmove(in->s, in->s + used, in->len - used);
			in->len -= used;
			in->s[in->len] = 0;
		}
		if (n == 0)
			return true;
		if (n < 0)
			return false;
	}
}

double engine_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void engine_proc_release(struct engine_proc *p)
{
	strbuf_free(&p->in);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

struct line_ctx {
	const struct engine_loop *l;
	struct engine_proc *p;
	int i;
};

static void on_line(void *ctx, char *line)
{
	const struct line_ctx *x = ctx;
	if (line[0] == 'R' && line[1] == ' ') {
		if (x->l->on_result)
			x->l->on_result(x->l->ctx, x->i, line + 2);
	} else if (line[0] == 'D' && !line[1]) {
		x->p->said_end = true;
	} else if (line[0] == 'E' && line[1] == ' ') {
		x->p->said_end = true;
		if (x->l->on_error)
			x->l->on_error(x->l->ctx, x->i, line + 2);
	}
}

static void reap(struct engine_proc *const *procs, int n)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (int i = 0; i < n; i++)
			if (procs[i]->pid == pid) {
				procs[i]->reaped = true;
				procs[i]->status = status;
			}
}

static void kill_proc(struct engine_proc *p, double now)
{
	if (!p->killed && !p->reaped) {
		kill(p->pid, SIGKILL);
		p->killed = true;
		p->killed_at = now;
	}
}

void engine_loop_run(struct engine_proc *const *procs, int n, const struct engine_loop *l)
{
	double kill_at = l->kill_at;
	bool told = false;
	for (;;) {
		double now = engine_now();
		if (lab_interrupted() && !told) {
			told = true;
			for (int i = 0; i < n; i++)
				if (!procs[i]->reaped)
					kill(procs[i]->pid, SIGINT);
			kill_at = now + l->death_wait;
		}
		struct pollfd pfd[n + 1];
		int who[n + 1], np = 0, alive = 0;
		for (int i = 0; i < n; i++) {
			struct engine_proc *p = procs[i];
			if (kill_at > 0 && now > kill_at && p->fd >= 0)
				kill_proc(p, now);
			if (p->fd < 0 && !p->reaped && now > p->eof_at + l->grace)
				kill_proc(p, now);
			if (p->killed && !p->reaped && now > p->killed_at + l->death_wait && p->fd >= 0) {
				close(p->fd);   /* it will not die: give up on it */
				p->fd = -1;
			}
			if (p->fd >= 0) {
				pfd[np] = (struct pollfd){.fd = p->fd, .events = POLLIN};
				who[np++] = i;
			}
			alive += p->fd >= 0 || (!p->reaped && !(p->killed &&
								 now > p->killed_at + l->death_wait));
		}
		if (!alive)
			break;
		if (poll(pfd, (nfds_t)np, 100) > 0)
			for (int k = 0; k < np; k++) {
				if (!pfd[k].revents)
					continue;
				struct engine_proc *p = procs[who[k]];
				struct line_ctx x = {l, p, who[k]};
				if (engine_worker_drain(p->fd, &p->in, on_line, &x)) {
					close(p->fd);
					p->fd = -1;
					p->eof_at = engine_now();
				}
			}
		reap(procs, n);
		if (l->on_tick)
			l->on_tick(l->ctx);
	}
}

void engine_loop_lost(struct engine_proc *const *procs, int n, const struct engine_loop *l)
{
	bool stopped = lab_interrupted();
	for (int i = 0; i < n; i++) {
		const struct engine_proc *p = procs[i];
		char what[200];
		if (p->said_end || (stopped && l->quiet_after_ctrl_c && !p->killed))
			continue;
		if (p->killed)
			/* After Ctrl-C the budget is not why: the interrupt is. */
			snprintf(what, sizeof(what), "killed %s: it did not finish within %s%.0f s of "
				 "grace", stopped ? "after Ctrl-C" : l->at_budget,
				 stopped ? "" : l->within,
				 stopped && l->grace_after_ctrl_c ? l->death_wait : l->grace);
		else if (p->reaped && WIFSIGNALED(p->status))
			snprintf(what, sizeof(what), "died from signal %d (%s)%s", WTERMSIG(p->status),
				 strsignal(WTERMSIG(p->status)), l->signal_tail);
		else
			snprintf(what, sizeof(what), "exited with status %d%s",
				 p->reaped && WIFEXITED(p->status) ? WEXITSTATUS(p->status) : -1,
				 l->exit_tail);
		l->on_lost(l->ctx, i, what);
	}
}
