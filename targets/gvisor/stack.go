package main

// Bring-up of gVisor's netstack on the lab's TAP device, from the environment of
// README.md "Testing your own stack" (the exec target's contract).

import (
	"fmt"
	"net"
	"os"
	"strconv"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/fdbased"
	"gvisor.dev/gvisor/pkg/tcpip/link/rawfile"
	"gvisor.dev/gvisor/pkg/tcpip/link/tun"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

const nicID tcpip.NICID = 1

// defaultTTL is what runsc sets for its sandboxes (pkg/sentry/socket/netstack
// DefaultTTL); netstack's own default is the same 64.
const defaultTTL = 64

// labConfig is the lab as the environment describes it.
type labConfig struct {
	tap     string
	mac     net.HardwareAddr
	addr4   net.IP
	prefix4 int
	addr6   net.IP // nil: IPv4 only
	prefix6 int
}

func envRequired(key string) (string, error) {
	v := os.Getenv(key)
	if v == "" {
		return "", fmt.Errorf("%s is not set (README.md \"Testing your own stack\")", key)
	}
	return v, nil
}

func envPrefix(key string, def, max int) (int, error) {
	v := os.Getenv(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > max {
		return 0, fmt.Errorf("%s=%q: expected an integer in 0..%d", key, v, max)
	}
	return n, nil
}

// readConfig checks every variable and names the first bad one.
func readConfig() (*labConfig, error) {
	var c labConfig
	var err error
	if c.tap, err = envRequired("TCPCONFORM_TAP"); err != nil {
		return nil, err
	}
	mac, err := envRequired("TCPCONFORM_MAC")
	if err != nil {
		return nil, err
	}
	if c.mac, err = net.ParseMAC(mac); err != nil || len(c.mac) != 6 {
		return nil, fmt.Errorf("TCPCONFORM_MAC=%q: expected six hex bytes as aa:bb:cc:dd:ee:ff", mac)
	}
	a4, err := envRequired("TCPCONFORM_ADDR4")
	if err != nil {
		return nil, err
	}
	if c.addr4 = net.ParseIP(a4).To4(); c.addr4 == nil {
		return nil, fmt.Errorf("TCPCONFORM_ADDR4=%q: expected an IPv4 address", a4)
	}
	if c.prefix4, err = envPrefix("TCPCONFORM_PREFIX4", 24, 32); err != nil {
		return nil, err
	}
	if a6 := os.Getenv("TCPCONFORM_ADDR6"); a6 != "" {
		if c.addr6 = net.ParseIP(a6); c.addr6 == nil || c.addr6.To4() != nil {
			return nil, fmt.Errorf("TCPCONFORM_ADDR6=%q: expected an IPv6 address", a6)
		}
		c.addr6 = c.addr6.To16()
	}
	if c.prefix6, err = envPrefix("TCPCONFORM_PREFIX6", 64, 128); err != nil {
		return nil, err
	}
	return &c, nil
}

// subnet is the on-link route for addr/prefix.
func subnet(addr net.IP, prefix int) (tcpip.Subnet, error) {
	mask := net.CIDRMask(prefix, len(addr)*8)
	return tcpip.NewSubnet(tcpip.Address(addr.Mask(mask)), tcpip.AddressMask(mask))
}

// newStack builds netstack (IPv4, IPv6, ARP, TCP) with one NIC on the TAP device. Why
// check the device first: TUNSETIFF (tun.OpenTAP) would create a missing device rather
// than fail, and the lab has made ours already.
func newStack(c *labConfig) (*stack.Stack, error) {
	if _, err := net.InterfaceByName(c.tap); err != nil {
		return nil, fmt.Errorf("TCPCONFORM_TAP=%q: no such device: %v", c.tap, err)
	}
	mtu, err := rawfile.GetMTU(c.tap)
	if err != nil {
		return nil, fmt.Errorf("TAP %s: reading its MTU: %v", c.tap, err)
	}
	fd, err := tun.OpenTAP(c.tap)
	if err != nil {
		return nil, fmt.Errorf("TAP %s: TUNSETIFF: %v (busy, or not a TAP device?)", c.tap, err)
	}
	// The lab turns offloads off so frames carry real checksums: netstack computes and
	// checks every checksum itself (no TX/RX offload capabilities).
	link, err := fdbased.New(&fdbased.Options{
		FDs:            []int{fd},
		MTU:            mtu,
		EthernetHeader: true,
		Address:        tcpip.LinkAddress(c.mac),
	})
	if err != nil {
		return nil, fmt.Errorf("TAP %s: fdbased link endpoint: %v", c.tap, err)
	}
	// ipv6.NewProtocol's zero options: no duplicate address detection and no router
	// solicitations (a static lab with one peer), as the lwIP target does.
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, ipv6.NewProtocol, arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol},
	})
	if terr := s.CreateNIC(nicID, link); terr != nil {
		return nil, fmt.Errorf("netstack CreateNIC: %s", terr)
	}
	if err := addAddress(s, ipv4.ProtocolNumber, c.addr4, c.prefix4); err != nil {
		return nil, err
	}
	routes := []tcpip.Route{}
	sn4, err := subnet(c.addr4, c.prefix4)
	if err != nil {
		return nil, fmt.Errorf("TCPCONFORM_PREFIX4: %v", err)
	}
	routes = append(routes, tcpip.Route{Destination: sn4, NIC: nicID})
	if c.addr6 != nil {
		if err := addAddress(s, ipv6.ProtocolNumber, c.addr6, c.prefix6); err != nil {
			return nil, err
		}
		sn6, err := subnet(c.addr6, c.prefix6)
		if err != nil {
			return nil, fmt.Errorf("TCPCONFORM_PREFIX6: %v", err)
		}
		routes = append(routes, tcpip.Route{Destination: sn6, NIC: nicID})
	}
	s.SetRouteTable(routes)
	return s, configure(s)
}

func addAddress(s *stack.Stack, proto tcpip.NetworkProtocolNumber, addr net.IP, prefix int) error {
	pa := tcpip.ProtocolAddress{
		Protocol:          proto,
		AddressWithPrefix: tcpip.AddressWithPrefix{Address: tcpip.Address(addr), PrefixLen: prefix},
	}
	if err := s.AddProtocolAddress(nicID, pa, stack.AddressProperties{}); err != nil {
		return fmt.Errorf("netstack AddProtocolAddress %s/%d: %s", addr, prefix, err)
	}
	return nil
}

// configure sets what runsc sets for a sandbox (runsc/boot/loader.go newEmptySandbox
// NetworkStack): SACK on (RFC 2018), receive buffer auto-tuning, TTL 64. So the target
// is netstack as gVisor ships it, not netstack's bare library defaults.
func configure(s *stack.Stack) error {
	sack := tcpip.TCPSACKEnabled(true)
	if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, &sack); err != nil {
		return fmt.Errorf("netstack TCPSACKEnabled: %s", err)
	}
	mod := tcpip.TCPModerateReceiveBufferOption(true)
	if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, &mod); err != nil {
		return fmt.Errorf("netstack TCPModerateReceiveBufferOption: %s", err)
	}
	ttl := tcpip.DefaultTTLOption(defaultTTL)
	for _, p := range []tcpip.NetworkProtocolNumber{ipv4.ProtocolNumber, ipv6.ProtocolNumber} {
		if err := s.SetNetworkProtocolOption(p, &ttl); err != nil {
			return fmt.Errorf("netstack DefaultTTLOption: %s", err)
		}
	}
	return nil
}
