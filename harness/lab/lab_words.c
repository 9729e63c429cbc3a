/* A target's last words: its stdout and stderr go to a pipe the pump drains into a
 * bounded buffer (the last LAB_WORDS_MAX bytes), and when it crashes, hangs or fails to
 * start, the lab's error carries them (see lab_int.h). Without them a stack that dies on
 * an assertion leaves only "died from signal 6" behind. */
#include "lab_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define LAB_WORDS_MAX (64 * 1024)
/* The part of them in the one-line message; the rest goes on the lines after it. */
#define LAB_WORDS_LINE 200

/* See lab_int.h. pipefd[1] is for the child (lab_child dups it onto 1 and 2 of the
 * target); the lab keeps pipefd[0], non-blocking, for the pump. */
int lab_words_open(struct lab *lab, int pipefd[2], char *err, size_t errlen)
{
	lab->words = tailbuf_new(LAB_WORDS_MAX);
	if (!lab->words) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe for the target's output: %s", strerror(errno));
		return -1;
	}
	fcntl(pipefd[0], F_SETFL, fcntl(pipefd[0], F_GETFL) | O_NONBLOCK);
	/* A chatty stack writes while the harness is busy between pumps: room for 1 MiB
	 * (fs.pipe-max-size allows that by default) before its writes would block. Best
	 * effort: the default 64 KiB still works, only sooner full. */
	(void)fcntl(pipefd[0], F_SETPIPE_SZ, 1 << 20);
	return 0;
}

/* See lab_int.h. Reads what is there without blocking; bounded (64 reads of 4 KiB) so a
 * target that floods its stderr cannot hold the pump: the rest waits for the next call. */
void lab_words_drain(struct lab *lab)
{
	char buf[4096];
	for (int i = 0; i < 64 && lab->out >= 0; i++) {
		ssize_t n = read(lab->out, buf, sizeof(buf));
		if (n > 0) {
			tailbuf_add(lab->words, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN) {
			close(lab->out);   /* EOF: the target and all it started are gone */
			lab->out = -1;
		}
		return;
	}
}

/* See lab_int.h. Waits (at most `seconds`) for the end of the target's output, which
 * comes when the target and every process that shares its stderr are gone. */
void lab_words_finish(struct lab *lab, double seconds)
{
	double until = lab_now(lab) + seconds;
	while (lab->out >= 0) {
		lab_words_drain(lab);
		double left = until - lab_now(lab);
		if (lab->out < 0 || left <= 0)
			return;
		struct pollfd p = {.fd = lab->out, .events = POLLIN};
		if (poll(&p, 1, (int)(left * 1000) + 1) == 0)
			return;
	}
}

/* The child (PID 1's parent in the lab) ends as the target ended, right after it: waits
 * for that on a pidfd, at most `ms`. 1: it is a zombie now; 0: not yet; -1: no pidfd. */
static int child_wait_exit(pid_t child, int ms)
{
	int fd = pidfd_open(child, 0);
	if (fd < 0)
		return -1;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int rc;
	do
		rc = poll(&p, 1, ms);
	while (rc < 0 && errno == EINTR);
	close(fd);
	return rc == 1;
}

/* See lab_int.h. */
void lab_describe_exit(struct lab *lab, char *err, size_t errlen)
{
	int status;
	pid_t p = 0;
	if (lab->child > 0) {
		lab_words_finish(lab, 1.0);
		child_wait_exit(lab->child, 1000);
		p = waitpid(lab->child, &status, WNOHANG);
	}
	if (p == lab->child && WIFSIGNALED(status)) {
		snprintf(err, errlen, "the target (%s) died from signal %d (%s)", lab->target.name,
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
		lab->child = -1;
	} else if (p == lab->child) {
		snprintf(err, errlen, "the target (%s) exited with status %d", lab->target.name,
			 WEXITSTATUS(status));
		lab->child = -1;
	} else {
		snprintf(err, errlen, "the target (%s) closed its control channel", lab->target.name);
	}
	lab_words_append(lab, err, errlen);
}

/* The end of words as one line: at most LAB_WORDS_LINE bytes from a line start when one
 * is near, line breaks as " | ", other control bytes as '?'. */
static void words_one_line(const char *w, size_t n, char *out, size_t outlen)
{
	while (n > 0 && (w[n - 1] == '\n' || w[n - 1] == '\r' || w[n - 1] == ' '))
		n--;
	size_t from = n > LAB_WORDS_LINE ? n - LAB_WORDS_LINE : 0;
	const char *nl = from ? memchr(w + from, '\n', n - from) : NULL;
	if (nl && nl + 1 < w + n)
		from = (size_t)(nl + 1 - w);
	size_t o = 0;
	if (from && !nl && outlen > 4)
		o = (size_t)snprintf(out, outlen, "...");
	for (size_t i = from; i < n && o + 4 < outlen; i++) {
		unsigned char c = (unsigned char)w[i];
		if (c == '\n')
			o += (size_t)snprintf(out + o, outlen - o, " | ");
		else
			out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[o < outlen ? o : outlen - 1] = 0;
}

/* The line that says why a stack died, when its output has one: a sanitizer's report
 * line, an assertion, a Go panic or fatal signal. A sanitizer report or a goroutine dump
 * runs to kilobytes whose end (registers, frames) says nothing; its first line says
 * what happened. NULL when no such line is there: then the end is shown. */
static const char *words_headline(const char *w, size_t n, size_t *len)
{
	static const char *const marks[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
					    "runtime error:", "Assertion", "assertion",
					    "panic:", "fatal error:", "SIGQUIT:", "SIGSEGV",
					    "SIGABRT:"};
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(w + i, '\n', n - i);
		size_t m = nl ? (size_t)(nl - (w + i)) : n - i;
		for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
			if (memmem(w + i, m, marks[k], strlen(marks[k]))) {
				*len = m;
				return w + i;
			}
		i += m + 1;
	}
	return NULL;
}

/* See lab_int.h. Appends "; its last words: <the line that says why, else their end>" to
 * the one-line err, and the whole of them (as much as errlen holds) on the lines after it. Nothing when the target
 * said nothing. */
void lab_words_append(struct lab *lab, char *err, size_t errlen)
{
	if (!lab->words)
		return;
	lab_words_drain(lab);
	size_t n = tailbuf_len(lab->words);
	char *w = n ? malloc(n + 1) : NULL;
	if (!w)
		return;
	tailbuf_copy(lab->words, w, n + 1);
	char line[LAB_WORDS_LINE * 3 + 8];
	size_t hl;
	const char *head = words_headline(w, n, &hl);
	if (head)
		words_one_line(head, hl < LAB_WORDS_LINE ? hl : LAB_WORDS_LINE, line, sizeof(line));
	else
		words_one_line(w, n, line, sizeof(line));
	size_t used = strlen(err);
	if (line[0] && used + 1 < errlen)
		snprintf(err + used, errlen - used, "; its last words: %s\nits output%s (%zu bytes):\n%s",
			 line, tailbuf_lost(lab->words) ? ", the end of it" : "", n, w);
	free(w);
}
