/* matrix_text.c - what the matrix writes of strings it was given: escaped for HTML and
 * for Markdown, bytes that are not valid UTF-8 as "\xNN", and pcap paths as links
 * relative to the output file (see the top of matrix.c). */
#include "matrix_int.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when p does not start
 * one (RFC 3629 section 4: no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_valid_len(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	size_t len = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3
		   : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return len;
}

/* Writes s through put_ascii for each ASCII byte that is not a control, verbatim for
 * each valid multi-byte UTF-8 sequence, and as "\xNN" for everything else. TAB, LF and
 * CR go to put_ascii too, which decides what a line break means in its format. */
static void put_text(FILE *f, const char *s, size_t n, void (*put_ascii)(FILE *, char, char, char))
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		bool ws = c == '\t' || c == '\n' || c == '\r';
		if ((c < 0x20 && !ws) || c == 0x7f) {
			fprintf(f, "\\x%02x", c);
			i++;
			continue;
		}
		size_t len = utf8_valid_len(p + i, n - i);
		if (len == 0) {
			fprintf(f, "\\x%02x", c);
			i++;
		} else if (len == 1) {
			put_ascii(f, (char)c, i ? (char)p[i - 1] : ' ', i + 1 < n ? (char)p[i + 1] : ' ');
			i++;
		} else {
			fwrite(p + i, 1, len, f);
			i += len;
		}
	}
}

static void html_ascii(FILE *f, char c, char prev, char next)
{
	switch (c) {
	case '&': fputs("&amp;", f); break;
	case '<': fputs("&lt;", f); break;
	case '>': fputs("&gt;", f); break;
	case '"': fputs("&quot;", f); break;
	case '\'': fputs("&#39;", f); break;
	case '\r': fputs("&#13;", f); break;
	default: fputc(c, f);
	}
}

/* s escaped for HTML text and for a double-quoted attribute value (HTML Living Standard
 * 13.1.2.3 "Attributes", 13.1.3 "Text"): & < > " ' as character references. */
void matrix_html_put(FILE *f, const char *s)
{
	put_text(f, s, strlen(s), html_ascii);
}

void matrix_html_putn(FILE *f, const char *s, size_t n)
{
	put_text(f, s, n, html_ascii);
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* One byte of a Markdown table cell. A line break would end the table row, so it
 * becomes a space. Other punctuation that CommonMark could read as markup is
 * backslash-escaped ('|' included: GFM reads "\|" as a pipe inside the cell); '_' only
 * where it could open or close emphasis, so snake_case names stay readable. */
static void md_ascii(FILE *f, char c, char prev, char next)
{
	if (c == '\n' || c == '\r' || c == '\t') {
		fputc(' ', f);
		return;
	}
	if (c == '_' && is_alnum(prev) && is_alnum(next)) {
		fputc(c, f);
		return;
	}
	/* Markup characters become entity references (CommonMark 2.5), not backslash
	 * escapes, so not a single '<' from a message reaches the file: even a renderer
	 * that passes raw HTML through unsanitised gets only text. */
	if (c == '<' || c == '>' || c == '&') {
		fputs(c == '<' ? "&lt;" : c == '>' ? "&gt;" : "&amp;", f);
		return;
	}
	if (strchr("\\`*_[]|~!#", c))
		fputc('\\', f);
	fputc(c, f);
}

void matrix_md_put(FILE *f, const char *s)
{
	put_text(f, s, strlen(s), md_ascii);
}

/* A path as a URL path: every byte but RFC 3986 unreserved characters and '/' is
 * percent-encoded, so spaces, '#', '?', '(' and ')' cannot end or redirect the link in
 * either format, and no link can start with a scheme. */
static void url_put(FILE *f, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (is_alnum((char)*p) || strchr("-._~/", *p))
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

/* ---- pcap links relative to the output file --------------------------------------- */

/* Lexically normalised form of an absolute path: empty and "." components dropped,
 * ".." removing the one before it. malloc'd; NULL when out of memory. */
static char *path_normalise(const char *abs)
{
	char *out = malloc(strlen(abs) + 2);
	if (!out)
		return NULL;
	size_t len = 0;
	for (const char *s = abs; *s;) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t cl = (size_t)(e - s);
		if (cl == 2 && s[0] == '.' && s[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else if (cl > 0 && !(cl == 1 && s[0] == '.')) {
			out[len++] = '/';
			memcpy(out + len, s, cl);
			len += cl;
		}
		s = e;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

/* p made absolute against the working directory and normalised; NULL when the working
 * directory is unknown or memory runs out. */
static char *path_absolute(const char *p)
{
	if (p[0] == '/')
		return path_normalise(p);
	char *cwd = getcwd(NULL, 0);
	if (!cwd)
		return NULL;
	size_t lc = strlen(cwd), lp = strlen(p);
	char *full = malloc(lc + lp + 2);
	char *norm = NULL;
	if (full) {
		memcpy(full, cwd, lc);
		full[lc] = '/';
		memcpy(full + lc + 1, p, lp + 1);
		norm = path_normalise(full);
	}
	free(full);
	free(cwd);
	return norm;
}

/* The part of path below dir (both absolute and normalised), or NULL when path is not
 * strictly inside dir. "/a/bc" is not inside "/a/b". */
static const char *path_below(const char *path, const char *dir)
{
	if (strcmp(dir, "/") == 0)
		return path[1] ? path + 1 : NULL;
	size_t dl = strlen(dir);
	if (strncmp(path, dir, dl) != 0 || path[dl] != '/' || !path[dl + 1])
		return NULL;
	return path + dl + 1;
}

/* path with symbolic links resolved: the file itself when it exists, else its directory
 * followed by its last component (the pcap may not be written yet). malloc'd or NULL. */
static char *path_resolve(const char *path)
{
	char *real = realpath(path, NULL);
	if (real)
		return real;
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1])
		return NULL;
	char *dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	char *rdir = dir ? realpath(dir, NULL) : NULL;
	char *out = NULL;
	if (rdir && asprintf(&out, "%s/%s", strcmp(rdir, "/") ? rdir : "", slash + 1) < 0)
		out = NULL;
	free(rdir);
	free(dir);
	return out;
}


void matrix_outdir_init(struct matrix_outdir *d, const char *out_path)
{
	const char *slash = strrchr(out_path, '/');
	char *dir = !slash ? strdup(".") : slash == out_path ? strdup("/")
			   : strndup(out_path, (size_t)(slash - out_path));
	d->lexical = dir ? path_absolute(dir) : NULL;
	d->resolved = dir ? realpath(dir, NULL) : NULL;
	free(dir);
}

void matrix_outdir_release(struct matrix_outdir *d)
{
	free(d->lexical);
	free(d->resolved);
}

/* Writes the link target for pcap: relative to the output directory when the pcap lies
 * below it (compared lexically first, then with symbolic links resolved, for results
 * directories reached through a link such as /tmp -> /private/tmp), else as given. */
void matrix_link_put(FILE *f, const struct matrix_outdir *d, const char *pcap)
{
	char *abs = path_absolute(pcap);
	const char *rel = abs && d->lexical ? path_below(abs, d->lexical) : NULL;
	char *real = NULL;
	if (!rel && d->resolved) {
		real = path_resolve(pcap);
		rel = real ? path_below(real, d->resolved) : NULL;
	}
	url_put(f, rel ? rel : pcap);
	free(real);
	free(abs);
}
