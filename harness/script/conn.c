/* conn: sequence state and send/expect for one connection (see conn.h). */
#include "conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "frame.h"
#include "segment.h"

struct conn {
	struct lab *lab;
	struct conn_addr a;
	uint32_t irs;
	bool irs_known;
	uint32_t snd_nxt;         /* absolute */
	uint32_t rcv_nxt;         /* absolute, valid when rcv_known */
	bool rcv_known;
	uint16_t ip_id;
	size_t cursor;            /* first log record not yet consumed by a wait */
	size_t first;             /* the log's length when the connection was made */
	uint32_t ts_base;         /* ts_rel: our TS val 0 on the wire */
	uint32_t ts_peer;         /* ts_rel: the target's first TS val */
	bool ts_peer_known;
};

/* RFC 9293 3.4: sequence numbers compare modulo 2^32. */
static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

struct conn *conn_new(struct lab *lab, const struct conn_addr *a)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->lab = lab;
	c->a = *a;
	c->snd_nxt = a->iss;
	c->ip_id = (uint16_t)(a->iss >> 7);
	c->cursor = c->first = lab_log_count(lab);
	/* Our clock's origin: any number will do (RFC 7323 5.4); one that is not 0 keeps a
	 * script that forgot ts = "relative" from passing by luck. */
	c->ts_base = a->iss * 2654435761u + 0x1000u;
	return c;
}

void conn_free(struct conn *c)
{
	free(c);
}

const struct conn_addr *conn_addr(const struct conn *c)
{
	return &c->a;
}

struct lab *conn_lab(const struct conn *c)
{
	return c->lab;
}

uint32_t conn_snd_nxt(const struct conn *c)
{
	return c->snd_nxt - c->a.iss;
}

uint32_t conn_rcv_nxt(const struct conn *c)
{
	return c->rcv_nxt - c->irs;
}

bool conn_irs_known(const struct conn *c)
{
	return c->irs_known;
}

uint32_t conn_irs(const struct conn *c)
{
	return c->irs;
}

uint32_t conn_ts_base(const struct conn *c)
{
	return c->ts_base;
}

bool conn_ts_peer_known(const struct conn *c)
{
	return c->ts_peer_known;
}

