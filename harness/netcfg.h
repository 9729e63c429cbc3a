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
 * the network namespace of process `peer_pid`. */
int netcfg_veth_create(struct netcfg *nc, const char *name, const uint8_t mac[6],
		       const char *peer, const uint8_t peer_mac[6], pid_t peer_pid,
		       char *err, size_t errlen);
/* Sets IFF_UP on the named link. */
int netcfg_link_up(struct netcfg *nc, const char *name, char *err, size_t errlen);
/* Adds an address (AF_INET or AF_INET6, `addr` in network order) with prefix length. For
 * IPv6 the address is added with IFA_F_NODAD: the lab link has no one to collide with,
 * and DAD would delay the first reply by a second. */
int netcfg_addr_add(struct netcfg *nc, const char *name, int family, const void *addr,
		    int prefixlen, char *err, size_t errlen);

/* Turns off checksum, scatter-gather and segmentation offloads (ethtool ioctls) so the
 * frames the target sends carry real checksums and are never larger than the MSS it
 * chose: the harness sees exactly what a wire would carry. */
int netcfg_offloads_off(const char *name, char *err, size_t errlen);

/* Writes value to /proc/sys/<name with dots as slashes> in the caller's network
 * namespace. Only names under "net." are accepted: the host's other sysctls are never
 * touched. */
int netcfg_sysctl_write(const char *name, const char *value, char *err, size_t errlen);

#endif
