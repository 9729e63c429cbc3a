// Command tcpconform-gvisor runs gVisor's netstack (pkg/tcpip) on the lab's TAP device
// and serves the tcpconform agent protocol (targets/PROTOCOL.md) on the inherited
// control socket, so the harness's scripts can test netstack as they test Linux.
//
// The environment is the exec target's (README.md "Testing your own stack"). It prints
// nothing: a start-up error is the failed greeting "0 -1 EIO msg=..." (PROTOCOL.md
// section 2) and exit status 1; only a missing control channel goes to stderr.
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// gvisorSnapshot is the netstack source this agent is built against: Debian's
// golang-gvisor-gvisor-dev, the gVisor snapshot of 2022-12-19.
const gvisorSnapshot = "20221219"

func main() {
	fdText := os.Getenv("TCPCONFORM_CTL_FD")
	fd, err := strconv.Atoi(fdText)
	if err != nil || fd < 0 {
		fmt.Fprintf(os.Stderr, "tcpconform-gvisor: TCPCONFORM_CTL_FD=%q: expected the number of an inherited stream socket\n", fdText)
		os.Exit(2)
	}
	if _, err := syscall.Getsockname(fd); err != nil {
		fmt.Fprintf(os.Stderr, "tcpconform-gvisor: TCPCONFORM_CTL_FD=%d is not an open socket: %v\n", fd, err)
		os.Exit(2)
	}
	// Why not close-on-exec matters: the agent runs no program, so the inherited fd
	// needs no flag changes; os.NewFile takes it as is.
	ctl := os.NewFile(uintptr(fd), "control channel")
	cfg, err := readConfig()
	if err == nil {
		var a *agent
		st, serr := newStack(cfg)
		if serr == nil {
			a = newAgent(st, ctl)
			a.send(0, greeting())
			a.run()
			os.Exit(0)
		}
		err = serr
	}
	ctl.WriteString(fail("EIO", err.Error()).format(0))
	os.Exit(1)
}
