/* The encoder: complete Ethernet frames built with libnet 1.1.6 in advanced link mode.
 *
 * Per frame the libnet context is cleared and the headers are built from the top down
 * (libnet's required order), then the frame is culled: libnet coalesces it into a buffer
 * it allocates, which the builder keeps until the next frame (libnet_adv_free_packet).
 *
 * What libnet 1.1.6 gets wrong, checked against csum.c and tshark in tests/test_frame.c:
 * libnet_build_ipv6() writes the flow label's low byte into both the third and the
 * fourth header byte, so bits 8-15 are lost (flow label 0xabcde comes out as 60 0a de de
 * instead of 60 0a bc de). frame_build_tcp() rewrites those bytes after the cull; the
 * flow label is not covered by any checksum, so nothing else changes. Its TCP (IPv4 and
 * IPv6, with options and odd payloads), IPv4 header and ICMPv6 checksums are right. */
#include "frame.h"

#include <libnet.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "csum.h"
#include "pkt_fail.h"

#define ETH_HDR 14
#define IP4_DF 0x4000
#define NDP_HOP_LIMIT 255 /* RFC 4861 7.1.2: receivers drop ND with any other value */

struct frame_builder {
	libnet_t *l;
	uint8_t *pkt;           /* last culled frame, owned by libnet's allocator */
	uint32_t pkt_len;
	uint8_t *zeros;         /* payload for payload == NULL, grown on demand */
	size_t zeros_len;
};

/* Reports a failed libnet call, naming it and carrying libnet's own message. */
static int fail_libnet(struct frame_builder *b, const char *call, char *err, size_t errlen)
{
	return pkt_fail(err, errlen, "frame: %s failed: %s", call, libnet_geterror(b->l));
}

/*
 * frame_builder_new: opens libnet in LIBNET_LINK_ADV mode on `dev` (which must exist and
 * be up: libnet checks; it is the only mode in 1.1.6 that can cull a frame). Needs
 * CAP_NET_RAW, as libnet opens a packet socket, but the builder never writes to it.
 * The caller owns the result and releases it with frame_builder_free().
 */
struct frame_builder *frame_builder_new(const char *dev, char *err, size_t errlen)
{
	char lerr[LIBNET_ERRBUF_SIZE] = "";
	struct frame_builder *b = calloc(1, sizeof(*b));

	if (!b) {
		pkt_fail(err, errlen, "frame: out of memory");
		return NULL;
	}
	b->l = libnet_init(LIBNET_LINK_ADV, dev, lerr);
	if (!b->l) {
		pkt_fail(err, errlen, "frame: libnet_init(LINK_ADV, \"%s\") failed: %s",
		     dev ? dev : "(default)", lerr);
		free(b);
		return NULL;
	}
	/* The builder never sends. libnet opens its link socket for every protocol on every
	 * link; binding it to the builder's device (packet(7): protocol 0 in bind keeps the
	 * socket's protocol) limits what it receives to that device -- "lo" of the harness's
	 * own namespace, which carries nothing -- instead of a copy of every lab link's frames. */
	struct sockaddr_ll none = {.sll_family = AF_PACKET, .sll_protocol = 0,
				   .sll_ifindex = (int)if_nametoindex(dev ? dev : "lo")};
	if (bind(libnet_getfd(b->l), (struct sockaddr *)&none, sizeof(none)) < 0) {
		pkt_fail(err, errlen, "frame: unhooking libnet's socket on %s: %s", dev ? dev : "lo",
		     strerror(errno));
		libnet_destroy(b->l);
		free(b);
		return NULL;
	}
	return b;
}

/* Drops the previous frame's bytes (the contract makes them valid until the next call). */
static void builder_release(struct frame_builder *b)
{
	if (b->pkt)
		libnet_adv_free_packet(b->l, b->pkt);
	b->pkt = NULL;
	b->pkt_len = 0;
}

/* frame_builder_free: releases the builder and the last frame; NULL is fine. */
void frame_builder_free(struct frame_builder *b)
{
	if (!b)
		return;
	builder_release(b);
	libnet_destroy(b->l);
	free(b->zeros);
	free(b);
}

/* Starts a frame: the previous one's bytes and libnet's headers are dropped. */
static void builder_start(struct frame_builder *b)
{
	builder_release(b);
	libnet_clear_packet(b->l);
}

