/* Internet checksum (RFC 1071) and the TCP pseudo-headers of RFC 9293 3.1 (IPv4) and
 * RFC 8200 8.1 (IPv6). Pure functions over caller-owned bytes: no state, no allocation. */
#include "csum.h"


/* Folds a wide one's-complement accumulator to 16 bits with end-around carry
 * (RFC 1071 section 2, "(C) Deferred carries"). */
static uint32_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)sum;
}

/*
 * csum_partial: one's-complement sum of `len` bytes at `buf`, read as big-endian 16-bit
 * words, added to `init` and folded to 16 bits. An odd trailing byte is summed as if
 * followed by a zero byte (RFC 1071 section 4.1), so only the last piece of a chained
 * computation may have an odd length. Reads exactly [buf, buf+len); buf may be NULL when
 * len is 0.
 */
uint32_t csum_partial(const void *buf, size_t len, uint32_t init)
{
	const uint8_t *p = buf;
	uint64_t sum = init;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return csum_fold(sum);
}

/* Complement of the folded sum: the value that goes into (or, over data that includes
 * its checksum field, verifies as 0 from) a header. */
static uint16_t csum_finish(uint32_t sum)
{
	return (uint16_t)~csum_fold(sum);
}

/*
 * csum_tcp4: checksum of a TCP segment under the IPv4 pseudo-header (source, destination,
 * zero, protocol 6, TCP length), RFC 9293 3.1 "Checksum". 0 means a correct segment.
 * Reads 4+4 address bytes and `len` segment bytes; allocates nothing.
 */
uint16_t csum_tcp4(const uint8_t src[4], const uint8_t dst[4], const void *tcp, size_t len)
{
	uint32_t sum = csum_partial(src, 4, 0);

	sum = csum_partial(dst, 4, sum);
	sum += 6u + (uint32_t)(len & 0xffff);
	return csum_finish(csum_partial(tcp, len, sum));
}

/*
 * csum_upper6: checksum of an upper-layer message under the IPv6 pseudo-header (source,
 * destination, 32-bit upper-layer length, three zero bytes, next header), RFC 8200 8.1.
 * Used for TCP (next header 6) and ICMPv6 (58, RFC 4443 2.3). 0 means correct.
 */
uint16_t csum_upper6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
		     const void *data, size_t len)
{
	uint32_t sum = csum_partial(src, 16, 0);

	sum = csum_partial(dst, 16, sum);
	sum = csum_fold((uint64_t)sum + (len >> 16 & 0xffff) + (len & 0xffff) + next_header);
	return csum_finish(csum_partial(data, len, sum));
}

/* csum_tcp6: csum_upper6 with next header 6 (TCP). */
uint16_t csum_tcp6(const uint8_t src[16], const uint8_t dst[16], const void *tcp, size_t len)
{
	return csum_upper6(src, dst, 6, tcp, len);
}

/* csum_ip4: IPv4 header checksum (RFC 791 3.1) over `len` bytes, checksum field
 * included as found: 0 means correct. */
uint16_t csum_ip4(const void *hdr, size_t len)
{
	return csum_finish(csum_partial(hdr, len, 0));
}
