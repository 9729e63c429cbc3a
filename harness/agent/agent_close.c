/* close of the agent core (PROTOCOL.md 5, 6.2) and the teardown of every socket.
 *
 * A lingering close runs in a helper thread. Why: with SO_LINGER on and a non-zero
 * time, closing waits for the peer's ACK of our FIN (RFC 9293 3.6) or the end of the
 * time (Linux blocks in close() even on a non-blocking socket; lwIP must be made
 * blocking first), and the agent must keep answering meanwhile. The thread reports on
 * a datagram socket that the loop polls; it uses nothing of the server but its own dup
 * of that socket, so it may outlive the server.
 *
 * Such a close is a parked call (PROTOCOL.md 5): answered the moment the thread reports,
 * or with TIMEOUT when the request's wait= runs out first (the close goes on in the
 * stack, and the thread's late result is dropped). */
#include "agent_core_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct close_job {
	int (*close_linger)(int fd);
	int fd;
	int notify;             /* the job's own dup of the completion socket */
	uint32_t id;
};

struct close_done {
	uint32_t id;
	int ret, err;
};

static void *close_thread(void *arg)
{
	struct close_job *job = arg;
	struct close_done d = { .id = job->id };

	d.ret = job->close_linger(job->fd);
	d.err = d.ret < 0 ? errno : 0;
	/* If the agent is gone the send fails quietly: nobody waits for this reply. */
	(void)send(job->notify, &d, sizeof(d), MSG_NOSIGNAL | MSG_DONTWAIT);
	close(job->notify);
	free(job);
	return NULL;
}

static int close_in_thread(struct agent_server *a, int fd, uint32_t id)
{
	struct close_job *job = malloc(sizeof(*job));
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (!job)
		return -1;
	job->close_linger = a->b->sock.close_linger;
	job->fd = fd;
	job->id = id;
	job->notify = fcntl(a->notify[1], F_DUPFD_CLOEXEC, 0);
	if (job->notify < 0) {
		free(job);
		return -1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, close_thread, job);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		close(job->notify);
		free(job);
		return -1;
	}
	return 0;
}

static struct agent_close_wait *close_wait_find(struct agent_server *a, uint32_t id)
{
	int i;

	for (i = 0; i < AGENT_MAX_PENDING; i++)
		if (a->closes[i].id == id)
			return &a->closes[i];
	return NULL;
}

/* See agent_core_int.h. */
void agent_close_done(struct agent_server *a)
{
	struct close_done d;

	while (recv(a->notify[0], &d, sizeof(d), MSG_DONTWAIT) == (ssize_t)sizeof(d)) {
		struct agent_close_wait *w = close_wait_find(a, d.id);

		if (!w || !w->answered) {
			if (d.ret < 0)
				agent_out_errno(a, d.id, d.err);
			else
				agent_out_ok(a, d.id, 0);
		}
		if (w)
			memset(w, 0, sizeof(*w));
		a->closing--;
	}
}

/* See agent_core_int.h. */
int agent_close_next_timeout(struct agent_server *a, int64_t now)
{
	int64_t t = -1;
	int i;

	for (i = 0; i < AGENT_MAX_PENDING; i++) {
		const struct agent_close_wait *w = &a->closes[i];

		if (w->id && !w->answered && w->deadline_ms >= 0) {
			int64_t left = w->deadline_ms > now ? w->deadline_ms - now : 0;

			if (t < 0 || left < t)
				t = left;
		}
	}
	return (int)t;
}

/* See agent_core_int.h. */
void agent_close_expire_due(struct agent_server *a, int64_t now)
{
	int i;

	for (i = 0; i < AGENT_MAX_PENDING; i++) {
		struct agent_close_wait *w = &a->closes[i];

		if (w->id && !w->answered && w->deadline_ms >= 0 && w->deadline_ms <= now) {
			agent_out_fail(a, w->id, "TIMEOUT", "close: the lingering close did not "
				       "return within the wait (it goes on in the stack)");
			w->answered = 1;
		}
	}
}

/* A slot for a lingering close's request, or NULL when AGENT_MAX_PENDING are running. */
static struct agent_close_wait *close_wait_add(struct agent_server *a, uint32_t id,
					       const struct agent_opts *o)
{
	struct agent_close_wait *w = close_wait_find(a, 0);

	if (w) {
		w->id = id;
		w->deadline_ms = o->wait_given ? agent_now_ms() + o->wait_ms : -1;
		w->answered = 0;
	}
	return w;
}

static int lingers(struct agent_server *a, int fd)
{
	struct linger l;
	socklen_t len = sizeof(l);

	memset(&l, 0, sizeof(l));
	if (a->b->sock.getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len) < 0)
		return 0;
	return l.l_onoff && l.l_linger > 0;
}

/* See agent_core_int.h. Parked calls of the handle are answered CANCELED first. */
void agent_verb_close(struct agent_server *a, const struct agent_request *rq)
{
	struct agent_slot *s = agent_arg_slot(a, rq, 0);
	struct agent_close_wait *w = NULL;
	struct agent_opts o;
	int fd, linger;

	if (!s || agent_arg_opts(a, rq, 1, OPT_WAIT, &o) < 0)
		return;
	fd = s->fd;
	agent_op_cancel_handle(a, s->handle);
	agent_slot_forget(s);
	linger = lingers(a, fd);
	if (linger && (w = close_wait_add(a, rq->id, &o)) != NULL &&
	    close_in_thread(a, fd, rq->id) == 0) {
		a->closing++;
		if (o.wait_given && o.wait_ms == 0)
			agent_close_expire_due(a, agent_now_ms());   /* wait=0: at once */
		return;                  /* the thread's completion replies */
	}
	if (w)
		memset(w, 0, sizeof(*w));
	/* Closed here; a lingering socket without its thread blocks the loop. Why
	 * close_linger then: lwIP refuses a plain close of a lingering socket (EWOULDBLOCK),
	 * which would leak it, its handle being forgotten already. */
	agent_out_status(a, rq->id,
			 linger ? a->b->sock.close_linger(fd) : a->b->sock.close(fd));
}

/* See agent_core_int.h. SO_LINGER is cleared first so a lingering socket closes with a
 * normal FIN instead of blocking the caller. Held handles are ended by the backend, so
 * that no process of ours outlives the agent, not even as a zombie. */
void agent_close_all(struct agent_server *a)
{
	struct linger off = { 0, 0 };
	int i;

	for (i = 0; i < AGENT_MAX_HANDLES; i++) {
		struct agent_slot *s = &a->slots[i];

		if (s->holder > 0 && a->b->held_end) {
			a->b->held_end(s);
		} else if (s->handle && s->fd >= 0) {
			a->b->sock.setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &off, sizeof(off));
			a->b->sock.close(s->fd);
		}
	}
}
