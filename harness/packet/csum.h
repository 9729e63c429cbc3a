#ifndef TCPCONFORM_CSUM_H
#define TCPCONFORM_CSUM_H
#include <stddef.h>
#include <stdint.h>

/* Internet checksum (RFC 1071) helpers. All multi-byte inputs are in network byte order;
 * results are returned ready to be stored in a header (network byte order in memory when
 * written with memcpy of the returned value's big-endian form -- see each function). */

/* One's-complement sum of buf folded to 16 bits, starting from `init` (an unfolded
 * 32-bit partial sum). Returns the *unfolded-then-folded* sum, not its complement. */
uint32_t csum_partial(const void *buf, size_t len, uint32_t init);

/* Final checksum value (host order) of a TCP segment (header+payload, `len` bytes, its own
 * checksum field included as found) over IPv4: 0 when the segment's checksum is correct.
 * To compute a checksum, zero the field first and store the result with htons(). */
uint16_t csum_tcp4(const uint8_t src[4], const uint8_t dst[4], const void *tcp, size_t len);
/* The same over IPv6 (RFC 8200 8.1 pseudo-header). */
uint16_t csum_tcp6(const uint8_t src[16], const uint8_t dst[16], const void *tcp, size_t len);
/* Any upper-layer message over the IPv6 pseudo-header with the given next header (58 for
 * ICMPv6, RFC 4443 2.3): 0 when correct. csum_tcp6 is this with next_header 6. */
uint16_t csum_upper6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
		     const void *data, size_t len);
/* IPv4 header checksum over `len` header bytes: 0 when correct. */
uint16_t csum_ip4(const void *hdr, size_t len);

#endif
