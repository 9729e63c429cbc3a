package main

// The socket surface of PROTOCOL.md (changelog: issue 13) on netstack: the caps and the
// sockopts= key of the greeting (section 2), the wait a blocking verb gets from
// dontwait and o_nonblock (section 5), and getsockopt tcp_info (section 6.4.1).

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

// Option names this agent answers itself, outside the sockopts table.
const (
	optNonblock = "o_nonblock"
	optTCPInfo  = "tcp_info"
)

// greetingCaps is caps=: the stack's own, then those of the socket surface. msg_more:
// the flag reaches netstack as WriteOptions.More, which netstack ignores ("Corking is
// unimplemented", tcp endpoint Write), as a sandboxed program's MSG_MORE is.
func greetingCaps() string {
	caps := []string{"sysctl", "state", "keepalive", "linger", "msg_more", "msg_dontwait",
		"nonblock", "tcp_info"}
	for _, c := range [][2]string{{"cork", "tcp_cork"}, {"user_timeout", "tcp_user_timeout"},
		{"defer_accept", "tcp_defer_accept"}, {"syncnt", "tcp_syncnt"}} {
		if _, has := sockopts[c[1]]; has {
			caps = append(caps, c[0])
		}
	}
	return "caps=" + strings.Join(caps, ",")
}

// greetingSockopts is sockopts=: every name get/setsockopt accept (section 2).
func greetingSockopts() string {
	names := make([]string, 0, len(sockopts)+2)
	for n := range sockopts {
		names = append(names, n)
	}
	sort.Strings(names)
	return "sockopts=" + strings.Join(append(names, optNonblock, optTCPInfo), ",")
}

// waitFor is the wait of a blocking verb on s (section 5): dontwait is one try, and
// so is a call without wait= on an o_nonblock handle; otherwise wait= or the default.
// A dontwait with a wait= is a contradiction (EINVAL).
func waitFor(req *request, s *sock) (time.Duration, *reply) {
	if req.flags["dontwait"] {
		if req.wait >= 0 {
			r := failf("EINVAL", "%s: dontwait is one try and cannot be combined with wait=", req.verb)
			return 0, &r
		}
		return 0, nil
	}
	if req.wait < 0 && s.nonblock {
		return 0, nil
	}
	return waitOf(req), nil
}

// setNonblock is setsockopt o_nonblock: the handle's flag only, netstack's endpoint
// never blocks anyway.
func (a *agent) setNonblock(req *request, s *sock) reply {
	if len(req.args) != 3 || (req.args[2] != "0" && req.args[2] != "1") {
		return failf("EINVAL", "setsockopt: o_nonblock takes one value, 0 or 1")
	}
	a.mu.Lock()
	s.nonblock = req.args[2] == "1"
	a.mu.Unlock()
	return ok(0)
}

func (a *agent) getNonblock(s *sock) reply {
	a.mu.Lock()
	defer a.mu.Unlock()
	return ok(0, "value="+b2i(s.nonblock))
}

// caState names netstack's congestion control states as Linux's tcp_ca_state.
func caState(s tcpip.CongestionControlState) string {
	switch s {
	case tcpip.RTORecovery:
		return "loss"
	case tcpip.FastRecovery, tcpip.SACKRecovery:
		return "recovery"
	case tcpip.Disorder:
		return "disorder"
	}
	return "open"
}

// tcpInfo is getsockopt tcp_info (section 6.4.1): what netstack lets a caller outside
// its package see: tcpip.TCPInfoOption and the endpoint's retransmission counter. The rest of Linux's keys are left out (README.md).
func tcpInfo(ep tcpip.Endpoint) reply {
	st := tcp.EndpointState(ep.State())
	kv := []string{"state=" + stateName(st)}
	if st == tcp.StateListen || stateName(st) == "CLOSED" {
		return ok(0, kv...)
	}
	var info tcpip.TCPInfoOption
	if err := ep.GetSockOpt(&info); err == nil {
		kv = append(kv, "ca_state="+caState(info.CcState),
			"rto_us="+strconv.FormatInt(info.RTO.Microseconds(), 10),
			"rtt_us="+strconv.FormatInt(info.RTT.Microseconds(), 10),
			"rttvar_us="+strconv.FormatInt(info.RTTVar.Microseconds(), 10),
			"snd_ssthresh="+strconv.FormatUint(uint64(info.SndSsthresh), 10),
			"snd_cwnd="+strconv.FormatUint(uint64(info.SndCwnd), 10))
	}
	// No snd_mss: netstack's MaxSegOption getter is a stub that always answers 536
	// (header.TCPDefaultMSS), not the connection's MSS.
	if s, isTCP := ep.Stats().(*tcp.Stats); isTCP {
		kv = append(kv, "total_retrans="+strconv.FormatUint(s.SendErrors.Retransmits.Value(), 10))
	}
	return ok(0, kv...)
}