uint32_t conn_ts_peer(const struct conn *c)
{
	return c->ts_peer;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

bool conn_owns(const struct conn *c, const struct seg *s)
{
	const struct lab_addrs *la = lab_addrs(c->lab);
	const uint8_t *h = c->a.family == AF_INET ? la->harness4 : la->harness6;
	const uint8_t *t = c->a.family == AF_INET ? la->target4 : la->target6;
	size_t n = addr_len(c->a.family);
	return s->kind == SEG_KIND_TCP && s->family == c->a.family && s->sport == c->a.rport &&
	       s->dport == c->a.lport && memcmp(s->src, t, n) == 0 && memcmp(s->dst, h, n) == 0;
}

static bool conn_owns_outbound(const struct conn *c, const struct seg *s)
{
	return s->kind == SEG_KIND_TCP && s->family == c->a.family && s->sport == c->a.lport &&
	       s->dport == c->a.rport;
}

struct match_ctx conn_ctx(const struct conn *c, const struct seg *s)
{
	/* Until the target's SYN is seen its ISN is unknown and seq reads as absolute -- so
	 * an RST from a closed port (no ISN at all) is written with its real seq. A SYN
	 * carries the ISN itself, so it reads as 0 even before it is learnt. */
	uint32_t irs = c->irs_known ? c->irs : (s && (s->flags & SEG_SYN) ? s->seq : 0);
	struct match_ctx ctx = {.iss = c->a.iss, .irs = irs};
	if (c->a.ts_rel) {
		/* The first TS val the target sends is its 0, as the ISN is seq's. */
		ctx.ts_val0 = c->ts_peer_known ? c->ts_peer
			      : (s && (s->opt.present & SEG_OPT_TS) ? s->opt.ts_val : 0);
		ctx.ts_ecr0 = c->ts_base;
	}
	return ctx;
}

/* Our own segments read relative too: seq from our ISN, ack from theirs, TS val from
 * our clock's origin and ecr from theirs. */
static struct match_ctx conn_ctx_out(const struct conn *c)
{
	struct match_ctx ctx = {.iss = c->irs_known ? c->irs : 0, .irs = c->a.iss};
	if (c->a.ts_rel) {
		ctx.ts_val0 = c->ts_base;
		ctx.ts_ecr0 = c->ts_peer_known ? c->ts_peer : 0;
	}
	return ctx;
}

/* SACK blocks acknowledge the target's data, so a script writes them relative to the
 * target's ISN like ack (RFC 2018 3); everything else goes out as written. */
static int conn_encode_opts(const struct conn *c, const struct tpl *t, uint8_t out[40],
			    char *err, size_t errlen)
{
	struct tpl abs = *t;
	abs.data = NULL;   /* a shallow copy for the options only: owns nothing */
	for (int i = 0; i < abs.nopt; i++) {
		struct tpl_opt *o = &abs.opt[i];
		if (o->kind == TCPOPT_SACK && !o->raw_len)
			for (int v = 0; v < o->nval; v++)
				o->val[v] += c->irs;
		/* Relative timestamps: val counts from our origin, ecr from the target's
		 * first val (absolute until one was seen: a SYN's ecr 0 stays 0). */
		if (o->kind == TCPOPT_TS && !o->raw_len && c->a.ts_rel && o->nval == 2) {
			o->val[0] += c->ts_base;
			if (c->ts_peer_known)
				o->val[1] += c->ts_peer;
		}
	}
	return tpl_opts_encode(&abs, out, err, errlen);
}

int conn_frame(const struct conn *c, const struct tpl *t, struct frame_tcp *out,
	       uint8_t opts[40], char *err, size_t errlen)
{
	const struct lab_addrs *la = lab_addrs(c->lab);
	struct frame_tcp f;
	memset(&f, 0, sizeof(f));
	memcpy(f.eth_src, la->harness_mac, 6);
	memcpy(f.eth_dst, la->target_mac, 6);
	f.family = c->a.family;
	memcpy(f.src, c->a.family == AF_INET ? la->harness4 : la->harness6, addr_len(c->a.family));
	memcpy(f.dst, c->a.family == AF_INET ? la->target4 : la->target6, addr_len(c->a.family));
	f.ttl = t->have & TPL_TTL ? t->ttl : 64;
	f.tos = t->have & TPL_TOS ? t->tos : 0;
	f.ip_id = t->have & TPL_IPID ? t->ip_id : c->ip_id;
	f.df = t->have & TPL_DF ? t->df : true;
	f.sport = c->a.lport;
	f.dport = c->a.rport;
	f.flags = t->have & TPL_FLAGS ? t->flags : SEG_ACK;
	if (t->have & TPL_SEQ)
		f.seq = t->have & TPL_SEQ_ABS ? t->seq : c->a.iss + t->seq;
	else
		f.seq = c->snd_nxt;
	if (t->have & TPL_ACK)
		f.ack = t->have & TPL_ACK_ABS ? t->ack : c->irs + t->ack;
	else if (f.flags & SEG_ACK)
		f.ack = c->rcv_nxt;
	f.win = t->have & TPL_WIN ? (uint16_t)t->win : 65535;
	f.urg = t->have & TPL_URG ? (uint16_t)t->urg : 0;
	int olen = 0;
	if ((t->have & TPL_OPTS) && (olen = conn_encode_opts(c, t, opts, err, errlen)) < 0)
		return -1;
	f.opts = opts;
	f.opts_len = (uint8_t)olen;
	f.payload_len = t->have & (TPL_LEN | TPL_DATA) ? t->len : 0;
	f.payload = t->have & TPL_DATA ? t->data : NULL;
	f.csum_set = (t->have & TPL_CSUM) != 0;
	f.csum = t->tcp_csum;
	f.csum_bad = (t->have & TPL_BAD_CSUM) != 0;
	*out = f;
	return 0;
}

/* Identifications for fragmented segments, from one counter for the process: each lab
 * is a namespace of its own (its own reassembly queues), and within one a fragment never
 * shares the ID of a datagram still being reassembled -- a segment whose fragment was
 * left out on purpose waits there for the reassembly timeout (RFC 791 3.2: the ID
 * must be unique for the source, destination and protocol while the datagram can be
 * alive; RFC 8200 4.5 the same for IPv6). */
static uint32_t frag_ids = 0x5eed0000u;

static uint32_t frag_id_next(void)
{
	return __atomic_add_fetch(&frag_ids, 1, __ATOMIC_RELAXED);
}

static bool ip_opts_any(const struct frame_ip_opts *ip)
{
	return ip && (ip->frag || ip->next);
}

/* Puts f on the wire as ip says: *n frames, the first one's time in *at. */
static int conn_put(struct conn *c, const struct frame_tcp *f, const struct frame_ip_opts *ip,
		    double *at, int *n, char *err, size_t errlen)
{
	const uint8_t *frame;
	size_t flen;
	if (frame_build_tcp(lab_builder(c->lab), f, &frame, &flen, err, errlen) < 0)
		return -1;
	*n = 1;
	if (!ip_opts_any(ip)) {
		/* The time before the frame goes out: the target's answer is stamped by the
		 * capture, which may read the clock before this call returns. */
		*at = lab_now(c->lab);
		return lab_send_frame(c->lab, frame, flen, err, errlen);
	}
	struct frame_frags fr = {0};
	struct frame_ip_opts o = *ip;
	o.id6 = frag_id_next();
	int rc = frame_frag_build(frame, flen, &o, &fr, err, errlen);
	*at = lab_now(c->lab);
	for (int i = 0; rc == 0 && i < fr.n; i++)
		rc = lab_send_frame(c->lab, fr.buf + fr.off[i], fr.len[i], err, errlen);
	*n = fr.n;
	frame_frags_free(&fr);
	return rc;
}

int conn_send(struct conn *c, const struct tpl *t, double *sent_at, char *err, size_t errlen)
{
	int n;
	return conn_send_ip(c, t, NULL, sent_at, &n, err, errlen);
}

int conn_send_ip(struct conn *c, const struct tpl *t, const struct frame_ip_opts *ip,
		 double *sent_at, int *nframes, char *err, size_t errlen)
{
	struct frame_tcp f;
	uint8_t opts[40];
	if (conn_frame(c, t, &f, opts, err, errlen) < 0)
		return -1;
	if (!(t->have & TPL_IPID))
		c->ip_id++;
	if (ip && ip->frag) {
		/* A fragmented datagram had DF clear (RFC 791 3.1: DF forbids fragmenting). */
		f.df = false;
		if (!(t->have & TPL_IPID))
			f.ip_id = (uint16_t)frag_id_next();
	}
	double at;
	if (conn_put(c, &f, ip, &at, nframes, err, errlen) < 0)
		return -1;
	*sent_at = at;
	uint32_t end = f.seq + f.payload_len + ((f.flags & SEG_SYN) ? 1 : 0) + ((f.flags & SEG_FIN) ? 1 : 0);
	if (seq_after(end, c->snd_nxt))
		c->snd_nxt = end;
	return 0;
}

/* What the target sent advances RCV.NXT (RFC 9293 3.10.7.4) and, for a SYN, fixes IRS. */
static void conn_note_inbound(struct conn *c, const struct seg *s)
{
	if ((s->flags & SEG_SYN) && !c->irs_known) {
		c->irs = s->seq;
		c->irs_known = true;
	}
	if ((s->opt.present & SEG_OPT_TS) && !c->ts_peer_known) {
		c->ts_peer = s->opt.ts_val;
		c->ts_peer_known = true;
	}
	uint32_t end = s->seq + s->payload_len + ((s->flags & SEG_SYN) ? 1 : 0) +
		       ((s->flags & SEG_FIN) ? 1 : 0);
	if (s->flags & SEG_RST)
		return;
	if (!c->rcv_known || seq_after(end, c->rcv_nxt)) {
		c->rcv_nxt = end;
		c->rcv_known = true;
	}
}

/* See conn.h. */
void conn_next(struct conn *c, const struct lab_rec **rec)
{
	size_t count = lab_log_count(c->lab);
	*rec = NULL;
	for (; c->cursor < count; c->cursor++) {
		const struct lab_rec *r = lab_log_get(c->lab, c->cursor);
		if (r->inbound && conn_owns(c, &r->seg)) {
			conn_note_inbound(c, &r->seg);
			c->cursor++;
			*rec = r;
			return;
		}
	}
}

/* A report lists at most this many segments: the first DESCRIBE_HEAD and the last
 * (DESCRIBE_MAX - DESCRIBE_HEAD), with a line saying how many were left out between. */
#define DESCRIBE_MAX 120
#define DESCRIBE_HEAD 20

/* The kind of record r is for this connection: 1 from the target, 2 ours, 3 a TCP
 * segment from the target on another connection, 0 none of these. */
static int conn_rec_kind(const struct conn *c, const struct lab_rec *r)
{
	if (r->inbound && conn_owns(c, &r->seg))
		return 1;
	if (!r->inbound && conn_owns_outbound(c, &r->seg))
		return 2;
	return r->inbound && r->seg.kind == SEG_KIND_TCP ? 3 : 0;
}

/* Appends every segment of the connection since it was made (both ways, with their
 * times) to the report, as lua/README.md promises: what matched before is context for
 * what did not. */
static int conn_describe(const struct conn *c, char *buf, size_t len)
{
	int n = 0;
	size_t count = lab_log_count(c->lab), total = 0, shown = 0;
	for (size_t i = c->first; i < count; i++)
		total += conn_rec_kind(c, lab_log_get(c->lab, i)) != 0;
	for (size_t i = c->first; i < count && n < (int)len; i++) {
		const struct lab_rec *r = lab_log_get(c->lab, i);
		int kind = conn_rec_kind(c, r);
		if (!kind)
			continue;
		shown++;
		if (total > DESCRIBE_MAX && shown > DESCRIBE_HEAD &&
		    shown <= total - (DESCRIBE_MAX - DESCRIBE_HEAD)) {
			if (shown == DESCRIBE_HEAD + 1)
				n += snprintf(buf + n, len - (size_t)n, "\n    ... %zu segments left out ...",
					      total - DESCRIBE_MAX);
			continue;
		}
		char line[512];
		if (kind == 3) {
			seg_format(&r->seg, line, sizeof(line));
			n += snprintf(buf + n, len - (size_t)n, "\n    %8.3f  target  (other connection) %s", r->t, line);
			continue;
		}
		struct match_ctx ctx = kind == 1 ? conn_ctx(c, &r->seg) : conn_ctx_out(c);
		match_format_seg(&r->seg, &ctx, line, sizeof(line));
		n += snprintf(buf + n, len - (size_t)n, "\n    %8.3f  %s %s", r->t,
			      kind == 1 ? "target  <" : "harness >", line);
	}
	if (!total && n < (int)len)
		n += snprintf(buf + n, len - (size_t)n, "\n    (nothing on this connection)");
	return n;
}

int conn_wait(struct conn *c, const struct tpl *t, enum conn_wait mode, double deadline,
	      const struct lab_rec **rec, char *why, size_t whylen)
{
	double t_start = lab_now(c->lab);
	char mismatch[300] = "";
	*rec = NULL;
	for (;;) {
		size_t count = lab_log_count(c->lab);
		for (; c->cursor < count; c->cursor++) {
			const struct lab_rec *r = lab_log_get(c->lab, c->cursor);
			if (!r->inbound || !conn_owns(c, &r->seg))
				continue;
			struct match_ctx ctx = conn_ctx(c, &r->seg);
			char w[300];
			bool ok = mode != CONN_NONE && match_seg(t, &r->seg, &ctx, w, sizeof(w));
			if (ok) {
				conn_note_inbound(c, &r->seg);
				c->cursor++;
				*rec = r;
				return 0;
			}
			if (mode == CONN_ANY) {
				/* Passed over, but note it: a segment the target was not
				 * expected to send also shows up in the report. */
				if (!mismatch[0])
					snprintf(mismatch, sizeof(mismatch), "%s", w);
				conn_note_inbound(c, &r->seg);
				continue;
			}
			conn_note_inbound(c, &r->seg);
			c->cursor++;
			char got[400], exp[400];
			match_format_seg(&r->seg, &ctx, got, sizeof(got));
			if (mode == CONN_NONE) {
				int n = snprintf(why, whylen,
						 "expected no segment until %.3f s, got at %.3f s: %s\n  seen:",
						 deadline, r->t, got);
				conn_describe(c, why + n, whylen - (size_t)n);
				return 1;
			}
			tpl_format(t, exp, sizeof(exp));
			int n = snprintf(why, whylen, "expected: %s\n  got:      %s  (at %.3f s)\n  mismatch: %s\n  seen:",
					 exp, got, r->t, w);
			conn_describe(c, why + n, whylen - (size_t)n);
			return 1;
		}
		char err[LAB_ERR_MAX];
		int rc = lab_pump(c->lab, deadline, err, sizeof(err));
		if (rc < 0) {
			snprintf(why, whylen, "%s", err);
			return -1;
		}
		if (rc == 0 && lab_log_count(c->lab) == c->cursor)
			break;
	}
	if (mode == CONN_NONE)
		return 0;
	char exp[400];
	tpl_format(t, exp, sizeof(exp));
	int n = snprintf(why, whylen, "expected: %s\n  got:      nothing matching within %.3f s%s%s\n  seen:",
			 exp, deadline - t_start, mismatch[0] ? "\n  last mismatch: " : "", mismatch);
	conn_describe(c, why + n, whylen - (size_t)n);
	return 1;
}
