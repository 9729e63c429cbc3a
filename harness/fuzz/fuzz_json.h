#ifndef TCPCONFORM_FUZZ_JSON_H
#define TCPCONFORM_FUZZ_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A JSON value tree (RFC 8259) for the fuzzer's lines. Why not sweep_result.c's reader (both read
 * strings through json_str.h):
 * that one reads a flat object of strings into fixed fields; a finding nests (targets[],
 * outputs{}, pcaps{}, the case program), and the reports and --merge need it whole, to
 * look into and to write back unchanged. Numbers keep their text, so a seed or a
 * counter of 2^63 survives a round trip. Strict: an error names the byte offset. */

enum fuzz_json_type {
	FUZZ_JSON_NULL, FUZZ_JSON_BOOL, FUZZ_JSON_NUMBER, FUZZ_JSON_STRING,
	FUZZ_JSON_ARRAY, FUZZ_JSON_OBJECT
};

struct fuzz_json {
	enum fuzz_json_type type;
	char *key;                /* a member's name (in an object), else NULL */
	char *text;               /* a string's bytes, a number's text; else NULL */
	bool b;
	struct fuzz_json *kids;   /* an array's items, an object's members, in order */
	size_t n;
};

/* Parses text (a whole document, surrounding white space allowed) into a tree the
 * caller frees with fuzz_json_free. NULL with err ("byte 12: expected ':' after a key,
 * got 'x'") on bad input or when nesting passes 64 levels. */
struct fuzz_json *fuzz_json_parse(const char *text, char *err, size_t errlen);
void fuzz_json_free(struct fuzz_json *v);

/* The member key of object v, or NULL (also when v is NULL or no object). */
const struct fuzz_json *fuzz_json_get(const struct fuzz_json *v, const char *key);
/* Member key as a string (a number: its text), else dflt. */
const char *fuzz_json_str(const struct fuzz_json *v, const char *key, const char *dflt);
/* Member key as a number, else dflt. */
double fuzz_json_num(const struct fuzz_json *v, const char *key, double dflt);

/* v written back as compact JSON (no newline); strings through json_str_write (json_str.h), so
 * the output is valid UTF-8 JSON. pretty: two-space indentation, one member a line. */
void fuzz_json_write(FILE *f, const struct fuzz_json *v, bool pretty);

#endif
