/* wire: injection of libnet-built frames + libpcap capture on one lab link (see wire.h). */
#include "wire.h"

#include <errno.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wire {
	int fd;                 /* packet socket for sending; receives nothing */
	struct sockaddr_ll to;  /* the link, resolved once */
	pcap_t *pc;
	pcap_dumper_t *dump;
	wire_frame_cb cb;   /* valid during wire_drain only */
	void *cb_ctx;
	char dev[IFNAMSIZ];
};

static int wire_pcap_open(struct wire *w, const char *filter, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	w->pc = pcap_create(w->dev, ebuf);
	if (!w->pc) {
		snprintf(err, errlen, "pcap on %s: %s", w->dev, ebuf);
		return -1;
	}
	/* Immediate mode: a frame is handed over as soon as it arrives; without it the
	 * kernel batches frames and every reaction would be late by the buffer timeout.
	 * Immediate mode means TPACKET_V2, a ring of fixed-size slots of about the snap
	 * length each: with 65535 a 1 MB ring held 15 frames, and a burst of 16 between two
	 * reads lost frames (a SYN flood found it). The lab links' MTU is 1500, so no frame
	 * exceeds WIRE_SNAPLEN; the ring holds about WIRE_RING / (WIRE_SNAPLEN + 80) frames
	 * (libpcap's slot: its headers, then the snap length), and a loss still shows in
	 * wire_drops.
	 * The ring must hold what the target sends while the harness is off the CPU. The
	 * kernel target answers in the harness's own sendto() (the veth hands the frame over
	 * at once), so a flood's replies come at the harness's pace, one batch per read. A
	 * stack behind a TAP (gVisor, lwIP) runs in a process of its own: it falls behind a
	 * flood by up to the TAP's queue (500 frames) and answers that backlog whenever it
	 * gets the CPU, which on a loaded machine is while the harness waits for it -- 20000
	 * SYNs to gVisor lost 500-2400 of its SYN|ACKs every time with the old 1 MiB / 2048
	 * ring (~490 slots), none in 24 runs with this one (~2500 slots), at about 8 ms more
	 * per lab. It cannot be made loss-free by design (a long enough stall loses frames
	 * with any ring), which is why a loss is never hidden (wire_drops). */
	if (pcap_set_snaplen(w->pc, WIRE_SNAPLEN) || pcap_set_immediate_mode(w->pc, 1) ||
	    pcap_set_buffer_size(w->pc, WIRE_RING) ||
	    pcap_set_tstamp_precision(w->pc, PCAP_TSTAMP_PRECISION_MICRO)) {
		snprintf(err, errlen, "pcap on %s: cannot configure: %s", w->dev, pcap_geterr(w->pc));
		return -1;
	}
	int rc = pcap_activate(w->pc);
	if (rc < 0) {
		snprintf(err, errlen, "pcap on %s: activate: %s", w->dev, pcap_geterr(w->pc));
		return -1;
	}
	struct bpf_program prog;
	if (pcap_compile(w->pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "pcap on %s: filter \"%s\": %s", w->dev, filter,
			 pcap_geterr(w->pc));
		return -1;
	}
	rc = pcap_setfilter(w->pc, &prog);
	pcap_freecode(&prog);
	if (rc < 0 || pcap_setnonblock(w->pc, 1, ebuf) < 0) {
		snprintf(err, errlen, "pcap on %s: %s", w->dev, pcap_geterr(w->pc));
		return -1;
	}
	return 0;
}

/* The sending socket. Frames are built by libnet (frame.c); they are written here on a
 * packet socket of protocol 0, which receives nothing, to the link's address resolved
 * once. libnet's own link write would open a socket that receives a copy of every frame
 * on every link of the namespace, look the interface up again for every frame, and cost
 * an RCU grace period to unhook or close (bench/README.md has the numbers). */
static int wire_sender(struct wire *w, char *err, size_t errlen)
{
	memset(&w->to, 0, sizeof(w->to));
	w->to.sll_family = AF_PACKET;
	w->to.sll_ifindex = (int)if_nametoindex(w->dev);
	w->to.sll_halen = ETH_ALEN;
	if (w->to.sll_ifindex == 0) {
		snprintf(err, errlen, "inject on %s: %s", w->dev, strerror(errno));
		return -1;
	}
	w->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (w->fd < 0) {
		snprintf(err, errlen, "inject on %s: packet socket: %s", w->dev, strerror(errno));
		return -1;
	}
	return 0;
}

struct wire *wire_open(const char *dev, const char *filter, char *err, size_t errlen)
{
	struct wire *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "wire: out of memory");
		return NULL;
	}
	snprintf(w->dev, sizeof(w->dev), "%s", dev);
	w->fd = -1;
	if (wire_sender(w, err, errlen) < 0 || wire_pcap_open(w, filter, err, errlen) < 0) {
		wire_close(w);
		return NULL;
	}
	return w;
}

void wire_close(struct wire *w)
{
	if (!w)
		return;
	wire_dump_close(w);
	if (w->pc)
		pcap_close(w->pc);
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

int wire_fd(const struct wire *w)
{
	return pcap_get_selectable_fd(w->pc);
}

int wire_send(struct wire *w, const uint8_t *frame, size_t len, char *err, size_t errlen)
{
	ssize_t n;
	do
		n = sendto(w->fd, frame, len, 0, (const struct sockaddr *)&w->to, sizeof(w->to));
	while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != len) {
		snprintf(err, errlen, "inject %zu bytes on %s: %s", len, w->dev,
			 n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

static void wire_on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct wire *w = (struct wire *)user;
	if (w->dump)
		pcap_dump((u_char *)w->dump, h, bytes);
	w->cb(w->cb_ctx, &h->ts, bytes, h->caplen, h->len);
}

int wire_drain(struct wire *w, wire_frame_cb cb, void *ctx, char *err, size_t errlen)
{
	w->cb = cb;
	w->cb_ctx = ctx;
	int n = pcap_dispatch(w->pc, -1, wire_on_frame, (u_char *)w);
	w->cb = NULL;
	if (n < 0) {
		snprintf(err, errlen, "capture on %s: %s", w->dev, pcap_geterr(w->pc));
		return -1;
	}
	return n;
}

unsigned wire_drops(struct wire *w)
{
	struct pcap_stat st;
	/* ps_drop of a Linux capture counts tp_drops: frames the ring had no slot for. */
	return pcap_stats(w->pc, &st) == 0 ? st.ps_drop : 0;
}

int wire_dump_open(struct wire *w, const char *path, char *err, size_t errlen)
{
	wire_dump_close(w);
	w->dump = pcap_dump_open(w->pc, path);
	if (!w->dump) {
		snprintf(err, errlen, "pcap file %s: %s", path, pcap_geterr(w->pc));
		return -1;
	}
	return 0;
}

void wire_dump_close(struct wire *w)
{
	if (w->dump) {
		pcap_dump_close(w->dump);
		w->dump = NULL;
	}
}
