package main

// The state verb (PROTOCOL.md section 6.5): netstack's own view of every TCP endpoint
// it has registered -- also those no handle refers to (un-accepted SYN_RECV, orphans
// in FIN_WAIT_*, CLOSING, LAST_ACK, TIME_WAIT) -- found by 4-tuple.

import (
	"net"
	"strconv"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

// stateName translates netstack's states to the protocol's (RFC 9293 3.3.2 names).
// Netstack's own pre-connection states are CLOSED in RFC terms: INITIAL and BOUND have
// no connection and ERROR is one that ended; CONNECTING (connect() called, SYN not
// yet out) is reported as SYN_SENT, the state a socket API user sees.
func stateName(st tcp.EndpointState) string {
	switch st {
	case tcp.StateEstablished:
		return "ESTABLISHED"
	case tcp.StateSynSent, tcp.StateConnecting:
		return "SYN_SENT"
	case tcp.StateSynRecv:
		return "SYN_RECV"
	case tcp.StateFinWait1:
		return "FIN_WAIT_1"
	case tcp.StateFinWait2:
		return "FIN_WAIT_2"
	case tcp.StateTimeWait:
		return "TIME_WAIT"
	case tcp.StateCloseWait:
		return "CLOSE_WAIT"
	case tcp.StateLastAck:
		return "LAST_ACK"
	case tcp.StateListen:
		return "LISTEN"
	case tcp.StateClosing:
		return "CLOSING"
	}
	return "CLOSED"
}

// norm makes a v4-mapped address plain IPv4, so a dual-stack endpoint matches either
// spelling; the empty address is the wildcard.
func norm(a tcpip.Address) tcpip.Address {
	if len(a) == 16 {
		if v4 := net.IP(a).To4(); v4 != nil {
			return tcpip.Address(v4)
		}
		if net.IP(a).IsUnspecified() {
			return ""
		}
	}
	if len(a) == 4 && net.IP(a).IsUnspecified() {
		return ""
	}
	return a
}

// matchAddr: equal, or the socket's address is the wildcard (section 6.5).
func matchAddr(sock, want tcpip.Address) (match, exact bool) {
	if sock == want {
		return true, true
	}
	return sock == "", false
}

// tcpEndpoints lists every TCP endpoint netstack knows, registered or still being
// cleaned up, each once.
func (a *agent) tcpEndpoints() []tcpip.Endpoint {
	seen := map[stack.TransportEndpoint]bool{}
	var out []tcpip.Endpoint
	for _, list := range [][]stack.TransportEndpoint{a.st.RegisteredEndpoints(), a.st.CleanupEndpoints()} {
		for _, te := range list {
			ep, isEp := te.(tcpip.Endpoint)
			if seen[te] || !isEp {
				continue
			}
			seen[te] = true
			if info, isInfo := ep.Info().(*stack.TransportEndpointInfo); isInfo && info.TransProto == tcp.ProtocolNumber {
				out = append(out, ep)
			}
		}
	}
	return out
}

// lookup finds the endpoint of a 4-tuple; an exact match wins over a wildcard one.
func (a *agent) lookup(laddr tcpip.Address, lport uint16, raddr tcpip.Address, rport uint16) tcpip.Endpoint {
	var best tcpip.Endpoint
	bestScore := -1
	for _, ep := range a.tcpEndpoints() {
		id := ep.Info().(*stack.TransportEndpointInfo).ID
		if id.LocalPort != lport || id.RemotePort != rport {
			continue
		}
		lm, le := matchAddr(norm(id.LocalAddress), laddr)
		rm, re := matchAddr(norm(id.RemoteAddress), raddr)
		if !lm || !rm {
			continue
		}
		score := 0
		if le {
			score++
		}
		if re {
			score++
		}
		// A closed endpoint that lingers in a list loses to a live one on the tuple.
		if stateName(tcp.EndpointState(ep.State())) != "CLOSED" {
			score += 4
		}
		if score > bestScore {
			best, bestScore = ep, score
		}
	}
	return best
}

func (a *agent) state(req *request) reply {
	var ep tcpip.Endpoint
	switch len(req.args) {
	case 1:
		s, r := a.handle(req.verb, req.args[0])
		if r != nil {
			return *r
		}
		ep = s.ep
	case 4:
		l, r := a.stateAddr(req.args[0], req.args[1])
		if r != nil {
			return *r
		}
		rm, r := a.stateAddr(req.args[2], req.args[3])
		if r != nil {
			return *r
		}
		if (len(l.Addr) == 4) != (len(rm.Addr) == 4) && len(l.Addr) > 0 && len(rm.Addr) > 0 {
			return failf("EINVAL", "state: %s and %s are not of one family", req.args[0], req.args[2])
		}
		if ep = a.lookup(l.Addr, l.Port, rm.Addr, rm.Port); ep == nil {
			return ok(0, "state=CLOSED")
		}
	default:
		return failf("EINVAL", "state: expected \"state <laddr> <lport> <raddr> <rport>\" or \"state <h>\", got %d arguments", len(req.args))
	}
	return ok(0, a.stateKeys(ep)...)
}

func (a *agent) stateAddr(addr, port string) (tcpip.FullAddress, *reply) {
	ip := net.ParseIP(addr)
	p, err := parseUint(port, 0, 65535)
	if ip == nil || err != nil {
		r := failf("EINVAL", "state: %q %q is not an IP literal and a port in 0..65535", addr, port)
		return tcpip.FullAddress{}, &r
	}
	a16 := tcpip.Address(ip.To16())
	return tcpip.FullAddress{Addr: norm(a16), Port: uint16(p)}, nil
}

// stateKeys: the state and the optional keys netstack can tell (section 6.5). Netstack
// exposes no timers or negotiated options outside its package, so timer, expires_ms,
// retrans and options are not given.
func (a *agent) stateKeys(ep tcpip.Endpoint) []string {
	st := tcp.EndpointState(ep.State())
	kv := []string{"state=" + stateName(st), "orphan=" + b2i(!a.owned(ep))}
	if st == tcp.StateListen || stateName(st) == "CLOSED" {
		return kv
	}
	if n, err := ep.GetSockOptInt(tcpip.ReceiveQueueSizeOption); err == nil {
		kv = append(kv, "rqueue="+strconv.Itoa(n))
	}
	if n, err := ep.GetSockOptInt(tcpip.SendQueueSizeOption); err == nil {
		kv = append(kv, "wqueue="+strconv.Itoa(n))
	}
	var info tcpip.TCPInfoOption
	if err := ep.GetSockOpt(&info); err == nil {
		kv = append(kv, "rto_us="+strconv.FormatInt(info.RTO.Microseconds(), 10),
			"cwnd="+strconv.FormatUint(uint64(info.SndCwnd), 10))
	}
	// No snd_mss: netstack's MaxSegOption getter is a stub answering 536
	// (header.TCPDefaultMSS) whatever the connection's MSS (tcp endpoint
	// GetSockOptInt), which would be a wrong value, not a missing one.
	return kv
}

// owned: some handle refers to ep.
func (a *agent) owned(ep tcpip.Endpoint) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.socks {
		if s.ep == ep {
			return true
		}
	}
	return false
}
