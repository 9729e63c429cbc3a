/* Unit tests of csum.c: RFC 1071 sums and the TCP/ICMPv6 pseudo-header checksums, against
 * vectors worked out independently of this code (RFC 1071's own example, a textbook
 * IPv4 header, and segments whose checksums were computed by a separate script). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "csum.h"

/* A TCP SYN-ACK with 12 option bytes (MSS 1460, NOP, WS 7, SACK-permitted, ...) and the
 * 7-byte payload "abcdefg" from 198.18.0.2 to 198.18.0.1; checksum field 0x2b8f. */
static const uint8_t v4_src[4] = {198, 18, 0, 2}, v4_dst[4] = {198, 18, 0, 1};
static const uint8_t tcp4_seg[] = {
	0x03, 0xe8, 0x07, 0xd0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x80, 0x12,
	0x02, 0x00, 0x2b, 0x8f, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x07,
	0x04, 0x02, 0x08, 0x0a, 'a', 'b', 'c', 'd', 'e', 'f', 'g',
};

/* The same segment from 2001:db8::1 to 2001:db8::2; checksum field 0x5c42. */
static const uint8_t v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint8_t tcp6_seg[] = {
	0x03, 0xe8, 0x07, 0xd0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x80, 0x12,
	0x02, 0x00, 0x5c, 0x42, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x07,
	0x04, 0x02, 0x08, 0x0a, 'a', 'b', 'c', 'd', 'e', 'f', 'g',
};

/* A neighbour advertisement for 2001:db8::1 (S flag, target link-layer option
 * 02:00:00:00:00:01) to 2001:db8::2; ICMPv6 checksum 0xaa73. */
static const uint8_t na_msg[] = {
	0x88, 0x00, 0xaa, 0x73, 0x40, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0x01, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
};

static void partial_sum_matches_rfc1071_example(void **state)
{
	/* RFC 1071 section 3: these words sum to ddf2 after end-around carry. */
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	assert_int_equal(csum_partial(b, sizeof(b), 0), 0xddf2);
}

static void partial_sum_pads_odd_length_with_a_zero_byte(void **state)
{
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4};

	assert_int_equal(csum_partial(b, 1, 0), 0x0000);
	assert_int_equal(csum_partial(b + 2, 1, 0), 0xf200);
	/* 0x0001 + 0xf203 + 0xf400 = 0x1e604 -> e605 */
	assert_int_equal(csum_partial(b, sizeof(b), 0), 0xe605);
}

static void partial_sum_chains_through_init(void **state)
{
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	assert_int_equal(csum_partial(b + 4, 4, csum_partial(b, 4, 0)), 0xddf2);
	/* an unfolded init is accepted */
	assert_int_equal(csum_partial(NULL, 0, 0x2ddf0), 0xddf2);
}

static void partial_sum_folds_many_carries(void **state)
{
	static uint8_t b[65536];

	memset(b, 0xff, sizeof(b));
	assert_int_equal(csum_partial(b, sizeof(b), 0), 0xffff);
	/* 0xffff (negative zero) + 0xff00 for the odd byte -> 0x1feff -> 0xff00 */
	assert_int_equal(csum_partial(b, sizeof(b) - 1, 0), 0xff00);
}

static void ip4_header_checksum_verifies_and_computes(void **state)
{
	/* 192.168.0.1 -> 192.168.0.199, UDP, checksum b861 */
	uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

	assert_int_equal(csum_ip4(h, sizeof(h)), 0);
	h[10] = h[11] = 0;
	assert_int_equal(csum_ip4(h, sizeof(h)), 0xb861);
	h[10] = 0xb8;
	h[11] = 0x62;
	assert_int_not_equal(csum_ip4(h, sizeof(h)), 0);
}

static void tcp4_checksum_verifies_segment_with_options_and_odd_payload(void **state)
{
	uint8_t s[sizeof(tcp4_seg)];

	assert_int_equal(csum_tcp4(v4_src, v4_dst, tcp4_seg, sizeof(tcp4_seg)), 0);
	memcpy(s, tcp4_seg, sizeof(s));
	s[16] = s[17] = 0;
	assert_int_equal(csum_tcp4(v4_src, v4_dst, s, sizeof(s)), 0x2b8f);
}

