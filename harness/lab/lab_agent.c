/* The lab's control channel to the target's agent (targets/PROTOCOL.md): requests out,
 * replies in by id, and the greeting that opens a session (see lab.h, lab_int.h). */
#include "lab_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent_proto.h"

#define CTL_BUF_MAX (4 * AGENT_LINE_MAX)
/* Ids kept for lab_agent_news: a caller that never asks (a test script) must not grow
 * the lab without bound; past this the news are "lost" (every waiter must look). */
#define LAB_NEWS_MAX 65536

static int lab_store_reply(struct lab *lab, char *line)
{
	char *end;
	errno = 0;
	unsigned long id = strtoul(line, &end, 10);
	if (end == line || errno || id > UINT32_MAX) {
		snprintf(lab->err, sizeof(lab->err), "agent sent a line without a request id: \"%.80s\"", line);
		return -1;
	}
	if (lab->nreplies == lab->capreplies) {
		size_t cap = lab->capreplies ? lab->capreplies * 2 : 8;
		struct lab_reply *n = realloc(lab->replies, cap * sizeof(*n));
		if (!n)
			return -1;
		lab->replies = n;
		lab->capreplies = cap;
	}
	if (lab->nnews == lab->capnews && lab->capnews < LAB_NEWS_MAX) {
		size_t cap = lab->capnews ? lab->capnews * 2 : 64;
		uint32_t *n = realloc(lab->news, cap * sizeof(*n));
		if (!n)
			return -1;
		lab->news = n;
		lab->capnews = cap;
	}
	char *copy = strdup(line);
	if (!copy)
		return -1;
	lab->replies[lab->nreplies++] = (struct lab_reply){(uint32_t)id, copy, lab_now(lab)};
	if (lab->nnews < lab->capnews)
		lab->news[lab->nnews++] = (uint32_t)id;
	else
		lab->news_lost = true;
	return 0;
}

/* See lab.h. */
const uint32_t *lab_agent_news(struct lab *lab, size_t *n, bool *lost)
{
	*n = lab->nnews;
	*lost = lab->news_lost;
	lab->nnews = 0;
	lab->news_lost = false;
	return lab->news;
}

/* See lab_int.h. */
int lab_read_ctl(struct lab *lab, char *err, size_t errlen)
{
	if (!lab->ctlbuf && !(lab->ctlbuf = malloc(CTL_BUF_MAX))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (lab->nctl >= CTL_BUF_MAX) {
		snprintf(err, errlen, "agent sent a line longer than %d bytes", AGENT_LINE_MAX);
		return -1;
	}
	ssize_t n = read(lab->ctl, lab->ctlbuf + lab->nctl, CTL_BUF_MAX - lab->nctl);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		lab->agent_gone = true;
		return 0;
	}
	lab->nctl += (size_t)n;
	char *start = lab->ctlbuf, *nl;
	while ((nl = memchr(start, '\n', lab->nctl - (size_t)(start - lab->ctlbuf)))) {
		*nl = 0;
		if (lab_store_reply(lab, start) < 0) {
			snprintf(err, errlen, "%s", lab->err[0] ? lab->err : "out of memory");
			return -1;
		}
		start = nl + 1;
	}
	lab->nctl -= (size_t)(start - lab->ctlbuf);
	memmove(lab->ctlbuf, start, lab->nctl);
	return 0;
}

/* See lab.h. */
int lab_agent_write(struct lab *lab, const char *bytes, size_t len, char *err, size_t errlen)
{
	if (lab->agent_gone) {
		lab_describe_exit(lab, err, errlen);
		return -1;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = send(lab->ctl, bytes + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			lab->agent_gone = true;
			lab_describe_exit(lab, err, errlen);
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/* See lab.h. */
int lab_agent_send(struct lab *lab, const char *body, uint32_t *id, char *err, size_t errlen)
{
	if (lab->agent_gone) {
		lab_describe_exit(lab, err, errlen);
		return -1;
	}
	*id = ++lab->next_id;
	size_t blen = strlen(body);
	char *line = malloc(blen + 16);
	if (!line) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int n = snprintf(line, blen + 16, "%u %s\n", *id, body);
	int rc = lab_agent_write(lab, line, (size_t)n, err, errlen);
	free(line);
	return rc;
}

static char *lab_take_reply(struct lab *lab, uint32_t id, double *at)
{
	for (size_t i = 0; i < lab->nreplies; i++) {
		if (lab->replies[i].id != id)
			continue;
		char *line = lab->replies[i].line;
		if (at)
			*at = lab->replies[i].t;
		lab->replies[i] = lab->replies[--lab->nreplies];
		return line;
	}
	return NULL;
}

/* See lab.h. */
int lab_agent_wait_at(struct lab *lab, uint32_t id, double deadline, char **line, double *at,
		      char *err, size_t errlen)
{
	for (;;) {
		if ((*line = lab_take_reply(lab, id, at)))
			return 0;
		int rc = lab_pump(lab, deadline, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 0 && (*line = lab_take_reply(lab, id, at)) == NULL)
			return 0;
	}
}

/* See lab.h. */
int lab_agent_wait(struct lab *lab, uint32_t id, double deadline, char **line, char *err,
		   size_t errlen)
{
	return lab_agent_wait_at(lab, id, deadline, line, NULL, err, errlen);
}

/* See lab_int.h. PROTOCOL.md 3: "0 0 - hello=tcpconform-agent version=1 ...", or
 * "0 -1 <ERRNAME> msg=<why>" from a stack that could not start. */
int lab_wait_greeting(struct lab *lab, char *err, size_t errlen)
{
	char *line = NULL;
	if (lab_agent_wait(lab, 0, lab_now(lab) + LAB_START_TIMEOUT, &line, err, errlen) < 0)
		return -1;
	if (!line) {
		snprintf(err, errlen, "the target (%s) did not greet within %.0f s", lab->target.name,
			 LAB_START_TIMEOUT);
		lab_words_append(lab, err, errlen);
		return -1;
	}
	lab->hello = line;
	char perr[160];
	if (agent_reply_parse(lab->hello, &lab->hello_parsed, perr, sizeof(perr)) < 0) {
		snprintf(err, errlen, "the target (%s) sent a bad greeting: %s", lab->target.name, perr);
		return -1;
	}
	const char *hello = agent_reply_get(&lab->hello_parsed, "hello");
	const char *version = agent_reply_get(&lab->hello_parsed, "version");
	if (lab->hello_parsed.ret == 0 &&
	    (!hello || strcmp(hello, "tcpconform-agent") || !version || strcmp(version, "1"))) {
		snprintf(err, errlen,
			 "the target (%s) greeted with hello=%s version=%s; expected "
			 "hello=tcpconform-agent version=1 (targets/PROTOCOL.md)",
			 lab->target.name, hello ? hello : "(none)", version ? version : "(none)");
		return -1;
	}
	if (lab->hello_parsed.ret != 0) {
		const char *msg = agent_reply_get(&lab->hello_parsed, "msg");
		snprintf(err, errlen, "the target (%s) failed to start: %s", lab->target.name,
			 msg ? msg : lab->hello_parsed.errname);
		/* What it printed on the way out is on its way: it exits after greeting. */
		lab_words_finish(lab, 1.0);
		lab_words_append(lab, err, errlen);
		return -1;
	}
	return 0;
}
