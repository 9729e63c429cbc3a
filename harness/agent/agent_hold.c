/* hold / kill of the Linux agent (PROTOCOL.md 6.7): a socket owned by a helper process
 * that the harness can SIGKILL while it watches the wire. Why: "the process holding
 * the socket dies" is an event of its own in TCP testing (BEHAVIOURS.md C16): the
 * kernel closes the socket on the process's way out, with no close() call by any
 * program, and must still send its FIN (or RST, with unread data or SO_LINGER 0).
 *
 * The holder is a fork of the agent that keeps nothing but the socket: it closes every
 * other descriptor it inherited (the control channel above all, so that the harness
 * still sees EOF when the agent ends) and then only waits. It dies with the agent
 * (PR_SET_PDEATHSIG), and the agent kills and reaps every holder when it ends. */
#include "agent_linux_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long hold waits for a fresh holder to drop its other descriptors. It only makes
 * a few system calls, so this is a bound against a wedged machine, not a pace. */
#define HOLDER_READY_MS 2000

/* Close every descriptor in [lo, hi]. */
static void close_span(unsigned lo, unsigned hi, unsigned fd_limit)
{
	if (lo > hi)
		return;
	if (close_range(lo, hi, 0) == 0)
		return;
	/* Kernels before 5.9 lack close_range: one by one, up to the limit. */
	for (; lo <= hi && lo < fd_limit; lo++)
		close((int)lo);
}

static void close_all_but(int keep1, int keep2, unsigned fd_limit)
{
	unsigned lo = (unsigned)(keep1 < keep2 ? keep1 : keep2);
	unsigned hi = (unsigned)(keep1 < keep2 ? keep2 : keep1);

	if (lo > 0)
		close_span(0, lo - 1, fd_limit);
	if (hi > lo + 1)
		close_span(lo + 1, hi - 1, fd_limit);
	close_span(hi + 1, UINT_MAX, fd_limit);
}

/* The holder process. Only async-signal-safe calls: the agent may have threads (linger
 * closes) at fork time. Signals are all blocked, so the only way out is SIGKILL, from
 * kill or from the agent's death: the moment of the crash is the harness's choice,
 * not a stray Ctrl-C's. */
static void holder_main(int sock, int ready, pid_t agent, unsigned fd_limit)
{
	sigset_t all;
	char one = 1;

	/* The getppid check closes the race with an agent that died before prctl. Note
	 * that the death signal follows the forking *thread*: the poll loop's thread,
	 * which reaps every holder before it returns anyway. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != agent)
		_exit(1);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	close_all_but(sock, ready, fd_limit);
	if (write(ready, &one, 1) != 1)
		_exit(1);
	close(ready);
	for (;;)
		pause();
}

/* Wait for the holder's "ready" byte and then end of file: the byte is written only
 * after every other descriptor is closed, and EOF comes when the holder has closed the
 * pipe too (the agent closed its own write end). So once hold replies, the holder owns
 * the socket and nothing else. */
static int holder_wait_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t deadline = agent_now_ms() + HOLDER_READY_MS;
	int got = 0, rc;
	char c;

	for (;;) {
		int64_t left = deadline - agent_now_ms();
		ssize_t n;

		if (left <= 0)
			return -1;
		rc = poll(&p, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc != 1)
			return -1;
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return got ? 0 : -1;
		got = 1;
	}
}

/* SIGKILL a holder and wait until it is gone: then the kernel has closed its socket
 * (a process's files are closed before it becomes waitable). */
static int holder_stop(pid_t pid, int pidfd)
{
	siginfo_t si;
	int status, rc;

	if (pidfd >= 0) {
		if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
			return errno;
		do
			rc = waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED);
		while (rc < 0 && errno == EINTR);
	} else {
		/* Never kill(0 or -1, ...): that signals a process group or every process. */
		if (pid <= 0)
			return EINVAL;
		if (kill(pid, SIGKILL) < 0 && errno != ESRCH)
			return errno;
		do
			rc = waitpid(pid, &status, 0);
		while (rc < 0 && errno == EINTR);
	}
	/* ECHILD: someone else reaped it (SIGCHLD ignored); it is gone all the same. */
	return rc < 0 && errno != ECHILD ? errno : 0;
}

