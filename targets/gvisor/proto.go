package main

// The line protocol of targets/PROTOCOL.md: framing (section 1), requests (section 3)
// and replies (section 4). Everything here is pure text handling; the agent loop
// (agent.go) owns the channel.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// lineMax is AGENT_LINE_MAX (PROTOCOL.md section 1), the LF excluded.
const lineMax = 140000

// maxArgs is the limit on arguments after the verb (section 3) and on key=value pairs
// in a reply (section 4).
const maxArgs = 16

// request is one parsed request line: positional arguments in order, then the options
// of section 3 (wait=<ms>, bare flags). Tokens of the form key=value other than wait=
// stay positional (send's len=<n> is an argument, not an option).
type request struct {
	id    uint64
	verb  string
	args  []string
	wait  int64 // -1: not given
	flags map[string]bool
}

// badLine is a line that cannot be served; id is 0 when it has no usable id.
type badLine struct {
	id      uint64
	errname string
	msg     string
}

func (b *badLine) Error() string { return b.msg }

// flagNames are the bare flags of sections 6.3 (recv/send); anything else that is not
// wait= is a positional argument, checked by its verb.
var flagNames = map[string]bool{"peek": true, "waitall": true, "oob": true, "more": true, "dontwait": true}

// readLine returns the next line without its LF (and a CR before it, section 1). An
// overlong line is read to its end and returned as its first bytes with long=true, so
// the caller can still reply to its id.
func readLine(r *bufio.Reader) (line string, long bool, err error) {
	var b []byte
	for {
		chunk, e := r.ReadSlice('\n')
		if len(b) <= lineMax+1 {
			b = append(b, chunk...)
		}
		if e == bufio.ErrBufferFull {
			continue
		}
		if e != nil {
			if e == io.EOF && len(b) > 0 {
				e = io.ErrUnexpectedEOF
			}
			return "", false, e
		}
		break
	}
	b = b[:len(b)-1]
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if len(b) > lineMax {
		return string(b[:64]), true, nil
	}
	return string(b), false, nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// parseID reads the leading id of a line (section 3): 1..4294967295, decimal. It is used
// for the replies to bad lines too, so it looks only at the first token.
func parseID(line string) (uint64, bool) {
	s := strings.TrimLeft(line, " \t")
	end := strings.IndexAny(s, " \t")
	if end < 0 {
		end = len(s)
	}
	tok := s[:end]
	if tok == "" || len(tok) > 10 {
		return 0, false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseUint(tok, 10, 64)
	if err != nil || id == 0 || id > 4294967295 {
		return 0, false
	}
	return id, true
}

// parseRequest splits a line into a request (sections 1 and 3). A nil request and nil
// error is a blank line, which gets no reply.
func parseRequest(line string, long bool) (*request, error) {
	id, idOK := parseID(line)
	if long {
		if !idOK {
			id = 0
			return nil, &badLine{0, "EPROTO", "line longer than 140000 bytes and without a usable id"}
		}
		return nil, &badLine{id, "EINVAL", "line longer than 140000 bytes"}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		if (c < 0x20 || c > 0x7e) && c != '\t' {
			if !idOK {
				return nil, &badLine{0, "EPROTO", fmt.Sprintf("control or non-ASCII byte 0x%02x before a usable id", c)}
			}
			return nil, &badLine{id, "EINVAL", fmt.Sprintf("control or non-ASCII byte 0x%02x at column %d", c, i+1)}
		}
	}
	toks := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
	if len(toks) == 0 {
		return nil, nil
	}
	if !idOK {
		return nil, &badLine{0, "EPROTO", fmt.Sprintf("request id %q is not an integer in 1..4294967295", toks[0])}
	}
	if len(toks) < 2 {
		return nil, &badLine{id, "EINVAL", "request has an id but no verb"}
	}
	if len(toks)-2 > maxArgs {
		return nil, &badLine{id, "EINVAL", fmt.Sprintf("%d arguments after the verb, at most %d", len(toks)-2, maxArgs)}
	}
	req := &request{id: id, verb: toks[1], wait: -1, flags: map[string]bool{}}
	for _, t := range toks[2:] {
		switch {
		case strings.HasPrefix(t, "wait="):
			ms, err := strconv.ParseInt(t[5:], 10, 64)
			if err != nil || ms < 0 || ms > 600000 {
				return nil, &badLine{id, "EINVAL", fmt.Sprintf("%s: wait %q is not an integer in 0..600000", req.verb, t[5:])}
			}
			req.wait = ms
		case flagNames[t]:
			req.flags[t] = true
		default:
			req.args = append(req.args, t)
		}
	}
	return req, nil
}

// reply is one reply line (section 4): ret, errname ("-" when ret >= 0) and key=value
// pairs in order.
type reply struct {
	ret     int64
	errname string
	kv      []string
}

func ok(ret int64, kv ...string) reply { return reply{ret: ret, errname: "-", kv: kv} }

// fail is a failed call; msg is for people (section 4.2) and may be empty.
func fail(errname, msg string) reply {
	r := reply{ret: -1, errname: errname}
	if msg != "" {
		r.kv = []string{"msg=" + cleanMsg(msg)}
	}
	return r
}

func failf(errname, format string, a ...interface{}) reply {
	return fail(errname, fmt.Sprintf(format, a...))
}

// cleanMsg applies section 4.2: a backslash is doubled, '_' becomes backslash-underscore (so a reader can tell
// an underscore from a space), spaces become '_', other bytes outside 0x21..0x7e '?'.
func cleanMsg(s string) string {
	var sb strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == '\\':
			sb.WriteString(`\\`)
		case c == '_':
			sb.WriteString(`\_`)
		case c == ' ':
			sb.WriteByte('_')
		case c < 0x21 || c > 0x7e:
			sb.WriteByte('?')
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// format renders the reply line, LF included.
func (r reply) format(id uint64) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d %d %s", id, r.ret, r.errname)
	for i, kv := range r.kv {
		if i == maxArgs {
			break
		}
		sb.WriteByte(' ')
		sb.WriteString(kv)
	}
	sb.WriteByte('\n')
	return sb.String()
}

var errEOF = errors.New("end of file on the control channel")
