/* tpl.c -- segment templates: the packetdrill-like shorthand, its inverse rendering,
 * and the serialisation of a template's TCP options for sending.
 *
 * The grammar is documented for users in lua/SHORTHAND.md; keep the two in step.
 * Parsing is a hand-written cursor over the text (no tokenizer state to leak, no
 * allocation), so any input -- including fuzzed bytes -- is either a template or an
 * error message naming the token, what was expected and what was found. */
#include "tpl.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "segment.h"

/* RFC 9293 3.1: Data Offset is 4 bits of 32-bit words, so the header is at most 60
 * bytes and the options at most 40. */
#define TPL_OPT_SPACE 40
#define TPL_OPT_SPACE_MSG "TCP allows at most 40 (RFC 9293 3.1)"

/* ---------------------------------------------------------------- flag letters */

/* packetdrill's (and tcpdump 4.1's) order, so rendered flags read like theirs. */
static const struct {
	char letter;
	uint8_t bit;
} flag_letters[] = {
	{'F', SEG_FIN}, {'S', SEG_SYN}, {'R', SEG_RST}, {'P', SEG_PSH},
	{'.', SEG_ACK}, {'U', SEG_URG}, {'E', SEG_ECE}, {'W', SEG_CWR},
};
#define N_FLAG_LETTERS (sizeof(flag_letters) / sizeof(flag_letters[0]))

static int flag_bit(char c)
{
	for (size_t i = 0; i < N_FLAG_LETTERS; i++)
		if (flag_letters[i].letter == c)
			return flag_letters[i].bit;
	return -1;
}

/* ------------------------------------------------------------ output helper */

/* An snprintf-style appender: `n` counts what would have been written, so callers
 * can return the length a big enough buffer needs, as snprintf does. */
struct out {
	char *buf;
	size_t cap;
	size_t n;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char *dst = NULL;
	size_t room = 0;
	if (o->buf && o->n < o->cap) {
		dst = o->buf + o->n;
		room = o->cap - o->n;
	}
	va_start(ap, fmt);
	int k = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->n += (size_t)k;
}

static int out_result(const struct out *o)
{
	if (o->buf && o->cap > 0 && o->n >= o->cap)
		o->buf[o->cap - 1] = '\0';
	return o->n > INT_MAX ? INT_MAX : (int)o->n;
}

/* ------------------------------------------------------------ option table */

struct opt_desc {
	const char *name;
	uint8_t kind;
	uint8_t nval;       /* values written after the name (SACK: per block) */
	uint8_t size;       /* bytes on the wire (SACK: without blocks) */
	uint32_t max;       /* largest value the field holds */
};

static const struct opt_desc opt_descs[] = {
	{"mss", TCPOPT_MSS, 1, 4, 65535},
	{"wscale", TCPOPT_WSCALE, 1, 3, 255},     /* RFC 7323 2.3: > 14 is legal on the wire */
	{"sackOK", TCPOPT_SACKOK, 0, 2, 0},
	{"sack", TCPOPT_SACK, 2, 2, UINT32_MAX},   /* RFC 2018 3: 2 + 8n bytes */
	{"TS", TCPOPT_TS, 2, 10, UINT32_MAX},      /* RFC 7323 3.2 */
	{"nop", TCPOPT_NOP, 0, 1, 0},
	{"eol", TCPOPT_EOL, 0, 1, 0},
};
#define N_OPT_DESCS (sizeof(opt_descs) / sizeof(opt_descs[0]))

static const struct opt_desc *opt_desc_by_kind(uint8_t kind)
{
	for (size_t i = 0; i < N_OPT_DESCS; i++)
		if (opt_descs[i].kind == kind)
			return &opt_descs[i];
	return NULL;
}

static const struct opt_desc *opt_desc_by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < N_OPT_DESCS; i++)
		if (strlen(opt_descs[i].name) == len && strncasecmp(opt_descs[i].name, name, len) == 0)
			return &opt_descs[i];
	return NULL;
}

