/* conn_split: what fits the lab's link, and a payload cut to it (see conn.h). The
 * harness sends what a script asks for; a payload above the MTU would be refused by the
 * link ("Message too long"), so it is the script's error, or, when asked, the harness
 * cuts it as a sender would (RFC 9293 3.7.1: no segment above the MSS). */
#include "conn.h"

#include <stdio.h>
#include <sys/socket.h>

#include "segment.h"

/* See conn.h. */
int conn_max_payload(const struct conn *c, const struct tpl *t, char *err, size_t errlen)
{
	struct frame_tcp f;
	uint8_t opts[40];
	if (conn_frame(c, t, &f, opts, err, errlen) < 0)
		return -1;
	int ip = conn_addr(c)->family == AF_INET ? 20 : 40;
	return (int)lab_mtu(conn_lab(c)) - ip - 20 - f.opts_len;
}

/* A fragmented segment: any length a datagram holds, but every fragment must fit the
 * link (it goes out as one frame). */
static int send_frags(struct conn *c, const struct tpl *t, const struct frame_ip_opts *ip,
		      double *sent_at, int *nseg, char *err, size_t errlen)
{
	struct frame_tcp f;
	uint8_t opts[40];
	if (conn_frame(c, t, &f, opts, err, errlen) < 0)
		return -1;
	size_t tcp_len = 20 + (size_t)f.opts_len + f.payload_len;
	size_t need = frame_frag_max_ip(conn_addr(c)->family, ip, tcp_len);
	if (need > lab_mtu(conn_lab(c))) {
		snprintf(err, errlen, "frag = %u: a fragment of %zu bytes of IP packet does not fit "
			 "the lab's MTU of %u bytes; expected a smaller frag", ip->frag, need,
			 lab_mtu(conn_lab(c)));
		return -1;
	}
	int nframes;
	if (conn_send_ip(c, t, ip, sent_at, &nframes, err, errlen) < 0)
		return -1;
	*nseg = 1;
	return 0;
}

int conn_send_split(struct conn *c, const struct tpl *t, bool split,
		    const struct frame_ip_opts *ip, double *sent_at, int *nseg, char *err,
		    size_t errlen)
{
	if (ip && ip->frag) {
		if (split) {
			snprintf(err, errlen, "split = true and frag = %u, expected one of them: "
				 "split cuts a payload into segments, frag one segment into IP "
				 "fragments", ip->frag);
			return -1;
		}
		return send_frags(c, t, ip, sent_at, nseg, err, errlen);
	}
	int max = conn_max_payload(c, t, err, errlen);
	if (max < 0)
		return -1;
	if (ip && ip->next)
		max -= 8 * ip->next;   /* each extension header we add is 8 bytes */
	uint32_t len = t->have & (TPL_LEN | TPL_DATA) ? t->len : 0;
	*nseg = 1;
	if (len <= (uint32_t)max) {
		int nframes;
		return conn_send_ip(c, t, ip, sent_at, &nframes, err, errlen);
	}
	if (!split) {
		snprintf(err, errlen, "a payload of %u bytes does not fit the lab's MTU of %u bytes: "
			 "at most %d bytes a segment with these options (IPv%d); send it with "
			 "{split = true} to have the harness cut it into segments, or {frag = N} "
			 "to send it as IP fragments", len, lab_mtu(conn_lab(c)), max,
			 conn_addr(c)->family == AF_INET ? 4 : 6);
		return -1;
	}
	if (ip && ip->next) {
		snprintf(err, errlen, "split = true with ext, expected one of them");
		return -1;
	}
	/* A shallow copy per piece: its data points into t's, it owns nothing. */
	uint32_t seq0 = t->seq;
	for (uint32_t off = 0; off < len; off += (uint32_t)max) {
		struct tpl piece = *t;
		uint32_t n = len - off < (uint32_t)max ? len - off : (uint32_t)max;
		bool last = off + n == len;
		piece.len = n;
		if (t->have & TPL_DATA)
			piece.data = t->data + off;
		if (t->have & TPL_SEQ)
			piece.seq = seq0 + off + (off && (t->flags & SEG_SYN) ? 1 : 0);
		if (off)
			piece.flags &= (uint8_t)~SEG_SYN;
		if (!last)
			piece.flags &= (uint8_t)~(SEG_PSH | SEG_FIN);
		double at;
		if (conn_send(c, &piece, &at, err, errlen) < 0)
			return -1;
		if (!off)
			*sent_at = at;
		else
			(*nseg)++;
	}
	return 0;
}

