#ifndef TCPCONFORM_TPL_H
#define TCPCONFORM_TPL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A template is a partial TCP segment. As an expectation a field that is not set is
 * "don't care"; as a send spec an unset field takes the connection's default (seq =
 * snd_nxt, ack = rcv_nxt, ...). seq and ack are relative to the connection's ISNs, as in
 * packetdrill, unless TPL_SEQ_ABS / TPL_ACK_ABS is set.
 *
 * Ownership: `data` is owned by the template (tpl_free releases it). */

enum tpl_have {
	TPL_FLAGS = 1u << 0,
	TPL_SEQ = 1u << 1,
	TPL_ACK = 1u << 2,
	TPL_WIN = 1u << 3,
	TPL_URG = 1u << 4,
	TPL_LEN = 1u << 5,      /* payload length (data may be NULL: zero bytes are sent) */
	TPL_DATA = 1u << 6,     /* payload bytes given: compared byte for byte / sent as is */
	TPL_TTL = 1u << 7,
	TPL_TOS = 1u << 8,
	TPL_IPID = 1u << 9,
	TPL_DF = 1u << 10,
	TPL_CSUM = 1u << 11,    /* send: put tcp_csum on the wire instead of the right value */
	TPL_OPTS = 1u << 12,    /* the option list below is given */
	TPL_SEQ_ABS = 1u << 13, /* seq is absolute, not relative to the ISN */
	TPL_ACK_ABS = 1u << 14,
	TPL_BAD_CSUM = 1u << 15,/* send: a deliberately wrong TCP checksum (right one + 1) */
};

#define TPL_MAX_OPTS 20
#define TPL_OPT_VALS 8

/* One TCP option. For an expectation, values whose bit is set in `wild` match
 * anything ("*" in the shorthand). */
struct tpl_opt {
	uint8_t kind;               /* TCPOPT_* from segment.h, or any kind for raw bytes */
	bool absent;                /* expectation: this kind must not be present */
	uint8_t nval;               /* MSS 1, WSCALE 1, TS 2 (val, ecr), SACK 2 per block */
	uint32_t val[TPL_OPT_VALS];
	uint8_t wild;               /* bit i set: val[i] is "don't care" */
	uint8_t raw_len;            /* kind not understood: raw bytes including kind+len */
	uint8_t raw[40];
};

struct tpl {
	uint32_t have;              /* TPL_* */
	uint8_t flags;              /* SEG_* bits */
	uint8_t flags_any;          /* SEG_* bits that may be either way ("p": PSH either way);
				     * never set in flags, not sent */
	uint32_t seq, ack;
	uint32_t win, urg;
	uint32_t len;
	uint8_t *data;              /* owned, `len` bytes when TPL_DATA */
	uint8_t ttl, tos;
	uint16_t ip_id;
	bool df;
	uint16_t tcp_csum;
	/* With TPL_OPTS: as a send spec, the options in this order (NOP/EOL included).
	 * As an expectation with opts_exact, every listed kind must be present with the
	 * given values and no kind other than NOP/EOL may appear that is not listed; without
	 * opts_exact, only the listed options are checked (absent ones must be absent). */
	bool opts_exact;
	uint8_t nopt;
	struct tpl_opt opt[TPL_MAX_OPTS];
};

/* Parses the shorthand documented in lua/SHORTHAND.md, e.g. "S 0:0(0) win 65535
 * <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>", ". 1:1(0) ack 1", "R.", "F.",
 * "P. 1:11(10) ack 1". *out is initialised first (tpl_init). A shorthand option list sets
 * opts_exact. Returns 0, or -1 with `err` naming the token and what was expected, e.g.
 * "unknown flag letter 'X' in \"SX\" (expected S F R P p . U E W or -)". */
int tpl_parse(const char *text, struct tpl *out, char *err, size_t errlen);

void tpl_init(struct tpl *t);
void tpl_free(struct tpl *t);
/* Deep copy (data included). Returns 0 or -1 on allocation failure. */
int tpl_copy(struct tpl *dst, const struct tpl *src);
/* Sets data (copied) and len; sets TPL_DATA|TPL_LEN. Returns 0 or -1. */
int tpl_set_data(struct tpl *t, const void *data, size_t len);

/* Serialises the option list for sending: the bytes go to out (<= 40), padded with
 * zero bytes (EOL) to a multiple of 4 as RFC 9293 3.1 requires. Returns
 * the byte count, or -1 with err when the options exceed 40 bytes. */
int tpl_opts_encode(const struct tpl *t, uint8_t out[40], char *err, size_t errlen);

/* Renders the template back in shorthand (fields not set are left out). */
int tpl_format(const struct tpl *t, char *buf, size_t len);

/* Renders one option as the shorthand writes it ("mss 1460", "TS val * ecr 0",
 * "raw 1e0401020304", "!sackOK"), so the matcher names options the same way.
 * Returns what snprintf would. */
int tpl_opt_format(const struct tpl_opt *opt, char *buf, size_t len);

#endif