/* Bytes the option takes on the wire; raw bytes win over the kind's layout. */
static size_t opt_wire_size(const struct tpl_opt *o)
{
	if (o->absent)
		return 0;
	if (o->raw_len > 0)
		return o->raw_len;
	if (o->kind == TCPOPT_SACK)
		return 2 + 4 * (size_t)o->nval;
	const struct opt_desc *d = opt_desc_by_kind(o->kind);
	return d ? d->size : 2;
}

static size_t opts_wire_size(const struct tpl *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->nopt && i < TPL_MAX_OPTS; i++)
		n += opt_wire_size(&t->opt[i]);
	return n;
}

static void opts_too_big_msg(size_t bytes, char *buf, size_t len)
{
	size_t padded = (bytes + 3) & ~(size_t)3;
	if (padded == bytes)
		snprintf(buf, len, "options take %zu bytes, " TPL_OPT_SPACE_MSG, bytes);
	else
		snprintf(buf, len, "options take %zu bytes (%zu with padding), " TPL_OPT_SPACE_MSG,
			 bytes, padded);
}

/* ------------------------------------------------------------ rendering */

static void out_flags(struct out *o, const struct tpl *t)
{
	if (!(t->have & TPL_FLAGS)) {
		out_printf(o, "*");
		return;
	}
	if (t->flags == 0) {
		out_printf(o, "-");
		return;
	}
	for (size_t i = 0; i < N_FLAG_LETTERS; i++)
		if (t->flags & flag_letters[i].bit)
			out_printf(o, "%c", flag_letters[i].letter);
}

static void out_val(struct out *o, const struct tpl_opt *opt, unsigned i)
{
	if (i >= opt->nval || i >= TPL_OPT_VALS || (opt->wild & (1u << i)))
		out_printf(o, "*");
	else
		out_printf(o, "%u", opt->val[i]);
}

static void out_hex(struct out *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out_printf(o, "%02x", p[i]);
}

static void out_opt(struct out *o, const struct tpl_opt *opt)
{
	const struct opt_desc *d = opt_desc_by_kind(opt->kind);
	if (opt->absent) {
		if (d)
			out_printf(o, "!%s", d->name);
		else
			out_printf(o, "!raw %02x", opt->kind);
		return;
	}
	if (opt->raw_len > 0 || !d) {
		out_printf(o, "raw ");
		if (opt->raw_len > 0)
			out_hex(o, opt->raw, opt->raw_len > sizeof(opt->raw) ? sizeof(opt->raw) : opt->raw_len);
		else
			out_printf(o, "%02x", opt->kind);
		return;
	}
	out_printf(o, "%s", d->name);
	switch (opt->kind) {
	case TCPOPT_MSS:
	case TCPOPT_WSCALE:
		out_printf(o, " ");
		out_val(o, opt, 0);
		break;
	case TCPOPT_TS:
		out_printf(o, " val ");
		out_val(o, opt, 0);
		out_printf(o, " ecr ");
		out_val(o, opt, 1);
		break;
	case TCPOPT_SACK:
		for (unsigned i = 0; i + 1 < opt->nval && i + 1 < TPL_OPT_VALS; i += 2) {
			out_printf(o, " ");
			out_val(o, opt, i);
			out_printf(o, ":");
			out_val(o, opt, i + 1);
		}
		break;
	default:
		break;
	}
}

/* Renders one option in the shorthand's syntax ("mss 1460", "TS val * ecr 0",
 * "raw 1e0401020304", "!sackOK"). Returns what snprintf would. Exists so the matcher
 * names options exactly as the shorthand does. */
int tpl_opt_format(const struct tpl_opt *opt, char *buf, size_t len)
{
	struct out o = {buf, len, 0};
	if (buf && len)
		buf[0] = '\0';
	out_opt(&o, opt);
	return out_result(&o);
}

/* Renders t in the shorthand: flags ("*" when not set), the range, ack, win, urg and
 * the option list. Payload bytes, IP fields, checksums and the *_ABS bits have no
 * shorthand and are left out. For any template tpl_parse produced,
 * tpl_parse(tpl_format(t)) gives t back. Returns what snprintf would. */
