/* tpl_parse.c -- the packetdrill-like shorthand (lua/SHORTHAND.md) into a template.
 *
 * The grammar is documented for users in lua/SHORTHAND.md; keep the two in step. This
 * file is the grammar (flags, range, fields, option list); the tokens and the error
 * messages are tpl_lex.c. Parsing is a hand-written cursor over the text (no tokenizer
 * state to leak, no allocation), so any input -- including fuzzed bytes
 * (tests/fuzz/fuzz_tpl.c) -- is either a template or an error message naming the
 * token, what was expected and what was found. */
#include "tpl.h"

#include <stdbool.h>
#include <string.h>

#include "segment.h"
#include "tpl_int.h"
#include "tpl_parse_int.h"

static int parse_flags(struct tpl_cursor *ps)
{
	const char *start = ps->p;
	size_t n = 0;
	while (start[n] && !tpl_lex_is_space(start[n]) && start[n] != '<')
		n++;
	int shown = n > 20 ? 20 : (int)n;
	if (n == 0)
		return tpl_lex_err(ps, "expected flags such as S, S., ., R or - first, got %s",
			    *start ? "\"<\"" : "end of input");
	ps->p = start + n;
	if (n == 1 && *start == '*')
		return 0;
	ps->t->have |= TPL_FLAGS;
	if (n == 1 && *start == '-')
		return 0;
	uint8_t seen = 0, any = 0;
	for (size_t i = 0; i < n; i++) {
		char c = start[i];
		/* "p": PSH either way. Where a stack sets PSH is its own business (RFC 9293
		 * 3.9.1 leaves it to the sender), so a test of the data need not pin it. */
		bool either = c == 'p';
		int bit = tpl_flag_bit(either ? 'P' : c);
		if (c == '-' || c == '*')
			return tpl_lex_err(ps, "'%c' stands alone and cannot be combined with flag letters in \"%.*s\"",
				    c, shown, start);
		if (bit < 0) {
			if (c >= 0x20 && c < 0x7f)
				return tpl_lex_err(ps, "unknown flag letter '%c' in \"%.*s\" (expected S F R P p . U E W or -)",
					    c, shown, start);
			return tpl_lex_err(ps, "unknown flag byte 0x%02x (expected S F R P p . U E W or -)",
				    (unsigned char)c);
		}
		if ((seen | any) & bit)
			return tpl_lex_err(ps, "duplicate flag letter '%c' in \"%.*s\"", c, shown, start);
		if (either)
			any |= (uint8_t)bit;
		else
			seen |= (uint8_t)bit;
	}
	ps->t->flags = seen;
	ps->t->flags_any = any;
	return 0;
}

/* START:END(LEN) as packetdrill writes it: END is redundant (START + LEN modulo 2^32,
 * RFC 9293 3.4) and must agree, or be "*". */
