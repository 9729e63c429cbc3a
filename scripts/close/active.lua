-- The target closes first (BEHAVIOURS.md C1-C4, C7, C8, C11; RFC 9293 3.6 and 3.10.7.4,
-- RFC 1337, RFC 6191). Each step asserts both the wire and the state the target's stack
-- reports for the connection, including sockets the application no longer holds
-- (orphans in FIN_WAIT_1/2, TIME_WAIT).
local T = require "tcpconform"

local PORT = 8080

-- ESTABLISHED, then the target's application calls close(): returns the connection,
-- its listener and the target's FIN|ACK.
local function target_closes(lab, family)
  local c, s, l = T.established(lab, PORT, {family = family})
  T.eq(s:close(), 0, "close()")
  local fin = c:expect "F. 1:1(0) ack 1"
  return c, l, fin
end

-- FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT, asserting each state. Returns the connection.
local function to_time_wait(lab, family)
  local c, l = target_closes(lab, family)
  lab.target:expect_state(c, "FIN_WAIT_1", "state after the target's FIN")
  c:send ". 1:1(0) ack 2"
  lab.target:expect_state(c, "FIN_WAIT_2", "state after our ACK of its FIN")
  c:send "F. 1:1(0) ack 2"
  c:expect ". 2:2(0) ack 2"
  lab.target:expect_state(c, "TIME_WAIT", "state after our FIN")
  return c, l
end

for _, family in ipairs{"inet", "inet6"} do
  local v6 = family == "inet6" and "IPv6: " or ""
  local tags = family == "inet6" and {"close", "state", "ipv6"} or {"close", "state"}

  T.test(v6 .. "active close: FIN_WAIT_1, FIN_WAIT_2 after our ACK, our FIN is ACKed, TIME_WAIT",
    {id = "C1", rfc = "9293 3.6", tags = tags},
    function(lab)
      local c = to_time_wait(lab, family)
      c:silence(0.2)
    end)

  T.test(v6 .. "TIME_WAIT re-ACKs a retransmitted FIN",
    {id = "C2", rfc = "9293 3.10.7.4", tags = tags},
    function(lab)
      local c = to_time_wait(lab, family)
      -- Our ACK of its FIN "was lost" as far as we pretend: we send our FIN again.
      -- RFC 9293 3.10.7.4 TIME-WAIT: "The only thing that can arrive in this state is a
      -- retransmission of the remote FIN. Acknowledge it, and restart the 2 MSL timeout."
      c:send {"F. 1:1(0) ack 2", seq = 1}
      c:expect(". 2:2(0) ack 2", {within = 0.5})
      lab.target:expect_state(c, "TIME_WAIT", "state after the retransmitted FIN")
    end)
end

T.test("RST in TIME_WAIT with tcp_rfc1337 = 0 ends TIME_WAIT",
  {id = "C3", rfc = "1337 3", tags = {"close", "state", "rst"}},
  function(lab)
    T.eq(lab:sysctl("net.ipv4.tcp_rfc1337", 0), "0", "tcp_rfc1337")
    local c = to_time_wait(lab)
    c:send "R 2:2(0)"
    c:silence(0.2)
    -- Linux follows RFC 9293's TIME-WAIT RST rule by default ("If the RST bit is set
    -- then, enter the CLOSED state"), which RFC 1337 calls TIME-WAIT assassination.
    lab.target:expect_state(c, "CLOSED", "state after the RST")
  end)

T.test("RST in TIME_WAIT with tcp_rfc1337 = 1 is ignored (RFC 1337 TW-assassination fix)",
  {id = "C3", rfc = "1337 3", tags = {"close", "state", "rst"}},
  function(lab)
    T.eq(lab:sysctl("net.ipv4.tcp_rfc1337", 1), "1", "tcp_rfc1337")
    local c = to_time_wait(lab)
    -- RFC 1337 fix (F1): "Ignore RST segments in TIME-WAIT state."
    c:send "R 2:2(0)"
    c:silence(0.2)
    lab.target:expect_state(c, "TIME_WAIT", "state after the RST")
  end)