int tpl_format(const struct tpl *t, char *buf, size_t len)
{
	struct out o = {buf, len, 0};
	if (buf && len)
		buf[0] = '\0';
	out_flags(&o, t);
	if (t->have & (TPL_SEQ | TPL_LEN)) {
		out_printf(&o, " ");
		if (t->have & TPL_SEQ)
			out_printf(&o, "%u:", t->seq);
		else
			out_printf(&o, "*:");
		if ((t->have & TPL_SEQ) && (t->have & TPL_LEN))
			out_printf(&o, "%u", (uint32_t)(t->seq + t->len));
		else
			out_printf(&o, "*");
		if (t->have & TPL_LEN)
			out_printf(&o, "(%u)", t->len);
		else
			out_printf(&o, "(*)");
	}
	if (t->have & TPL_ACK)
		out_printf(&o, " ack %u", t->ack);
	if (t->have & TPL_WIN)
		out_printf(&o, " win %u", t->win);
	if (t->have & TPL_URG)
		out_printf(&o, " urg %u", t->urg);
	if (t->have & TPL_OPTS) {
		out_printf(&o, " <");
		size_t n = t->nopt < TPL_MAX_OPTS ? t->nopt : TPL_MAX_OPTS;
		for (size_t i = 0; i < n; i++) {
			if (i)
				out_printf(&o, ",");
			out_opt(&o, &t->opt[i]);
		}
		if (!t->opts_exact)
			out_printf(&o, "%s...", n ? "," : "");
		out_printf(&o, ">");
	}
	return out_result(&o);
}

/* ------------------------------------------------------------ parsing */

struct parse {
	const char *text;   /* the whole shorthand, quoted in every message */
	const char *p;      /* cursor */
	struct tpl *t;
	char *err;
	size_t errlen;
};

/* Fills err with: shorthand "<text>": <detail>. The text is shortened and
 * non-printable bytes replaced so a fuzzed input still yields a readable line. */
