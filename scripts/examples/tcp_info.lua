-- getsockopt(TCP_INFO) after a loss: the retransmission is counted, the RTO has backed
-- off (RFC 6298 5.5) and the congestion window is the loss window of one segment (RFC
-- 5681 3.1), in the target's own control block. Keys a stack does not keep are left
-- out of its reply (PROTOCOL.md 6.4.1), so only these are required.
local T = require "tcpconform"

local PORT = 8107

T.test("TCP_INFO after a retransmission: counted, RTO backed off, cwnd at the loss window",
  {rfc = "6298 5.5", tags = {"examples", "api"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    local before = s:getsockopt("tcp_info")
    T.eq(before.state, "ESTABLISHED", "tcp_info state")
    T.eq(s:send("0123456789"), 10, "send()")
    c:expect("P. 1:11(10) ack 1", {name = "first"})
    c:expect("P. 1:11(10) ack 1", {after = "first", range = {0.1, 4}})
    local after = s:getsockopt("tcp_info")
    T.check((after.total_retrans or after.retransmits or 0) >= 1,
      "tcp_info counts the retransmission (total_retrans or retransmits >= 1)")
    T.check(after.rto_us >= 1.5 * before.rto_us,
      ("tcp_info rto_us backed off: %s before, %s after"):format(before.rto_us, after.rto_us))
    T.eq(after.snd_cwnd, 1, "tcp_info snd_cwnd (segments) after the RTO")
    if after.unacked then T.eq(after.unacked, 1, "tcp_info unacked (segments)") end
    c:send ". 1:1(0) ack 11"
  end)