/* Coalesces the headers built so far into b->pkt and hands them out. */
static int builder_cull(struct frame_builder *b, const uint8_t **out, size_t *outlen,
			char *err, size_t errlen)
{
	if (libnet_adv_cull_packet(b->l, &b->pkt, &b->pkt_len) < 0) {
		b->pkt = NULL;
		return fail_libnet(b, "libnet_adv_cull_packet", err, errlen);
	}
	*out = b->pkt;
	*outlen = b->pkt_len;
	return 0;
}

/* A buffer of at least n zero bytes, for "payload_len bytes, no data given". */
static const uint8_t *builder_zeros(struct frame_builder *b, size_t n)
{
	uint8_t *z;

	if (n <= b->zeros_len)
		return b->zeros;
	z = calloc(1, n);
	if (!z)
		return NULL;
	free(b->zeros);
	b->zeros = z;
	b->zeros_len = n;
	return z;
}

/* Checks what a caller (ultimately a script) can get wrong, before libnet sees it. */
static int tcp_validate(const struct frame_tcp *f, char *err, size_t errlen)
{
	size_t max_payload;

	if (f->family != AF_INET && f->family != AF_INET6)
		return pkt_fail(err, errlen, "frame: family %d, expected AF_INET (%d) or AF_INET6 (%d)",
			    f->family, AF_INET, AF_INET6);
	/* RFC 9293 3.1: the data offset counts 32-bit words, at most 15 (40 option bytes). */
	if (f->opts_len > 40 || f->opts_len % 4 != 0)
		return pkt_fail(err, errlen,
			    "frame: opts_len %u, expected a multiple of 4 no larger than 40",
			    f->opts_len);
	if (f->opts_len && !f->opts)
		return pkt_fail(err, errlen, "frame: opts is NULL with opts_len %u", f->opts_len);
	if (f->family == AF_INET6 && f->flowlabel > 0xfffff)
		return pkt_fail(err, errlen, "frame: flowlabel 0x%x, expected at most 0xfffff (20 bits)",
			    f->flowlabel);
	if (f->csum_set && f->csum_bad)
		return pkt_fail(err, errlen, "frame: csum_set and csum_bad both set, expected one");
	/* IPv4 total length / IPv6 payload length are 16-bit fields. */
	max_payload = 0xffff - LIBNET_TCP_H - f->opts_len -
		      (f->family == AF_INET ? LIBNET_IPV4_H : 0);
	if (f->payload_len > max_payload)
		return pkt_fail(err, errlen, "frame: payload_len %u, expected at most %zu",
			    f->payload_len, max_payload);
	return 0;
}

/* Builds the network layer under an already built TCP header of tcp_len bytes. */
static int tcp_build_ip(struct frame_builder *b, const struct frame_tcp *f, uint32_t tcp_len,
			char *err, size_t errlen)
{
	struct libnet_in6_addr s6, d6;
	uint32_t s4, d4;

	if (f->family == AF_INET) {
		memcpy(&s4, f->src, 4);
		memcpy(&d4, f->dst, 4);
		if (libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + tcp_len), f->tos, f->ip_id,
				      f->df ? IP4_DF : 0, f->ttl, IPPROTO_TCP, 0, s4, d4,
				      NULL, 0, b->l, 0) < 0)
			return fail_libnet(b, "libnet_build_ipv4", err, errlen);
		return 0;
	}
	memcpy(&s6, f->src, 16);
	memcpy(&d6, f->dst, 16);
	if (libnet_build_ipv6(f->tos, f->flowlabel, (uint16_t)tcp_len, IPPROTO_TCP, f->ttl,
			      s6, d6, NULL, 0, b->l, 0) < 0)
		return fail_libnet(b, "libnet_build_ipv6", err, errlen);
	return 0;
}

/* Rewrites the IPv6 version/class/flow word (RFC 8200 3) that libnet 1.1.6 gets wrong
 * for flow labels with bits 8-15 set (see the top of this file). */
static void ipv6_fix_flowlabel(uint8_t *ip6, uint8_t tclass, uint32_t fl)
{
	ip6[0] = (uint8_t)(0x60 | tclass >> 4);
	ip6[1] = (uint8_t)((tclass & 0x0f) << 4 | (fl >> 16 & 0x0f));
	ip6[2] = (uint8_t)(fl >> 8);
	ip6[3] = (uint8_t)fl;
}

