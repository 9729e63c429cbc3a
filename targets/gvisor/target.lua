-- Descriptor of the gVisor target: netstack (pkg/tcpip) from Debian's
-- golang-gvisor-gvisor-dev, the gVisor snapshot of 2022-12-19, behind a TAP device
-- (targets/gvisor/README.md). params are netstack's defaults read from its source;
-- deviations are its departures from the RFCs, each reported as skipped with its
-- reason -- and as a failure ("unexpected pass") the day one passes. Settings netstack
-- lacks (tcp_rfc1337, tcp_abort_on_overflow, tcp_syncookies = 0) are not listed: the
-- agent answers ENOENT / EOPNOTSUPP and lab:sysctl skips the test (PROTOCOL.md 6.6).
-- Evidence is the matcher's line from `tcpconform run scripts --target gvisor`.
local SRC = "/usr/share/gocode/src/gvisor.dev/gvisor/pkg/tcpip/transport/tcp/"

-- The handshake's retransmission timer (connect.go newHandshake, backoffTimer.reset)
-- doubles from InitialRTO until it would exceed MaxRTO (120 s) and then fails: the SYN
-- and SYN|ACK retry counts (TCPSynRetriesOption, Linux's tcp_syn_retries and
-- tcp_synack_retries, read as 6) are accepted but never consulted.
local SYN_RETRIES = {
  rfc = "1122 4.2.3.5",
  reason = "netstack ignores its SYN retry setting (" .. SRC .. "connect.go backoffTimer): "
    .. "SYN and SYN|ACK are retransmitted at 1, 3, 7, 15, 31, 63 s whatever "
    .. "tcp_syn_retries / tcp_synack_retries say, and connect() gives up after 127 s, "
    .. "short of RFC 1122 4.2.3.5's 'at least 3 minutes' for a SYN",
}

local function with(base, evidence)
  return {rfc = base.rfc, reason = base.reason, evidence = evidence}
end

