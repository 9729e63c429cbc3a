package main

// setsockopt / getsockopt (PROTOCOL.md section 6.4): the options netstack has, each
// with the bounds gVisor's sentry applies to the same Linux option
// (pkg/sentry/socket/netstack/netstack.go), so a value Linux rejects is rejected here.
// Names netstack lacks answer ENOSYS.

import (
	"fmt"
	"strconv"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
)

// sockopt is one option: set takes the decimal values after the name (one, or two for
// so_linger), get renders the value of section 6.4.
type sockopt struct {
	nvals int
	min   int64
	max   int64
	set   func(ep tcpip.Endpoint, v []int64) tcpip.Error
	get   func(ep tcpip.Endpoint) (string, tcpip.Error)
}

func b2i(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// boolOpt is an on/off socket-level option of netstack's SocketOptions.
func boolOpt(set func(*tcpip.SocketOptions, bool), get func(*tcpip.SocketOptions) bool) sockopt {
	return sockopt{nvals: 1, min: -1 << 31, max: 1<<31 - 1,
		set: func(ep tcpip.Endpoint, v []int64) tcpip.Error { set(ep.SocketOptions(), v[0] != 0); return nil },
		get: func(ep tcpip.Endpoint) (string, tcpip.Error) { return b2i(get(ep.SocketOptions())), nil },
	}
}

// intOpt is a netstack SockOptInt.
func intOpt(o tcpip.SockOptInt, min, max int64) sockopt {
	return sockopt{nvals: 1, min: min, max: max,
		set: func(ep tcpip.Endpoint, v []int64) tcpip.Error { return ep.SetSockOptInt(o, int(v[0])) },
		get: func(ep tcpip.Endpoint) (string, tcpip.Error) {
			n, err := ep.GetSockOptInt(o)
			return strconv.Itoa(n), err
		},
	}
}

// durationOpt is a netstack option that is a time.Duration, given and read in unit.
func durationOpt(min, max int64, unit time.Duration, mk func(time.Duration) tcpip.SettableSocketOption,
	read func(tcpip.Endpoint) (time.Duration, tcpip.Error)) sockopt {
	return sockopt{nvals: 1, min: min, max: max,
		set: func(ep tcpip.Endpoint, v []int64) tcpip.Error { return ep.SetSockOpt(mk(time.Duration(v[0]) * unit)) },
		get: func(ep tcpip.Endpoint) (string, tcpip.Error) {
			d, err := read(ep)
			return strconv.FormatInt(int64(d/unit), 10), err
		},
	}
}

func keepIdle(d time.Duration) tcpip.SettableSocketOption {
	o := tcpip.KeepaliveIdleOption(d)
	return &o
}

func keepIntvl(d time.Duration) tcpip.SettableSocketOption {
	o := tcpip.KeepaliveIntervalOption(d)
	return &o
}

func linger2(d time.Duration) tcpip.SettableSocketOption {
	o := tcpip.TCPLingerTimeoutOption(d)
	return &o
}

func userTimeout(d time.Duration) tcpip.SettableSocketOption {
	o := tcpip.TCPUserTimeoutOption(d)
	return &o
}

func deferAccept(d time.Duration) tcpip.SettableSocketOption {
	o := tcpip.TCPDeferAcceptOption(d)
	return &o
}

// getDuration reads a Duration-typed option through GetSockOpt.
func getDuration[T ~int64](ep tcpip.Endpoint) (time.Duration, tcpip.Error) {
	var v T
	err := ep.GetSockOpt(any(&v).(tcpip.GettableSocketOption))
	return time.Duration(v), err
}

// Linux's bounds (include/net/tcp.h) as the sentry enforces them.
const (
	maxTCPKeepIdle  = 32767
	maxTCPKeepIntvl = 32767
	maxTCPKeepCnt   = 127
)

var sockopts = map[string]sockopt{
	"so_linger": {nvals: 2, min: -1 << 31, max: 1<<31 - 1,
		set: func(ep tcpip.Endpoint, v []int64) tcpip.Error {
			if v[1] < 0 {
				v[1] = 0
			}
			ep.SocketOptions().SetLinger(tcpip.LingerOption{Enabled: v[0] != 0, Timeout: time.Duration(v[1]) * time.Second})
			return nil
		},
		get: func(ep tcpip.Endpoint) (string, tcpip.Error) {
			l := ep.SocketOptions().GetLinger()
			return b2i(l.Enabled) + "," + strconv.Itoa(int(l.Timeout/time.Second)), nil
		},
	},
	"so_keepalive": boolOpt((*tcpip.SocketOptions).SetKeepAlive, (*tcpip.SocketOptions).GetKeepAlive),
	"so_reuseaddr": boolOpt((*tcpip.SocketOptions).SetReuseAddress, (*tcpip.SocketOptions).GetReuseAddress),
	"so_reuseport": boolOpt((*tcpip.SocketOptions).SetReusePort, (*tcpip.SocketOptions).GetReusePort),
	"ipv6_v6only":  boolOpt((*tcpip.SocketOptions).SetV6Only, (*tcpip.SocketOptions).GetV6Only),
	"tcp_cork":     boolOpt((*tcpip.SocketOptions).SetCorkOption, (*tcpip.SocketOptions).GetCorkOption),
	"tcp_quickack": boolOpt((*tcpip.SocketOptions).SetQuickAck, (*tcpip.SocketOptions).GetQuickAck),
	// TCP_NODELAY is netstack's DelayOption inverted.
	"tcp_nodelay": boolOpt(func(o *tcpip.SocketOptions, v bool) { o.SetDelayOption(!v) },
		func(o *tcpip.SocketOptions) bool { return !o.GetDelayOption() }),
	"so_rcvbuf": {nvals: 1, min: 0, max: 1<<31 - 1,
		set: func(ep tcpip.Endpoint, v []int64) tcpip.Error {
			ep.SocketOptions().SetReceiveBufferSize(v[0], true)
			return nil
		},
		get: func(ep tcpip.Endpoint) (string, tcpip.Error) {
			return strconv.FormatInt(ep.SocketOptions().GetReceiveBufferSize(), 10), nil
		},
	},
	"so_sndbuf": {nvals: 1, min: 0, max: 1<<31 - 1,
		set: func(ep tcpip.Endpoint, v []int64) tcpip.Error {
			ep.SocketOptions().SetSendBufferSize(v[0], true)
			return nil
		},
		get: func(ep tcpip.Endpoint) (string, tcpip.Error) {
			return strconv.FormatInt(ep.SocketOptions().GetSendBufferSize(), 10), nil
		},
	},
	"so_error": {nvals: -1, get: func(ep tcpip.Endpoint) (string, tcpip.Error) {
		if err := ep.LastError(); err != nil {
			return errName(err), nil
		}
		return "-", nil
	}},
	"tcp_maxseg":       intOpt(tcpip.MaxSegOption, -1<<31, 1<<31-1),
	"tcp_syncnt":       intOpt(tcpip.TCPSynCountOption, 1, 255),
	"tcp_window_clamp": intOpt(tcpip.TCPWindowClampOption, -1<<31, 1<<31-1),
	"tcp_keepcnt":      intOpt(tcpip.KeepaliveCountOption, 1, maxTCPKeepCnt),
	"tcp_keepidle": durationOpt(1, maxTCPKeepIdle, time.Second, keepIdle,
		getDuration[tcpip.KeepaliveIdleOption]),
	"tcp_keepintvl": durationOpt(1, maxTCPKeepIntvl, time.Second, keepIntvl,
		getDuration[tcpip.KeepaliveIntervalOption]),
	"tcp_linger2": durationOpt(-1<<31, 1<<31-1, time.Second, linger2,
		getDuration[tcpip.TCPLingerTimeoutOption]),
	"tcp_user_timeout": durationOpt(0, 1<<31-1, time.Millisecond, userTimeout,
		getDuration[tcpip.TCPUserTimeoutOption]),
	"tcp_defer_accept": durationOpt(0, 1<<31-1, time.Second, deferAccept,
		getDuration[tcpip.TCPDeferAcceptOption]),
}

func (a *agent) setsockopt(req *request) reply {
	if r := nargs(req, 3, 4, "setsockopt <h> <name> <value> [value]"); r != nil {
		return *r
	}
	s, r := a.handle(req.verb, req.args[0])
	if r != nil {
		return *r
	}
	name := req.args[1]
	switch name {
	case optNonblock:
		return a.setNonblock(req, s)
	case optTCPInfo:
		return failf("EINVAL", "setsockopt: tcp_info can only be read")
	}
	o, known := sockopts[name]
	if !known {
		return failf("ENOSYS", "setsockopt: option %q is not supported by this agent", name)
	}
	if o.set == nil {
		return failf("ENOPROTOOPT", "setsockopt: %s is read only", name)
	}
	vals := req.args[2:]
	if len(vals) != o.nvals {
		return failf("EINVAL", "setsockopt: %s takes %d value(s), got %d", name, o.nvals, len(vals))
	}
	v := make([]int64, len(vals))
	for i, t := range vals {
		n, err := strconv.ParseInt(t, 10, 32)
		if err != nil {
			return failf("EINVAL", "setsockopt: %s: value %q is not a decimal integer", name, t)
		}
		v[i] = n
	}
	if o.nvals == 1 && (v[0] < o.min || v[0] > o.max) {
		return failf("EINVAL", "setsockopt: %s: value %d not in %d..%d", name, v[0], o.min, o.max)
	}
	if err := o.set(s.ep, v); err != nil {
		return stackFail("setsockopt "+name, err)
	}
	return ok(0)
}

func (a *agent) getsockopt(req *request) reply {
	if r := nargs(req, 2, 2, "getsockopt <h> <name>"); r != nil {
		return *r
	}
	s, r := a.handle(req.verb, req.args[0])
	if r != nil {
		return *r
	}
	switch req.args[1] {
	case optNonblock:
		return a.getNonblock(s)
	case optTCPInfo:
		return tcpInfo(s.ep)
	}
	o, known := sockopts[req.args[1]]
	if !known {
		return failf("ENOSYS", "getsockopt: option %q is not supported by this agent", req.args[1])
	}
	v, err := o.get(s.ep)
	if err != nil {
		return stackFail("getsockopt "+req.args[1], err)
	}
	return ok(0, fmt.Sprintf("value=%s", v))
}
