/* tpl_format.c -- renders a template back in the shorthand (lua/SHORTHAND.md): the
 * inverse of tpl_parse for everything the shorthand can say, and the names the matcher
 * uses for options in its messages. */
#include "tpl.h"

#include <stdint.h>

#include "segment.h"
#include "textout.h"
#include "tpl_int.h"

static void out_flags(struct textout *o, const struct tpl *t)
{
	if (!(t->have & TPL_FLAGS)) {
		textout_printf(o, "*");
		return;
	}
	if (t->flags == 0 && t->flags_any == 0) {
		textout_printf(o, "-");
		return;
	}
	for (size_t i = 0; i < TPL_N_FLAG_LETTERS; i++)
		if (t->flags & tpl_flag_letters[i].bit)
			textout_printf(o, "%c", tpl_flag_letters[i].letter);
		else if (t->flags_any & tpl_flag_letters[i].bit)
			textout_printf(o, "p");   /* only PSH can be either way (tpl_parse) */
}

static void out_val(struct textout *o, const struct tpl_opt *opt, unsigned i)
{
	if (i >= opt->nval || i >= TPL_OPT_VALS || (opt->wild & (1u << i)))
		textout_printf(o, "*");
	else
		textout_printf(o, "%u", opt->val[i]);
}

static void out_hex(struct textout *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		textout_printf(o, "%02x", p[i]);
}

static void out_opt(struct textout *o, const struct tpl_opt *opt)
{
	const struct tpl_opt_desc *d = tpl_opt_desc_by_kind(opt->kind);
	if (opt->absent) {
		if (d)
			textout_printf(o, "!%s", d->name);
		else
			textout_printf(o, "!raw %02x", opt->kind);
		return;
	}
	if (opt->raw_len > 0 || !d) {
		textout_printf(o, "raw ");
		if (opt->raw_len > 0)
			out_hex(o, opt->raw, opt->raw_len > sizeof(opt->raw) ? sizeof(opt->raw) : opt->raw_len);
		else
			textout_printf(o, "%02x", opt->kind);
		return;
	}
	textout_printf(o, "%s", d->name);
	switch (opt->kind) {
	case TCPOPT_MSS:
	case TCPOPT_WSCALE:
		textout_printf(o, " ");
		out_val(o, opt, 0);
		break;
	case TCPOPT_TS:
		textout_printf(o, " val ");
		out_val(o, opt, 0);
		textout_printf(o, " ecr ");
		out_val(o, opt, 1);
		break;
	case TCPOPT_SACK:
		for (unsigned i = 0; i + 1 < opt->nval && i + 1 < TPL_OPT_VALS; i += 2) {
			textout_printf(o, " ");
			out_val(o, opt, i);
			textout_printf(o, ":");
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
	struct textout o;
	textout_init(&o, buf, len);
	out_opt(&o, opt);
	return textout_result(&o);
}

/* Renders t in the shorthand: flags ("*" when not set), the range, ack, win, urg and
 * the option list. Payload bytes, IP fields, checksums and the *_ABS bits have no
 * shorthand and are left out. For any template tpl_parse produced,
 * tpl_parse(tpl_format(t)) gives t back. Returns what snprintf would. */
int tpl_format(const struct tpl *t, char *buf, size_t len)
{
	struct textout o;
	textout_init(&o, buf, len);
	out_flags(&o, t);
	if (t->have & (TPL_SEQ | TPL_LEN)) {
		textout_printf(&o, " ");
		if (t->have & TPL_SEQ)
			textout_printf(&o, "%u:", t->seq);
		else
			textout_printf(&o, "*:");
		if ((t->have & TPL_SEQ) && (t->have & TPL_LEN))
			textout_printf(&o, "%u", (uint32_t)(t->seq + t->len));
		else
			textout_printf(&o, "*");
		if (t->have & TPL_LEN)
			textout_printf(&o, "(%u)", t->len);
		else
			textout_printf(&o, "(*)");
	}
	if (t->have & TPL_ACK)
		textout_printf(&o, " ack %u", t->ack);
	if (t->have & TPL_WIN)
		textout_printf(&o, " win %u", t->win);
	if (t->have & TPL_URG)
		textout_printf(&o, " urg %u", t->urg);
	if (t->have & TPL_OPTS) {
		textout_printf(&o, " <");
		size_t n = t->nopt < TPL_MAX_OPTS ? t->nopt : TPL_MAX_OPTS;
		for (size_t i = 0; i < n; i++) {
			if (i)
				textout_printf(&o, ",");
			out_opt(&o, &t->opt[i]);
		}
		if (!t->opts_exact)
			textout_printf(&o, "%s...", n ? "," : "");
		textout_printf(&o, ">");
	}
	return textout_result(&o);
}

