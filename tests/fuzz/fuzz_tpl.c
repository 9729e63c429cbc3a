/* fuzz_tpl: the shorthand parser (lua/SHORTHAND.md) on arbitrary text.
 *
 * Oracles beyond "no crash, no ASan/UBSan report":
 *  - a rejected text always comes with a message;
 *  - round trip: a template that parses is rendered back (tpl_format), the rendering
 *    must parse, give the same template field by field, and render to the same text
 *    again (tpl.h promises tpl_parse(tpl_format(t)) == t for parsed templates);
 *  - when the options can be sent (tpl_opts_encode succeeds) the bytes are padded to
 *    a multiple of 4 and fit the 40 bytes RFC 9293 3.1 leaves for options. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	tpl_free(&t);
	tpl_free(&u);
	free(text);
	return 0;
}
