package main

// send and recv (PROTOCOL.md section 6.3) on netstack endpoints: Write and Read never
// block in netstack (ErrWouldBlock), so both are attempts retried on wait-queue events.

import (
	"bytes"
	"encoding/hex"
	"io"

	"strings"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/waiter"
)

// maxLenData is send len=<n>'s bound (section 6.3).
const maxLenData = 67108864

const alphabet = "abcdefghijklmnopqrstuvwxyz"

// pattern is the payload of send len=<n>: the alphabet repeated, counted from the
// request's first byte; off is how much of it the stack has taken so far.
type pattern struct{ off, n int }

func (p *pattern) Len() int { return p.n - p.off }

// Read implements io.Reader for tcpip.Payloader without materialising n bytes.
func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(b) && p.off < p.n {
		b[k] = alphabet[p.off%26]
		k++
		p.off++
	}
	return k, nil
}

// payload is what is left to write, as netstack's Payloader.
type payload interface {
	tcpip.Payloader
	sent() int
}

type hexPayload struct{ *bytes.Reader }

func (h hexPayload) sent() int { return int(h.Size()) - h.Reader.Len() }

// sentPattern reports progress; Write consumes p through Read only.
type sentPattern struct{ *pattern }

func (s sentPattern) sent() int { return s.off }

func (a *agent) sendData(req *request) (reply, bool) {
	if r := nargs(req, 2, 2, "send <h> <hex>|-|len=<n> [wait=<ms>] [oob] [more] [dontwait]"); r != nil {
		return *r, true
	}
	s, r := a.handle(req.verb, req.args[0])
	if r != nil {
		return *r, true
	}
	if req.flags["oob"] {
		return failf("EOPNOTSUPP", "send: netstack has no urgent data (MSG_OOB)"), true
	}
	var p payload
	if req.args[1] == "-" {
		// An empty send (section 6.3): one Write of zero bytes.
		p = hexPayload{bytes.NewReader(nil)}
	} else if strings.HasPrefix(req.args[1], "len=") {
		n, err := parseUint(req.args[1][4:], 0, maxLenData)
		if err != nil {
			return failf("EINVAL", "send: len %q is %v", req.args[1][4:], err), true
		}
		p = sentPattern{&pattern{n: int(n)}}
	} else {
		b, err := hex.DecodeString(req.args[1])
		if err != nil || strings.ToLower(req.args[1]) != req.args[1] {
			return failf("EINVAL", "send: data %.20q... is not lower-case hex, two digits a byte", req.args[1]), true
		}
		p = hexPayload{bytes.NewReader(b)}
	}
	// Like a blocking send(2): everything before the reply; a short count when the
	// wait runs out or the stack fails after some bytes were taken. One Write per try
	// of all that is left (section 6.3: the segments are netstack's, not ours); after a
	// short one the rest waits for the endpoint to be writable again. `more` is
	// MSG_MORE, which netstack takes and ignores (surface.go).
	opts := tcpip.WriteOptions{More: req.flags["more"]}
	try := func() (reply, bool) {
		_, err := s.ep.Write(p, opts)
		if _, wb := err.(*tcpip.ErrWouldBlock); wb {
			if p.sent() > 0 {
				return ok(int64(p.sent())), false
			}
			return stackFail("send", err), false
		}
		if err != nil {
			if p.sent() > 0 {
				return ok(int64(p.sent())), true
			}
			return stackFail("send", err), true
		}
		return ok(int64(p.sent())), p.Len() == 0
	}
	timeout := func() reply {
		if p.sent() > 0 {
			return ok(int64(p.sent()))
		}
		return failf("TIMEOUT", "send: no byte taken within the wait")
	}
	return a.park(req, s, writeSide, waiter.WritableEvents|waiter.EventHUp|waiter.EventErr, try, timeout)
}

func (a *agent) recvData(req *request) (reply, bool) {
	if r := nargs(req, 2, 2, "recv <h> <maxlen> [wait=<ms>] [peek] [waitall] [oob] [dontwait]"); r != nil {
		return *r, true
	}
	s, r := a.handle(req.verb, req.args[0])
	if r != nil {
		return *r, true
	}
	max, err := parseUint(req.args[1], 1, 65536)
	if err != nil {
		return failf("EINVAL", "recv: maxlen %q is %v", req.args[1], err), true
	}
	peek, waitall := req.flags["peek"], req.flags["waitall"]
	if peek && waitall {
		return failf("EINVAL", "recv: peek cannot be combined with waitall"), true
	}
	if req.flags["oob"] {
		return failf("EOPNOTSUPP", "recv: netstack has no urgent data (MSG_OOB)"), true
	}
	var got bytes.Buffer
	data := func() reply {
		return ok(int64(got.Len()), "data="+hex.EncodeToString(got.Bytes()))
	}
	try := func() (reply, bool) {
		for got.Len() < int(max) {
			w := &tcpip.LimitedWriter{W: &got, N: int64(int(max) - got.Len())}
			_, err := s.ep.Read(w, tcpip.ReadOptions{Peek: peek})
			switch err.(type) {
			case nil:
				if !waitall {
					return data(), true
				}
				continue
			case *tcpip.ErrClosedForReceive:
				// End of file: the peer's FIN, or shutdown(rd) (section 6.3).
				return data(), true
			case *tcpip.ErrWouldBlock:
				if got.Len() > 0 && !waitall {
					return data(), true
				}
				return stackFail("recv", err), false
			}
			if got.Len() > 0 {
				return data(), true
			}
			return stackFail("recv", err), true
		}
		return data(), true
	}
	timeout := func() reply {
		if got.Len() > 0 {
			return data()
		}
		return failf("TIMEOUT", "recv: no data within the wait")
	}
	return a.park(req, s, readSide, waiter.ReadableEvents|waiter.EventHUp|waiter.EventErr, try, timeout)
}
