/* fuzz_segment: the frame decoder and its text forms, fed arbitrary bytes as a stack
 * under test could put them on the wire.
 *
 * Oracles beyond "no crash, no ASan/UBSan report":
 *  - the decoded payload lies inside the frame and the option bytes fit the header;
 *  - seg_format's return value is the length it writes, and a short buffer gets a
 *    NUL-terminated prefix of the full line (the snprintf contract segment.h promises);
 *  - for a TCP segment, the shorthand that match_format_seg prints parses back
 *    (tpl_parse) into a template that matches the very segment it came from: the
 *    decoder, the renderer, the shorthand parser and the matcher agree with each other
 *    (a malformed option list fails an exact list by design, and a list of more options
 *    than a template holds cannot be rendered one by one: then the rest must match). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "segment.h"
#include "tpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_segment: %s: %s\n", what, detail);
	abort();
}

static void check_format(const struct seg *s)
{
	char full[2048], part[17];
	int n = seg_format(s, full, sizeof(full));
	if (n < 0 || (size_t)n >= sizeof(full) || strlen(full) != (size_t)n)
		die("seg_format length", full);
	/* A short buffer: the first 16 bytes of the line, terminated, same return value. */
	int m = seg_format(s, part, sizeof(part));
	size_t keep = (size_t)n < sizeof(part) - 1 ? (size_t)n : sizeof(part) - 1;
	if (m != n || strlen(part) != keep || strncmp(part, full, keep) != 0)
		die("seg_format truncation is not a prefix", full);
	if (seg_format(s, NULL, 0) != n)
		die("seg_format(NULL, 0) length differs", full);
}

/* Options on the wire, counted as the matcher walks them (RFC 9293 3.2), up to an EOL or
 * a bad length. */
static unsigned wire_entries(const struct seg *s)
{
	unsigned n = 0;
	for (size_t i = 0; i < s->opt.raw_len; n++) {
		uint8_t k = s->opt.raw[i];
		if (k == TCPOPT_EOL)
			return n + 1;
		if (k == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= s->opt.raw_len || s->opt.raw[i + 1] < 2)
			return n + 1;
		i += s->opt.raw[i + 1];
	}
	return n;
}

/* decode -> shorthand -> parse -> match must come back to the same segment. */
static void check_shorthand(const struct seg *s)
{
	static const struct match_ctx ctxs[] = {{.iss = 0, .irs = 0}, {.iss = 0xdeadbeef, .irs = 0x12345678}};
	for (size_t i = 0; i < sizeof(ctxs) / sizeof(ctxs[0]); i++) {
		char text[1024], err[256], why[256];
		struct tpl t;
		int n = match_format_seg(s, &ctxs[i], text, sizeof(text));
		if (n < 0 || (size_t)n >= sizeof(text))
			die("match_format_seg length", text);
		if (tpl_parse(text, &t, err, sizeof(err)) != 0)
			die("shorthand of a decoded segment does not parse", err);
		bool ok = match_seg(&t, s, &ctxs[i], why, sizeof(why));
		/* lua/SHORTHAND.md: an option list whose length bytes run past the option
		 * space is malformed and an exact list then fails, by design. Everything
		 * else in the line must still match. */
		/* A template holds TPL_MAX_OPTS options: a rendering of more options keeps the
		 * tail as one raw entry, which then matches no single option on the wire. */
		bool lossy = wire_entries(s) > TPL_MAX_OPTS - 1;
		if (!ok && (lossy || strncmp(why, "options: malformed option bytes", 31) == 0)) {
			t.have &= ~(uint32_t)TPL_OPTS;
			ok = match_seg(&t, s, &ctxs[i], why, sizeof(why));
		}
		if (!ok) {
			fprintf(stderr, "shorthand: %s\n", text);
			die("segment does not match its own shorthand", why);
		}
		tpl_free(&t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seg s;
	char err[256];
	int r = seg_decode(data, size, &s, err, sizeof(err));
	if (r != 0 && err[0] == '\0')
		die("seg_decode failed without a message", "");
	if (r == 0 && s.kind == SEG_KIND_TCP) {
		if (s.payload < data || s.payload + s.payload_len > data + size)
			die("payload outside the frame", "");
		if (s.opt.raw_len > 40 || (size_t)s.doff * 4 != 20u + s.opt.raw_len)
			die("option bytes do not fit the data offset", "");
		check_shorthand(&s);
	}
	check_format(&s);
	return 0;
}
