package main

// The agent loop (PROTOCOL.md sections 3-5): one goroutine reads requests and serves
// them in order; a call that cannot complete at once is parked in a goroutine of its
// own that replies when it completes, times out or is canceled. Replies go out through
// one mutex, so each is one whole line, in completion order (section 4).

import (
	"bufio"
	"fmt"
	"os"
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/waiter"
)

// maxHandles is the number of handles open at once (section 4.1 EMFILE); as the
// Linux agent.
const maxHandles = 256

// defaultWait is the wait of a blocking call without wait= (section 5).
const defaultWait = 2000 * time.Millisecond

type side int

const (
	readSide side = iota
	writeSide
)

// parked is one call in progress on a handle: cancel asks it to stop and answer
// CANCELED, done is closed once its reply is written.
type parked struct {
	cancel chan struct{}
	done   chan struct{}
}

// sock is one handle's socket. family is "inet" or "inet6", as in socket(); laddr and
// raddr are kept for state <h> after the endpoint has gone.
type sock struct {
	h      uint64
	family string
	ep     tcpip.Endpoint
	wq     *waiter.Queue
	ops    [2]*parked // by side; guarded by agent.mu
	// nonblock is o_nonblock (section 5); guarded by agent.mu.
	nonblock bool
}

type agent struct {
	st      *stack.Stack
	out     *os.File
	outMu   sync.Mutex
	mu      sync.Mutex
	socks   map[uint64]*sock
	next    uint64
	parkers sync.WaitGroup
}

func newAgent(st *stack.Stack, ctl *os.File) *agent {
	return &agent{st: st, out: ctl, socks: map[uint64]*sock{}, next: 1}
}

// send writes one reply line. A write error means the harness is gone: the agent
// exits as on end of file (section 6.1).
func (a *agent) send(id uint64, r reply) {
	line := r.format(id)
	a.outMu.Lock()
	defer a.outMu.Unlock()
	if _, err := a.out.WriteString(line); err != nil {
		a.shutdown()
		os.Exit(0)
	}
}

// greeting is the line of section 2, also the reply to hello (section 6.1).
func greeting() reply {
	return ok(0, "hello=tcpconform-agent", "version=1", "stack=gvisor", greetingCaps(),
		greetingSockopts(), "gvisor="+gvisorSnapshot)
}

// run serves the control channel until quit or end of file.
func (a *agent) run() {
	r := bufio.NewReaderSize(a.out, 65536)
	for {
		line, long, err := readLine(r)
		if err != nil {
			a.shutdown()
			return
		}
		req, perr := parseRequest(line, long)
		if perr != nil {
			b := perr.(*badLine)
			a.send(b.id, fail(b.errname, b.msg))
			continue
		}
		if req == nil {
			continue
		}
		if req.verb == "quit" {
			a.cancelAll()
			a.send(req.id, ok(0))
			a.shutdown()
			return
		}
		if rep, done := a.dispatch(req); done {
			a.send(req.id, rep)
		}
	}
}

// handle finds an open handle; the reply is EBADF when there is none (section 4.1).
func (a *agent) handle(verb, arg string) (*sock, *reply) {
	h, err := parseUint(arg, 1, 1<<63)
	if err != nil {
		r := failf("EINVAL", "%s: handle %q is not a positive integer", verb, arg)
		return nil, &r
	}
	a.mu.Lock()
	s := a.socks[h]
	a.mu.Unlock()
	if s == nil {
		r := failf("EBADF", "%s: no open handle %d", verb, h)
		return nil, &r
	}
	return s, nil
}

// addSock registers a new socket under a fresh handle; handles are never reused
// (section 5).
func (a *agent) addSock(family string, ep tcpip.Endpoint, wq *waiter.Queue) (uint64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.socks) >= maxHandles {
		return 0, false
	}
	h := a.next
	a.next++
	a.socks[h] = &sock{h: h, family: family, ep: ep, wq: wq}
	return h, true
}

