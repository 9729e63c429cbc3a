#ifndef TCPCONFORM_WIRE_H
#define TCPCONFORM_WIRE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/* The wire: one lab link seen from the harness. Frames built by libnet (frame.c) go out
 * through a packet socket at the link layer and come in through libpcap in immediate
 * mode with microsecond time stamps.
 * The capture sees both directions (our own frames come back as PACKET_OUTGOING), so the
 * per-test pcap holds the whole conversation with kernel time stamps on both sides. */

struct wire;

#define WIRE_SNAPLEN 1600           /* > the largest frame of a 1500-byte MTU link (1518) */
#define WIRE_RING (4 << 20)         /* capture ring: about 2500 frames between two reads */

/* Opens dev for injection and capture; `filter` is a BPF expression (pcap-filter(7)).
 * Returns NULL with err naming dev and the failing call. */
struct wire *wire_open(const char *dev, const char *filter, char *err, size_t errlen);
void wire_close(struct wire *w);

/* The descriptor to poll for incoming frames. */
int wire_fd(const struct wire *w);

/* Injects one complete Ethernet frame. */
int wire_send(struct wire *w, const uint8_t *frame, size_t len, char *err, size_t errlen);

/* Calls cb for every frame the capture has ready now (never blocks). Returns the number
 * of frames handled, or -1 with err on a capture error. */
typedef void (*wire_frame_cb)(void *ctx, const struct timeval *ts, const uint8_t *frame,
			      size_t caplen, size_t len);
int wire_drain(struct wire *w, wire_frame_cb cb, void *ctx, char *err, size_t errlen);

/* Frames the kernel dropped because the capture ring was full (pcap_stats ps_drop) since
 * the wire was opened: non-zero means the capture, and any verdict drawn from it, is
 * incomplete. */
unsigned wire_drops(struct wire *w);

/* Starts writing every captured frame to a pcap file at path (replaced if it exists).
 * wire_drain writes each frame before calling cb. */
int wire_dump_open(struct wire *w, const char *path, char *err, size_t errlen);
void wire_dump_close(struct wire *w);

#endif
