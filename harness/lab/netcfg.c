/* netcfg: rtnetlink link/address set-up for a lab (see netcfg.h). */
#include "netcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sysctl_name.h"

struct netcfg {
	struct mnl_socket *nl;
	uint32_t seq;
	uint32_t portid;
	char buf[8192];
};

struct netcfg *netcfg_open(char *err, size_t errlen)
{
	struct netcfg *nc = calloc(1, sizeof(*nc));
	if (!nc) {
		snprintf(err, errlen, "netlink: out of memory");
		return NULL;
	}
	nc->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nc->nl || mnl_socket_bind(nc->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink: cannot open rtnetlink socket: %s", strerror(errno));
		netcfg_close(nc);
		return NULL;
	}
	/* A reply that never comes (dropped for lack of buffer space) must end in an error,
	 * not a hang. A request itself runs synchronously in sendto() under the kernel's
	 * rtnl lock and cannot be bounded from here: the runner's time limit covers it. */
	struct timeval tv = {.tv_sec = 10};
	setsockopt(mnl_socket_get_fd(nc->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nc->portid = mnl_socket_get_portid(nc->nl);
	nc->seq = (uint32_t)time(NULL);
	return nc;
}

void netcfg_close(struct netcfg *nc)
{
	if (!nc)
		return;
	if (nc->nl)
		mnl_socket_close(nc->nl);
	free(nc);
}

/* Sends one request with NLM_F_ACK and reads until its ack, handing each reply message
 * to cb (NULL: none expected) -- the one netlink round trip of this file. Returns 0; -1
 * when the kernel answered with an error (errno set, err "<what>: <strerror>"); -2 when
 * the socket failed (err "<what>: netlink send/receive: ..."), which no caller may
 * mistake for an answer. */
static int netcfg_talk(struct netcfg *nc, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		       const char *what, char *err, size_t errlen)
{
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nc->seq;
	if (mnl_socket_sendto(nc->nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, errlen, "%s: netlink send: %s", what, strerror(errno));
		return -2;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nc->nl, nc->buf, sizeof(nc->buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: netlink receive: %s", what, strerror(errno));
			return -2;
		}
		int rc = mnl_cb_run(nc->buf, (size_t)n, nc->seq, nc->portid, cb, data);
		if (rc == MNL_CB_ERROR) {
			int saved = errno;
			snprintf(err, errlen, "%s: %s", what, strerror(saved));
			errno = saved;
			return -1;
		}
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

static int ifindex_of(const char *name, char *err, size_t errlen)
{
	unsigned idx = if_nametoindex(name);
	if (idx == 0)
		snprintf(err, errlen, "link %s: %s", name, strerror(errno));
	return (int)idx;
}

/* Starts an RTM_NEWLINK creating link `name` (with `mac`) of `kind` in buf, and opens
 * its IFLA_INFO_DATA nest; the caller adds the kind's attributes and calls
 * newlink_finish. */
static struct nlmsghdr *newlink_start(char *buf, const char *name, const uint8_t mac[6],
				      const char *kind, struct nlattr **linfo, struct nlattr **data)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	*linfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	*data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	return nlh;
}

static void newlink_finish(struct nlmsghdr *nlh, struct nlattr *linfo, struct nlattr *data)
{
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linfo);
}

int netcfg_veth_create(struct netcfg *nc, const char *name, const uint8_t mac[6],
		       const char *peer, const uint8_t peer_mac[6], pid_t peer_pid,
		       unsigned mtu, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *linfo, *data;
	struct nlmsghdr *nlh = newlink_start(buf, name, mac, "veth", &linfo, &data);
	/* VETH_INFO_PEER carries a whole ifinfomsg followed by the peer's attributes. */
	struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	struct ifinfomsg *pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	memset(pifm, 0, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)peer_pid);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	newlink_finish(nlh, linfo, data);

	char what[96];
	snprintf(what, sizeof(what), "create veth %s/%s", name, peer);
	return netcfg_talk(nc, nlh, NULL, NULL, what, err, errlen);
}

int netcfg_bridge_create(struct netcfg *nc, const char *name, const uint8_t mac[6], char *err,
			 size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *linfo, *data;
	struct nlmsghdr *nlh = newlink_start(buf, name, mac, "bridge", &linfo, &data);
	/* No STP and no forward delay: ports forward as soon as they are up. */
	mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
	mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
	newlink_finish(nlh, linfo, data);
	char what[64];
	snprintf(what, sizeof(what), "create bridge %s", name);
	return netcfg_talk(nc, nlh, NULL, NULL, what, err, errlen);
}

int netcfg_set_master(struct netcfg *nc, const char *name, const char *master, char *err,
		      size_t errlen)
{
	int idx = ifindex_of(name, err, errlen), midx = ifindex_of(master, err, errlen);
	if (idx == 0 || midx == 0)
		return -1;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = idx;
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)midx);
	char what[96];
	snprintf(what, sizeof(what), "enslave %s to %s", name, master);
	return netcfg_talk(nc, nlh, NULL, NULL, what, err, errlen);
}

int netcfg_tap_create(const char *name, const uint8_t mac[6], char *err, size_t errlen)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "tap %s: /dev/net/tun: %s", name, strerror(errno));
		return -1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	int rc = ioctl(fd, TUNSETIFF, &ifr);
	if (rc == 0)
		rc = ioctl(fd, TUNSETPERSIST, 1);
	if (rc == 0) {
		memset(&ifr.ifr_hwaddr, 0, sizeof(ifr.ifr_hwaddr));
		ifr.ifr_hwaddr.sa_family = 1; /* ARPHRD_ETHER */
		memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
		rc = ioctl(fd, SIOCSIFHWADDR, &ifr);
	}
	int saved = errno;
	close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "tap %s: %s", name, strerror(saved));
		return -1;
	}
	return 0;
}

