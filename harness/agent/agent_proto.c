/* The agent line protocol: parsing, errno names and hex (targets/PROTOCOL.md).
 *
 * Pure functions without I/O, shared by the harness (client) and the Linux agent
 * (server). Both sides parse lines they did not write, from a process that may be
 * broken or hostile (a stack under test), so every path here rejects what it does not
 * understand with a message naming the field, what was expected and what was seen. */
#include "agent_proto.h"
#include "hex.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Longest piece of a bad token quoted back in an error message: enough to recognise
 * it, short enough that a 140 KB hostile token cannot flood a report. */
#define QUOTE_MAX 24

static void fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Why: the protocol is ASCII; a control byte or a high byte means a framing bug or a
 * corrupted stream, and silently accepting it would hide that. Tabs count as spaces
 * so a person can type requests by hand. */
static int check_printable(const char *line, const char *who, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; line[i]; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\t')
			continue;
		if (c < 0x20 || c > 0x7e) {
			fail(err, errlen, "%s: byte 0x%02x at column %zu is not printable ASCII",
			     who, c, i + 1);
			return -1;
		}
	}
	if (i > AGENT_LINE_MAX) {
		fail(err, errlen, "%s: line has %zu bytes, more than the %d allowed", who, i,
		     AGENT_LINE_MAX);
		return -1;
	}
	return 0;
}

/* Split `line` in place on runs of blanks. Returns the token count, or -1 when there
 * are more than max (the count seen so far is then max + 1). */
static int tokenize(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (is_space(*p))
			*p++ = '\0';
		if (!*p)
			return n;
		if (n == max)
			return -1;
		tok[n++] = p;
		while (*p && !is_space(*p))
			p++;
	}
}

