#ifndef TCPCONFORM_AGENT_CHECK_INT_H
#define TCPCONFORM_AGENT_CHECK_INT_H
/* Internals of agent-check (agent_check.h): the session every check group works on and
 * the helpers that send a request, wait for its reply and judge it. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "agent_proto.h"
#include "lab.h"

struct ac {
	struct lab *lab;
	FILE *out;
	int passed, failed;
	uint32_t next_id;       /* ours start above 2^31: lab_agent_send's never reach them */
	bool dead;              /* the agent is gone: the remaining checks cannot run */
	bool ended;             /* ... because quit ended it, as it should */
	char caps[256];
};

/* A reply kept for a closer look: the parsed fields point into line. */
struct ac_reply {
	char *line;             /* as it came; NULL: none arrived (or the agent is gone) */
	char *buf;              /* the parsed copy */
	struct agent_reply r;
	bool parsed;
};

/* Seconds any reply may take (a parked call's wait comes on top). */
#define AC_REPLY_SECS 3.0

/* A fresh request id of ours (above 2^31). */
uint32_t ac_id(struct ac *a);
/* Sends "<id> <body>\n" with a fresh id, returned (0 when the agent is gone). */
uint32_t ac_start(struct ac *a, const char *body);
/* Sends bytes exactly as given (a line the harness would never write). */
bool ac_raw(struct ac *a, const char *bytes, size_t len);
/* Waits up to secs for the reply to id into *r (free with ac_reply_free). False at the
 * deadline, on a reply that does not parse (PROTOCOL.md 4), or when the agent is gone. */
bool ac_wait(struct ac *a, uint32_t id, double secs, struct ac_reply *r);
/* True when the reply to id is already here (then it is taken into *r), without
 * waiting: tells replies apart by their order of arrival. */
bool ac_arrived(struct ac *a, uint32_t id, struct ac_reply *r);
void ac_reply_free(struct ac_reply *r);

/* Records one check: "ok   NAME" or "FAIL NAME (PROTOCOL.md SECT): WHY". */
void ac_result(struct ac *a, bool ok, const char *sect, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Does reply r match want: "0", "-1 EBADF", "-1 ECONNREFUSED|ECONNRESET" (either),
 * ">0" (a handle), ">=0"? */
bool ac_matches(const struct ac_reply *r, const char *want);
/* Finishes request id (sent as `sent`) as one check: its reply within secs must match
 * want. Keeps the reply in *keep when not NULL (free it), else frees it. */
bool ac_finish(struct ac *a, uint32_t id, const char *sent, double secs, const char *sect,
	       const char *name, const char *want, struct ac_reply *keep);
/* ac_start + ac_finish within AC_REPLY_SECS. */
bool ac_expect(struct ac *a, const char *sect, const char *name, const char *body,
	       const char *want, struct ac_reply *keep);
/* Checks that reply r has key with value want (NULL: any value). */
bool ac_key(struct ac *a, const char *sect, const char *name, const struct ac_reply *r,
	    const char *key, const char *want);
/* ac_expect of a body built from fmt; the handle or count it returned, or -1. */
long long ac_call(struct ac *a, const char *sect, const char *name, const char *want,
		  struct ac_reply *keep, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
bool ac_has_cap(const struct ac *a, const char *cap);

#define T4 "198.18.0.2"     /* the target (lab.h) */
#define H4 "198.18.0.1"     /* the harness */

struct conn;
/* A harness-side connection from port hport to the target's tport (harness ISS 1000000). */
struct conn *ac_conn(struct ac *a, uint16_t hport, uint16_t tport);
/* Sends the segment `text` (lua/SHORTHAND.md) with payload data (NULL: none); a failure
 * is recorded as a check. */
bool ac_seg_send(struct ac *a, struct conn *c, const char *text, const char *data);
/* One check: the target sends a segment matching text within secs. */
bool ac_seg_expect(struct ac *a, struct conn *c, const char *sect, const char *name,
		   const char *text, double secs);

/* The check groups, in the order they run (each file's header says what it covers). */
void ac_check_session(struct ac *a);    /* agent_check_lines.c: greeting, framing, errors */
void ac_check_lines(struct ac *a);
void ac_check_passive(struct ac *a);    /* agent_check_tcp.c: listen/accept, data, options */
void ac_check_active(struct ac *a);     /* connect, refused, hold/kill */
void ac_check_surface(struct ac *a);    /* agent_check_surface.c: the socket surface */
void ac_check_extras(struct ac *a);     /* agent_check_lines.c: sysctl, inet6 */
void ac_check_quit(struct ac *a);       /* quit cancels, answers, exits 0 */

#endif
