#ifndef TCPCONFORM_CONN_H
#define TCPCONFORM_CONN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "frame.h"
#include "frame_frag.h"
#include "lab.h"
#include "match.h"
#include "tpl.h"

/* A connection seen from the harness: one 4-tuple on a lab's link plus the sequence
 * state the harness keeps for it, so scripts write seq/ack relative to the ISNs (as in
 * packetdrill) and sends default to the right numbers (RFC 9293 3.3.1: SND.NXT, RCV.NXT).
 * A connection does not own its lab; it must not be used after lab_destroy. */

struct conn;

struct conn_addr {
	int family;              /* AF_INET or AF_INET6 */
	uint16_t lport, rport;   /* harness port, target port */
	uint32_t iss;            /* harness ISN */
	bool ts_rel;             /* TS val/ecr written relative to each side's first TS val */
};

struct conn *conn_new(struct lab *lab, const struct conn_addr *a);
void conn_free(struct conn *c);

/* Builds the segment t describes (unset fields: flags ".", seq SND.NXT, ack RCV.NXT when
 * ACK is set, window 65535, TTL 64, DF) and puts it on the wire. *sent_at gets the lab
 * time. Returns 0, or -1 with err naming the field (e.g. options too long). */
int conn_send(struct conn *c, const struct tpl *t, double *sent_at, char *err, size_t errlen);
/* conn_send, with the segment going out as ip says (frame_frag.h: IP fragments, IPv6
 * extension headers; NULL or all zero: one frame as conn_send). A fragmented segment may
 * be longer than the link's MTU (each fragment must fit it); an IPv4 one goes out with
 * DF clear and, unless t gives an ID, an ID of its own, as do IPv6 Fragment headers, so
 * no fragment joins another segment's reassembly queue (RFC 791 3.2, RFC 8200 4.5).
 * *nframes gets how many frames went out (0 when the only fragment was left out). */
int conn_send_ip(struct conn *c, const struct tpl *t, const struct frame_ip_opts *ip,
		 double *sent_at, int *nframes, char *err, size_t errlen);
/* The most payload one segment like t can carry on the lab's link (LAB_MTU less the IP
 * and TCP headers and t's options), or -1 with err when t's options do not encode. */
int conn_max_payload(const struct conn *c, const struct tpl *t, char *err, size_t errlen);
/* conn_send, but a payload above conn_max_payload goes out as consecutive segments of at
 * most that size (SYN on the first only, PSH and FIN on the last only); *sent_at is the
 * first one's time and *nseg their count. Without split such a payload is an error
 * naming the limit, unless ip fragments it (conn_send_ip; split and frag together are
 * an error). ip may be NULL. */
int conn_send_split(struct conn *c, const struct tpl *t, bool split,
		    const struct frame_ip_opts *ip, double *sent_at, int *nseg, char *err,
		    size_t errlen);
/* The frame conn_send would build for t now (seq, ack, IP ID as conn_send fills them in),
 * without sending it or advancing anything; its options are serialised into opts, which
 * f points to. Returns 0, or -1 with err. */
int conn_frame(const struct conn *c, const struct tpl *t, struct frame_tcp *f,
	       uint8_t opts[40], char *err, size_t errlen);

enum conn_wait {
	CONN_NEXT,   /* the next inbound segment of this connection must match */
	CONN_ANY,    /* the first matching inbound segment; others are passed over */
	CONN_NONE,   /* no inbound segment of this connection may arrive */
};

/* Waits until `deadline` (lab time) for an inbound segment of this connection, as `mode`
 * says. On success (*rec = the matched record, or NULL for CONN_NONE) returns 0. On a
 * mismatch or time-out returns 1 with `why` holding the whole failure report: expected,
 * the first differing field, and every segment of the connection seen meanwhile with its
 * relative time. Returns -1 with `why` on a harness error (agent gone, interrupted). */
int conn_wait(struct conn *c, const struct tpl *t, enum conn_wait mode, double deadline,
	      const struct lab_rec **rec, char *why, size_t whylen);

/* The next segment the target sent on this connection that no wait or earlier call
 * consumed, without waiting (the caller pumps the lab): *rec is it and it is consumed
 * (RCV.NXT and IRS advance as in conn_wait), or NULL when none is there yet. Exists for
 * the sweep's engine, which runs many connections over one lab and must never block on
 * one of them. */
void conn_next(struct conn *c, const struct lab_rec **rec);

/* The sequence context for reading this connection's segments. */
struct match_ctx conn_ctx(const struct conn *c, const struct seg *s);
const struct conn_addr *conn_addr(const struct conn *c);
struct lab *conn_lab(const struct conn *c);
/* SND.NXT and RCV.NXT relative to the ISNs; rcv_known false until the target's SYN or
 * first segment was seen. */
uint32_t conn_snd_nxt(const struct conn *c);
uint32_t conn_rcv_nxt(const struct conn *c);
bool conn_irs_known(const struct conn *c);
uint32_t conn_irs(const struct conn *c);
/* With relative timestamps: the harness's TS base (what its TS val 0 is on the wire) and
 * the target's first TS val (ts_t_known false until a TS option of the target's was
 * seen). */
uint32_t conn_ts_base(const struct conn *c);
bool conn_ts_peer_known(const struct conn *c);
uint32_t conn_ts_peer(const struct conn *c);
/* True when s is a TCP segment of this connection, sent by the target. */
bool conn_owns(const struct conn *c, const struct seg *s);

#endif
