/* xw: the XML writer of the JUnit report (see xw.h).
 *
 * Escaping (XML 1.0, W3C REC-xml section 2.2 "Characters", 2.4 "Character Data",
 * 2.11 "End-of-Line Handling", 3.3.3 "Attribute-Value Normalization"):
 *   & < > " '           -> entities everywhere (">" always, so "]]>" can never appear)
 *   TAB LF CR in attributes -> &#9; &#10; &#13; (normalisation would turn them into spaces)
 *   CR in text          -> &#13; (end-of-line handling would turn it into LF)
 *   other C0 controls, invalid UTF-8 (stray continuation bytes, truncated and overlong
 *   sequences, surrogates, > U+10FFFF), U+FFFE and U+FFFF
 *                       -> the text "\xNN" for each offending byte, so the reader still
 *                          sees which bytes a misbehaving stack or script produced.
 *   valid UTF-8 (emoji included) passes through unchanged. No CDATA is used at all.
 * Each text node is capped at 4 MiB of output and each attribute value at 64 KiB (see
 * TEXT_LIMIT), so libxml2-based consumers never reject the file as too large.
 */
#include "xw.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

static const char TRUNCATED_NOTE[] = "[truncated by tcpconform]";

void xw_put(struct xw *w, const char *s, size_t n)
{
	if (w->err || n == 0)
		return;
	errno = 0;
	if (fwrite(s, 1, n, w->f) != n)
		w->err = errno ? errno : EIO;
}

void xw_str(struct xw *w, const char *s)
{
	xw_put(w, s, strlen(s));
}

/* Starts a text node or attribute value: a fresh budget of limit bytes. */
void xw_node_begin(struct xw *w, size_t limit)
{
	w->room = limit;
	w->cut = false;
}

/* Ends it, saying so in the output when content was dropped. */
void xw_node_end(struct xw *w, bool text)
{
	if (w->cut) {
		if (text)
			xw_str(w, "\n");
		xw_str(w, TRUNCATED_NOTE);
	}
	w->room = SIZE_MAX;
	w->cut = false;
}

/* Claims n bytes of the current node's budget; false once it is exhausted. */
static bool xw_take(struct xw *w, size_t n)
{
	if (w->cut || n > w->room) {
		w->cut = true;
		return false;
	}
	w->room -= n;
	return true;
}

/* Constant text that is part of a node's content (marker syntax, newlines). */
void xw_content(struct xw *w, const char *s)
{
	size_t n = strlen(s);
	if (xw_take(w, n))
		xw_put(w, s, n);
}

/* Length of the well-formed UTF-8 sequence starting at p (Unicode 15 table 3-7) that
 * is also an XML 1.0 Char, or 0: lone or unexpected continuation bytes, truncation,
 * overlong forms (C0, C1, E0 80-9F, F0 80-8F), surrogates (ED A0-BF), code points
 * above U+10FFFF (F4 90+, F5-FF) and the non-characters U+FFFE/U+FFFF all give 0. */
static size_t utf8_xml_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	if (c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
		return 0; /* U+FFFE, U+FFFF: excluded from Char (section 2.2) */
	return len;
}

/* The "\xNN" text standing for a byte XML cannot carry. hex must hold 5 bytes. */
static const char *hex_escape(unsigned c, char *hex)
{
	snprintf(hex, 5, "\\x%02X", c & 0xFFu);
	return hex;
}

/* Replacement for an ASCII byte, or NULL when it is written as is. */
static const char *ascii_replacement(unsigned c, enum esc_mode mode, char *hex)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&apos;";
	case '\t':
		return mode == ESC_ATTR ? "&#9;" : mode == ESC_MARKER ? hex_escape(c, hex) : NULL;
	case '\n':
		return mode == ESC_ATTR ? "&#10;" : mode == ESC_MARKER ? hex_escape(c, hex) : NULL;
	case '\r':
		return mode == ESC_MARKER ? hex_escape(c, hex) : "&#13;";
	default:
		return c < 0x20 ? hex_escape(c, hex) : NULL;
	}
}

/* Writes s escaped for mode, within the node's budget and never splitting a
 * character; runs of bytes that need nothing are written in one go. */
void xw_escaped(struct xw *w, const char *s, enum esc_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), start = 0, i = 0;
	char hex[5];
	while (i < n) {
		const char *rep = NULL;
		size_t k = 1;
		if (p[i] >= 0x80) {
			k = utf8_xml_len(p + i, n - i);
			if (!k) {
				rep = hex_escape(p[i], hex);
				k = 1;
			}
		} else {
			rep = ascii_replacement(p[i], mode, hex);
		}
		if (!xw_take(w, rep ? strlen(rep) : k))
			break;
		if (!rep) {
			i += k;
			continue;
		}
		xw_put(w, s + start, i - start);
		xw_str(w, rep);
		start = ++i;
	}
	xw_put(w, s + start, i - start);
}

void xw_attr(struct xw *w, const char *name, const char *value)
{
	xw_str(w, " ");
	xw_str(w, name);
	xw_str(w, "=\"");
	xw_node_begin(w, ATTR_LIMIT);
	xw_escaped(w, value, ESC_ATTR);
	xw_node_end(w, false);
	xw_str(w, "\"");
}

void xw_attr_int(struct xw *w, const char *name, int v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", v);
	xw_attr(w, name, buf);
}

/* Exactly three decimals, no sign, no exponent: what SUREFIRE_TIME accepts. */
void xw_attr_millis(struct xw *w, const char *name, uint64_t ms)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64 ".%03u", ms / 1000, (unsigned)(ms % 1000));
	xw_attr(w, name, buf);
}

/* Text followed by a newline unless it already ends in one. */
void xw_line(struct xw *w, const char *text)
{
	xw_escaped(w, text, ESC_TEXT);
	size_t n = strlen(text);
	if (n == 0 || text[n - 1] != '\n')
		xw_content(w, "\n");
}
