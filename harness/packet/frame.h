#ifndef TCPCONFORM_FRAME_H
#define TCPCONFORM_FRAME_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The encoder: builds complete Ethernet frames with libnet (in advanced link mode, so the
 * bytes can be inspected, stored and written by wire.c). One opaque builder per lab; it
 * is reused for every frame, so building costs no allocation per frame beyond libnet's. */

struct frame_tcp {
	uint8_t eth_src[6], eth_dst[6];
	int family;                 /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];   /* IPv4 uses the first 4 bytes */
	uint8_t ttl, tos;
	uint16_t ip_id;             /* IPv4 */
	bool df;                    /* IPv4 */
	uint32_t flowlabel;         /* IPv6 */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;              /* SEG_* */
	uint16_t win, urg;
	const uint8_t *opts;        /* already serialised, padded to a multiple of 4, <= 40 */
	uint8_t opts_len;
	const uint8_t *payload;     /* may be NULL with payload_len > 0: zero bytes are sent */
	uint32_t payload_len;
	bool csum_set;              /* put `csum` in the TCP checksum field as is */
	uint16_t csum;              /* host order */
	bool csum_bad;              /* put the right checksum + 1 (never right by accident) */
};

struct frame_builder;

/* dev is only used to satisfy libnet's link mode; nothing is written by the builder.
 * Returns NULL with err filled on failure. */
struct frame_builder *frame_builder_new(const char *dev, char *err, size_t errlen);
void frame_builder_free(struct frame_builder *b);

/* Builds f into a frame. On success *out points to `*outlen` bytes owned by the builder,
 * valid until the next frame_* call on it. Returns 0, or -1 with err naming the field. */
int frame_build_tcp(struct frame_builder *b, const struct frame_tcp *f,
		    const uint8_t **out, size_t *outlen, char *err, size_t errlen);

/* ARP reply (RFC 826) from (sha, spa) to the requester (tha, tpa). */
int frame_build_arp_reply(struct frame_builder *b, const uint8_t sha[6], const uint8_t spa[4],
			  const uint8_t tha[6], const uint8_t tpa[4],
			  const uint8_t **out, size_t *outlen, char *err, size_t errlen);

/* ARP request (RFC 826) for tpa from (sha, spa), broadcast. */
int frame_build_arp_request(struct frame_builder *b, const uint8_t sha[6], const uint8_t spa[4],
			    const uint8_t tpa[4], const uint8_t **out, size_t *outlen, char *err,
			    size_t errlen);

/* Neighbour advertisement (RFC 4861 4.4) for `target` with a target link-layer address
 * option, solicited flag set, from (src_mac, target) to (dst_mac, dst). */
int frame_build_na(struct frame_builder *b, const uint8_t src_mac[6], const uint8_t target[16],
		   const uint8_t dst_mac[6], const uint8_t dst[16],
		   const uint8_t **out, size_t *outlen, char *err, size_t errlen);

#endif
