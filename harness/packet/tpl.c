/* tpl.c -- what a segment template is: its lifecycle (init, free, copy, payload) and the
 * vocabulary the parser, the renderer and the encoder share (flag letters, the option
 * table, option sizes on the wire; tpl_int.h).
 *
 * The shorthand itself is read in tpl_parse.c, written back in tpl_format.c, and a
 * template's options are serialised for sending in tpl_encode.c. */
#include "tpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "segment.h"
#include "tpl_int.h"

/* ---------------------------------------------------------------- flag letters */

/* packetdrill's (and tcpdump 4.1's) order, so rendered flags read like theirs. */
const struct tpl_flag_letter tpl_flag_letters[TPL_N_FLAG_LETTERS] = {
	{'F', SEG_FIN}, {'S', SEG_SYN}, {'R', SEG_RST}, {'P', SEG_PSH},
	{'.', SEG_ACK}, {'U', SEG_URG}, {'E', SEG_ECE}, {'W', SEG_CWR},
};

/* See tpl_int.h. A linear scan: eight letters. */
int tpl_flag_bit(char c)
{
	for (size_t i = 0; i < TPL_N_FLAG_LETTERS; i++)
		if (tpl_flag_letters[i].letter == c)
			return tpl_flag_letters[i].bit;
	return -1;
}

/* ------------------------------------------------------------ option table */

static const struct tpl_opt_desc opt_descs[] = {
	{"mss", TCPOPT_MSS, 1, 4, 65535},
	{"wscale", TCPOPT_WSCALE, 1, 3, 255},     /* RFC 7323 2.3: > 14 is legal on the wire */
	{"sackOK", TCPOPT_SACKOK, 0, 2, 0},
	{"sack", TCPOPT_SACK, 2, 2, UINT32_MAX},   /* RFC 2018 3: 2 + 8n bytes */
	{"TS", TCPOPT_TS, 2, 10, UINT32_MAX},      /* RFC 7323 3.2 */
	{"nop", TCPOPT_NOP, 0, 1, 0},
	{"eol", TCPOPT_EOL, 0, 1, 0},
};
#define N_OPT_DESCS (sizeof(opt_descs) / sizeof(opt_descs[0]))

/* See tpl_int.h. */
const struct tpl_opt_desc *tpl_opt_desc_by_kind(uint8_t kind)
{
	for (size_t i = 0; i < N_OPT_DESCS; i++)
		if (opt_descs[i].kind == kind)
			return &opt_descs[i];
	return NULL;
}

/* See tpl_int.h. */
const struct tpl_opt_desc *tpl_opt_desc_by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < N_OPT_DESCS; i++)
		if (strlen(opt_descs[i].name) == len && strncasecmp(opt_descs[i].name, name, len) == 0)
			return &opt_descs[i];
	return NULL;
}

/* See tpl_int.h: SACK is 2 + 4 bytes per edge (RFC 2018 3), a kind without a table
 * entry and without raw bytes counts its kind and length bytes. */
size_t tpl_opt_wire_size(const struct tpl_opt *o)
{
	if (o->absent)
		return 0;
	if (o->raw_len > 0)
		return o->raw_len;
	if (o->kind == TCPOPT_SACK)
		return 2 + 4 * (size_t)o->nval;
	const struct tpl_opt_desc *d = tpl_opt_desc_by_kind(o->kind);
	return d ? d->size : 2;
}

/* See tpl_int.h. */
size_t tpl_opts_wire_size(const struct tpl *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->nopt && i < TPL_MAX_OPTS; i++)
		n += tpl_opt_wire_size(&t->opt[i]);
	return n;
}

/* See tpl_int.h; the padded size is named too when it is what breaks the limit. */
void tpl_opts_too_big_msg(size_t bytes, char *buf, size_t len)
{
	size_t padded = (bytes + 3) & ~(size_t)3;
	if (padded == bytes)
		snprintf(buf, len, "options take %zu bytes, " TPL_OPT_SPACE_MSG, bytes);
	else
		snprintf(buf, len, "options take %zu bytes (%zu with padding), " TPL_OPT_SPACE_MSG,
			 bytes, padded);
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

