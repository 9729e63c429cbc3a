/* json_str: a JSON string's reader and writer (json_str.h). */
#include "json_str.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "strbuf.h"

static int hex_quad(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int d = hex_value(p[i]);
		if (d < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return 0;
}

static void utf8_put(struct strbuf *b, unsigned cp)
{
	char u[4];
	size_t n = 0;
	if (cp < 0x80) {
		u[n++] = (char)cp;
	} else if (cp < 0x800) {
		u[n++] = (char)(0xc0 | cp >> 6);
		u[n++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		u[n++] = (char)(0xe0 | cp >> 12);
		u[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[n++] = (char)(0x80 | (cp & 0x3f));
	} else {
		u[n++] = (char)(0xf0 | cp >> 18);
		u[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[n++] = (char)(0x80 | (cp & 0x3f));
	}
	strbuf_add(b, u, n);
}

static int refuse(struct strbuf *b, const char **what, const char *msg)
{
	strbuf_free(b);
	*what = msg;
	return -1;
}

int json_str_read(const char **pp, char **out, const char **what)
{
	const char *p = *pp;
	if (*p != '"') {
		*what = "expected a string";
		return -1;
	}
	p++;
	struct strbuf b = {0};
	strbuf_add(&b, "", 0);
	int rc = 0;
	while (rc == 0 && *p != '"') {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20) {
			rc = refuse(&b, what, c ? "expected an escape for a control character"
					       : "expected the closing '\"'");
			break;
		}
		if (c != '\\') {
			strbuf_add(&b, p++, 1);
			continue;
		}
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *e = p[1] ? strchr(from, p[1]) : NULL;
		if (e) {
			strbuf_add(&b, &to[e - from], 1);
			p += 2;
			continue;
		}
		unsigned cp, lo;
		p++;
		if (*p != 'u' || hex_quad(p + 1, &cp) < 0 || cp == 0) {
			rc = refuse(&b, what, "expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t "
				    "\\uXXXX, not \\u0000)");
			break;
		}
		p += 5;
		if (cp >= 0xd800 && cp < 0xdc00 && p[0] == '\\' && p[1] == 'u' &&
		    hex_quad(p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			p += 6;
		}
		utf8_put(&b, cp);
	}
	*pp = p;
	if (rc < 0)
		return -1;
	*pp = p + 1;
	/* Thousands of results stay in memory until the reports are written: no slack. */
	char *tight = b.s ? realloc(b.s, b.len + 1) : NULL;
	*out = tight ? tight : b.s;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629 section 4), 0 if none. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

void json_str_write(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	fputc('"', f);
	while (*p) {
		size_t n = utf8_len(p);
		if (n == 1 && (*p < 0x20 || *p == '"' || *p == '\\')) {
			const char *e = *p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : *p == '\n' ? "\\n"
				      : *p == '\t' ? "\\t" : *p == '\r' ? "\\r" : NULL;
			if (e)
				fputs(e, f);
			else
				fprintf(f, "\\u%04x", *p);
		} else if (n == 0) {
			fprintf(f, "\\u%04x", *p);
			n = 1;
		} else {
			fwrite(p, 1, n, f);
		}
		p += n;
	}
	fputc('"', f);
}
