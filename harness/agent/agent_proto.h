#ifndef TCPCONFORM_AGENT_PROTO_H
#define TCPCONFORM_AGENT_PROTO_H
#include <stddef.h>
#include <stdint.h>

/* The agent line protocol (targets/PROTOCOL.md): parsing and formatting shared by the
 * harness (client) and the Linux agent (server). Pure functions, no I/O. */

#define AGENT_LINE_MAX 140000   /* one line, LF excluded: room for a 64 KiB payload in hex */
/* The limits of an agent whose greeting does not say them (handles=, pending=:
 * PROTOCOL.md 2): the protocol's before the greeting said them. */
#define AGENT_DEFAULT_HANDLES 256
#define AGENT_DEFAULT_PENDING 64
#define AGENT_MAX_ARGS 16
#define AGENT_MAX_KV 48       /* tcp_info has 30 keys (PROTOCOL.md 6.4.1) */

/* A request: "<id> <verb> [arg ...]". Tokens point into the parsed line buffer. */
struct agent_request {
	uint32_t id;
	const char *verb;
	int nargs;
	const char *args[AGENT_MAX_ARGS];
};

/* A reply: "<id> <ret> <errname> [key=value ...]"; errname "-" means no error. Keys and
 * values point into the parsed line buffer. */
struct agent_reply {
	uint32_t id;
	long long ret;
	const char *errname;
	int nkv;
	struct { const char *key, *val; } kv[AGENT_MAX_KV];
};

/* Parse in place: `line` (NUL-terminated, no LF) is modified (tokens are cut out of it).
 * Return 0, or -1 with err saying what was wrong and where, e.g.
 * "reply: ret \"x1\" is not an integer". */
int agent_request_parse(char *line, struct agent_request *out, char *err, size_t errlen);
int agent_reply_parse(char *line, struct agent_reply *out, char *err, size_t errlen);

/* The value of key in r, or NULL. The msg= value comes decoded (agent_msg_unescape). */
const char *agent_reply_get(const struct agent_reply *r, const char *key);

/* The text of a msg= value (PROTOCOL.md 4.2): a space becomes '_', a '_' "\\_", a '\\'
 * "\\\\", any other byte outside 0x21..0x7e '?', so a message is one token and reads back
 * exactly. agent_msg_escape writes at most outlen - 1 bytes and a NUL, never half an
 * escape, and returns the length; agent_msg_unescape decodes in place (the reverse; a
 * '\\' before anything else stays). agent_reply_parse already decodes msg= values: a
 * caller shows them as they are. */
size_t agent_msg_escape(const char *text, char *out, size_t outlen);
void agent_msg_unescape(char *s);

/* errno <-> symbolic name ("ECONNRESET"); the protocol carries names because numbers
 * differ between stacks. agent_errno_value returns -1 for an unknown name. */
const char *agent_errno_name(int err);
int agent_errno_value(const char *name);

/* Hex payload encoding used by send/recv (lower case, two digits a byte). hex_decode
 * returns the byte count or -1 on odd length / a non-hex digit. */
size_t agent_hex_encode(const void *data, size_t len, char *out, size_t outlen);
long agent_hex_decode(const char *hex, void *out, size_t outlen);

#endif
