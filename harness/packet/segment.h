#ifndef TCPCONFORM_SEGMENT_H
#define TCPCONFORM_SEGMENT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/* The decoded view of one captured Ethernet frame. A plain value type: decoding fills
 * it, nothing inside is owned except `payload`, which points into the frame buffer the
 * caller passed to seg_decode() and lives exactly as long as that buffer. */

#define SEG_FIN 0x01
#define SEG_SYN 0x02
#define SEG_RST 0x04
#define SEG_PSH 0x08
#define SEG_ACK 0x10
#define SEG_URG 0x20
#define SEG_ECE 0x40
#define SEG_CWR 0x80

/* TCP option kinds (RFC 9293 3.2, RFC 7323, RFC 2018). */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACKOK 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8

/* bits of seg_opts.present */
#define SEG_OPT_MSS (1u << 0)
#define SEG_OPT_WSCALE (1u << 1)
#define SEG_OPT_SACKOK (1u << 2)
#define SEG_OPT_SACK (1u << 3)
#define SEG_OPT_TS (1u << 4)
#define SEG_OPT_OTHER (1u << 5) /* some option kind not listed above */

#define SEG_MAX_SACK 4

struct seg_opts {
	uint32_t present;   /* SEG_OPT_* */
	bool malformed;     /* an option ran past the header or had a bad length */
	uint16_t mss;
	uint8_t wscale;
	uint32_t ts_val, ts_ecr;
	uint8_t nsack;
	struct { uint32_t left, right; } sack[SEG_MAX_SACK];
	uint8_t raw_len;    /* option bytes exactly as on the wire (0..40) */
	uint8_t raw[40];
};

enum seg_kind {
	SEG_KIND_OTHER = 0, /* anything we do not decode further (still recorded) */
	SEG_KIND_TCP,       /* IPv4 or IPv6 + TCP, decoded below */
	SEG_KIND_ARP,       /* ARP over Ethernet/IPv4: arp_* fields valid */
	SEG_KIND_ICMP6,     /* ICMPv6: icmp6_* fields valid (neighbour discovery) */
	SEG_KIND_IP,        /* IPv4/IPv6 carrying something other than TCP/ICMPv6 */
};

struct seg {
	enum seg_kind kind;
	struct timeval ts;          /* capture time stamp (set by the caller, not by decode) */

	uint8_t eth_dst[6], eth_src[6];
	uint16_t ethertype;

	/* IP layer (kind TCP, ICMP6, IP) */
	int family;                 /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];   /* IPv4 addresses use the first 4 bytes */
	uint8_t ttl;                /* TTL or hop limit */
	uint8_t tos;                /* TOS or traffic class */
	uint16_t ip_id;             /* IPv4 only */
	bool df;                    /* IPv4 only */
	uint32_t flowlabel;         /* IPv6 only */
	bool ip_csum_ok;            /* IPv4 header checksum verified (always true on IPv6) */
	uint8_t ip_proto;           /* IPv4 protocol / IPv6 upper-layer next header */

	/* TCP (kind TCP) */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;              /* SEG_FIN ... SEG_CWR */
	uint8_t doff;               /* header length in 32-bit words */
	uint16_t win, urg;
	uint16_t tcp_csum;          /* as found on the wire (host order) */
	bool tcp_csum_ok;
	struct seg_opts opt;
	const uint8_t *payload;
	uint32_t payload_len;

	/* ARP (kind ARP) */
	uint16_t arp_op;            /* 1 request, 2 reply */
	uint8_t arp_sha[6], arp_spa[4], arp_tha[6], arp_tpa[4];

	/* ICMPv6 (kind ICMP6) */
	uint8_t icmp6_type, icmp6_code;
	uint8_t icmp6_target[16];   /* neighbour solicitation/advertisement target */
	bool icmp6_has_target;
};

/* Decodes `len` bytes of an Ethernet II frame into *out (fully overwritten; out->ts is
 * zeroed and left for the caller). Never reads outside [frame, frame+len) whatever the
 * bytes say. Returns 0 on success (kind tells what was found), -1 when the frame is
 * truncated or malformed at the layer where decoding stopped; then `err` (if not NULL)
 * names the layer and field, e.g. "tcp: data offset 3 < 5". The fields decoded before
 * the problem stay valid. */
int seg_decode(const uint8_t *frame, size_t len, struct seg *out, char *err, size_t errlen);

/* One-line human view with absolute numbers, e.g.
 * "198.18.0.2:8080 > 198.18.0.1:40000 R. seq 0 ack 1001 win 0 len 0 <mss 1460,nop>".
 * Returns what snprintf would. */
int seg_format(const struct seg *s, char *buf, size_t len);

/* Flag letters in packetdrill order: "S", "S.", "F.", "R.", "P.", "-" for none... */
int seg_flags_format(uint8_t flags, char *buf, size_t len);

#endif
