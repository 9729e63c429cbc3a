#ifndef TCPCONFORM_FRAME_FRAG_H
#define TCPCONFORM_FRAME_FRAG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* frame_frag: one TCP segment, as frame_build_tcp built it (Ethernet, IPv4 without
 * options or IPv6 without extension headers, TCP), rewritten into the frames a test
 * wants on the wire: IP fragments (RFC 791 3.2 for IPv4: MF, fragment offset, ID;
 * RFC 8200 4.5 for IPv6: a Fragment header), and IPv6 extension headers before the
 * TCP header (RFC 8200 4.3 Hop-by-Hop Options, 4.6 Destination Options, each padded
 * with a PadN option, 4.2).
 *
 * The TCP segment itself is not touched: its checksum was computed over the whole
 * segment and the pseudo-header's upper-layer length (RFC 8200 8.1, RFC 9293 3.1), which
 * neither fragmentation nor extension headers change, so the reassembled segment
 * verifies. Pure buffer work, no libnet: unit-tested in tests/test_frame_frag.c. */

enum frame_ext {
	FRAME_EXT_HBH = 1,      /* Hop-by-Hop Options (next header 0), PadN: skipped */
	FRAME_EXT_DST,          /* Destination Options (60), PadN: skipped */
	/* Destination Options carrying option type 0x5e: an experimental type (RFC 4727
	 * 7) no stack knows, whose two high bits 01 say "discard the packet" (RFC 8200
	 * 4.2): the segment never arrives. */
	FRAME_EXT_DST_DISCARD,
	/* Hop-by-Hop Options carrying option type 0x5e, as above. */
	FRAME_EXT_HBH_DISCARD,
};

enum frame_frag_drop { FRAME_DROP_NONE, FRAME_DROP_FIRST, FRAME_DROP_LAST };

#define FRAME_EXT_MAX 3
/* 4096 bytes of payload in 8-byte fragments is 520 of them; more would only flood the
 * target's reassembly queue. */
#define FRAME_FRAGS_MAX 600

struct frame_ip_opts {
	uint16_t frag;          /* bytes of fragmentable part a fragment carries, a multiple
				 * of 8 (RFC 791 3.1, RFC 8200 4.5); 0: not fragmented */
	bool reverse;           /* the fragments go out last first */
	enum frame_frag_drop drop; /* one fragment left out: the datagram never completes */
	uint32_t id6;           /* IPv6 Fragment header identification (IPv4 fragments keep
				 * the IPv4 header's ID, which is theirs by RFC 791) */
	uint8_t next;           /* how many of ext[] are used */
	enum frame_ext ext[FRAME_EXT_MAX]; /* IPv6 only, in order; a Hop-by-Hop header only
				 * first (RFC 8200 4.1 / 4.3) */
};

/* The frames out, in sending order; buf is owned by the struct (frame_frags_free). */
struct frame_frags {
	int n;
	size_t off[FRAME_FRAGS_MAX], len[FRAME_FRAGS_MAX];
	uint8_t *buf;
	size_t cap;
};

/* The largest IP packet one frame of o carries for a segment of tcp_len bytes (family
 * AF_INET or AF_INET6): what must fit the link's MTU. */
size_t frame_frag_max_ip(int family, const struct frame_ip_opts *o, size_t tcp_len);

/* Rewrites `frame` (len bytes) as o says into out (out->buf grown as needed; out->n = 0
 * first). The first fragment carries at least the whole TCP header (and the extension
 * headers that follow the Fragment header), rounded up to 8: RFC 8200 4.5 requires it of
 * an IPv6 sender, and RFC 1858 3 lets IPv4 receivers drop a first fragment that does
 * not. IPv4 fragments go out with DF clear. Returns 0, or -1 with err naming the field,
 * the expected and the actual value. */
int frame_frag_build(const uint8_t *frame, size_t len, const struct frame_ip_opts *o,
		     struct frame_frags *out, char *err, size_t errlen);

void frame_frags_free(struct frame_frags *out);

/* The frame_ext of a name: "hbh", "dst", "dst_discard", "hbh_discard"; 0 for none. */
enum frame_ext frame_ext_parse(const char *name);

#endif
