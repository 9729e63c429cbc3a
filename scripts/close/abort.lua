-- Connections that end in RST rather than FIN, and a dying process (BEHAVIOURS.md C9,
-- C10, C13, C14, C16; RFC 9293 3.6 / 3.10.4 ABORT; RFC 2525 2.17 for the RST on close
-- with unread data; 001 3.5, 002, 004 kill -9).
local T = require "tcpconform"

local PORT = 8080

for _, family in ipairs{"inet", "inet6"} do
  local v6 = family == "inet6" and "IPv6: " or ""
  T.test(v6 .. "close() with unread received data sends RST|ACK instead of FIN",
    {id = "C9", rfc = "2525 2.17", tags = family == "inet6" and {"close", "rst", "ipv6"} or {"close", "rst"}},
    function(lab)
      local c, s = T.established(lab, PORT, {family = family})
      c:send {"P. 1:11(10) ack 1", data = "unread!!!!"}
      c:expect ". 1:1(0) ack 11"
      -- RFC 2525 2.17: closing with unread data "should" reset; Linux does, so the peer
      -- learns that data was lost. No FIN, no TIME_WAIT.
      T.eq(s:close(), 0, "close()")
      c:expect "R. 1:1(0) ack 11"
      c:silence(0.2)
      lab.target:expect_state(c, "CLOSED", "state after the RST")
    end)
end

T.test("SO_LINGER {on, 0} then close() sends RST, no FIN and no TIME_WAIT",
  {id = "C10", rfc = "9293 3.10.4", tags = {"close", "rst"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    T.eq(s:setsockopt("so_linger", 1, 0), 0, "setsockopt(SO_LINGER, {1, 0})")
    T.eq(s:close(), 0, "close()")
    -- ABORT: "a reset segment is formed and sent" -- <SEQ=SND.NXT><CTL=RST> (Linux adds
    -- an ACK of what it received).
    c:expect "R. 1:1(0) ack 1"
    c:silence(0.2)
    lab.target:expect_state(c, "CLOSED", "state after the RST")
  end)

-- The same abort in SYN-RECEIVED, reached by a simultaneous open (RFC 9293 3.4 Figure 8):
-- the target connect()s, the harness's own SYN crosses its SYN. Found by the sweep, whose
-- clean-up did this: gVisor's netstack (2022-12-19) panics there (targets/gvisor/README.md).
T.test("SO_LINGER {on, 0} then close() in SYN-RECEIVED after a simultaneous open sends RST",
  {id = "C10", rfc = "9293 3.10.4", tags = {"close", "rst"}},
  function(lab)
    local TPORT, HPORT = 5556, 81
    local s = lab.target:socket()
    T.eq(s:bind(TPORT), 0, "bind")
    local c = lab:conn{port = TPORT, sport = HPORT}
    local op = s:connect_async(lab.addr.harness4, HPORT, 5)
    c:expect "S 0:0(0)"
    c:send "S 0:0(0) win 65535 <mss 1460>"
    -- SYN-SENT: "If the state is SYN-SENT ... form a SYN,ACK segment" (3.10.7.3).
    c:expect "S. 0:0(0) ack 1"
    lab.target:expect_state(c, "SYN_RECV", "after the crossing SYNs")
    T.eq(s:setsockopt("so_linger", 1, 0), 0, "setsockopt(SO_LINGER, {1, 0})")
    T.eq(s:close(), 0, "close()")
    -- ABORT in SYN-RECEIVED: "a reset segment is formed and sent" (3.10.4); Linux adds
    -- an ACK of what it received, as in ESTABLISHED above.
    c:expect "R. 1:1(0) ack 1"
    lab.target:expect_state(c, "CLOSED", "state after the RST")
    op:wait(1)
  end)

T.test("data sent to a target that has fully closed is answered by RST",
  {id = "C13", rfc = "9293 3.10.7.4", tags = {"close", "rst"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    T.eq(s:close(), 0, "close()")
    c:expect "F. 1:1(0) ack 1"
    c:send ". 1:1(0) ack 2"
    lab.target:expect_state(c, "FIN_WAIT_2", "state after our ACK of its FIN")
    -- Nobody can read it any more: the receiver resets (RFC 9293 3.10.7.4, segment text
    -- in FIN-WAIT-2 for a closed application; Linux counts it as TCPAbortOnData).
    c:send "P. 1:11(10) ack 2"
    c:expect "R 2:2(0)"
    lab.target:expect_state(c, "CLOSED", "state after the RST")
  end)

T.test("after the harness resets the connection, the target's send() fails ECONNRESET or EPIPE",
  {id = "C14", rfc = "9293 3.10.7.4", tags = {"close", "rst"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    c:send "R 1:1(0)"
    c:silence(0.1)
    lab.target:expect_state(c, "CLOSED", "state after the RST")
    -- The agent sends with MSG_NOSIGNAL, so a broken pipe is an errno, not SIGPIPE.
    local n, err = s:send("after the reset")
    T.eq(n, nil, "send() result")
    T.check(err == "ECONNRESET" or err == "EPIPE", "send() errno: " .. tostring(err))
    -- and nothing goes out on the wire for it
    c:silence(0.2)
  end)

T.test("the process holding the socket is killed (kill -9): the kernel closes it with FIN",
  {id = "C16", rfc = "9293 3.6", tags = {"close", "state"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    -- The socket moves to a process of its own, which is then killed with SIGKILL: the
    -- application never calls close(); the kernel closes the socket as the process dies
    -- (004 "kill -9"), which for a socket with nothing unread is an orderly close.
    local ok, err, r = s:hold()
    T.eq(ok, 0, "hold: " .. tostring(err))
    lab:log("socket held by process " .. tostring(r.pid))
    c:silence(0.2)
    lab.target:expect_state(c, "ESTABLISHED", "state while the holder lives")
    T.eq(s:kill(), 0, "kill -9 of the holding process")
    c:expect "F. 1:1(0) ack 1"
    lab.target:expect_state(c, "FIN_WAIT_1", "state after the FIN (an orphan now)")
    c:send ". 1:1(0) ack 2"
    lab.target:expect_state(c, "FIN_WAIT_2", "state after our ACK")
  end)