static int parse_range(struct tpl_cursor *ps)
{
	const char *start = ps->p;
	uint32_t s, e, l;
	bool ws, we, wl;
	if (tpl_lex_num(ps, "seq", UINT32_MAX, &s, &ws) ||
	    tpl_lex_expect_char(ps, ':', "range START:END(LEN) after START") ||
	    tpl_lex_num(ps, "end", UINT32_MAX, &e, &we) ||
	    tpl_lex_expect_char(ps, '(', "range START:END(LEN) after END") ||
	    tpl_lex_num(ps, "len", UINT32_MAX, &l, &wl) ||
	    tpl_lex_expect_char(ps, ')', "range START:END(LEN) after LEN"))
		return -1;
	int rlen = (int)(ps->p - start);
	if (*ps->p && !tpl_lex_is_space(*ps->p) && *ps->p != '<') {
		char tb[40];
		return tpl_lex_err(ps, "range %.*s: unexpected %s right after it", rlen, start,
			    tpl_lex_tok_show(ps->p, tb));
	}
	if ((ws || wl) && !we)
		return tpl_lex_err(ps, "range %.*s: END must be * when START or LEN is *", rlen, start);
	if (!ws && !wl && !we && (uint32_t)(e - s) != l)
		return tpl_lex_err(ps, "range %.*s: END - START is %u but LEN is %u", rlen, start,
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
static int parse_field(struct tpl_cursor *ps, const char *w, size_t n, uint32_t *seen)
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
		if (!tpl_lex_word_is(w, n, fields[i].name))
			continue;
		if (*seen & fields[i].bit)
			return tpl_lex_err(ps, "%s given twice", fields[i].name);
		*seen |= fields[i].bit;
		ps->p = w + n;
		tpl_lex_skip_ws(ps);
		uint32_t v;
		bool wild;
		if (tpl_lex_num(ps, fields[i].name, fields[i].max, &v, &wild))
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
	return tpl_lex_err(ps, "unexpected %s (expected ack N, win N, urg N or <options>)",
		    tpl_lex_tok_show(w, tb));
}

static int opt_val(struct tpl_cursor *ps, struct tpl_opt *o, const char *field, uint32_t max)
{
	uint32_t v;
	bool wild;
	if (tpl_lex_num(ps, field, max, &v, &wild))
		return -1;
	if (wild)
		o->wild |= (uint8_t)(1u << o->nval);
	o->val[o->nval++] = v;
	return 0;
}

static int parse_sack_blocks(struct tpl_cursor *ps, struct tpl_opt *o)
{
	for (;;) {
		tpl_lex_skip_ws(ps);
		if (!tpl_lex_starts_number(ps->p))
			return 0;
		if (o->nval >= 2 * SEG_MAX_SACK)
			return tpl_lex_err(ps, "sack: too many blocks (at most %d)", SEG_MAX_SACK);
		if (opt_val(ps, o, "sack left edge", UINT32_MAX) ||
		    tpl_lex_expect_char(ps, ':', "sack block L:R") ||
		    opt_val(ps, o, "sack right edge", UINT32_MAX))
			return -1;
	}
}

/* The values after an option name; the name has been consumed. */
static int parse_opt_body(struct tpl_cursor *ps, const struct tpl_opt_desc *d, struct tpl_opt *o)
{
	tpl_lex_skip_ws(ps);
	switch (d->kind) {
	case TCPOPT_MSS:
	case TCPOPT_WSCALE:
		return opt_val(ps, o, d->name, d->max);
	case TCPOPT_TS:
		if (tpl_lex_expect_word(ps, "val", "TS") || opt_val(ps, o, "TS val", UINT32_MAX) ||
		    tpl_lex_expect_word(ps, "ecr", "TS") || opt_val(ps, o, "TS ecr", UINT32_MAX))
			return -1;
		return 0;
	case TCPOPT_SACK:
		return parse_sack_blocks(ps, o);
	default:
		return 0;
	}
}

/* One entry of the option list: [!]NAME VALUES, or raw HEXBYTES. */
static int parse_opt(struct tpl_cursor *ps, struct tpl_opt *o)
{
	char tb[40];
	memset(o, 0, sizeof(*o));
	if (*ps->p == '!') {
		o->absent = true;
		ps->p++;
	}
	const char *w = ps->p;
	size_t n = tpl_lex_word_len(w);
	if (tpl_lex_word_is(w, n, "raw")) {
		ps->p += n;
		tpl_lex_skip_ws(ps);
		size_t got = 0;
		if (o->absent) {
			/* "!raw KK": no option of kind KK; only the kind byte is given. */
			if (tpl_lex_hex(ps, o->raw, 1, &got))
				return -1;
			o->kind = o->raw[0];
			o->raw[0] = 0;
			if (o->kind == TCPOPT_NOP || o->kind == TCPOPT_EOL)
				return tpl_lex_err(ps, "!raw %02x: nop and eol cannot be required absent", o->kind);
			return 0;
		}
		if (tpl_lex_hex(ps, o->raw, sizeof(o->raw), &got))
			return -1;
		o->raw_len = (uint8_t)got;
		o->kind = o->raw[0];
		return 0;
	}
	const struct tpl_opt_desc *d = tpl_opt_desc_by_name(w, n);
	if (!d)
		return tpl_lex_err(ps, "unknown option %s (expected mss, wscale, sackOK, sack, TS, nop, eol, raw)",
			    tpl_lex_tok_show(w, tb));
	ps->p += n;
	o->kind = d->kind;
	if (o->absent) {
		if (d->kind == TCPOPT_NOP || d->kind == TCPOPT_EOL)
			return tpl_lex_err(ps, "!%s: nop and eol cannot be required absent", d->name);
		return 0;
	}
	return parse_opt_body(ps, d, o);
}

/* "<" [ OPT { "," OPT } [ "," "..." ] | "..." ] ">" ; the "<" is at the cursor. */
static int parse_opts(struct tpl_cursor *ps)
{
	char tb[40];
	struct tpl *t = ps->t;
	ps->p++;
	t->have |= TPL_OPTS;
	t->opts_exact = true;
	tpl_lex_skip_ws(ps);
	if (*ps->p == '>') {
		ps->p++;
		return 0;
	}
	for (;;) {
		tpl_lex_skip_ws(ps);
		if (!*ps->p)
			return tpl_lex_err(ps, "unterminated \"<\": expected an option, got end of input");
		if (*ps->p == ',' || *ps->p == '>')
			return tpl_lex_err(ps, "empty option before '%c' (option %u of the list)", *ps->p,
				    t->nopt + 1);
		if (strncmp(ps->p, "...", 3) == 0) {
			ps->p += 3;
			tpl_lex_skip_ws(ps);
			if (*ps->p != '>')
				return tpl_lex_err(ps, "\"...\" must be the last entry of the option list, got %s after it",
					    tpl_lex_tok_show(ps->p, tb));
			ps->p++;
			t->opts_exact = false;
			break;
		}
		if (t->nopt >= TPL_MAX_OPTS)
			return tpl_lex_err(ps, "too many options (at most %d)", TPL_MAX_OPTS);
		if (parse_opt(ps, &t->opt[t->nopt]))
			return -1;
		t->nopt++;
		tpl_lex_skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '>') {
			ps->p++;
			break;
		}
		if (!*ps->p)
			return tpl_lex_err(ps, "unterminated \"<\": expected ',' or '>', got end of input");
		return tpl_lex_err(ps, "option %u: unexpected %s (expected ',' or '>')", t->nopt,
			    tpl_lex_tok_show(ps->p, tb));
	}
	size_t bytes = tpl_opts_wire_size(t);
	if (bytes > TPL_OPT_SPACE || ((bytes + 3) & ~(size_t)3) > TPL_OPT_SPACE) {
		char msg[128];
		tpl_opts_too_big_msg(bytes, msg, sizeof(msg));
		return tpl_lex_err(ps, "%s", msg);
	}
	return 0;
}

