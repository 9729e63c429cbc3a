#ifndef TCPCONFORM_CONN_H
#define TCPCONFORM_CONN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "frame.h"
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
};

struct conn *conn_new(struct lab *lab, const struct conn_addr *a);
void conn_free(struct conn *c);

/* Builds the segment t describes (unset fields: flags ".", seq SND.NXT, ack RCV.NXT when
 * ACK is set, window 65535, TTL 64, DF) and puts it on the wire. *sent_at gets the lab
 * time. Returns 0, or -1 with err naming the field (e.g. options too long). */
int conn_send(struct conn *c, const struct tpl *t, double *sent_at, char *err, size_t errlen);
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
/* True when s is a TCP segment of this connection, sent by the target. */
bool conn_owns(const struct conn *c, const struct seg *s);

#endif