int netcfg_link_up(struct netcfg *nc, const char *name, char *err, size_t errlen)
{
	int idx = ifindex_of(name, err, errlen);
	if (idx == 0)
		return -1;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = idx;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	char what[64];
	snprintf(what, sizeof(what), "set link %s up", name);
	return netcfg_talk(nc, nlh, NULL, NULL, what, err, errlen);
}

int netcfg_addr_add(struct netcfg *nc, const char *name, int family, const void *addr,
		    int prefixlen, char *err, size_t errlen)
{
	int idx = ifindex_of(name, err, errlen);
	if (idx == 0)
		return -1;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)idx;
	size_t alen = family == AF_INET ? 4 : 16;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	if (family == AF_INET6)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	char what[64];
	snprintf(what, sizeof(what), "add address to %s", name);
	return netcfg_talk(nc, nlh, NULL, NULL, what, err, errlen);
}

/* IF_OPER_UP (RFC 2863 "up"); linux/if.h, which defines it, clashes with net/if.h. */
#define NETCFG_OPER_UP 6

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(attr, IFLA_MAX) >= 0)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int link_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	int *oper = data;
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb, tb);
	if (tb[IFLA_OPERSTATE])
		*oper = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	return MNL_CB_OK;
}

int netcfg_link_wait_running(struct netcfg *nc, const char *name, int timeout_ms, char *err,
			     size_t errlen)
{
	int idx = ifindex_of(name, err, errlen);
	if (idx == 0)
		return -1;
	char what[64];
	snprintf(what, sizeof(what), "link %s state", name);
	for (int waited = 0;; waited++) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETLINK;
		struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
		ifm->ifi_family = AF_UNSPEC;
		ifm->ifi_index = idx;
		int oper = -1;
		if (netcfg_talk(nc, nlh, link_msg_cb, &oper, what, err, errlen) < 0)
			return -1;
		if (oper == NETCFG_OPER_UP)
			return 0;
		if (waited >= timeout_ms) {
			snprintf(err, errlen, "link %s not operational after %d ms (operstate %d)", name,
				 timeout_ms, oper);
			return -1;
		}
		usleep(1000);
	}
}

static int route_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	*(int *)data = rtm->rtm_type;
	return MNL_CB_OK;
}

/* The type of the route the kernel would use for addr (RTN_LOCAL, RTN_UNICAST, ...), or
 * -1 when it has none. */
static int route_type(struct netcfg *nc, int family, const void *addr, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = family == AF_INET ? 32 : 128;
	mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, addr);
	int type = -1;
	int rc = netcfg_talk(nc, nlh, route_msg_cb, &type, "route lookup", err, errlen);
	/* An error reply (no route yet: ENETUNREACH) is not a failure here. */
	return rc == -2 ? -2 : rc == -1 ? -1 : type;
}

int netcfg_local_wait(struct netcfg *nc, int family, const void *addr, int timeout_ms,
		      char *err, size_t errlen)
{
	for (int waited = 0;; waited++) {
		int type = route_type(nc, family, addr, err, errlen);
		if (type == -2)
			return -1;
		if (type == RTN_LOCAL)
			return 0;
		if (waited >= timeout_ms) {
			char a[64];
			inet_ntop(family, addr, a, sizeof(a));
			snprintf(err, errlen, "%s is not a local address after %d ms (route type %d)", a,
				 timeout_ms, type);
			return -1;
		}
		usleep(1000);
	}
}

static int ethtool_set(int fd, const char *name, uint32_t cmd, uint32_t value)
{
	struct ethtool_value ev = {.cmd = cmd, .data = value};
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&ev;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

int netcfg_offloads_off(const char *name, char *err, size_t errlen)
{
	static const struct { uint32_t cmd; const char *what; } knobs[] = {
		{ETHTOOL_STXCSUM, "tx-checksumming"},
		{ETHTOOL_SSG, "scatter-gather"},
		{ETHTOOL_STSO, "tcp-segmentation-offload"},
		{ETHTOOL_SGSO, "generic-segmentation-offload"},
		{ETHTOOL_SGRO, "generic-receive-offload"},
	};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "ethtool %s: socket: %s", name, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		if (ethtool_set(fd, name, knobs[i].cmd, 0) < 0 && errno != EOPNOTSUPP) {
			snprintf(err, errlen, "ethtool %s: turning off %s: %s", name, knobs[i].what,
				 strerror(errno));
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/* See netcfg.h. */
int netcfg_sysctl_write(const char *name, const char *value, char *err, size_t errlen)
{
	char path[256], why[160];
	if (sysctl_name_path(name, path, sizeof(path), why, sizeof(why)) < 0) {
		snprintf(err, errlen, "sysctl: %s", why);
		errno = EPERM;
		return -1;
	}
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		int saved = errno;
		snprintf(err, errlen, "sysctl %s: %s", name, strerror(saved));
		errno = saved;
		return -1;
	}
	ssize_t w = write(fd, value, strlen(value));
	int saved = errno;
	close(fd);
	if (w < 0) {
		snprintf(err, errlen, "sysctl %s = %s: %s", name, value, strerror(saved));
		errno = saved;
		return -1;
	}
	return 0;
}
