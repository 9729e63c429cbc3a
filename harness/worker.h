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
	unsigned seed;
	const char *descriptor;    /* target descriptor file, or NULL */
};

struct worker_result {
	enum report_status status;
	double seconds;
	struct strbuf message, detail, log;
};

struct worker {
	pid_t pid;
	int fd;                    /* read end of the result pipe */
	struct strbuf in;          /* what arrived so far */
	bool done;                 /* EOF seen */
};

/* Forks the worker. Returns 0, or -1 with err. */
int worker_start(struct worker *w, const struct worker_job *job, char *err, size_t errlen);

/* Reads what the worker has sent (non-blocking). Returns 1 when the result is complete
 * (EOF), 0 when more is to come, -1 on a read error. */
int worker_read(struct worker *w);

/* Parses the complete result. A worker that died before sending one (a crash, a kill)
 * gives an ERROR result saying how it died. Reaps the worker. */
void worker_finish(struct worker *w, struct worker_result *r);

/* Kills a worker that overran its time limit; worker_finish then reaps it and reports
 * how it died. */
void worker_kill(struct worker *w);

void worker_result_free(struct worker_result *r);

#endif
