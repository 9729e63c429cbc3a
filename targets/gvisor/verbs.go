package main

// The socket verbs of PROTOCOL.md sections 6.1, 6.2 and 6.7 on netstack endpoints.

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// verbs maps a verb to its handler; a handler returns done=false when it parked the
// call and will reply later (section 5).
var verbs map[string]func(*agent, *request) (reply, bool)

func init() {
	verbs = map[string]func(*agent, *request) (reply, bool){
		"hello":       func(*agent, *request) (reply, bool) { return greeting(), true },
		"socket":      now((*agent).socket),
		"bind":        now((*agent).bind),
		"listen":      now((*agent).listen),
		"accept":      (*agent).accept,
		"connect":     (*agent).connect,
		"close":       (*agent).closeSock,
		"shutdown":    now((*agent).shutdownSock),
		"getsockname": now((*agent).getsockname),
		"getpeername": now((*agent).getpeername),
		"send":        (*agent).sendData,
		"recv":        (*agent).recvData,
		"setsockopt":  now((*agent).setsockopt),
		"getsockopt":  now((*agent).getsockopt),
		"state":       now((*agent).state),
		"sysctl":      now((*agent).sysctl),
		"hold":        now(noProcesses),
		"kill":        now(noProcesses),
	}
}

func now(f func(*agent, *request) reply) func(*agent, *request) (reply, bool) {
	return func(a *agent, r *request) (reply, bool) { return f(a, r), true }
}

// dispatch serves one request; see verbs.
func (a *agent) dispatch(req *request) (reply, bool) {
	f := verbs[req.verb]
	if f == nil {
		return failf("ENOSYS", "unknown verb %q", req.verb), true
	}
	return f(a, req)
}

// noProcesses: netstack runs inside this one process, so there is no process owning a
// socket that could be killed (section 6.7); hold is left out of caps.
func noProcesses(a *agent, req *request) reply {
	return failf("ENOSYS", "%s: gVisor's netstack runs inside the agent's process; no socket can be held by a process of its own", req.verb)
}

// nargs checks the positional argument count.
func nargs(req *request, min, max int, usage string) *reply {
	if len(req.args) < min || len(req.args) > max {
		r := failf("EINVAL", "%s: expected %q, got %d arguments", req.verb, usage, len(req.args))
		return &r
	}
	return nil
}

func parseUint(s string, min, max uint64) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("not an integer in %d..%d", min, max)
	}
	return n, nil
}

// sockAddr is an address argument for socket s: on an inet6 socket an IPv4 literal is
// the v4-mapped address (section 6.2); a wildcard is netstack's empty address.
func sockAddr(verb string, s *sock, addr, port string) (tcpip.FullAddress, *reply) {
	ip := net.ParseIP(addr)
	p, perr := parseUint(port, 0, 65535)
	if ip == nil || perr != nil {
		what, v := "address", addr
		if ip != nil {
			what, v = "port", port
		}
		r := failf("EINVAL", "%s: %s %q is not an IP literal / an integer in 0..65535", verb, what, v)
		return tcpip.FullAddress{}, &r
	}
	var a tcpip.Address
	switch v4 := ip.To4(); {
	case s.family == "inet" && v4 == nil:
		r := failf("EAFNOSUPPORT", "%s: IPv6 address %s on an inet socket", verb, addr)
		return tcpip.FullAddress{}, &r
	case s.family == "inet":
		a = tcpip.Address(v4)
	default:
		a = tcpip.Address(ip.To16())
	}
	if ip.IsUnspecified() && (s.family == "inet" || ip.To4() == nil) {
		a = ""
	}
	return tcpip.FullAddress{Addr: a, Port: uint16(p)}, nil
}

// addrString prints an address as the socket's family sees it: a v4 peer of an inet6
// socket is v4-mapped, as on Linux.
func addrString(family string, a tcpip.Address) string {
	switch {
	case len(a) == 0 && family == "inet6":
		return "::"
	case len(a) == 0:
		return "0.0.0.0"
	case len(a) == 4 && family == "inet6":
		return "::ffff:" + a.String()
	}
	return a.String()
}

func endpoints(family string, local, remote tcpip.FullAddress) []string {
	return []string{"laddr=" + addrString(family, local.Addr), "lport=" + strconv.Itoa(int(local.Port)),
		"raddr=" + addrString(family, remote.Addr), "rport=" + strconv.Itoa(int(remote.Port))}
}

