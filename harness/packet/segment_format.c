/* segment_format.c -- the one-line text form of a decoded frame (tcpdump-like, absolute
 * numbers), used in logs, verdict messages and the console. Options are walked with the
 * decoder's own walker (segment_int.h) so that what is shown is what was decoded. */
#include "segment.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

#include "segment_int.h"
#include "textout.h"

/*
 * seg_flags_format: packetdrill's spelling of TCP flags: S F R P U E W in that order,
 * then "." when ACK is set ("S.", "F.", "R.", "P.", "SE."), and "-" for no flag at all.
 * Returns what snprintf would.
 */
int seg_flags_format(uint8_t flags, char *buf, size_t len)
{
	static const struct { uint8_t bit; char c; } order[] = {
		{SEG_SYN, 'S'}, {SEG_FIN, 'F'}, {SEG_RST, 'R'}, {SEG_PSH, 'P'},
		{SEG_URG, 'U'}, {SEG_ECE, 'E'}, {SEG_CWR, 'W'}, {SEG_ACK, '.'},
	};
	char s[sizeof(order) / sizeof(order[0]) + 2];
	size_t i, n = 0;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (flags & order[i].bit)
			s[n++] = order[i].c;
	if (n == 0)
		s[n++] = '-';
	s[n] = '\0';
	return snprintf(buf, len, "%s", s);
}

static void fmt_opt(struct textout *o, const struct seg_opt_view *v)
{
	size_t k;

	switch (v->kind) {
	case TCPOPT_EOL: textout_printf(o, "eol"); return;
	case TCPOPT_NOP: textout_printf(o, "nop"); return;
	case TCPOPT_MSS:
		if (v->len == 4) { textout_printf(o, "mss %u", seg_rd16(v->data)); return; }
		break;
	case TCPOPT_WSCALE:
		if (v->len == 3) { textout_printf(o, "wscale %u", v->data[0]); return; }
		break;
	case TCPOPT_SACKOK:
		if (v->len == 2) { textout_printf(o, "sackOK"); return; }
		break;
	case TCPOPT_SACK:
		if (v->len < 10 || (v->len - 2) % 8)
			break;
		textout_printf(o, "sack");
		for (k = 0; k + 8 <= (size_t)v->len - 2; k += 8)
			textout_printf(o, " %u:%u", seg_rd32(v->data + k), seg_rd32(v->data + k + 4));
		return;
	case TCPOPT_TS:
		if (v->len == 10) {
			textout_printf(o, "TS val %u ecr %u", seg_rd32(v->data), seg_rd32(v->data + 4));
			return;
		}
		break;
	default:
		break;
	}
	textout_printf(o, "opt-%u len %u", v->kind, v->len);
}

/* Options in wire order, walked with the same parser the decoder uses. */
static void fmt_opts(struct textout *o, const struct seg_opts *so)
{
	struct seg_opt_view v;
	size_t i = 0;
	int r, n = 0;

	if (so->raw_len == 0)
		return;
	textout_printf(o, " <");
	while ((r = seg_opt_next(so->raw, so->raw_len, &i, &v)) == 1) {
		textout_printf(o, "%s", n++ ? "," : "");
		fmt_opt(o, &v);
		if (v.kind == TCPOPT_EOL)
			break;
	}
	if (r < 0)
		textout_printf(o, "%sbad option at byte %zu", n ? "," : "", i);
	textout_printf(o, ">");
}

static void fmt_addr(struct textout *o, const struct seg *s, const uint8_t *a, bool with_port,
		     uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];

	/* A struct seg filled by hand may carry no family: show that rather than garbage. */
	if (!inet_ntop(s->family, a, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	if (!with_port)
		textout_printf(o, "%s", ip);
	else if (s->family == AF_INET6)
		textout_printf(o, "[%s]:%u", ip, port);
	else
		textout_printf(o, "%s:%u", ip, port);
}

static void fmt_tcp(struct textout *o, const struct seg *s)
{
	char fl[16];

	fmt_addr(o, s, s->src, true, s->sport);
	textout_printf(o, " > ");
	fmt_addr(o, s, s->dst, true, s->dport);
	seg_flags_format(s->flags, fl, sizeof(fl));
	textout_printf(o, " %s seq %u", fl, s->seq);
	if (s->flags & SEG_ACK)
		textout_printf(o, " ack %u", s->ack);
	textout_printf(o, " win %u", s->win);
	if (s->flags & SEG_URG)
		textout_printf(o, " urg %u", s->urg);
	textout_printf(o, " len %u", s->payload_len);
	fmt_opts(o, &s->opt);
	if (!s->tcp_csum_ok)
		textout_printf(o, " [bad tcp csum 0x%04x]", s->tcp_csum);
	if (!s->ip_csum_ok)
		textout_printf(o, " [bad ip csum]");
}

static void fmt_mac(struct textout *o, const uint8_t *m)
{
	textout_printf(o, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void fmt_arp(struct textout *o, const struct seg *s)
{
	char spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, s->arp_spa, spa, sizeof(spa));
	inet_ntop(AF_INET, s->arp_tpa, tpa, sizeof(tpa));
	if (s->arp_op == 1) {
		textout_printf(o, "arp who-has %s tell %s", tpa, spa);
	} else if (s->arp_op == 2) {
		textout_printf(o, "arp reply %s is-at ", spa);
		fmt_mac(o, s->arp_sha);
	} else {
		textout_printf(o, "arp op %u %s > %s", s->arp_op, spa, tpa);
	}
}

static void fmt_icmp6(struct textout *o, const struct seg *s)
{
	char t[INET6_ADDRSTRLEN];

	fmt_addr(o, s, s->src, false, 0);
	textout_printf(o, " > ");
	fmt_addr(o, s, s->dst, false, 0);
	inet_ntop(AF_INET6, s->icmp6_target, t, sizeof(t));
	if (s->icmp6_has_target && s->icmp6_type == ND_NS)
		textout_printf(o, " icmp6 neighbor solicitation who-has %s", t);
	else if (s->icmp6_has_target && s->icmp6_type == ND_NA)
		textout_printf(o, " icmp6 neighbor advertisement tgt %s", t);
	else
		textout_printf(o, " icmp6 type %u code %u", s->icmp6_type, s->icmp6_code);
}

/*
 * seg_format: one line per frame; TCP as "src:port > dst:port FLAGS seq N [ack N] win N
 * [urg N] len N <options>" with IPv6 addresses bracketed, checksum problems appended in
 * [..]. ack and urg appear only when their flag is set (as in tcpdump). ARP, ICMPv6,
 * other IP and other Ethernet frames get a readable form too. Returns what snprintf would.
 */
int seg_format(const struct seg *s, char *buf, size_t len)
{
	struct textout o;

	textout_init(&o, buf, len);

	switch (s->kind) {
	case SEG_KIND_TCP:
		fmt_tcp(&o, s);
		break;
	case SEG_KIND_ARP:
		fmt_arp(&o, s);
		break;
	case SEG_KIND_ICMP6:
		fmt_icmp6(&o, s);
		break;
	case SEG_KIND_IP:
		fmt_addr(&o, s, s->src, false, 0);
		textout_printf(&o, " > ");
		fmt_addr(&o, s, s->dst, false, 0);
		textout_printf(&o, " ip proto %u", s->ip_proto);
		break;
	default:
		textout_printf(&o, "ether ");
		fmt_mac(&o, s->eth_src);
		textout_printf(&o, " > ");
		fmt_mac(&o, s->eth_dst);
		textout_printf(&o, " type 0x%04x", s->ethertype);
		break;
	}
	return textout_result(&o);
}
