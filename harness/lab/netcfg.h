#ifndef TCPCONFORM_NETCFG_H
#define TCPCONFORM_NETCFG_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Link and address set-up of a lab over rtnetlink (libmnl), plus the few per-device
 * knobs rtnetlink does not cover (ethtool offloads, per-netns sysctls). Every function
 * acts on the network namespace of the calling process. Why netlink and not `ip`: a lab
 * is made per test and must cost milliseconds (ARCHITECTURE.md "The lab"). */

struct netcfg;

struct netcfg *netcfg_open(char *err, size_t errlen);
void netcfg_close(struct netcfg *nc);

/* Creates a veth pair: `name` (with `mac`) here, and `peer` (with `peer_mac`) directly in
 * the network namespace of process `peer_pid`; both ends with MTU `mtu`. */
int netcfg_veth_create(struct netcfg *nc, const char *name, const uint8_t mac[6],
		       const char *peer, const uint8_t peer_mac[6], pid_t peer_pid,
		       unsigned mtu, char *err, size_t errlen);
/* Creates a bridge (no STP, forwarding at once: the lab has no loops to guard). */
int netcfg_bridge_create(struct netcfg *nc, const char *name, const uint8_t mac[6], char *err,
			 size_t errlen);
/* Enslaves link `name` to bridge `master`. */
int netcfg_set_master(struct netcfg *nc, const char *name, const char *master, char *err,
		      size_t errlen);
/* Creates a persistent TAP device (it outlives this call; a stack opens it by name, and
 * it goes with its namespace). */
int netcfg_tap_create(const char *name, const uint8_t mac[6], char *err, size_t errlen);

/* Sets IFF_UP on the named link. */
int netcfg_link_up(struct netcfg *nc, const char *name, char *err, size_t errlen);
/* Adds an address (AF_INET or AF_INET6, `addr` in network order) with prefix length. For
 * IPv6 the address is added with IFA_F_NODAD: the lab link has no one to collide with,
 * and DAD would delay the first reply by a second. */
int netcfg_addr_add(struct netcfg *nc, const char *name, int family, const void *addr,
		    int prefixlen, char *err, size_t errlen);

/* Waits (up to timeout_ms) until the named link is operationally up. Bringing a link up
 * only starts the process: the kernel attaches its transmit queue from the link-watch
 * work queue once the carrier is seen, and until then every frame sent on it is dropped
 * silently -- on a loaded machine for long enough to lose a test's first segment.
 * Link-watch sets the operational state and attaches the queue in one step under RTNL,
 * so IF_OPER_UP seen over rtnetlink means the link carries frames. */
int netcfg_link_wait_running(struct netcfg *nc, const char *name, int timeout_ms, char *err,
			     size_t errlen);

/* Waits (up to timeout_ms) until the kernel delivers packets for `addr` locally: a route
 * lookup for it gives a local route. An IPv6 address becomes usable only after the
 * link is up and the kernel has finished its set-up from a work queue (even with
 * IFA_F_NODAD), and it clears the tentative flag before it inserts the local route, so
 * neither the flags nor the address's presence tell; until the route exists, a segment
 * to the address is dropped -- on a loaded machine long enough to lose a test's SYN. */
int netcfg_local_wait(struct netcfg *nc, int family, const void *addr, int timeout_ms,
		      char *err, size_t errlen);

/* Turns off checksum, scatter-gather and segmentation offloads (ethtool ioctls) so the
 * frames the target sends carry real checksums and are never larger than the MSS it
 * chose: the harness sees exactly what a wire would carry. */
int netcfg_offloads_off(const char *name, char *err, size_t errlen);

/* Writes value to /proc/sys/<name with dots as slashes> in the caller's network
 * namespace. Only names under "net." are accepted: the host's other sysctls are never
 * touched. */
int netcfg_sysctl_write(const char *name, const char *value, char *err, size_t errlen);

#endif