/* The right TCP checksum plus one in one's-complement arithmetic: 0x0000 and 0xffff are
 * the same value there (RFC 1071 section 1), so a plain +1 could turn right's
 * 0xffff into 0x0000 and still verify. Wrapping modulo 0xffff cannot. */
static uint16_t csum_wrong(uint16_t right)
{
	return (uint16_t)(right % 0xffff + 1);
}

/* Writes a deliberately wrong checksum into the culled TCP segment at tcp[0..len). */
static void tcp_put_bad_csum(const struct frame_tcp *f, uint8_t *tcp, size_t len)
{
	uint16_t right;

	tcp[16] = tcp[17] = 0;
	right = f->family == AF_INET ? csum_tcp4(f->src, f->dst, tcp, len)
				     : csum_tcp6(f->src, f->dst, tcp, len);
	right = csum_wrong(right);
	tcp[16] = (uint8_t)(right >> 8);
	tcp[17] = (uint8_t)right;
}

/* Builds TCP options and header (libnet computes the checksum unless csum_set). */
static int tcp_build_tcp(struct frame_builder *b, const struct frame_tcp *f, uint32_t tcp_len,
			 char *err, size_t errlen)
{
	const uint8_t *payload = f->payload;
	libnet_ptag_t t;

	if (!payload && f->payload_len) {
		payload = builder_zeros(b, f->payload_len);
		if (!payload)
			return pkt_fail(err, errlen, "frame: out of memory for %u zero payload bytes",
				    f->payload_len);
	}
	if (f->opts_len && libnet_build_tcp_options(f->opts, f->opts_len, b->l, 0) < 0)
		return fail_libnet(b, "libnet_build_tcp_options", err, errlen);
	t = libnet_build_tcp(f->sport, f->dport, f->seq, f->ack, f->flags, f->win,
			     f->csum_set ? f->csum : 0, f->urg, (uint16_t)tcp_len,
			     f->payload_len ? payload : NULL, f->payload_len, b->l, 0);
	if (t < 0)
		return fail_libnet(b, "libnet_build_tcp", err, errlen);
	/* A given checksum of 0 would otherwise read as "compute it" to libnet. */
	if (f->csum_set && libnet_toggle_checksum(b->l, t, LIBNET_OFF) < 0)
		return fail_libnet(b, "libnet_toggle_checksum", err, errlen);
	return 0;
}

/*
 * frame_build_tcp: see frame.h. The bytes handed out are owned by the builder and stay
 * valid until the next frame_* call on it or frame_builder_free().
 */
int frame_build_tcp(struct frame_builder *b, const struct frame_tcp *f,
		    const uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	uint32_t tcp_len = LIBNET_TCP_H + f->opts_len + f->payload_len;
	size_t ip_len;

	if (tcp_validate(f, err, errlen) < 0)
		return -1;
	builder_start(b);
	if (tcp_build_tcp(b, f, tcp_len, err, errlen) < 0 ||
	    tcp_build_ip(b, f, tcp_len, err, errlen) < 0)
		return -1;
	if (libnet_build_ethernet(f->eth_dst, f->eth_src,
				  f->family == AF_INET ? ETHERTYPE_IP : ETHERTYPE_IPV6, NULL, 0,
				  b->l, 0) < 0)
		return fail_libnet(b, "libnet_build_ethernet", err, errlen);
	if (builder_cull(b, out, outlen, err, errlen) < 0)
		return -1;
	ip_len = f->family == AF_INET ? LIBNET_IPV4_H : LIBNET_IPV6_H;
	if (b->pkt_len != ETH_HDR + ip_len + tcp_len)
		return pkt_fail(err, errlen, "frame: libnet built %u bytes, expected %zu", b->pkt_len,
			    ETH_HDR + ip_len + tcp_len);
	if (f->family == AF_INET6)
		ipv6_fix_flowlabel(b->pkt + ETH_HDR, f->tos, f->flowlabel);
	if (f->csum_bad)
		tcp_put_bad_csum(f, b->pkt + ETH_HDR + ip_len, tcp_len);
	return 0;
}