T.test("a SYN with a higher sequence number in TIME_WAIT opens a new connection",
  {id = "C4", rfc = "6191 2", tags = {"close", "state", "handshake"}},
  function(lab)
    local c = to_time_wait(lab)
    local i = c:info()
    -- Same 4-tuple, ISN beyond what the TIME_WAIT socket has received (RCV.NXT).
    local c2 = lab:conn{port = PORT, sport = i.sport, iss = (i.iss + 100000) & 0xffffffff}
    c2:send "S 0:0(0) win 65535 <mss 1460>"
    c2:expect("S. 0:0(0) ack 1 <mss 1460>", {within = 0.5})
    lab.target:expect_state(c2, "SYN_RECV", "state of the reused 4-tuple")
  end)

T.test("FIN lost in FIN_WAIT_1: the FIN is retransmitted with the same seq at growing intervals",
  {id = "C7", rfc = "6298 5.5", tags = {"close", "timers"}, timeout = 90},
  function(lab)
    local c, _, fin = target_closes(lab)
    -- We never ACK. Each retransmission carries the same sequence number, and the
    -- retransmission timer backs off (RFC 6298 5.5): every interval at least 1.5x the
    -- previous one (a doubling, with room for timer granularity).
    local p = lab.target.params
    local tick = p.timer_tick or 0
    local last, prev_iv = fin.t, nil
    for i = 1, 3 do
      -- The first within twice the initial RTO, each later one within 2.5x the last.
      local within = prev_iv and (2.5 * prev_iv + tick) or (2 * (p.initial_rto or 1) + tick)
      local r = c:expect("F. 1:1(0) ack 1", {within = within})
      local iv = r.t - last
      lab:log(("FIN retransmission %d after %.3f s"):format(i, iv))
      if prev_iv then
        T.check(iv >= 1.5 * prev_iv - tick,
          ("interval %d (%.3f s) is not >= 1.5 x the previous (%.3f s)"):format(i, iv, prev_iv))
      end
      prev_iv, last = iv, r.t
    end
    lab.target:expect_state(c, "FIN_WAIT_1", "state while the FIN is unacknowledged")
  end)

T.test("orphaned FIN_WAIT_2 times out after tcp_fin_timeout = 2 s, then our data gets RST",
  {id = "C8", rfc = "9293 3.6", tags = {"close", "state", "timers"}, timeout = 20},
  function(lab)
    T.eq(lab:sysctl("net.ipv4.tcp_fin_timeout", 2), "2", "tcp_fin_timeout")
    local c = target_closes(lab)
    c:send ". 1:1(0) ack 2"
    local t_fw2 = lab:now()
    lab.target:expect_state(c, "FIN_WAIT_2", "state after our ACK of its FIN")
    -- We never send our FIN. The state can only be polled; 50 ms steps bound the error.
    local state = "FIN_WAIT_2"
    while state == "FIN_WAIT_2" and lab:now() - t_fw2 < 5 do
      lab:sleep(0.05)
      state = lab.target:state(c)
    end
    T.eq(state, "CLOSED", "state after the FIN_WAIT_2 timeout")
    T.near(lab:now() - t_fw2, 2.0, 0.4, "time spent in FIN_WAIT_2 (s)")
    -- The connection is gone: data for it is answered as for a closed port (A4).
    c:send "P. 1:11(10) ack 2"
    c:expect "R 2:2(0)"
  end)

T.test("simultaneous close: both FINs cross, CLOSING, then TIME_WAIT",
  {id = "C11", rfc = "9293 3.6", tags = {"close", "state"}},
  function(lab)
    local c = target_closes(lab)
    -- Our FIN crosses theirs: it does not acknowledge their FIN (ack 1).
    c:send "F. 1:1(0) ack 1"
    -- They ACK our FIN (their seq is past their own FIN now) and go to CLOSING.
    c:expect ". 2:2(0) ack 2"
    lab.target:expect_state(c, "CLOSING", "state after the FINs crossed")
    c:send ". 2:2(0) ack 2"
    lab.target:expect_state(c, "TIME_WAIT", "state after our ACK of their FIN")
  end)