/* Fork a holder of sock. Returns its pid (and its pidfd in *pidfd, -1 if the kernel
 * has none), or -1 with errno set and why filled. */
static pid_t holder_spawn(int sock, int *pidfd, char *why, size_t whylen)
{
	struct rlimit rl;
	unsigned fd_limit = 65536;
	pid_t agent = getpid(), pid;
	int ready[2], e;

	*pidfd = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < UINT_MAX)
		fd_limit = (unsigned)rl.rlim_cur;
	if (pipe2(ready, O_CLOEXEC) < 0) {
		e = errno;
		snprintf(why, whylen, "pipe2: %s", strerror(e));
		errno = e;
		return -1;
	}
	pid = fork();
	if (pid == 0)
		holder_main(sock, ready[1], agent, fd_limit);
	e = errno;
	close(ready[1]);
	if (pid < 0) {
		close(ready[0]);
		snprintf(why, whylen, "fork: %s", strerror(e));
		errno = e;
		return -1;
	}
	*pidfd = pidfd_open(pid, 0);
	if (holder_wait_ready(ready[0]) < 0) {
		close(ready[0]);
		holder_stop(pid, *pidfd);
		if (*pidfd >= 0)
			close(*pidfd);
		*pidfd = -1;
		snprintf(why, whylen, "helper process %d did not start within %d ms", (int)pid,
			 HOLDER_READY_MS);
		errno = EIO;
		return -1;
	}
	close(ready[0]);
	return pid;
}

/* Keep what state/getsockname/getpeername need once the agent has no fd. */
static void remember_names(struct agent_slot *s)
{
	socklen_t len = sizeof(s->held_name);

	memset(&s->held_name, 0, sizeof(s->held_name));
	memset(&s->held_peer, 0, sizeof(s->held_peer));
	if (getsockname(s->fd, (struct sockaddr *)&s->held_name, &len) < 0)
		s->held_name.ss_family = (sa_family_t)s->family;
	len = sizeof(s->held_peer);
	s->held_peer_err = getpeername(s->fd, (struct sockaddr *)&s->held_peer, &len) < 0 ?
			   errno : 0;
}

/* See agent_linux_int.h. hold <h>: fork a holder, then close the agent's own fd, so
 * the holder is the socket's only owner. */
void agent_verb_hold(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	char why[128];
	int pidfd;
	pid_t pid;

	if (!s)
		return;
	if (agent_op_pending(a, s->handle)) {
		/* The pending call would go on using an fd the agent no longer has. */
		agent_out_fail(a, rq->id, "EBUSY", "hold: handle %u has a pending call; wait "
			       "for its reply first", s->handle);
		return;
	}
	pid = holder_spawn(s->fd, &pidfd, why, sizeof(why));
	if (pid < 0) {
		agent_out_fail(a, rq->id, agent_errno_name(errno), "hold: %s", why);
		return;
	}
	remember_names(s);
	close(s->fd);
	s->fd = -1;
	s->holder = pid;
	s->holder_ref = pidfd;
	agent_out_begin(a, rq->id, 0, "-");
	agent_out_kv(a, "pid", "%d", (int)pid);
	agent_out_end(a);
}

/* See agent_linux_int.h. */
int agent_hold_end(struct agent_slot *s)
{
	int err = holder_stop(s->holder, s->holder_ref);

	if (s->holder_ref >= 0)
		close(s->holder_ref);
	s->holder_ref = -1;
	s->holder = 0;
	return err;
}

/* See agent_linux_int.h. kill <h>: the reply comes only after the holder is reaped,
 * so the kernel has already closed the socket (and queued its FIN) when the harness
 * reads it. */
void agent_verb_kill(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_handle(a, rq, 0);
	int err;

	if (!s)
		return;
	if (s->holder <= 0) {
		agent_out_fail(a, rq->id, "EINVAL", "kill: handle %u is not held by a process; "
			       "hold it first (or close it)", s->handle);
		return;
	}
	err = agent_hold_end(s);
	agent_slot_forget(s);
	if (err)
		agent_out_errno(a, rq->id, err);
	else
		agent_out_ok(a, rq->id, 0);
}