// waitOf is a request's wait= or the default (section 5).
func waitOf(req *request) time.Duration {
	if req.wait < 0 {
		return defaultWait
	}
	return time.Duration(req.wait) * time.Millisecond
}

// attempt is one try of a blocking call: done=false means "would block, try again on
// the next event"; r is then the stack's own answer, used as is for wait=0.
type attempt func() (r reply, done bool)

// park runs a blocking call (section 5): tried at once; if it would block and wait > 0
// it becomes a goroutine that retries on every event of mask from the socket's wait
// queue until it completes, the wait runs out (timeout's reply) or close/quit cancels
// it (CANCELED). It returns the immediate reply and true, or false when parked.
func (a *agent) park(req *request, s *sock, sd side, mask waiter.EventMask, try attempt, timeout func() reply) (reply, bool) {
	// The slot is taken before the first try and try runs without a.mu: an accept's
	// try registers the new handle, which takes a.mu itself.
	a.mu.Lock()
	wait, bad := waitFor(req, s)
	a.mu.Unlock()
	if bad != nil {
		return *bad, true
	}
	p := &parked{cancel: make(chan struct{}), done: make(chan struct{})}
	a.mu.Lock()
	if s.ops[sd] != nil {
		a.mu.Unlock()
		return failf("EBUSY", "%s: a call of the same side is already pending on handle %d", req.verb, s.h), true
	}
	s.ops[sd] = p
	a.mu.Unlock()
	entry, ch := waiter.NewChannelEntry(mask)
	s.wq.EventRegister(&entry)
	r, done := try()
	if done || wait == 0 {
		s.wq.EventUnregister(&entry)
		a.mu.Lock()
		if s.ops[sd] == p {
			s.ops[sd] = nil
		}
		a.mu.Unlock()
		return r, true
	}
	a.parkers.Add(1)
	go func() {
		defer a.parkers.Done()
		defer close(p.done)
		defer s.wq.EventUnregister(&entry)
		timer := time.NewTimer(wait)
		defer timer.Stop()
		var out reply
	loop:
		for {
			select {
			case <-ch:
				if rr, d := try(); d {
					out = rr
					break loop
				}
			case <-timer.C:
				out = timeout()
				break loop
			case <-p.cancel:
				out = failf("CANCELED", "%s: handle %d was closed or the agent quit", req.verb, s.h)
				break loop
			}
		}
		a.mu.Lock()
		if s.ops[sd] == p {
			s.ops[sd] = nil
		}
		a.mu.Unlock()
		a.send(req.id, out)
	}()
	return reply{}, false
}

// cancelOps answers a socket's parked calls with CANCELED and returns once they have
// replied, so close's own reply comes after theirs (section 5).
func (a *agent) cancelOps(s *sock) {
	a.mu.Lock()
	ps := []*parked{}
	for _, p := range s.ops {
		if p != nil {
			ps = append(ps, p)
			close(p.cancel)
		}
	}
	s.ops = [2]*parked{}
	a.mu.Unlock()
	for _, p := range ps {
		<-p.done
	}
}

// cancelAll is quit's first step: every parked call gets CANCELED (section 6.1).
func (a *agent) cancelAll() {
	a.mu.Lock()
	all := make([]*sock, 0, len(a.socks))
	for _, s := range a.socks {
		all = append(all, s)
	}
	a.mu.Unlock()
	for _, s := range all {
		a.cancelOps(s)
	}
}

// shutdown closes every socket, linger cleared first so exit never waits on a peer and
// never turns a close into an abort the test did not ask for.
func (a *agent) shutdown() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for h, s := range a.socks {
		s.ep.SocketOptions().SetLinger(tcpip.LingerOption{})
		s.ep.Close()
		delete(a.socks, h)
	}
}

func fmtAddr(a tcpip.Address) string {
	if len(a) == 0 {
		return "0.0.0.0"
	}
	return fmt.Sprint(a)
}
