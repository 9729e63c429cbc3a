/* fuzz_agent_proto: the agent line protocol (targets/PROTOCOL.md) on arbitrary lines, as
 * a broken or hostile stack's agent (or harness) could send them.
 *
 * Oracles beyond "no crash, no ASan/UBSan report":
 *  - a rejected line always comes with a message;
 *  - the fields of a parsed line are the line's blank-separated words, split here
 *    independently of the parser (so a parser that drops or shifts bytes the same way
 *    twice is still caught);
 *  - round trip: a request or reply that parses is written back in canonical form (one
 *    space between tokens, the ret in decimal) and must parse to the same fields;
 *  - errname <-> errno and hex decode <-> encode invert each other. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_agent_proto: %s: %s\n", what, detail);
	abort();
}

static char *dup_input(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* The line's words (split on spaces and tabs), at most max; returns the count. The
 * words point into `copy`, a private copy of the line. */
static int words(const char *line, char *copy, char **w, int max)
{
	int n = 0;
	strcpy(copy, line);
	for (char *save = NULL, *t = strtok_r(copy, " \t", &save); t && n < max;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n;
}

/* A token of a parsed line: non-empty, printable ASCII, no blank. */
static void check_token(const char *t, const char *what)
{
	if (!t || !*t)
		die("empty token", what);
	for (; *t; t++)
		if (*t <= ' ' || *t > '~')
			die("token holds a blank or a non-printable byte", what);
}

static void check_errname(const char *name)
{
	int v = agent_errno_value(name);
	if (v < 0 || strcmp(name, "EWOULDBLOCK") == 0 || strcmp(name, "ENOTSUP") == 0)
		return;
	if (strcmp(agent_errno_name(v), name) != 0)
		die("errno name does not round-trip", name);
}

static void fuzz_request(const uint8_t *data, size_t size)
{
	char *line = dup_input(data, size), *orig = dup_input(data, size), err[256];
	struct agent_request a, b;
	if (!line || !orig)
		die("out of memory", "");
	if (agent_request_parse(line, &a, err, sizeof(err)) != 0) {
		if (!err[0])
			die("request rejected without a message", "");
		free(line);
		free(orig);
		return;
	}
	char *copy = malloc(size + 1), *w[AGENT_MAX_ARGS + 2];
	char idtext[16];
	if (!copy)
		die("out of memory", "");
	int nw = words(orig, copy, w, AGENT_MAX_ARGS + 2);
	snprintf(idtext, sizeof(idtext), "%u", a.id);
	if (nw != a.nargs + 2 || strtoul(w[0], NULL, 10) != a.id || strcmp(w[1], a.verb) != 0)
		die("request fields are not the line's words", orig);
	for (int i = 0; i < a.nargs; i++)
		if (strcmp(w[i + 2], a.args[i]) != 0)
			die("request argument is not the line's word", orig);
	free(copy);
	char *canon = malloc(size + 32);
	if (!canon)
		die("out of memory", "");
	size_t n = (size_t)sprintf(canon, "%s %s", idtext, a.verb);
	check_token(a.verb, "verb");
	for (int i = 0; i < a.nargs; i++) {
		check_token(a.args[i], "arg");
		n += (size_t)sprintf(canon + n, " %s", a.args[i]);
	}
	if (agent_request_parse(canon, &b, err, sizeof(err)) != 0)
		die("canonical request does not parse", err);
	if (a.id != b.id || strcmp(a.verb, b.verb) != 0 || a.nargs != b.nargs)
		die("canonical request differs", canon);
	for (int i = 0; i < a.nargs; i++)
		if (strcmp(a.args[i], b.args[i]) != 0)
			die("canonical request argument differs", canon);
	free(canon);
	free(line);
	free(orig);
}

/* b, the value reparsed from the canonical line, is kv's value. A msg= byte the escape
 * cannot carry (outside 0x20..0x7e) comes back as '?' (PROTOCOL.md 4.2). */
static bool same_value(const char *key, const char *val, const char *b)
{
	if (strcmp(key, "msg") != 0)
		return strcmp(val, b) == 0;
	const unsigned char *p = (const unsigned char *)val, *q = (const unsigned char *)b;
	for (; *p && *q; p++, q++)
		if (*q != ((*p < 0x20 || *p > 0x7e) ? '?' : *p))
			return false;
	return *p == *q;
}

static void fuzz_reply(const uint8_t *data, size_t size)
{
	char *line = dup_input(data, size), *orig = dup_input(data, size), err[256];
	struct agent_reply a, b;
	if (!line || !orig)
		die("out of memory", "");
	if (agent_reply_parse(line, &a, err, sizeof(err)) != 0) {
		if (!err[0])
			die("reply rejected without a message", "");
		free(line);
		free(orig);
		return;
	}
	check_token(a.errname, "errname");
	check_errname(a.errname);
	char *copy = malloc(size + 1), *w[AGENT_MAX_KV + 3];
	if (!copy)
		die("out of memory", "");
	int nw = words(orig, copy, w, AGENT_MAX_KV + 3);
	if (nw != a.nkv + 3 || strtoul(w[0], NULL, 10) != a.id || strtoll(w[1], NULL, 10) != a.ret ||
	    strcmp(w[2], a.errname) != 0)
		die("reply fields are not the line's words", orig);
	for (int i = 0; i < a.nkv; i++) {
		size_t kl = strlen(a.kv[i].key);
		/* msg= comes decoded (PROTOCOL.md 4.2): compare with the word decoded here. */
		char *val = w[i + 3] + kl + 1;
		if (strcmp(a.kv[i].key, "msg") == 0)
			agent_msg_unescape(val);
		if (strncmp(w[i + 3], a.kv[i].key, kl) != 0 || w[i + 3][kl] != '=' ||
		    strcmp(val, a.kv[i].val) != 0)
			die("reply key=value is not the line's word", orig);
	}
	free(copy);
	/* The ret may have been written as "-0" or "007": its canonical form is shorter
	 * or at most 20 bytes. */
	char *canon = malloc(2 * size + 64);
	if (!canon)
		die("out of memory", "");
	size_t n = (size_t)sprintf(canon, "%u %lld %s", a.id, a.ret, a.errname);
	for (int i = 0; i < a.nkv; i++) {
		check_token(a.kv[i].key, "key");
		if (strchr(a.kv[i].key, '=') || agent_reply_get(&a, a.kv[i].key) == NULL)
			die("key not found back", a.kv[i].key);
		if (strcmp(a.kv[i].key, "msg") == 0) {
			/* The decoded text, escaped again (an escape takes at most 2 bytes). */
			n += (size_t)sprintf(canon + n, " msg=");
			n += agent_msg_escape(a.kv[i].val, canon + n, 2 * strlen(a.kv[i].val) + 1);
		} else {
			n += (size_t)sprintf(canon + n, " %s=%s", a.kv[i].key, a.kv[i].val);
		}
	}
	if (agent_reply_parse(canon, &b, err, sizeof(err)) != 0)
		die("canonical reply does not parse", err);
	if (a.id != b.id || a.ret != b.ret || strcmp(a.errname, b.errname) != 0 || a.nkv != b.nkv)
		die("canonical reply differs", canon);
	for (int i = 0; i < a.nkv; i++)
		if (strcmp(a.kv[i].key, b.kv[i].key) != 0 || !same_value(a.kv[i].key, a.kv[i].val, b.kv[i].val))
			die("canonical reply pair differs", canon);
	free(canon);
	free(line);
	free(orig);
}

/* hex: the input as a hex string must decode and re-encode to its lower-case self;
 * the input as bytes must encode and decode to itself. */
static void fuzz_hex(const uint8_t *data, size_t size)
{
	char *hex = dup_input(data, size);
	uint8_t *bytes = malloc(size + 1);
	char *back = malloc(2 * size + 1);
	if (!hex || !bytes || !back)
		die("out of memory", "");
	long got = agent_hex_decode(hex, bytes, size);
	if (got >= 0) {
		if ((size_t)got * 2 != strlen(hex))
			die("hex decode count", hex);
		agent_hex_encode(bytes, (size_t)got, back, 2 * size + 1);
		if (strcasecmp(back, hex) != 0)
			die("hex decode/encode differs", hex);
	}
	if (agent_hex_encode(data, size, back, 2 * size + 1) != 2 * size)
		die("hex encode count", "");
	if (agent_hex_decode(back, bytes, size) != (long)size || memcmp(bytes, data, size) != 0)
		die("hex encode/decode differs", back);
	/* One byte too small: nothing, never a truncated payload. */
	if (size > 0 && (agent_hex_encode(data, size, back, 2 * size) != 0 || back[0] != '\0'))
		die("hex encode into a short buffer wrote something", "");
	free(hex);
	free(bytes);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_request(data, size);
	fuzz_reply(data, size);
	fuzz_hex(data, size);
	return 0;
}