/* A decimal without sign, 1..10 digits of value <= UINT32_MAX. */
static int parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v = 0;
	size_t i;

	if (!*s)
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* A decimal with an optional '-' that fits a long long. */
static int parse_ll(const char *s, long long *out)
{
	int neg = (*s == '-');
	unsigned long long v = 0, limit = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	const char *p = s + neg;

	if (!*p)
		return -1;
	for (; *p; p++) {
		unsigned d;

		if (*p < '0' || *p > '9')
			return -1;
		d = (unsigned)(*p - '0');
		if (v > (limit - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? (long long)(0 - v) : (long long)v;
	return 0;
}

/* An errname is "-" or upper-case letters, digits and '_' starting with a letter
 * (ECONNRESET, TIMEOUT, CANCELED). */
static int valid_errname(const char *s)
{
	size_t i;

	if (strcmp(s, "-") == 0)
		return 1;
	if (!(s[0] >= 'A' && s[0] <= 'Z'))
		return 0;
	for (i = 1; s[i]; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* The id that starts a line, read without modifying it, or 0: lets an error reply to
 * a line that fails a later check still be matched to its request. */
static uint32_t peek_id(const char *line)
{
	char tok[12];
	size_t n = 0;
	uint32_t id;

	while (is_space(*line))
		line++;
	while (line[n] && !is_space(line[n]) && n < sizeof(tok) - 1) {
		tok[n] = line[n];
		n++;
	}
	tok[n] = '\0';
	if (line[n] && !is_space(line[n]))
		return 0;
	return parse_u32(tok, &id) == 0 ? id : 0;
}

/* Parse "<id> <verb> [arg ...]" in place (targets/PROTOCOL.md "Requests"). out->id is
 * set as soon as the id is known, so a server can address its error reply to it even
 * when a later field is bad; it is 0 when the id itself could not be read. */
int agent_request_parse(char *line, struct agent_request *out, char *err, size_t errlen)
{
	char *tok[AGENT_MAX_ARGS + 2];
	int n, i;

	memset(out, 0, sizeof(*out));
	if (!line) {
		fail(err, errlen, "request: no line");
		return -1;
	}
	if (check_printable(line, "request", err, errlen) < 0) {
		out->id = peek_id(line);
		return -1;
	}
	n = tokenize(line, tok, AGENT_MAX_ARGS + 2);
	if (n == 0) {
		fail(err, errlen, "request: empty line, expected \"<id> <verb> [arg ...]\"");
		return -1;
	}
	if (parse_u32(tok[0], &out->id) < 0 || out->id == 0) {
		out->id = 0;
		fail(err, errlen, "request: id \"%.*s\" is not a decimal in 1..4294967295",
		     QUOTE_MAX, tok[0]);
		return -1;
	}
	if (n < 0) {
		fail(err, errlen, "request: more than %d arguments after the verb",
		     AGENT_MAX_ARGS);
		return -1;
	}
	if (n < 2) {
		fail(err, errlen, "request: id %u has no verb, expected \"<id> <verb> [arg ...]\"",
		     out->id);
		return -1;
	}
	out->verb = tok[1];
	out->nargs = n - 2;
	for (i = 2; i < n; i++)
		out->args[i - 2] = tok[i];
	return 0;
}

/* Parse "<id> <ret> <errname> [key=value ...]" in place (targets/PROTOCOL.md
 * "Replies"). Also enforces that ret < 0 goes with an errname and ret >= 0 with "-",
 * because an agent that breaks that rule cannot be trusted on either field. */
int agent_reply_parse(char *line, struct agent_reply *out, char *err, size_t errlen)
{
	char *tok[AGENT_MAX_KV + 3];
	int n, i;

	memset(out, 0, sizeof(*out));
	if (!line) {
		fail(err, errlen, "reply: no line");
		return -1;
	}
	if (check_printable(line, "reply", err, errlen) < 0)
		return -1;
	n = tokenize(line, tok, AGENT_MAX_KV + 3);
	if (n == 0) {
		fail(err, errlen, "reply: empty line, expected \"<id> <ret> <errname> [key=value ...]\"");
		return -1;
	}
	if (parse_u32(tok[0], &out->id) < 0) {
		out->id = 0;
		fail(err, errlen, "reply: id \"%.*s\" is not a decimal in 0..4294967295",
		     QUOTE_MAX, tok[0]);
		return -1;
	}
	if (n < 0) {
		fail(err, errlen, "reply: id %u has more than %d key=value pairs", out->id,
		     AGENT_MAX_KV);
		return -1;
	}
	if (n < 3) {
		fail(err, errlen, "reply: id %u has %d fields, expected at least 3: "
		     "\"<id> <ret> <errname>\"", out->id, n);
		return -1;
	}
	if (parse_ll(tok[1], &out->ret) < 0) {
		fail(err, errlen, "reply: id %u: ret \"%.*s\" is not an integer", out->id,
		     QUOTE_MAX, tok[1]);
		return -1;
	}
	if (!valid_errname(tok[2])) {
		fail(err, errlen, "reply: id %u: errname \"%.*s\" is neither \"-\" nor a name "
		     "like ECONNRESET", out->id, QUOTE_MAX, tok[2]);
		return -1;
	}
	out->errname = tok[2];
	if ((out->ret < 0) != (strcmp(out->errname, "-") != 0)) {
		fail(err, errlen, "reply: id %u: ret %lld with errname \"%s\": a negative ret "
		     "needs an errname and a non-negative one needs \"-\"", out->id, out->ret,
		     out->errname);
		return -1;
	}
	for (i = 3; i < n; i++) {
		char *eq = strchr(tok[i], '=');

		if (!eq || eq == tok[i]) {
			fail(err, errlen, "reply: id %u: field %d \"%.*s\" is not key=value",
			     out->id, i + 1, QUOTE_MAX, tok[i]);
			return -1;
		}
		*eq = '\0';
		/* msg= is text for people: decoded here, once, for every place that shows it. */
		if (strcmp(tok[i], "msg") == 0)
			agent_msg_unescape(eq + 1);
		out->kv[out->nkv].key = tok[i];
		out->kv[out->nkv].val = eq + 1;
		out->nkv++;
	}
	return 0;
}

/* See agent_proto.h. PROTOCOL.md 4.2. */
size_t agent_msg_escape(const char *text, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return 0;
	for (; *text; text++) {
		unsigned char c = (unsigned char)*text;
		const char *rep = c == ' ' ? "_" : c == '_' ? "\\_" : c == '\\' ? "\\\\" : NULL;
		char one[2] = {c < 0x21 || c > 0x7e ? '?' : (char)c, 0};
		size_t n;

		if (!rep)
			rep = one;
		n = strlen(rep);
		if (o + n >= outlen)
			break;   /* never half an escape */
		memcpy(out + o, rep, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

/* See agent_proto.h. */
void agent_msg_unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && (s[1] == '_' || s[1] == '\\'))
			*o++ = *++s;
		else
			*o++ = *s == '_' ? ' ' : *s;
	}
	*o = '\0';
}

/* The value of key in r, or NULL. The first pair wins if an agent repeats a key. */
const char *agent_reply_get(const struct agent_reply *r, const char *key)
{
	int i;

	for (i = 0; i < r->nkv; i++)
		if (strcmp(r->kv[i].key, key) == 0)
			return r->kv[i].val;
	return NULL;
}

/* Why names and not numbers: errno values differ between Linux, lwIP and BSD stacks;
 * the names (POSIX) are what a test script compares against. */
#define E(x) { x, #x }
static const struct {
	int value;
	const char *name;
} errno_names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(EBADF),
	E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST),
	E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
	E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EPIPE), E(EDOM), E(ERANGE),
	E(EDEADLK), E(ENAMETOOLONG), E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(ENOMSG),
	E(ENODATA), E(ETIME), E(EPROTO), E(EBADMSG), E(EOVERFLOW), E(EILSEQ),
	E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
	E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EPFNOSUPPORT),
	E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH),
	E(ENETRESET), E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS), E(EISCONN),
	E(ENOTCONN), E(ESHUTDOWN), E(ETOOMANYREFS), E(ETIMEDOUT), E(ECONNREFUSED),
	E(EHOSTDOWN), E(EHOSTUNREACH), E(EALREADY), E(EINPROGRESS), E(ESTALE),
	E(EDQUOT), E(ECANCELED), E(EOWNERDEAD), E(ENOTRECOVERABLE),
};
#undef E

