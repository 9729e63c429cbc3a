/* The lab's forked child: makes the target's network namespace, waits for the link, and
 * becomes the target as PID 1 of a PID namespace of its own (see lab_int.h). */
#include "lab_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_byte(int fd, char want)
{
	char c;
	ssize_t n;
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 && c == want ? 0 : -1;
}

/* See lab_int.h. With a limit: the child's unshare() and its first netlink calls take the
 * kernel's locks, and a kernel busy tearing other namespaces down can hold them long. */
int lab_read_byte_within(int fd, char want, double seconds)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int rc;
	do
		rc = poll(&p, 1, (int)(seconds * 1000));
	while (rc < 0 && errno == EINTR);
	return rc == 1 ? read_byte(fd, want) : -2;
}

/* The target's stdout and stderr go to the lab's pipe (its last words, lab_words.c);
 * stdin is /dev/null: the harness's console does not belong to the stack. */
static void target_stdio(int out)
{
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0) {
		dup2(null, 0);
		if (null > 0)
			close(null);
	}
	dup2(out, 1);
	dup2(out, 2);
	if (out > 2)
		close(out);
}

/* The target runs as PID 1 of a PID namespace of its own: when it dies, the kernel kills
 * every process left in that namespace (pid_namespaces(7)), so nothing a stack started
 * -- not even a process that left its process group with setsid() -- outlives the lab,
 * whatever ended the harness, kill -9 included. This process only waits for it, and then
 * ends as it ended (same exit status or signal), so the harness reads the target's own.
 * Returns only on failure, with the greeting already sent. */
static int lab_run_target(const struct target_spec *spec, int ctl, int out,
			  const struct lab_addrs *a)
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
		target_stdio(out);
		_exit(spec->ops->child_main(ctl, a, spec->arg));
	}
	close(alive[0]);
	close(ctl);   /* the target's alone: its exit closes the control channel */
	close(out);   /* and its output pipe, once whatever it started is gone too */
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

/* See lab_int.h. */
void lab_child(const struct target_spec *spec, int ctl, int out, pid_t parent,
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
	_exit(lab_run_target(spec, ctl, out, a));
}
