/* engine_worker: the child side of an engine's worker and the parent's line reader
 * (engine_worker.h). */
#include "engine_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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
