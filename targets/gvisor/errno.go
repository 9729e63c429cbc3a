package main

// Netstack's errors as the errno names of PROTOCOL.md section 4.1. The mapping follows
// what gVisor's own sentry does for the same calls (pkg/syserr/netstack.go), written
// out here so the agent depends on pkg/tcpip alone.

import "gvisor.dev/gvisor/pkg/tcpip"

// errName returns the errno name for a netstack error, "EUNKNOWN" for one it cannot
// name (section 4.1).
func errName(err tcpip.Error) string {
	switch err.(type) {
	case *tcpip.ErrWouldBlock:
		return "EAGAIN"
	case *tcpip.ErrConnectStarted:
		return "EINPROGRESS"
	case *tcpip.ErrAlreadyConnecting:
		return "EALREADY"
	case *tcpip.ErrAlreadyConnected:
		return "EISCONN"
	case *tcpip.ErrAlreadyBound, *tcpip.ErrInvalidEndpointState, *tcpip.ErrInvalidOptionValue,
		*tcpip.ErrInvalidPortRange, *tcpip.ErrMalformedHeader:
		return "EINVAL"
	case *tcpip.ErrConnectionRefused:
		return "ECONNREFUSED"
	case *tcpip.ErrConnectionReset:
		return "ECONNRESET"
	case *tcpip.ErrConnectionAborted, *tcpip.ErrAborted:
		return "ECONNABORTED"
	case *tcpip.ErrTimeout:
		return "ETIMEDOUT"
	case *tcpip.ErrClosedForSend:
		return "EPIPE"
	case *tcpip.ErrClosedForReceive:
		// Reading after shutdown(rd) or the peer's FIN is end of file; recv turns this
		// into 0 with data= before it gets here (section 6.3).
		return "ESHUTDOWN"
	case *tcpip.ErrNotConnected:
		return "ENOTCONN"
	case *tcpip.ErrPortInUse, *tcpip.ErrDuplicateAddress:
		return "EADDRINUSE"
	case *tcpip.ErrBadLocalAddress:
		return "EADDRNOTAVAIL"
	case *tcpip.ErrNoPortAvailable:
		// As gVisor's connect(2): TCP reports an exhausted ephemeral range as
		// EADDRNOTAVAIL (bind reports EADDRINUSE, see bindErr).
		return "EADDRNOTAVAIL"
	case *tcpip.ErrNetworkUnreachable:
		return "ENETUNREACH"
	case *tcpip.ErrHostUnreachable:
		return "EHOSTUNREACH"
	case *tcpip.ErrAddressFamilyNotSupported:
		return "EAFNOSUPPORT"
	case *tcpip.ErrNotSupported, *tcpip.ErrQueueSizeNotSupported:
		return "EOPNOTSUPP"
	case *tcpip.ErrUnknownProtocolOption:
		return "ENOPROTOOPT"
	case *tcpip.ErrUnknownProtocol:
		return "EPROTONOSUPPORT"
	case *tcpip.ErrNoBufferSpace:
		return "ENOBUFS"
	case *tcpip.ErrMessageTooLong:
		return "EMSGSIZE"
	case *tcpip.ErrBadBuffer:
		return "EFAULT"
	case *tcpip.ErrDestinationRequired:
		return "EDESTADDRREQ"
	case *tcpip.ErrNotPermitted:
		return "EPERM"
	case *tcpip.ErrNoSuchFile, *tcpip.ErrUnknownNICID, *tcpip.ErrUnknownDevice:
		return "ENODEV"
	case *tcpip.ErrBroadcastDisabled:
		return "EACCES"
	}
	return "EUNKNOWN"
}

// stackFail is the reply for a failed netstack call: its errno name, and netstack's
// own text so a person sees which of its errors it was.
func stackFail(verb string, err tcpip.Error) reply {
	return failf(errName(err), "%s: %s", verb, err)
}