static int parse_all(struct tpl_cursor *ps)
{
	char tb[40];
	uint32_t seen = 0;
	tpl_lex_skip_ws(ps);
	if (parse_flags(ps))
		return -1;
	tpl_lex_skip_ws(ps);
	if (tpl_lex_starts_number(ps->p) && parse_range(ps))
		return -1;
	for (;;) {
		tpl_lex_skip_ws(ps);
		if (!*ps->p)
			return 0;
		if (*ps->p == '<') {
			if (parse_opts(ps))
				return -1;
			tpl_lex_skip_ws(ps);
			if (*ps->p)
				return tpl_lex_err(ps, "unexpected %s after the option list (it must come last)",
					    tpl_lex_tok_show(ps->p, tb));
			return 0;
		}
		if (tpl_lex_starts_number(ps->p))
			return tpl_lex_err(ps, "unexpected %s: the range START:END(LEN) must come right after the flags",
				    tpl_lex_tok_show(ps->p, tb));
		if (parse_field(ps, ps->p, tpl_lex_word_len(ps->p), &seen))
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
	struct tpl_cursor ps = {text ? text : "", text ? text : "", out, err, errlen};
	if (!text)
		return tpl_lex_err(&ps, "no text given");
	if (parse_all(&ps)) {
		tpl_init(out);
		return -1;
	}
	return 0;
}