return {
  name = "gvisor",
  summary = "gVisor netstack (Debian golang-gvisor-gvisor-dev, snapshot 2022-12-19) on a TAP device",
  params = {
    initial_rto = 1.0,      -- InitialRTO = time.Second (connect.go), MinRTO 200 ms (snd.go)
    timer_tick = 0,         -- Go timers per connection: no coarse tick
    synack_retries = 6,     -- by the backoff above, not by DefaultSynRetries
    syn_retries = 6,
    msl = 30,               -- DefaultTCPTimeWaitTimeout = 60 s = 2 MSL (protocol.go)
  },
  -- The choices the RFCs leave open, as the RFC model's knobs (lua/model/README.md), read
  -- in netstack's source (SRC above).
  model = {
    -- connect.go handleReset: any RST with rcv.acceptable(SEG.SEQ, 0) resets (RFC 793,
    -- no RFC 5961 3.2 challenge ACK; the hand-written suite declares the missing ACK)
    rfc5961_rst = false,
    rst_seq_test = "seq",   -- handleReset tests SEG.SEQ with length 0, not the segment
    rfc5961_syn = true,     -- handleSegmentLocked: a SYN gets maybeSendOutOfWindowAck
    rfc5961_ack = true,     -- snd.go: an ACK beyond SND.NXT or too old is answered
    -- rcv.go handleTimeWaitSegment: "Just silently drop any RST packets in TIME_WAIT"
    rfc1337 = true,
    timewait_syn = "rfc1122", -- handleTimeWaitSegment: a SYN beyond RCV.NXT to a listener
    delayed_ack = true,
    rst_window = "zero",    -- replyWithReset: window 0
  },
  deviations = {
    -- Found by the sweep (its clean-up aborted every case's sockets): closeLocked takes
    -- SYN-RECEIVED for a reset state and calls resetConnectionLocked, which reads the
    -- endpoint's sender -- nil until the handshake completes: a nil-pointer panic that
    -- kills the stack (transport/tcp/connect.go:1025, snapshot 2022-12-19).
    ["SO_LINGER {on, 0} then close() in SYN-RECEIVED after a simultaneous open sends RST"] = {
      rfc = "9293 3.10.4",
      reason = "netstack panics (nil pointer in resetConnectionLocked) instead of sending the "
        .. "reset (\"a reset segment is formed and sent\")",
      evidence = "the target (gvisor) exited with status 2; its last words: panic: runtime "
        .. "error: invalid memory address or nil pointer dereference",
    },
    ["data sent to a target that has fully closed is answered by RST"] = {
      rfc = "9293 3.10.7.4",
      reason = "netstack's reset for a segment reaching a closed endpoint carries ACK "
        .. "(replyWithReset acks SEG.SEQ+SEG.LEN), where the RFC's reset for an "
        .. "ACK-bearing segment is <SEQ=SEG.ACK><CTL=RST> without ACK",
      evidence = "R. 2:2(0) ack 1 win 0 (expected R 2:2(0))",
    },
    ["FIN lost in LAST_ACK: the FIN is retransmitted with the same sequence number"] = {
      rfc = "9293 3.3.2",
      reason = "netstack moves LAST_ACK to FIN_WAIT_1 when it (re)sends the FIN of a "
        .. "connection not in CLOSE_WAIT (snd.go maybeSendSegment: 'default: "
        .. "setEndpointState(StateFinWait1)'), so a passive close whose FIN is lost is "
        .. "reported, and then handled, as an active one",
      evidence = "expected state LAST_ACK, got FIN_WAIT_1 (seen: FIN_WAIT_1)",
    },
    ["TCP_KEEPCNT unanswered probes end the connection with RST and recv() fails ETIMEDOUT"] = {
      rfc = "1122 4.2.3.6",
      reason = "when the keep-alive probes go unanswered netstack drops the connection "
        .. "silently; Linux (and the test) end it with an RST so the peer learns of it",
      evidence = "expected: R. 1:1(0) ack 1, got: nothing matching within 2.000 s",
    },
    ["in-window RST whose seq is not RCV.NXT gets a challenge ACK"] = {
      rfc = "5961 3.2",
      reason = "netstack sends no challenge ACK for an in-window RST whose sequence "
        .. "number is not exactly RCV.NXT",
      evidence = "expected: . 1:1(0) ack 1, got: nothing matching within 1.000 s",
    },
    ["duplicate SYN in SYN_RECV gets the same SYN|ACK again (same ISN)"] = {
      rfc = "9293 3.10.7.4",
      reason = "netstack answers a retransmitted SYN in SYN_RECV with a bare ACK instead "
        .. "of the SYN|ACK again",
      evidence = ". 1:1(0) ack 1 win 29184 (expected S. 0:0(0) ack 1 <mss 1460>)",
    },
    ["SYN|ACK is retransmitted exactly tcp_synack_retries = 2 times, at 1 s then 2 s, then never"] =
      with(SYN_RETRIES, "expected no segment until 8.083 s, got at 7.083 s: S. 0:0(0) ack 1 "
        .. "win 29184 <mss 1460>"),
    ["default: SYN|ACK is retransmitted 5 times at 1, 2, 4, 8, 16 s, then never (32 s)"] =
      with(SYN_RETRIES, "default tcp_synack_retries: expected \"5\", got \"6\""),
    ["connect() retransmits its SYN tcp_syn_retries = 2 times at 1 s then 2 s, then fails ETIMEDOUT"] =
      with(SYN_RETRIES, "connect() errno: expected \"ETIMEDOUT\", got \"TIMEOUT\""),
    ["SYN queue full, tcp_syncookies = 1: further SYNs get a cookie SYN|ACK, never retransmitted, and its ACK is accepted"] = {
      rfc = "4987 3.6",
      reason = "with its SYN queue full netstack neither answers further SYNs with "
        .. "cookies at once nor keeps the listener reachable (its cookie threshold is the "
        .. "accept backlog, not the SYN queue)",
      evidence = "expected: S. 0:0(0) ack 1, got: nothing matching within 1.500 s",
    },
  },
}
