/* The greeting of the agent core (PROTOCOL.md 2): the backend's keys, with the caps the
 * core can tell from the backend added to its caps=, the key sockopts= listing every
 * option name get/setsockopt accept, and handles= / pending=, its limits. Derived, not written by hand in each
 * backend, so that the caps can never disagree with what the agent answers. */
#include "agent_core_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Caps that stand for one option of the table (PROTOCOL.md 2). */
static const struct { const char *cap, *opt; } opt_caps[] = {
	{ "cork", "tcp_cork" },
	{ "user_timeout", "tcp_user_timeout" },
	{ "defer_accept", "tcp_defer_accept" },
	{ "syncnt", "tcp_syncnt" },
};

static int has_opt(const struct agent_backend *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->nsockopts; i++)
		if (strcmp(b->sockopts[i].name, name) == 0)
			return 1;
	return 0;
}

/* Append text to buf (cap bytes, NUL-terminated); the buffer is sized so it fits. */
static void add(char *buf, size_t cap, const char *text)
{
	size_t n = strlen(buf);

	snprintf(buf + n, cap - n, "%s", text);
}

/* The caps the core adds, each with a leading comma. */
static void derived_caps(const struct agent_backend *b, char *buf, size_t cap)
{
	size_t i;

	if (b->msg_more)
		add(buf, cap, ",msg_more");
	add(buf, cap, ",msg_dontwait,nonblock");
	if (b->tcp_info)
		add(buf, cap, ",tcp_info");
	for (i = 0; i < sizeof(opt_caps) / sizeof(opt_caps[0]); i++)
		if (has_opt(b, opt_caps[i].opt)) {
			add(buf, cap, ",");
			add(buf, cap, opt_caps[i].cap);
		}
}

static void sockopts_key(const struct agent_backend *b, char *buf, size_t cap)
{
	size_t i;

	add(buf, cap, " sockopts=");
	for (i = 0; i < b->nsockopts; i++) {
		add(buf, cap, b->sockopts[i].name);
		add(buf, cap, ",");
	}
	add(buf, cap, AGENT_OPT_NONBLOCK_NAME);
	if (b->tcp_info)
		add(buf, cap, "," AGENT_OPT_TCPINFO_NAME);
}

/* See agent_core_int.h. */
int agent_greet_build(struct agent_server *a)
{
	const char *g = a->b->greeting, *caps = strstr(g, "caps=");
	char extra[256] = "";
	size_t i, cap = strlen(g) + sizeof(extra) + 80, end;
	char *buf;

	for (i = 0; i < a->b->nsockopts; i++)
		cap += strlen(a->b->sockopts[i].name) + 1;
	buf = calloc(1, cap);
	if (!buf)
		return -1;
	derived_caps(a->b, extra, sizeof(extra));   /* ",msg_dontwait,..." */
	if (caps) {
		/* caps=<list> is one token: the derived caps go right after its list. */
		end = (size_t)(caps - g) + strcspn(caps, " ");
		snprintf(buf, cap, "%.*s%s%s", (int)end, g,
			 g[end - 1] == '=' ? extra + 1 : extra, g + end);
	} else {
		snprintf(buf, cap, "%s caps=%s", g, extra + 1);
	}
	sockopts_key(a->b, buf, cap);
	/* The limits, so a harness keeps its calls within them (PROTOCOL.md 2). */
	end = strlen(buf);
	snprintf(buf + end, cap - end, " handles=%d pending=%d", a->max_handles, a->max_pending);
	a->greeting = buf;
	return 0;
}