static void tcp4_checksum_covers_addresses_and_every_byte(void **state)
{
	uint8_t s[sizeof(tcp4_seg)], a[4];
	size_t i;

	memcpy(a, v4_src, 4);
	a[3] ^= 1;
	assert_int_not_equal(csum_tcp4(a, v4_dst, tcp4_seg, sizeof(tcp4_seg)), 0);
	assert_int_not_equal(csum_tcp4(v4_dst, a, tcp4_seg, sizeof(tcp4_seg)), 0);
	for (i = 0; i < sizeof(s); i++) {
		memcpy(s, tcp4_seg, sizeof(s));
		s[i] ^= 0x10;
		assert_int_not_equal(csum_tcp4(v4_src, v4_dst, s, sizeof(s)), 0);
	}
	/* the length is in the pseudo-header: one byte less is a different sum */
	assert_int_not_equal(csum_tcp4(v4_src, v4_dst, tcp4_seg, sizeof(tcp4_seg) - 1), 0);
}

static void tcp6_checksum_verifies_segment_with_options_and_odd_payload(void **state)
{
	uint8_t s[sizeof(tcp6_seg)];

	assert_int_equal(csum_tcp6(v6_src, v6_dst, tcp6_seg, sizeof(tcp6_seg)), 0);
	memcpy(s, tcp6_seg, sizeof(s));
	s[16] = s[17] = 0;
	assert_int_equal(csum_tcp6(v6_src, v6_dst, s, sizeof(s)), 0x5c42);
}

static void upper6_checksum_verifies_icmp6_neighbour_advertisement(void **state)
{
	uint8_t m[sizeof(na_msg)];

	assert_int_equal(csum_upper6(v6_src, v6_dst, 58, na_msg, sizeof(na_msg)), 0);
	/* the next header is part of the pseudo-header */
	assert_int_not_equal(csum_upper6(v6_src, v6_dst, 6, na_msg, sizeof(na_msg)), 0);
	memcpy(m, na_msg, sizeof(m));
	m[2] = m[3] = 0;
	assert_int_equal(csum_upper6(v6_src, v6_dst, 58, m, sizeof(m)), 0xaa73);
}

static void computed_checksum_verifies_at_every_length(void **state)
{
	uint8_t s[300];
	size_t len, i;
	uint16_t c;

	for (len = 20; len <= sizeof(s); len++) {
		for (i = 0; i < len; i++)
			s[i] = (uint8_t)(i * 37 + len);
		s[16] = s[17] = 0;
		c = csum_tcp4(v4_src, v4_dst, s, len);
		s[16] = (uint8_t)(c >> 8);
		s[17] = (uint8_t)c;
		assert_int_equal(csum_tcp4(v4_src, v4_dst, s, len), 0);
		s[16] = s[17] = 0;
		c = csum_tcp6(v6_src, v6_dst, s, len);
		s[16] = (uint8_t)(c >> 8);
		s[17] = (uint8_t)c;
		assert_int_equal(csum_tcp6(v6_src, v6_dst, s, len), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(partial_sum_matches_rfc1071_example),
		cmocka_unit_test(partial_sum_pads_odd_length_with_a_zero_byte),
		cmocka_unit_test(partial_sum_chains_through_init),
		cmocka_unit_test(partial_sum_folds_many_carries),
		cmocka_unit_test(ip4_header_checksum_verifies_and_computes),
		cmocka_unit_test(tcp4_checksum_verifies_segment_with_options_and_odd_payload),
		cmocka_unit_test(tcp4_checksum_covers_addresses_and_every_byte),
		cmocka_unit_test(tcp6_checksum_verifies_segment_with_options_and_odd_payload),
		cmocka_unit_test(upper6_checksum_verifies_icmp6_neighbour_advertisement),
		cmocka_unit_test(computed_checksum_verifies_at_every_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
