/* match.c -- does an inbound segment satisfy a template, and if not, why not.
 *
 * Numbers are compared in the connection's relative sequence space (RFC 9293 3.4,
 * modulo 2^32), as packetdrill writes them: seq relative to the target's ISN (irs),
 * ack and SACK blocks relative to the harness's ISN (iss: they acknowledge our data).
 * TS values are absolute (RFC 7323 clocks are not tied to the ISN) unless the context
 * gives bases for them (a connection with relative timestamps).
 *
 * Options are read from the bytes on the wire (seg.opt.raw), not from the decoder's
 * summary, so the matcher and the rendering see the same list, in wire order, NOPs and
 * malformed tails included. Rendering goes through tpl_format so an expected line and an
 * actual line use one syntax. */
#include "match.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The options of a 40-byte option space (RFC 9293 3.1), one slot each: the smallest
 * option is one byte, so 40 slots always suffice for matching. */
#define WIRE_MAX_OPTS 40

/* The options found on the wire, as template options (values relative where the
 * shorthand writes them relative). */
struct wire_opts {
	uint8_t n;
	bool malformed;     /* a length byte ran past the option space or was < 2 */
	struct tpl_opt opt[WIRE_MAX_OPTS];
	const uint8_t *bytes[WIRE_MAX_OPTS];  /* each option's bytes on the wire */
	uint8_t blen[WIRE_MAX_OPTS];
};