func (a *agent) socket(req *request) reply {
	if r := nargs(req, 1, 2, "socket <inet|inet6> [stream]"); r != nil {
		return *r
	}
	if len(req.args) == 2 && req.args[1] != "stream" {
		return failf("ENOSYS", "socket: type %q: only stream (TCP) sockets", req.args[1])
	}
	proto := ipv4.ProtocolNumber
	switch req.args[0] {
	case "inet":
	case "inet6":
		proto = ipv6.ProtocolNumber
	default:
		return failf("EINVAL", "socket: family %q is not inet or inet6", req.args[0])
	}
	wq := &waiter.Queue{}
	ep, err := a.st.NewEndpoint(tcp.ProtocolNumber, proto, wq)
	if err != nil {
		return stackFail("socket", err)
	}
	h, okay := a.addSock(req.args[0], ep, wq)
	if !okay {
		ep.Close()
		return failf("EMFILE", "socket: all %d handles in use", maxHandles)
	}
	return ok(int64(h))
}

func (a *agent) bind(req *request) reply {
	if r := nargs(req, 3, 3, "bind <h> <addr> <port>"); r != nil {
		return *r
	}
	s, r := a.handle(req.verb, req.args[0])
	if r != nil {
		return *r
	}
	addr, r := sockAddr(req.verb, s, req.args[1], req.args[2])
	if r != nil {
		return *r
	}
	err := s.ep.Bind(addr)
	if _, busy := err.(*tcpip.ErrNoPortAvailable); busy {
		// As gVisor's bind(2): a taken port is EADDRINUSE, not connect's EADDRNOTAVAIL.
		err = &tcpip.ErrPortInUse{}
	}
	if err != nil {
		return stackFail("bind", err)
	}
	return ok(0)
}

func (a *agent) listen(req *request) reply {
	if r := nargs(req, 2, 2, "listen <h> <backlog>"); r != nil {
		return *r
	}
	s, r := a.handle(req.verb, req.args[0])
	if r != nil {
		return *r
	}
	backlog, err := strconv.Atoi(req.args[1])
	if err != nil {
		return failf("EINVAL", "listen: backlog %q is not an integer", req.args[1])
	}
	if terr := s.ep.Listen(backlog); terr != nil {
		return stackFail("listen", terr)
	}
	return ok(0)
}

func timeoutReply(verb string) func() reply {
	return func() reply { return failf("TIMEOUT", "%s: not done within the wait", verb) }
}

func (a *agent) accept(req *request) (reply, bool) {
	if r := nargs(req, 1, 1, "accept <h> [wait=<ms>]"); r != nil {
		return *r, true
	}
	s, r := a.handle(req.verb, req.args[0])
	if r != nil {
		return *r, true
	}
	try := func() (reply, bool) {
		var peer tcpip.FullAddress
		nep, nwq, err := s.ep.Accept(&peer)
		if _, wb := err.(*tcpip.ErrWouldBlock); wb {
			return stackFail("accept", err), false
		}
		if err != nil {
			return stackFail("accept", err), true
		}
		local, _ := nep.GetLocalAddress()
		h, okay := a.addSock(s.family, nep, nwq)
		if !okay {
			nep.Close()
			return failf("EMFILE", "accept: all %d handles in use", maxHandles), true
		}
		return ok(int64(h), endpoints(s.family, local, peer)...), true
	}
	return a.park(req, s, readSide, waiter.ReadableEvents|waiter.EventHUp|waiter.EventErr, try, timeoutReply("accept"))
}

func (a *agent) connect(req *request) (reply, bool) {
	if r := nargs(req, 3, 3, "connect <h> <addr> <port> [wait=<ms>]"); r != nil {
		return *r, true
	}
	s, r := a.handle(req.verb, req.args[0])
	if r != nil {
		return *r, true
	}
	addr, r := sockAddr(req.verb, s, req.args[1], req.args[2])
	if r != nil {
		return *r, true
	}
	// As gVisor's connect(2): the first Connect starts the handshake
	// (ErrConnectStarted); after each event a second Connect tells the outcome: nil once
	// established, ErrAlreadyConnecting while it is not, else the stack's error.
	started := false
	try := func() (reply, bool) {
		err := s.ep.Connect(addr)
		switch err.(type) {
		case nil:
			local, _ := s.ep.GetLocalAddress()
			remote, _ := s.ep.GetRemoteAddress()
			return ok(0, endpoints(s.family, local, remote)...), true
		case *tcpip.ErrConnectStarted:
			started = true
			return stackFail("connect", err), false
		case *tcpip.ErrAlreadyConnecting:
			if started {
				return stackFail("connect", &tcpip.ErrConnectStarted{}), false
			}
		}
		return stackFail("connect", err), true
	}
	return a.park(req, s, writeSide, waiter.WritableEvents|waiter.EventHUp|waiter.EventErr, try, timeoutReply("connect"))
}

