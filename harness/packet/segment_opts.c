/* segment_opts.c -- decoding of the TCP option list of a captured segment (RFC 9293
 * 3.2, RFC 7323, RFC 2018). Part of the decoder (segment.c); the walker is also what
 * segment_format.c prints the options with. Nothing here allocates. */
#include <stdbool.h>
#include <string.h>

#include "segment.h"
#include "segment_int.h"

/* See segment_int.h. Every read is checked against n first: the length byte comes
 * from the wire. */
int seg_opt_next(const uint8_t *o, size_t n, size_t *i, struct seg_opt_view *v)
{
	if (*i >= n)
		return 0;
	v->kind = o[*i];
	v->data = NULL;
	if (v->kind == TCPOPT_EOL || v->kind == TCPOPT_NOP) {
		v->len = 1;
		*i += 1;
		return 1;
	}
	if (*i + 1 >= n)
		return -1;
	v->len = o[*i + 1];
	if (v->len < 2 || v->len > n - *i)
		return -1;
	v->data = o + *i + 2;
	*i += v->len;
	return 1;
}

/* Records a SACK option (RFC 2018 3: length 2 + 8n). Whole blocks are kept even when the
 * length is not of that form, which then marks the list malformed. */
static void opt_take_sack(struct seg_opts *so, const struct seg_opt_view *v)
{
	size_t nblk = (size_t)(v->len - 2) / 8, k;

	if (v->len < 10 || (v->len - 2) % 8 != 0)
		so->malformed = true;
	for (k = 0; k < nblk && so->nsack < SEG_MAX_SACK; k++) {
		so->sack[so->nsack].left = seg_rd32(v->data + 8 * k);
		so->sack[so->nsack].right = seg_rd32(v->data + 8 * k + 4);
		so->nsack++;
	}
	if (nblk > 0)
		so->present |= SEG_OPT_SACK;
}

/* Records one option into *so. Known kinds with a length other than the one their RFC
 * fixes (MSS 4: RFC 9293 3.2; WS 3, TS 10: RFC 7323 2.2, 3.2; SACK-permitted 2: RFC
 * 2018 2) are not taken as that option but mark the list malformed. */
static void opt_take(struct seg_opts *so, const struct seg_opt_view *v)
{
	switch (v->kind) {
	case TCPOPT_EOL:
	case TCPOPT_NOP:
		return;
	case TCPOPT_MSS:
		if (v->len != 4)
			break;
		so->mss = seg_rd16(v->data);
		so->present |= SEG_OPT_MSS;
		return;
	case TCPOPT_WSCALE:
		if (v->len != 3)
			break;
		so->wscale = v->data[0];
		so->present |= SEG_OPT_WSCALE;
		return;
	case TCPOPT_SACKOK:
		if (v->len != 2)
			break;
		so->present |= SEG_OPT_SACKOK;
		return;
	case TCPOPT_SACK:
		opt_take_sack(so, v);
		return;
	case TCPOPT_TS:
		if (v->len != 10)
			break;
		so->ts_val = seg_rd32(v->data);
		so->ts_ecr = seg_rd32(v->data + 4);
		so->present |= SEG_OPT_TS;
		return;
	default:
		so->present |= SEG_OPT_OTHER;
		return;
	}
	so->malformed = true;
}

/* See segment_int.h. A malformed list sets so->malformed and keeps the options
 * before the bad one. */
void seg_opts_decode(const uint8_t *o, size_t n, struct seg_opts *so)
{
	struct seg_opt_view v;
	size_t i = 0;
	int r;

	so->raw_len = (uint8_t)n;
	memcpy(so->raw, o, n);
	while ((r = seg_opt_next(o, n, &i, &v)) == 1) {
		opt_take(so, &v);
		if (v.kind == TCPOPT_EOL)
			return; /* RFC 9293 3.2: what follows EOL is padding */
	}
	if (r < 0)
		so->malformed = true;
}