/* The symbolic name of err; "-" for 0 (no error) and "EUNKNOWN" for a value outside
 * the table. The string is static. On Linux EWOULDBLOCK == EAGAIN and ENOTSUP ==
 * EOPNOTSUPP, so those aliases are always reported under the second name. */
const char *agent_errno_name(int err)
{
	size_t i;

	if (err == 0)
		return "-";
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].value == err)
			return errno_names[i].name;
	return "EUNKNOWN";
}

/* The errno value of name, or -1 for a name outside the table (this includes the
 * protocol-level names TIMEOUT and CANCELED, which are not errnos). The aliases
 * EWOULDBLOCK and ENOTSUP are accepted for peers that use them. */
int agent_errno_value(const char *name)
{
	size_t i;

	if (!name)
		return -1;
	if (strcmp(name, "EWOULDBLOCK") == 0)
		return EWOULDBLOCK;
	if (strcmp(name, "ENOTSUP") == 0)
		return ENOTSUP;
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strcmp(errno_names[i].name, name) == 0)
			return errno_names[i].value;
	return -1;
}

/* Writes 2*len lower-case hex digits and a NUL to out and returns 2*len. When out is
 * too small (outlen < 2*len + 1) it writes only an empty string (if outlen > 0) and
 * returns 0, so a truncated payload can never pass for a whole one. */
size_t agent_hex_encode(const void *data, size_t len, char *out, size_t outlen)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = data;
	size_t i;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (len > (outlen - 1) / 2)
		return 0;
	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
	return 2 * len;
}

/* Decodes hex (either case, as a lenient reader) into out. Returns the byte count, or
 * -1 on odd length, a non-hex digit, or more bytes than outlen; out is then
 * unspecified. The empty string decodes to 0 bytes. */
long agent_hex_decode(const char *hex, void *out, size_t outlen)
{
	unsigned char *o = out;
	size_t n = strlen(hex), i;

	if (n % 2 != 0 || n / 2 > outlen || n / 2 > (size_t)LONG_MAX)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		o[i] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}
