/* tpl_encode.c -- a template's TCP options as bytes for the wire (RFC 9293 3.1 layout,
 * option formats of RFC 9293 3.2, RFC 7323 and RFC 2018). */
#include "tpl.h"

#include <stdio.h>
#include <string.h>

#include "segment.h"
#include "tpl_int.h"

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
	const struct tpl_opt_desc *d = tpl_opt_desc_by_kind(o->kind);
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
	size_t n = tpl_opt_wire_size(o);
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
	size_t bytes = tpl_opts_wire_size(t);
	size_t padded = (bytes + 3) & ~(size_t)3;
	if (padded > TPL_OPT_SPACE) {
		tpl_opts_too_big_msg(bytes, err, errlen);
		return -1;
	}
	size_t off = 0;
	for (size_t i = 0; i < n; i++)
		off += opt_write(&t->opt[i], out + off);
	memset(out + off, 0, padded - off);
	return (int)padded;
}

