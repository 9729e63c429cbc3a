#ifndef TCPCONFORM_XW_H
#define TCPCONFORM_XW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* xw: an XML 1.0 writer for the JUnit report -- escaping (W3C REC-xml 2.2, 2.4, 2.11,
 * 3.3.3; the rules are listed at the top of xw.c) and a byte budget per text node or
 * attribute value. */


/* libxml2 (xmllint, lxml, Nokogiri and so GitLab) refuses, unless given
 * XML_PARSE_HUGE, a text node longer than 10,000,000 bytes ("huge text node") and a run
 * of start tags whose attributes add up to about as much ("Huge input lookup"). A
 * parser never hands back more bytes than the escaped form we write, so capping each
 * text node's escaped content at 4 MiB and each attribute value's at 64 KiB keeps
 * every report loadable, however much a script logs or however long a name it makes
 * up. Attributes are names and one-line messages: 64 KiB is far beyond any real one. */
#define TEXT_LIMIT ((size_t)4 * 1024 * 1024)
#define ATTR_LIMIT ((size_t)64 * 1024)

/* A FILE with a sticky error (the first failed write is remembered, the rest skipped)
 * and the byte budget of the text node or attribute value being written. */
struct xw {
	FILE *f;
	int err;
	size_t room; /* bytes the current node may still take */
	bool cut;    /* the current node ran out of room */
};

/* A writer on f with no error and no budget in force. */
#define XW_INIT(file) ((struct xw){.f = (file), .err = 0, .room = SIZE_MAX, .cut = false})

/* Where a string lands decides how whitespace must be protected. */
enum esc_mode {
	ESC_TEXT,   /* element content: CR would become LF (XML 1.0 section 2.11) */
	ESC_ATTR,   /* attribute value: TAB/LF/CR would become spaces (section 3.3.3) */
	ESC_MARKER, /* inside a [[...]] line of <system-out>: must stay on one line */
};

/* n raw bytes, markup included: outside any budget. */
void xw_put(struct xw *w, const char *s, size_t n);
/* A raw string (markup). */
void xw_str(struct xw *w, const char *s);
/* Starts a text node or attribute value: a fresh budget of limit bytes. */
void xw_node_begin(struct xw *w, size_t limit);
/* Ends it, saying so in the output (TRUNCATED_NOTE) when content was dropped. */
void xw_node_end(struct xw *w, bool text);
/* Constant text that is part of a node's content (marker syntax, newlines). */
void xw_content(struct xw *w, const char *s);
/* s escaped for mode, within the node's budget and never splitting a character: valid
 * UTF-8 passes, what XML cannot carry becomes "\xNN". */
void xw_escaped(struct xw *w, const char *s, enum esc_mode mode);
/* name="value" with value escaped, at most ATTR_LIMIT bytes of it. */
void xw_attr(struct xw *w, const char *name, const char *value);
void xw_attr_int(struct xw *w, const char *name, int v);
/* Milliseconds as seconds with exactly three decimals, no sign, no exponent: what the
 * schema's SUREFIRE_TIME accepts. */
void xw_attr_millis(struct xw *w, const char *name, uint64_t ms);
/* Text followed by a newline unless it already ends in one. */
void xw_line(struct xw *w, const char *text);

#endif