func (a *agent) closeSock(req *request) (reply, bool) {
	if r := nargs(req, 1, 1, "close <h> [wait=<ms>]"); r != nil {
		return *r, true
	}
	s, r := a.handle(req.verb, req.args[0])
	if r != nil {
		return *r, true
	}
	a.cancelOps(s)
	a.mu.Lock()
	delete(a.socks, s.h)
	a.mu.Unlock()
	lg := s.ep.SocketOptions().GetLinger()
	s.ep.Close()
	if !lg.Enabled || lg.Timeout == 0 {
		// {1, 0} is netstack's abort with RST (tcp endpoint closeLocked, RFC 9293 3.10.4).
		return ok(0), true
	}
	// A lingering close blocks until the FIN is acknowledged or the time runs out
	// (section 5, RFC 9293 3.6). Netstack leaves that wait to its caller, as gVisor's
	// sentry does in Release: wait while the state is FIN_WAIT_1, CLOSING or LAST_ACK.
	a.parkers.Add(1)
	go func() {
		defer a.parkers.Done()
		entry, ch := waiter.NewChannelEntry(waiter.EventHUp | waiter.EventErr)
		s.wq.EventRegister(&entry)
		defer s.wq.EventUnregister(&entry)
		deadline := time.NewTimer(lg.Timeout)
		defer deadline.Stop()
		// close wait=<ms> (section 5): TIMEOUT when the linger outlasts it; the
		// close goes on in netstack.
		var waitC <-chan time.Time
		if req.wait >= 0 {
			w := time.NewTimer(time.Duration(req.wait) * time.Millisecond)
			defer w.Stop()
			waitC = w.C
		}
		// The FIN_WAIT_1 -> FIN_WAIT_2 step raises no event, so look every 5 ms too;
		// bounded by the linger time.
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for lingering(tcp.EndpointState(s.ep.State())) {
			select {
			case <-ch:
			case <-tick.C:
			case <-deadline.C:
				a.send(req.id, ok(0))
				return
			case <-waitC:
				a.send(req.id, failf("TIMEOUT", "close: the lingering close did not return within the wait (it goes on in the stack)"))
				return
			}
		}
		a.send(req.id, ok(0))
	}()
	return reply{}, false
}

func lingering(st tcp.EndpointState) bool {
	return st == tcp.StateFinWait1 || st == tcp.StateClosing || st == tcp.StateLastAck
}

func (a *agent) shutdownSock(req *request) reply {
	if r := nargs(req, 2, 2, "shutdown <h> <rd|wr|rdwr>"); r != nil {
		return *r
	}
	s, r := a.handle(req.verb, req.args[0])
	if r != nil {
		return *r
	}
	flags := map[string]tcpip.ShutdownFlags{"rd": tcpip.ShutdownRead, "wr": tcpip.ShutdownWrite,
		"rdwr": tcpip.ShutdownRead | tcpip.ShutdownWrite}[req.args[1]]
	if flags == 0 {
		return failf("EINVAL", "shutdown: how %q is not rd, wr or rdwr", req.args[1])
	}
	if err := s.ep.Shutdown(flags); err != nil {
		return stackFail("shutdown", err)
	}
	return ok(0)
}

func (a *agent) getname(req *request, get func(tcpip.Endpoint) (tcpip.FullAddress, tcpip.Error)) reply {
	if r := nargs(req, 1, 1, req.verb+" <h>"); r != nil {
		return *r
	}
	s, r := a.handle(req.verb, req.args[0])
	if r != nil {
		return *r
	}
	fa, err := get(s.ep)
	if err != nil {
		return stackFail(req.verb, err)
	}
	return ok(0, "addr="+addrString(s.family, fa.Addr), "port="+strconv.Itoa(int(fa.Port)))
}

func (a *agent) getsockname(req *request) reply {
	return a.getname(req, tcpip.Endpoint.GetLocalAddress)
}

func (a *agent) getpeername(req *request) reply {
	return a.getname(req, tcpip.Endpoint.GetRemoteAddress)
}