/*
 * frame_build_arp_reply: an ARP reply (RFC 826, op 2) for Ethernet/IPv4 telling
 * (tha, tpa) that spa is at sha, sent from sha to tha. Not padded to the 60-byte
 * Ethernet minimum: veth and the kernel accept short frames. Bytes as for frame_build_tcp.
 */
int frame_build_arp_reply(struct frame_builder *b, const uint8_t sha[6], const uint8_t spa[4],
			  const uint8_t tha[6], const uint8_t tpa[4],
			  const uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	builder_start(b);
	if (libnet_build_arp(ARPHRD_ETHER, ETHERTYPE_IP, 6, 4, ARPOP_REPLY, sha, spa, tha, tpa,
			     NULL, 0, b->l, 0) < 0)
		return fail_libnet(b, "libnet_build_arp", err, errlen);
	if (libnet_build_ethernet(tha, sha, ETHERTYPE_ARP, NULL, 0, b->l, 0) < 0)
		return fail_libnet(b, "libnet_build_ethernet", err, errlen);
	return builder_cull(b, out, outlen, err, errlen);
}

/*
 * frame_build_arp_request: who has tpa? tell spa (RFC 826, op 1), broadcast from sha.
 * Bytes as for frame_build_tcp.
 */
int frame_build_arp_request(struct frame_builder *b, const uint8_t sha[6], const uint8_t spa[4],
			    const uint8_t tpa[4], const uint8_t **out, size_t *outlen, char *err,
			    size_t errlen)
{
	static const uint8_t zero[6], bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	builder_start(b);
	if (libnet_build_arp(ARPHRD_ETHER, ETHERTYPE_IP, 6, 4, ARPOP_REQUEST, sha, spa, zero, tpa,
			     NULL, 0, b->l, 0) < 0)
		return fail_libnet(b, "libnet_build_arp", err, errlen);
	if (libnet_build_ethernet(bcast, sha, ETHERTYPE_ARP, NULL, 0, b->l, 0) < 0)
		return fail_libnet(b, "libnet_build_ethernet", err, errlen);
	return builder_cull(b, out, outlen, err, errlen);
}

/*
 * frame_build_na: a neighbour advertisement (RFC 4861 4.4) from target to dst with the
 * Solicited and Override flags (7.2.4: a unicast answer for one's own address sets
 * both), a target link-layer address option carrying src_mac, hop limit 255 and the
 * ICMPv6 checksum computed by libnet (checked in the tests). Bytes as for frame_build_tcp.
 */
int frame_build_na(struct frame_builder *b, const uint8_t src_mac[6], const uint8_t target[16],
		   const uint8_t dst_mac[6], const uint8_t dst[16],
		   const uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	struct libnet_in6_addr t6, d6;
	uint8_t mac[6];

	memcpy(&t6, target, 16);
	memcpy(&d6, dst, 16);
	memcpy(mac, src_mac, 6); /* libnet's prototype takes a non-const pointer */
	builder_start(b);
	if (libnet_build_icmpv6_ndp_opt(ND_OPT_TARGET_LINKADDR, mac, 6, b->l, 0) < 0)
		return fail_libnet(b, "libnet_build_icmpv6_ndp_opt", err, errlen);
	if (libnet_build_icmpv6_ndp_nadv(ND_NEIGHBOR_ADVERT, 0, 0,
					 ND_NA_FLAG_SOLICITED | ND_NA_FLAG_OVERRIDE, t6, NULL, 0,
					 b->l, 0) < 0)
		return fail_libnet(b, "libnet_build_icmpv6_ndp_nadv", err, errlen);
	/* 24 bytes of advertisement + 8 of option (type, length 1, MAC) */
	if (libnet_build_ipv6(0, 0, LIBNET_ICMPV6_NDP_NADV_H + 8, IPPROTO_ICMPV6, NDP_HOP_LIMIT,
			      t6, d6, NULL, 0, b->l, 0) < 0)
		return fail_libnet(b, "libnet_build_ipv6", err, errlen);
	if (libnet_build_ethernet(dst_mac, src_mac, ETHERTYPE_IPV6, NULL, 0, b->l, 0) < 0)
		return fail_libnet(b, "libnet_build_ethernet", err, errlen);
	return builder_cull(b, out, outlen, err, errlen);
}