static bool fail(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool fail(char *why, size_t whylen, const char *fmt, ...)
{
	if (why && whylen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return false;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Claims the next slot for the option whose wire bytes are p[0..n). */
static struct tpl_opt *wire_slot(struct wire_opts *w, const uint8_t *p, size_t n)
{
	w->bytes[w->n] = p;
	w->blen[w->n] = (uint8_t)n;
	return &w->opt[w->n++];
}

static void wire_add_raw(struct wire_opts *w, const uint8_t *p, size_t n)
{
	struct tpl_opt *o = wire_slot(w, p, n);
	memset(o, 0, sizeof(*o));
	o->kind = p[0];
	o->raw_len = (uint8_t)n;
	memcpy(o->raw, p, n);
}

static void wire_add_simple(struct wire_opts *w, const uint8_t *p)
{
	struct tpl_opt *o = wire_slot(w, p, 1);
	memset(o, 0, sizeof(*o));
	o->kind = p[0];
}

/* An option with a well-formed length for its kind becomes a named option; any other
 * length is kept as raw bytes so the rendering shows exactly what was sent. */
static void wire_add(struct wire_opts *w, const uint8_t *p, uint8_t len, const struct match_ctx *c)
{
	uint8_t kind = p[0];
	bool ok = (kind == TCPOPT_MSS && len == 4) || (kind == TCPOPT_WSCALE && len == 3) ||
		  (kind == TCPOPT_SACKOK && len == 2) || (kind == TCPOPT_TS && len == 10) ||
		  (kind == TCPOPT_SACK && len >= 10 && (len - 2) % 8 == 0 &&
		   (len - 2) / 8 <= SEG_MAX_SACK);
	if (!ok) {
		wire_add_raw(w, p, len);
		return;
	}
	struct tpl_opt *o = wire_slot(w, p, len);
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	switch (kind) {
	case TCPOPT_MSS:
		o->val[o->nval++] = (uint32_t)p[2] << 8 | p[3];
		break;
	case TCPOPT_WSCALE:
		o->val[o->nval++] = p[2];
		break;
	case TCPOPT_TS:
		o->val[o->nval++] = get32(p + 2) - c->ts_val0;
		o->val[o->nval++] = get32(p + 6) - c->ts_ecr0;
		break;
	case TCPOPT_SACK:
		for (uint8_t i = 2; i + 4 <= len; i += 4)
			o->val[o->nval++] = get32(p + i) - c->iss;
		break;
	default:
		break;
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Walks the option bytes of s (RFC 9293 3.2: kind, or kind+length+data) into at most
 * `max` slots (<= WIRE_MAX_OPTS); when more options remain, the last slot keeps them as
 * raw bytes. Matching passes WIRE_MAX_OPTS, so every option is seen by itself (a stack
 * may well send 30 NOPs before an MSS); rendering passes TPL_MAX_OPTS, what a template
 * holds. Never reads past raw_len, whatever the length bytes say. */
static void wire_walk(const struct seg *s, const struct match_ctx *c, size_t max,
		      struct wire_opts *w)
{
	const uint8_t *p = s->opt.raw;
	size_t n = s->opt.raw_len < sizeof(s->opt.raw) ? s->opt.raw_len : sizeof(s->opt.raw);
	size_t i = 0;
	memset(w, 0, sizeof(*w));
	while (i < n) {
		if (w->n == max - 1) {
			/* No room to list them one by one: keep the rest as bytes. */
			wire_add_raw(w, p + i, n - i);
			return;
		}
		uint8_t kind = p[i];
		if (kind == TCPOPT_EOL) {
			wire_add_simple(w, p + i);
			i++;
			/* RFC 9293 3.2: EOL ends the list; zero padding after it is normal. */
			if (i < n && !all_zero(p + i, n - i))
				wire_add_raw(w, p + i, n - i);
			return;
		}
		if (kind == TCPOPT_NOP) {
			wire_add_simple(w, p + i);
			i++;
			continue;
		}
		uint8_t len = i + 1 < n ? p[i + 1] : 0;
		if (len < 2 || i + len > n) {
			w->malformed = true;
			wire_add_raw(w, p + i, n - i);
			return;
		}
		wire_add(w, p + i, len, c);
		i += len;
	}
}

/* Index of the first option of that kind on the wire at or after `from`, or -1. */
static int wire_find(const struct wire_opts *w, uint8_t kind, int from)
{
	for (int i = from; i < w->n; i++)
		if (w->opt[i].kind == kind)
			return i;
	return -1;
}

/* Relative numbers of s as a template, for rendering. */
static void seg_to_tpl(const struct seg *s, const struct match_ctx *c, struct tpl *t)
{
	struct wire_opts w;
	tpl_init(t);
	t->have = TPL_FLAGS | TPL_SEQ | TPL_LEN | TPL_WIN;
	t->flags = s->flags;
	t->seq = s->seq - c->irs;
	t->len = s->payload_len;
	t->win = s->win;
	if (s->flags & SEG_ACK) {
		t->have |= TPL_ACK;
		t->ack = s->ack - c->iss;
	}
	if ((s->flags & SEG_URG) || s->urg) {
		t->have |= TPL_URG;
		t->urg = s->urg;
	}
	if (s->opt.raw_len > 0) {
		wire_walk(s, c, TPL_MAX_OPTS, &w);
		t->have |= TPL_OPTS;
		t->opts_exact = true;
		t->nopt = w.n;
		memcpy(t->opt, w.opt, sizeof(w.opt[0]) * w.n);
	}
}

static const struct match_ctx zero_ctx;

/* Renders s in the shorthand with seq relative to c->irs and ack and SACK blocks
 * relative to c->iss, e.g. "S. 0:0(0) ack 1 win 64240 <mss 1460,nop,wscale 7>".
 * A segment that is not TCP renders as a bracketed note. Returns what snprintf would. */
int match_format_seg(const struct seg *s, const struct match_ctx *c, char *buf, size_t len)
{
	struct tpl t;
	if (!c)
		c = &zero_ctx;
	if (s->kind != SEG_KIND_TCP)
		return snprintf(buf, len, "[not a TCP segment: kind %d]", (int)s->kind);
	seg_to_tpl(s, c, &t);
	return tpl_format(&t, buf, len);
}

/* ------------------------------------------------------------ field checks */

static void flags_str(uint8_t flags, uint8_t any, char *buf, size_t len)
{
	struct tpl t;
	tpl_init(&t);
	t.have = TPL_FLAGS;
	t.flags = flags;
	t.flags_any = any;
	tpl_format(&t, buf, len);
}

static bool match_flags(const struct tpl *t, const struct seg *s, char *why, size_t whylen)
{
	char e[16], g[16];
	if (!(t->have & TPL_FLAGS) || ((t->flags ^ s->flags) & (uint8_t)~t->flags_any) == 0)
		return true;
	flags_str(t->flags, t->flags_any, e, sizeof(e));
	flags_str(s->flags, 0, g, sizeof(g));
	return fail(why, whylen, "flags: expected %s, got %s", e, g);
}

/* seq and ack: relative to an ISN unless the template asked for absolute numbers. */
static bool match_sn(const char *name, uint32_t want, bool absolute, uint32_t got,
		     uint32_t isn, char *why, size_t whylen)
{
	uint32_t rel = got - isn;
	if (absolute && got != want)
		return fail(why, whylen, "%s: expected absolute %u, got %u (relative %u)", name, want,
			    got, rel);
	if (!absolute && rel != want)
		return fail(why, whylen, "%s: expected %u, got %u (absolute %u)", name, want, rel, got);
	return true;
}

static bool match_num(const char *name, uint32_t want, uint32_t got, char *why, size_t whylen)
{
	if (want == got)
		return true;
	return fail(why, whylen, "%s: expected %u, got %u", name, want, got);
}

static bool match_tcp(const struct tpl *t, const struct seg *s, const struct match_ctx *c,
		      char *why, size_t whylen)
{
	uint32_t h = t->have;
	return match_flags(t, s, why, whylen) &&
	       (!(h & TPL_SEQ) || match_sn("seq", t->seq, h & TPL_SEQ_ABS, s->seq, c->irs, why, whylen)) &&
	       (!(h & TPL_ACK) || match_sn("ack", t->ack, h & TPL_ACK_ABS, s->ack, c->iss, why, whylen)) &&
	       (!(h & TPL_WIN) || match_num("win", t->win, s->win, why, whylen)) &&
	       (!(h & TPL_URG) || match_num("urg", t->urg, s->urg, why, whylen)) &&
	       (!(h & TPL_LEN) || match_num("len", t->len, s->payload_len, why, whylen));
}

static bool match_data(const struct tpl *t, const struct seg *s, char *why, size_t whylen)
{
	if (!(t->have & TPL_DATA))
		return true;
	if (s->payload_len != t->len)
		return fail(why, whylen, "data: expected %u bytes, got %u", t->len, s->payload_len);
	if (t->len > 0 && (!s->payload || !t->data))
		return fail(why, whylen, "data: %u bytes expected but %s holds none", t->len,
			    s->payload ? "the template" : "the segment");
	for (uint32_t i = 0; i < t->len; i++)
		if (t->data[i] != s->payload[i])
			return fail(why, whylen, "data: first difference at offset %u: expected 0x%02x, got 0x%02x",
				    i, t->data[i], s->payload[i]);
	return true;
}

static bool match_ip(const struct tpl *t, const struct seg *s, char *why, size_t whylen)
{
	uint32_t h = t->have;
	return (!(h & TPL_TTL) || match_num("ttl", t->ttl, s->ttl, why, whylen)) &&
	       (!(h & TPL_TOS) || match_num("tos", t->tos, s->tos, why, whylen)) &&
	       (!(h & TPL_IPID) || match_num("ip_id", t->ip_id, s->ip_id, why, whylen)) &&
	       (!(h & TPL_DF) || match_num("df", t->df, s->df, why, whylen));
}

/* ------------------------------------------------------------ options */

/* Raw bytes in want compare byte for byte with the wire; otherwise values of want that
 * are not wild must equal got's, and a named option needs got well-formed (a bad
 * length arrives as raw bytes, which no value matches). */
static bool opt_equal(const struct tpl_opt *want, const struct wire_opts *w, int i)
{
	const struct tpl_opt *got = &w->opt[i];
	if (want->raw_len > 0)
		return want->raw_len <= sizeof(want->raw) && w->blen[i] == want->raw_len &&
		       memcmp(w->bytes[i], want->raw, want->raw_len) == 0;
	if (got->raw_len > 0)
		return false;
	/* SACK's block count is part of its value, but a template SACK with no blocks
	 * accepts any; MSS/WS/TS given fewer values than the kind has leave the rest open. */
	if (want->kind == TCPOPT_SACK && want->nval > 0 && want->nval != got->nval)
		return false;
	for (unsigned v = 0; v < want->nval && v < TPL_OPT_VALS; v++) {
		if (want->wild & (1u << v))
			continue;
		if (v >= got->nval || want->val[v] != got->val[v])
			return false;
	}
	return true;
}

static bool match_one_opt(const struct tpl_opt *want, const struct wire_opts *w,
			  const struct match_ctx *c, char *why, size_t whylen)
{
	char e[160], g[160];
	int i = wire_find(w, want->kind, 0);
	tpl_opt_format(want, e, sizeof(e));
	if (i < 0)
		return want->absent ||
		       fail(why, whylen, "options: expected %s, got no option of kind %u", e, want->kind);
	tpl_opt_format(&w->opt[i], g, sizeof(g));
	if (want->absent)
		return fail(why, whylen, "options: expected %s, got %s", e, g);
	/* A kind may repeat on the wire (a broken stack sends two MSS options, or one
	 * well-formed and one with a bad length): any occurrence with the wanted value
	 * satisfies the template, so a segment always matches the line it is printed as.
	 * A failure names the first occurrence. */
	for (int k = i; k >= 0; k = wire_find(w, want->kind, k + 1))
		if (opt_equal(want, w, k))
			return true;
	if (want->kind == TCPOPT_SACK && want->raw_len == 0)
		return fail(why, whylen, "option: expected %s, got %s (blocks relative to iss %u)", e, g,
			    c->iss);
	return fail(why, whylen, "option: expected %s, got %s", e, g);
}

static bool listed(const struct tpl *t, uint8_t kind)
{
	for (size_t i = 0; i < t->nopt && i < TPL_MAX_OPTS; i++)
		if (t->opt[i].kind == kind && !t->opt[i].absent)
			return true;
	return false;
}

/* tpl.h: every listed option must be present with its values, absent ones must be
 * absent, and with opts_exact no kind other than NOP/EOL may appear unlisted.
 * NOP and EOL are layout, not meaning (RFC 9293 3.2), so they are never compared. */
static bool match_opts(const struct tpl *t, const struct seg *s, const struct match_ctx *c,
		       char *why, size_t whylen)
{
	struct wire_opts w;
	char g[160];
	if (!(t->have & TPL_OPTS))
		return true;
	wire_walk(s, c, WIRE_MAX_OPTS, &w);
	for (size_t i = 0; i < t->nopt && i < TPL_MAX_OPTS; i++) {
		const struct tpl_opt *o = &t->opt[i];
		if (o->kind == TCPOPT_NOP || o->kind == TCPOPT_EOL)
			continue;
		if (!match_one_opt(o, &w, c, why, whylen))
			return false;
	}
	if (!t->opts_exact)
		return true;
	if (w.malformed) {
		tpl_opt_format(&w.opt[w.n - 1], g, sizeof(g));
		return fail(why, whylen, "options: malformed option bytes %s (a length runs past the "
			    "option space or is < 2, RFC 9293 3.2)", g);
	}
	for (size_t i = 0; i < w.n; i++) {
		const struct tpl_opt *o = &w.opt[i];
		if (o->kind == TCPOPT_NOP || o->kind == TCPOPT_EOL || listed(t, o->kind))
			continue;
		tpl_opt_format(o, g, sizeof(g));
		return fail(why, whylen, "options: unexpected %s (the expected option list is exact)", g);
	}
	return true;
}

/* True when s satisfies t; only fields in t->have are compared (match.h). The order of
 * checks is the order a reader scans a segment: flags, seq, ack, win, urg, len, data,
 * IP fields, options; the first difference is reported. */
bool match_seg(const struct tpl *t, const struct seg *s, const struct match_ctx *c,
	       char *why, size_t whylen)
{
	if (why && whylen)
		why[0] = '\0';
	if (!c)
		c = &zero_ctx;
	if (s->kind != SEG_KIND_TCP)
		return fail(why, whylen, "kind: expected a TCP segment, got kind %d", (int)s->kind);
	return match_tcp(t, s, c, why, whylen) && match_data(t, s, why, whylen) &&
	       match_ip(t, s, why, whylen) && match_opts(t, s, c, why, whylen);
}
