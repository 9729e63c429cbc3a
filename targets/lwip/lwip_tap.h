#ifndef TCPCONFORM_LWIP_TAP_H
#define TCPCONFORM_LWIP_TAP_H

#include <stddef.h>
#include <stdint.h>

struct netif;

/* lwIP's link to the lab: an Ethernet netif on an existing TAP device.
 *
 * Why not lwIP's own contrib tapif (tapif_init, built into Debian's liblwip.so): it
 * hard-codes the MAC 02:12:34:56:78:ab, prints with perror() and calls exit(1) when the
 * device cannot be attached, and, unless PRECONFIGURED_TAPIF is set, creates a device
 * and runs /sbin/ifconfig. The lab gives us a device that already exists and a MAC the
 * harness expects, and a start-up failure must reach the harness as a failed greeting,
 * not as text on its console. So this is a small driver of our own: attach to the TAP
 * by name, one reader thread feeding frames to tcpip_input(), frames out by write(). */

struct lwip_tap;

/* Attach to the existing TAP device `name` (IFF_TAP | IFF_NO_PI: plain Ethernet frames).
 * Never creates a device and never changes its configuration.
 * Returns a new lwip_tap owned by the caller, or NULL with `err` saying why (errno-based,
 * e.g. "TUNSETIFF on \"tap0\": Device or resource busy"). */
struct lwip_tap *lwip_tap_open(const char *name, char *err, size_t errlen);

/* The netif_init_fn to pass to netif_add() together with the tap as `state`: sets the
 * MAC (`mac`, 6 bytes, copied), MTU 1500, the Ethernet output functions, and starts the
 * reader thread. Must run with the lwIP core locked (netif_add's own rule). */
int8_t lwip_tap_netif_init(struct netif *netif);

/* The MAC lwip_tap_netif_init() gives the netif; call before netif_add(). */
void lwip_tap_set_mac(struct lwip_tap *t, const uint8_t mac[6]);

#endif
