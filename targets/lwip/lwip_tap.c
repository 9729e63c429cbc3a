/* lwIP netif on an existing TAP device (lwip_tap.h). Threads: the reader thread below
 * and lwIP's tcpip thread, which calls tap_linkoutput() with the core locked. */
#include "lwip_tap.h"

#include <lwip/etharp.h>
#include <lwip/ethip6.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcpip.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define TAP_MTU 1500
#define FRAME_MAX (TAP_MTU + 18)    /* Ethernet header + 802.1Q tag + MTU */

struct lwip_tap {
	int fd;
	uint8_t mac[6];
	struct netif *netif;
};

/* See lwip_tap.h. */
struct lwip_tap *lwip_tap_open(const char *name, char *err, size_t errlen)
{
	struct lwip_tap *t;
	struct ifreq ifr;

	if (!name || !*name || strlen(name) >= IFNAMSIZ) {
		snprintf(err, errlen, "TAP name \"%.32s\" is empty or longer than %d bytes",
			 name ? name : "", IFNAMSIZ - 1);
		return NULL;
	}
	/* TUNSETIFF creates a device that does not exist: look first, so that a wrong
	 * name is an error and never a stray device in the lab. */
	if (if_nametoindex(name) == 0) {
		snprintf(err, errlen, "no network device \"%s\" (expected an existing TAP)",
			 name);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (t->fd < 0) {
		snprintf(err, errlen, "open /dev/net/tun: %s", strerror(errno));
		free(t);
		return NULL;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	/* Why IFF_TUN_EXCL is not set: the device exists already (the lab made it); we
	 * attach to it. Without IFF_VNET_HDR the kernel hands us complete frames with
	 * complete checksums, which is what lwIP expects. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "TUNSETIFF on \"%s\": %s", name, strerror(errno));
		close(t->fd);
		free(t);
		return NULL;
	}
	return t;
}

/* See lwip_tap.h. */
void lwip_tap_set_mac(struct lwip_tap *t, const uint8_t mac[6])
{
	memcpy(t->mac, mac, 6);
}

/* netif->linkoutput: one frame, possibly in a pbuf chain, written whole. A TAP write
 * is one frame, so a short or failed write drops it, as a wire would. */
static err_t tap_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct lwip_tap *t = netif->state;
	unsigned char frame[FRAME_MAX];
	u16_t n;

	if (p->tot_len > sizeof(frame))
		return ERR_BUF;
	n = pbuf_copy_partial(p, frame, p->tot_len, 0);
	if (write(t->fd, frame, n) != (ssize_t)n)
		return ERR_IF;
	return ERR_OK;
}

/* The reader: each read() on a TAP is one frame. tcpip_input() queues it for the
 * tcpip thread, so no lwIP lock is needed here; pbuf_alloc is plain malloc in this
 * build (MEM_LIBC_MALLOC, MEMP_MEM_MALLOC), safe from any thread.
 * Why PBUF_RAM and not PBUF_POOL: Debian's liblwip 2.1.3 allocates a pool pbuf of 616
 * bytes (a 536-byte-MSS pool) yet gives it a length of up to 1514, so pbuf_take of a
 * full-sized frame wrote ~900 bytes past the block: glibc's "double free" and "bad
 * fastbin chunk" under load, and garbage in the PCBs next to it. A PBUF_RAM pbuf is
 * one block of exactly the frame's size. */
static void *tap_reader(void *arg)
{
	struct lwip_tap *t = arg;
	unsigned char frame[FRAME_MAX];

	for (;;) {
		ssize_t n = read(t->fd, frame, sizeof(frame));
		struct pbuf *p;

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return NULL;     /* device gone: the lab is being torn down */
		p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
		if (!p)
			continue;        /* out of memory: dropped, as a busy NIC would */
		if (pbuf_take(p, frame, (u16_t)n) != ERR_OK ||
		    t->netif->input(p, t->netif) != ERR_OK)
			pbuf_free(p);
	}
}

/* See lwip_tap.h. */
int8_t lwip_tap_netif_init(struct netif *netif)
{
	struct lwip_tap *t = netif->state;
	pthread_attr_t attr;
	pthread_t th;
	int rc;

	t->netif = netif;
	netif->name[0] = 't';
	netif->name[1] = 'p';
	netif->mtu = TAP_MTU;
	netif->hwaddr_len = 6;
	memcpy(netif->hwaddr, t->mac, 6);
	/* MLD6: lwIP then joins the solicited-node groups of its IPv6 addresses, without
	 * which it would ignore the harness's Neighbor Solicitations (RFC 4861 7.2.1). */
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		       NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
	netif->output = etharp_output;
	netif->output_ip6 = ethip6_output;
	netif->linkoutput = tap_linkoutput;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&th, &attr, tap_reader, t);
	pthread_attr_destroy(&attr);
	return rc == 0 ? ERR_OK : ERR_IF;
}
