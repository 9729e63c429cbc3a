/* reaper: a background thread for blocking release work (see reaper.h). */
#include "reaper.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct reaper_job {
	void (*fn)(void *);
	void *arg;
	struct reaper_job *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct reaper_job *head, *tail;
/* Several threads: each blocked close() waits for a grace period, and waits on several
 * threads share grace periods, so throughput grows with the thread count. */
#define REAPER_THREADS 4
static bool running, stopping;
static pthread_t threads[REAPER_THREADS];
static int nthreads;

static void *reaper_main(void *unused)
{
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!head && !stopping)
			pthread_cond_wait(&wake, &lock);
		if (!head)
			break;
		struct reaper_job *j = head;
		head = j->next;
		if (!head)
			tail = NULL;
		pthread_mutex_unlock(&lock);
		j->fn(j->arg);
		free(j);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int reaper_start(void)
{
	pthread_mutex_lock(&lock);
	int rc = 0;
	if (!running) {
		stopping = false;
		for (nthreads = 0; nthreads < REAPER_THREADS; nthreads++)
			if (pthread_create(&threads[nthreads], NULL, reaper_main, NULL) != 0)
				break;
		running = nthreads > 0;
		rc = running ? 0 : -1;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void reaper_defer(void (*fn)(void *), void *arg)
{
	struct reaper_job *j = malloc(sizeof(*j));
	pthread_mutex_lock(&lock);
	if (!running || !j) {
		pthread_mutex_unlock(&lock);
		free(j);
		fn(arg);
		return;
	}
	*j = (struct reaper_job){fn, arg, NULL};
	if (tail)
		tail->next = j;
	else
		head = j;
	tail = j;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

void reaper_stop(void)
{
	pthread_mutex_lock(&lock);
	if (!running) {
		pthread_mutex_unlock(&lock);
		return;
	}
	stopping = true;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_lock(&lock);
	running = false;
	pthread_mutex_unlock(&lock);
}
