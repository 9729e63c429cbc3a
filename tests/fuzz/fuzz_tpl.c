/* fuzz_tpl: the shorthand parser (lua/SHORTHAND.md) on arbitrary text.
 *
 * Oracles beyond "no crash, no ASan/UBSan report":
 *  - a rejected text always comes with a message;
 *  - round trip: a template that parses is rendered back (tpl_format), the rendering
 *    must parse, give the same template field by field, and render to the same text
 *    again (tpl.h promises tpl_parse(tpl_format(t)) == t for parsed templates);
 *  - when the options can be sent (tpl_opts_encode succeeds) the bytes are padded to
 *    a multiple of 4 and fit the 40 bytes RFC 9293 3.1 leaves for options;
 *  - send and expect agree: those bytes, put in a segment and decoded (seg_decode),
 *    match the template's own option list (match_seg), except where lua/SHORTHAND.md
 *    says they cannot (see expectable()). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "segment.h"
#include "tpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *input;

static void die(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_tpl: %s\n  input:  \"%s\"\n  first:  \"%s\"\n  second: \"%s\"\n",
		what, input, a, b);
	abort();
}

/* The name of the first field where a and b differ, or NULL when they are equal. */
static const char *tpl_diff(const struct tpl *a, const struct tpl *b)
{
	if (a->have != b->have)
		return "have";
	if (a->flags != b->flags)
		return "flags";
	if (a->seq != b->seq || a->ack != b->ack || a->len != b->len)
		return "seq/ack/len";
	if (a->win != b->win || a->urg != b->urg)
		return "win/urg";
	if (a->opts_exact != b->opts_exact || a->nopt != b->nopt)
		return "option list";
	for (unsigned i = 0; i < a->nopt && i < TPL_MAX_OPTS; i++) {
		const struct tpl_opt *x = &a->opt[i], *y = &b->opt[i];
		if (x->kind != y->kind || x->absent != y->absent || x->nval != y->nval ||
		    x->wild != y->wild || x->raw_len != y->raw_len ||
		    memcmp(x->val, y->val, sizeof(x->val)) != 0 ||
		    memcmp(x->raw, y->raw, sizeof(x->raw)) != 0)
			return "an option";
	}
	return NULL;
}

/* A raw entry that is one option: kind, length == its size, data; or a run of NOPs, or
 * an EOL and zero padding (SHORTHAND.md's way to write many NOPs). */
static bool raw_is_one_option(const struct tpl_opt *o)
{
	if (o->kind == TCPOPT_NOP || o->kind == TCPOPT_EOL) {
		for (unsigned i = 1; i < o->raw_len; i++)
			if (o->raw[i] != o->kind)
				return o->kind == TCPOPT_EOL && o->raw[i] == 0;
		return true;
	}
	return o->raw_len >= 2 && o->raw[1] == o->raw_len;
}

/* Whether t's option list, once sent, can be expected back by t itself. Not when the
 * list contradicts itself (a kind both listed and required absent), when options follow
 * an EOL (RFC 9293 3.2: what follows EOL is padding, not options), when a raw entry is
 * not exactly one option (its bytes then read as other options), or for a SACK without
 * blocks (sent as a bare 2-byte SACK, which RFC 2018 3 does not allow and which the
 * decoder therefore shows as raw bytes). */
static bool expectable(const struct tpl *t)
{
	bool eol = false;
	for (unsigned i = 0; i < t->nopt; i++) {
		const struct tpl_opt *o = &t->opt[i];
		if (o->absent) {
			for (unsigned j = 0; j < t->nopt; j++)
				if (!t->opt[j].absent && t->opt[j].kind == o->kind)
					return false;
			continue;
		}
		if (eol)
			return false;
		if (o->kind == TCPOPT_EOL)
			eol = true;
		if (o->raw_len > 0 && !raw_is_one_option(o))
			return false;
		if (o->raw_len == 0 && o->kind == TCPOPT_SACK && o->nval == 0)
			return false;
	}
	return true;
}

/* The encoded options in an IPv4 TCP segment, decoded and matched against t's list. */
static void check_send_expect(const struct tpl *t, const uint8_t *opts, int k, const char *one)
{
	uint8_t f[14 + 20 + 20 + 40] = {0};
	uint8_t *ip = f + 14, *tcp = ip + 20;
	size_t len = sizeof(f) - 40 + (size_t)k;
	f[12] = 0x08;                                   /* IPv4 */
	ip[0] = 0x45;
	ip[2] = (uint8_t)((len - 14) >> 8);
	ip[3] = (uint8_t)(len - 14);
	ip[8] = 64;
	ip[9] = 6;                                      /* TCP */
	ip[12] = 198, ip[13] = 18, ip[15] = 1;
	ip[16] = 198, ip[17] = 18, ip[19] = 2;
	tcp[12] = (uint8_t)(((20 + k) / 4) << 4);
	tcp[13] = SEG_SYN;
	memcpy(tcp + 20, opts, (size_t)k);
	struct seg s;
	char err[256], why[256];
	if (seg_decode(f, len, &s, err, sizeof(err)) != 0 || s.kind != SEG_KIND_TCP)
		die("encoded options do not decode", one, err);
	if (s.opt.raw_len != k || memcmp(s.opt.raw, opts, (size_t)k) != 0)
		die("decoded option bytes differ from the encoded ones", one, "");
	if (!(t->have & TPL_OPTS) || !expectable(t))
		return;
	struct tpl m = *t;
	m.have = TPL_OPTS;
	m.data = NULL;
	struct match_ctx c = {.iss = 0, .irs = 0};
	if (!match_seg(&m, &s, &c, why, sizeof(why)) &&
	    strncmp(why, "options: malformed option bytes", 31) != 0)
		die("the options sent do not match the same options expected", one, why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char err[256], one[2048], two[2048];
	struct tpl t, u;
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	input = text;
	if (tpl_parse(text, &t, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			die("rejected without a message", "", "");
		free(text);
		return 0;
	}
	int n = tpl_format(&t, one, sizeof(one));
	if (n < 0 || (size_t)n >= sizeof(one) || strlen(one) != (size_t)n)
		die("tpl_format length", one, "");
	if (tpl_parse(one, &u, err, sizeof(err)) != 0)
		die("the rendering does not parse", one, err);
	const char *field = tpl_diff(&t, &u);
	if (field) {
		char what[80];
		snprintf(what, sizeof(what), "round trip changed the field \"%s\"", field);
		die(what, one, "(reparsed)");
	}
	tpl_format(&u, two, sizeof(two));
	if (strcmp(one, two) != 0)
		die("rendering is not stable", one, two);
	uint8_t opts[40];
	int k = tpl_opts_encode(&t, opts, err, sizeof(err));
	if (k >= 0 && (k > 40 || k % 4 != 0))
		die("encoded options not padded or too long", one, "");
	if (k < 0 && err[0] == '\0')
		die("tpl_opts_encode failed without a message", one, "");
	if (k >= 0)
		check_send_expect(&t, opts, k, one);
	tpl_free(&t);
	tpl_free(&u);
	free(text);
	return 0;
}