static int perr(struct parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(struct parse *ps, const char *fmt, ...)
{
	if (!ps->err || ps->errlen == 0)
		return -1;
	char quoted[72];
	size_t q = 0;
	const char *s = ps->text;
	for (; *s && q < 60; s++)
		quoted[q++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	quoted[q] = '\0';
	int k = snprintf(ps->err, ps->errlen, "shorthand \"%s%s\": ", quoted, *s ? "..." : "");
	if (k > 0 && (size_t)k < ps->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(ps->err + k, ps->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_alnum(char c)
{
	return isalnum((unsigned char)c) != 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void skip_ws(struct parse *ps)
{
	while (is_space(*ps->p))
		ps->p++;
}

/* Length of the token at p for messages: up to whitespace or a list delimiter. */
static int tok_len(const char *p)
{
	int n = 0;
	while (p[n] && !is_space(p[n]) && p[n] != ',' && p[n] != '<' && p[n] != '>' && n < 24)
		n++;
	if (n == 0 && p[0])
		n = 1;
	return n;
}

/* A printable rendering of the token at p ("end of input" when there is none). */
static const char *tok_show(const char *p, char buf[40])
{
	if (!*p)
		return "end of input";
	int n = tok_len(p);
	buf[0] = '"';
	for (int i = 0; i < n; i++)
		buf[1 + i] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
	buf[1 + n] = '"';
	buf[2 + n] = '\0';
	return buf;
}

static size_t word_len(const char *p)
{
	size_t n = 0;
	while (is_alnum(p[n]))
		n++;
	return n;
}

static bool word_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

/* Reads a decimal number no larger than max, or "*" (wild). `field` names it in
 * messages, e.g. "win 70000 out of range 0..65535". */
static int num_read(struct parse *ps, const char *field, uint32_t max, uint32_t *val, bool *wild)
{
	const char *p = ps->p;
	char tb[40];
	*val = 0;
	*wild = false;
	if (*p == '*') {
		if (is_alnum(p[1]))
			return perr(ps, "%s: expected a number or *, got %s", field, tok_show(p, tb));
		ps->p = p + 1;
		*wild = true;
		return 0;
	}
	if ((*p == '-' || *p == '+') && is_digit(p[1]))
		return perr(ps, "%s %s is not allowed: numbers are unsigned decimal (0..%u)",
			    field, tok_show(p, tb), max);
	if (!is_digit(*p))
		return perr(ps, "%s: expected a number or *, got %s", field, tok_show(p, tb));
	uint64_t v = 0;
	size_t n = 0;
	while (is_digit(p[n])) {
		if (v <= UINT32_MAX)
			v = v * 10 + (uint64_t)(p[n] - '0');
		n++;
	}
	if (is_alnum(p[n]))
		return perr(ps, "%s: %s is not a decimal number", field, tok_show(p, tb));
	if (v > max) {
		int shown = n > 24 ? 24 : (int)n;
		return perr(ps, "%s %.*s%s out of range 0..%u", field, shown, p, n > 24 ? "..." : "", max);
	}
	*val = (uint32_t)v;
	ps->p = p + n;
	return 0;
}

static int expect_char(struct parse *ps, char c, const char *what)
{
	char tb[40];
	if (*ps->p != c)
		return perr(ps, "%s: expected '%c', got %s", what, c, tok_show(ps->p, tb));
	ps->p++;
	return 0;
}

/* FLAGS: "-" (no flags), "*" (don't care) or letters from F S R P . U E W, each once. */
static int parse_flags(struct parse *ps)
{
	const char *start = ps->p;
	size_t n = 0;
	while (start[n] && !is_space(start[n]) && start[n] != '<')
		n++;
	int shown = n > 20 ? 20 : (int)n;
	if (n == 0)
		return perr(ps, "expected flags such as S, S., ., R or - first, got %s",
			    *start ? "\"<\"" : "end of input");
	ps->p = start + n;
	if (n == 1 && *start == '*')
		return 0;
	ps->t->have |= TPL_FLAGS;
	if (n == 1 && *start == '-')
		return 0;
	uint8_t seen = 0;
	for (size_t i = 0; i < n; i++) {
		char c = start[i];
		int bit = flag_bit(c);
		if (c == '-' || c == '*')
			return perr(ps, "'%c' stands alone and cannot be combined with flag letters in \"%.*s\"",
				    c, shown, start);
		if (bit < 0) {
			if (c >= 0x20 && c < 0x7f)
				return perr(ps, "unknown flag letter '%c' in \"%.*s\" (expected S F R P . U E W or -)",
					    c, shown, start);
			return perr(ps, "unknown flag byte 0x%02x (expected S F R P . U E W or -)",
				    (unsigned char)c);
		}
		if (seen & bit)
			return perr(ps, "duplicate flag letter '%c' in \"%.*s\"", c, shown, start);
		seen |= (uint8_t)bit;
	}
	ps->t->flags = seen;
	return 0;
}

static bool starts_number(const char *p)
{
	return is_digit(*p) || *p == '*' || ((*p == '-' || *p == '+') && is_digit(p[1]));
}

/* START:END(LEN) as packetdrill writes it: END is redundant (START + LEN modulo 2^32,
 * RFC 9293 3.4) and must agree, or be "*". */
static int parse_range(struct parse *ps)
{
	const char *start = ps->p;
	uint32_t s, e, l;
	bool ws, we, wl;
	if (num_read(ps, "seq", UINT32_MAX, &s, &ws) ||
	    expect_char(ps, ':', "range START:END(LEN) after START") ||
	    num_read(ps, "end", UINT32_MAX, &e, &we) ||
	    expect_char(ps, '(', "range START:END(LEN) after END") ||
	    num_read(ps, "len", UINT32_MAX, &l, &wl) ||
	    expect_char(ps, ')', "range START:END(LEN) after LEN"))
		return -1;
	int rlen = (int)(ps->p - start);
	if (*ps->p && !is_space(*ps->p) && *ps->p != '<') {
		char tb[40];
		return perr(ps, "range %.*s: unexpected %s right after it", rlen, start,
			    tok_show(ps->p, tb));
	}
	if ((ws || wl) && !we)
		return perr(ps, "range %.*s: END must be * when START or LEN is *", rlen, start);
	if (!ws && !wl && !we && (uint32_t)(e - s) != l)
		return perr(ps, "range %.*s: END - START is %u but LEN is %u", rlen, start,
			    (uint32_t)(e - s), l);
	if (!ws) {
		ps->t->have |= TPL_SEQ;
		ps->t->seq = s;
	}
	if (!wl) {
		ps->t->have |= TPL_LEN;
		ps->t->len = l;
	}
	return 0;
}

/* "ack N", "win N", "urg N": each at most once, in any order. */
static int parse_field(struct parse *ps, const char *w, size_t n, uint32_t *seen)
{
	static const struct {
		const char *name;
		uint32_t bit;
		uint32_t max;
	} fields[] = {
		{"ack", TPL_ACK, UINT32_MAX},
		{"win", TPL_WIN, 65535},
		{"urg", TPL_URG, 65535},
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!word_is(w, n, fields[i].name))
			continue;
		if (*seen & fields[i].bit)
			return perr(ps, "%s given twice", fields[i].name);
		*seen |= fields[i].bit;
		ps->p = w + n;
		skip_ws(ps);
		uint32_t v;
		bool wild;
		if (num_read(ps, fields[i].name, fields[i].max, &v, &wild))
			return -1;
		if (wild)
			return 0;   /* "*": the same as leaving the field out */
		ps->t->have |= fields[i].bit;
		if (fields[i].bit == TPL_ACK)
			ps->t->ack = v;
		else if (fields[i].bit == TPL_WIN)
			ps->t->win = v;
		else
			ps->t->urg = v;
		return 0;
	}
	char tb[40];
	return perr(ps, "unexpected %s (expected ack N, win N, urg N or <options>)",
		    tok_show(w, tb));
}

static int opt_val(struct parse *ps, struct tpl_opt *o, const char *field, uint32_t max)
{
	uint32_t v;
	bool wild;
	if (num_read(ps, field, max, &v, &wild))
		return -1;
	if (wild)
		o->wild |= (uint8_t)(1u << o->nval);
	o->val[o->nval++] = v;
	return 0;
}

static int expect_word(struct parse *ps, const char *w, const char *what)
{
	char tb[40];
	skip_ws(ps);
	size_t n = word_len(ps->p);
	if (!word_is(ps->p, n, w))
		return perr(ps, "%s: expected \"%s\", got %s", what, w, tok_show(ps->p, tb));
	ps->p += n;
	skip_ws(ps);
	return 0;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* HEXBYTES into buf (at most max bytes). */
static int parse_hex(struct parse *ps, uint8_t *buf, size_t max, size_t *got)
{
	char tb[40];
	const char *p = ps->p;
	size_t n = 0;
	while (hex_nibble(p[n]) >= 0)
		n++;
	if (is_alnum(p[n]))
		return perr(ps, "raw: %s is not hex", tok_show(p, tb));
	if (n == 0)
		return perr(ps, "raw: expected hex bytes such as 1e0401020304, got %s", tok_show(p, tb));
	if (n % 2)
		return perr(ps, "raw: odd number of hex digits (%zu)", n);
	if (n / 2 > max)
		return perr(ps, "raw: %zu bytes, at most %zu", n / 2, max);
	for (size_t i = 0; i < n / 2; i++)
		buf[i] = (uint8_t)(hex_nibble(p[2 * i]) << 4 | hex_nibble(p[2 * i + 1]));
	*got = n / 2;
	ps->p = p + n;
	return 0;
}

static int parse_sack_blocks(struct parse *ps, struct tpl_opt *o)
{
	for (;;) {
		skip_ws(ps);
		if (!starts_number(ps->p))
			return 0;
		if (o->nval >= 2 * SEG_MAX_SACK)
			return perr(ps, "sack: too many blocks (at most %d)", SEG_MAX_SACK);
		if (opt_val(ps, o, "sack left edge", UINT32_MAX) ||
		    expect_char(ps, ':', "sack block L:R") ||
		    opt_val(ps, o, "sack right edge", UINT32_MAX))
			return -1;
	}
}

/* The values after an option name; the name has been consumed. */
static int parse_opt_body(struct parse *ps, const struct opt_desc *d, struct tpl_opt *o)
{
	skip_ws(ps);
	switch (d->kind) {
	case TCPOPT_MSS:
	case TCPOPT_WSCALE:
		return opt_val(ps, o, d->name, d->max);
	case TCPOPT_TS:
		if (expect_word(ps, "val", "TS") || opt_val(ps, o, "TS val", UINT32_MAX) ||
		    expect_word(ps, "ecr", "TS") || opt_val(ps, o, "TS ecr", UINT32_MAX))
			return -1;
		return 0;
	case TCPOPT_SACK:
		return parse_sack_blocks(ps, o);
	default:
		return 0;
	}
}

/* One entry of the option list: [!]NAME VALUES, or raw HEXBYTES. */
static int parse_opt(struct parse *ps, struct tpl_opt *o)
{
	char tb[40];
	memset(o, 0, sizeof(*o));
	if (*ps->p == '!') {
		o->absent = true;
		ps->p++;
	}
	const char *w = ps->p;
	size_t n = word_len(w);
	if (word_is(w, n, "raw")) {
		ps->p += n;
		skip_ws(ps);
		size_t got = 0;
		if (o->absent) {
			/* "!raw KK": no option of kind KK; only the kind byte is given. */
			if (parse_hex(ps, o->raw, 1, &got))
				return -1;
			o->kind = o->raw[0];
			o->raw[0] = 0;
			if (o->kind == TCPOPT_NOP || o->kind == TCPOPT_EOL)
				return perr(ps, "!raw %02x: nop and eol cannot be required absent", o->kind);
			return 0;
		}
		if (parse_hex(ps, o->raw, sizeof(o->raw), &got))
			return -1;
		o->raw_len = (uint8_t)got;
		o->kind = o->raw[0];
		return 0;
	}
	const struct opt_desc *d = opt_desc_by_name(w, n);
	if (!d)
		return perr(ps, "unknown option %s (expected mss, wscale, sackOK, sack, TS, nop, eol, raw)",
			    tok_show(w, tb));
	ps->p += n;
	o->kind = d->kind;
	if (o->absent) {
		if (d->kind == TCPOPT_NOP || d->kind == TCPOPT_EOL)
			return perr(ps, "!%s: nop and eol cannot be required absent", d->name);
		return 0;
	}
	return parse_opt_body(ps, d, o);
}

/* "<" [ OPT { "," OPT } [ "," "..." ] | "..." ] ">" ; the "<" is at the cursor. */
static int parse_opts(struct parse *ps)
{
	char tb[40];
	struct tpl *t = ps->t;
	ps->p++;
	t->have |= TPL_OPTS;
	t->opts_exact = true;
	skip_ws(ps);
	if (*ps->p == '>') {
		ps->p++;
		return 0;
	}
	for (;;) {
		skip_ws(ps);
		if (!*ps->p)
			return perr(ps, "unterminated \"<\": expected an option, got end of input");
		if (*ps->p == ',' || *ps->p == '>')
			return perr(ps, "empty option before '%c' (option %u of the list)", *ps->p,
				    t->nopt + 1);
		if (strncmp(ps->p, "...", 3) == 0) {
			ps->p += 3;
			skip_ws(ps);
			if (*ps->p != '>')
				return perr(ps, "\"...\" must be the last entry of the option list, got %s after it",
					    tok_show(ps->p, tb));
			ps->p++;
			t->opts_exact = false;
			break;
		}
		if (t->nopt >= TPL_MAX_OPTS)
			return perr(ps, "too many options (at most %d)", TPL_MAX_OPTS);
		if (parse_opt(ps, &t->opt[t->nopt]))
			return -1;
		t->nopt++;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '>') {
			ps->p++;
			break;
		}
		if (!*ps->p)
			return perr(ps, "unterminated \"<\": expected ',' or '>', got end of input");
		return perr(ps, "option %u: unexpected %s (expected ',' or '>')", t->nopt,
			    tok_show(ps->p, tb));
	}
	size_t bytes = opts_wire_size(t);
	if (bytes > TPL_OPT_SPACE || ((bytes + 3) & ~(size_t)3) > TPL_OPT_SPACE) {
		char msg[128];
		opts_too_big_msg(bytes, msg, sizeof(msg));
		return perr(ps, "%s", msg);
	}
	return 0;
}

static int parse_all(struct parse *ps)
{
	char tb[40];
	uint32_t seen = 0;
	skip_ws(ps);
	if (parse_flags(ps))
		return -1;
	skip_ws(ps);
	if (starts_number(ps->p) && parse_range(ps))
		return -1;
	for (;;) {
		skip_ws(ps);
		if (!*ps->p)
			return 0;
		if (*ps->p == '<') {
			if (parse_opts(ps))
				return -1;
			skip_ws(ps);
			if (*ps->p)
				return perr(ps, "unexpected %s after the option list (it must come last)",
					    tok_show(ps->p, tb));
			return 0;
		}
		if (starts_number(ps->p))
			return perr(ps, "unexpected %s: the range START:END(LEN) must come right after the flags",
				    tok_show(ps->p, tb));
		if (parse_field(ps, ps->p, word_len(ps->p), &seen))
			return -1;
	}
}

/* Parses the shorthand (grammar: lua/SHORTHAND.md). *out is initialised first and
 * left initialised (empty) on error. Never allocates, so *out owns nothing after a
 * parse; tpl_free is still safe. Returns 0, or -1 with err naming the token. */
int tpl_parse(const char *text, struct tpl *out, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return -1;
	tpl_init(out);
	struct parse ps = {text ? text : "", text ? text : "", out, err, errlen};
	if (!text)
		return perr(&ps, "no text given");
	if (parse_all(&ps)) {
		tpl_init(out);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ lifecycle */

/* Sets every field to "not given": no have bits, no options, no data. */
void tpl_init(struct tpl *t)
{
	memset(t, 0, sizeof(*t));
}

/* Releases the payload copy and leaves t initialised (safe to call twice). */
void tpl_free(struct tpl *t)
{
	if (!t)
		return;
	free(t->data);
	tpl_init(t);
}

/* Deep copy: dst is treated as uninitialised (its old data is not freed). On failure
 * dst is left initialised and -1 is returned. */
int tpl_copy(struct tpl *dst, const struct tpl *src)
{
	if (dst == src)
		return 0;
	*dst = *src;
	dst->data = NULL;
	if (src->data && src->len > 0) {
		dst->data = malloc(src->len);
		if (!dst->data) {
			tpl_init(dst);
			return -1;
		}
		memcpy(dst->data, src->data, src->len);
	}
	return 0;
}

/* Replaces t's payload by a copy of data[0..len); sets TPL_DATA|TPL_LEN. On failure t
 * is unchanged and -1 is returned. */
int tpl_set_data(struct tpl *t, const void *data, size_t len)
{
	if (len > UINT32_MAX || (len > 0 && !data))
		return -1;
	uint8_t *copy = NULL;
	if (len > 0) {
		copy = malloc(len);
		if (!copy)
			return -1;
		memcpy(copy, data, len);
	}
	free(t->data);
	t->data = copy;
	t->len = (uint32_t)len;
	t->have |= TPL_DATA | TPL_LEN;
	return 0;
}

/* ------------------------------------------------------------ encoding */

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Checks that opt can go on the wire: values given, not wild, within range. */
static int opt_check_sendable(const struct tpl_opt *o, unsigned idx, char *err, size_t errlen)
{
	char name[80];
	tpl_opt_format(o, name, sizeof(name));
	if (o->absent)
		return 0;
	if (o->raw_len > sizeof(o->raw)) {
		snprintf(err, errlen, "option %u: raw_len %u exceeds %zu bytes", idx + 1, o->raw_len,
			 sizeof(o->raw));
		return -1;
	}
	if (o->raw_len > 0)
		return 0;
	const struct opt_desc *d = opt_desc_by_kind(o->kind);
	if (!d) {
		snprintf(err, errlen, "option %u (kind %u): no bytes given; write it as raw HEXBYTES",
			 idx + 1, o->kind);
		return -1;
	}
	if (o->kind == TCPOPT_SACK ? (o->nval % 2 || o->nval > TPL_OPT_VALS) : o->nval < d->nval) {
		snprintf(err, errlen, "option %u \"%s\": values missing", idx + 1, name);
		return -1;
	}
	unsigned nv = o->kind == TCPOPT_SACK ? o->nval : d->nval;
	for (unsigned i = 0; i < nv; i++) {
		if (o->wild & (1u << i)) {
			snprintf(err, errlen, "option %u \"%s\": * cannot be sent (it only means "
				 "\"don't care\" in an expectation)", idx + 1, name);
			return -1;
		}
		if (o->val[i] > d->max) {
			snprintf(err, errlen, "option %u %s: %u out of range 0..%u", idx + 1, d->name,
				 o->val[i], d->max);
			return -1;
		}
	}
	return 0;
}

static size_t opt_write(const struct tpl_opt *o, uint8_t *p)
{
	size_t n = opt_wire_size(o);
	if (o->absent)
		return 0;
	if (o->raw_len > 0) {
		memcpy(p, o->raw, o->raw_len);
		return n;
	}
	p[0] = o->kind;
	if (o->kind == TCPOPT_NOP || o->kind == TCPOPT_EOL)
		return 1;
	p[1] = (uint8_t)n;
	switch (o->kind) {
	case TCPOPT_MSS:
		put16(p + 2, o->val[0]);
		break;
	case TCPOPT_WSCALE:
		p[2] = (uint8_t)o->val[0];
		break;
	case TCPOPT_TS:
		put32(p + 2, o->val[0]);
		put32(p + 6, o->val[1]);
		break;
	case TCPOPT_SACK:
		for (unsigned i = 0; i < o->nval; i++)
			put32(p + 2 + 4 * i, o->val[i]);
		break;
	default:
		break;
	}
	return n;
}

/* Serialises t's options in list order (absent entries skipped) and pads with zero
 * bytes to a multiple of 4 (RFC 9293 3.1: the header ends on a 32-bit boundary).
 * Returns the byte count (0 without TPL_OPTS), or -1 with err when the options exceed
 * 40 bytes, hold a "*", a value out of range, or an unknown kind without raw bytes. */
int tpl_opts_encode(const struct tpl *t, uint8_t out[40], char *err, size_t errlen)
{
	char scratch[1];
	if (!err || errlen == 0) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	err[0] = '\0';
	if (!(t->have & TPL_OPTS))
		return 0;
	size_t n = t->nopt < TPL_MAX_OPTS ? t->nopt : TPL_MAX_OPTS;
	for (size_t i = 0; i < n; i++)
		if (opt_check_sendable(&t->opt[i], (unsigned)i, err, errlen))
			return -1;
	size_t bytes = opts_wire_size(t);
	size_t padded = (bytes + 3) & ~(size_t)3;
	if (padded > TPL_OPT_SPACE) {
		opts_too_big_msg(bytes, err, errlen);
		return -1;
	}
	size_t off = 0;
	for (size_t i = 0; i < n; i++)
		off += opt_write(&t->opt[i], out + off);
	memset(out + off, 0, padded - off);
	return (int)padded;
}
