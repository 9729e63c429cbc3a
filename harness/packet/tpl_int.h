#ifndef TCPCONFORM_TPL_INT_H
#define TCPCONFORM_TPL_INT_H
/* Internals of the template module, shared by tpl.c (lifecycle and these tables),
 * tpl_parse.c, tpl_format.c and tpl_encode.c: the three must spell flags and options
 * the same way and agree on an option's size on the wire, so the tables live once.
 * Not for use outside tpl*.c. */
#include <stddef.h>
#include <stdint.h>

#include "tpl.h"

/* RFC 9293 3.1: Data Offset is 4 bits of 32-bit words, so the header is at most 60
 * bytes and the options at most 40. */
#define TPL_OPT_SPACE 40
#define TPL_OPT_SPACE_MSG "TCP allows at most 40 (RFC 9293 3.1)"

/* Flag letters in packetdrill's (and tcpdump 4.1's) order, so rendered flags read like
 * theirs: F S R P . U E W. */
struct tpl_flag_letter {
	char letter;
	uint8_t bit;    /* SEG_* */
};
#define TPL_N_FLAG_LETTERS 8
extern const struct tpl_flag_letter tpl_flag_letters[TPL_N_FLAG_LETTERS];

/* The SEG_* bit of flag letter c, or -1 when c is not one. */
int tpl_flag_bit(char c);

/* An option kind the shorthand names. */
struct tpl_opt_desc {
	const char *name;
	uint8_t kind;
	uint8_t nval;       /* values written after the name (SACK: per block) */
	uint8_t size;       /* bytes on the wire (SACK: without blocks) */
	uint32_t max;       /* largest value the field holds */
};

/* The entry for a kind, or NULL for a kind the shorthand has no name for. */
const struct tpl_opt_desc *tpl_opt_desc_by_kind(uint8_t kind);
/* The entry named name[0..len) (case-insensitive, as the shorthand reads), or NULL. */
const struct tpl_opt_desc *tpl_opt_desc_by_name(const char *name, size_t len);

/* Bytes one option takes on the wire (0 for an absent one); raw bytes win over the
 * kind's layout. */
size_t tpl_opt_wire_size(const struct tpl_opt *o);
/* Bytes of t's whole option list before padding. */
size_t tpl_opts_wire_size(const struct tpl *t);
/* The message for an option list of `bytes` bytes that does not fit 40 with padding:
 * the parser and the encoder reject it in the same words. */
void tpl_opts_too_big_msg(size_t bytes, char *buf, size_t len);

#endif
