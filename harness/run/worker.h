#ifndef TCPCONFORM_WORKER_H
#define TCPCONFORM_WORKER_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "report.h"
#include "strbuf.h"

/* A worker: one forked process that runs one test in a lab of its own and sends the
 * result back through a pipe. A test that crashes, hangs or leaks takes only its worker
 * with it; the worker dies with the harness (PR_SET_PDEATHSIG), and its lab with it. */

struct worker_job {
	const char *script;        /* the file to load */
	int index;                 /* the test's index in it */
	const char *target;
	unsigned lab_id;           /* unique within the run: names the lab's link */
	const char *pcap;          /* pcap file, or NULL */
	double timeout;            /* seconds, enforced inside the worker (Lua hook) */
	size_t memory_limit;       /* bytes its Lua state may hold (script_load) */
	unsigned seed;
	const char *descriptor;    /* target descriptor file, or NULL */
};

struct worker_result {
	enum verdict status;
	bool deviation;            /* see script_result */
	double seconds;
	struct strbuf message, detail, log;
};

struct worker {
	pid_t pid;
	int fd;                    /* read end of the result pipe, -1 once closed */
	int pidfd;                 /* readable once the worker has exited (pidfd_open) */
	struct strbuf in;          /* what arrived so far */
	bool done;                 /* EOF seen */
	bool reaped;               /* waited for: pid and pidfd are released */
};

/* What the worker sends: "~<phase>\n" lines as it goes (loading the script, setting up
 * the lab, running the test), then "<status> <seconds> <deviation>\n" and message, detail
 * and log as "<length>\n<bytes>". It sends the result and closes the pipe *before* tearing its lab
 * down: the verdict does not wait on the kernel releasing a namespace, and a teardown that
 * hangs in the kernel shows as a worker that outlives its result (worker_finish). */

/* Forks the worker. Returns 0, or -1 with err. */
int worker_start(struct worker *w, const struct worker_job *job, char *err, size_t errlen);

/* Reads what the worker has sent (non-blocking). Returns 1 when the result is complete
 * (EOF), 0 when more is to come, -1 on a read error. */
int worker_read(struct worker *w);

/* Parses the result once the pipe is at EOF. A worker that died before sending one (a
 * crash, a kill) gives an ERROR result saying how it died. Returns true when the worker
 * has also exited and is reaped; false when it is still tearing its lab down -- the
 * caller keeps it and calls worker_reap when its pidfd becomes readable. */
bool worker_finish(struct worker *w, struct worker_result *r);

/* Reaps the worker if it has exited (never blocks). Returns true once reaped. */
bool worker_reap(struct worker *w);

/* The last phase the worker announced ("setting up the lab", ...), or "" if none. */
void worker_phase(const struct worker *w, char *out, size_t outlen);

/* Kills a worker that overran its time limit; a worker stuck in the kernel dies only
 * when the kernel call returns, so the caller still waits for it (bounded). */
void worker_kill(struct worker *w);

/* Releases the pipe and pidfd of a worker given up on (a kill it has not died of). */
void worker_abandon(struct worker *w);

void worker_result_free(struct worker_result *r);

#endif
