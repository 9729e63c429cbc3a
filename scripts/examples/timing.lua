-- Timed expectations: a segment the harness never ACKs is retransmitted one RTO after
-- it was first sent, then after twice that (RFC 6298 5.4-5.6: on expiry retransmit and
-- back the timer off, RTO <- RTO * 2). The times are checked both ways: {at = s} fails
-- a segment that comes early as well as one that comes late, within the target's
-- tolerance (params.time_tolerance).
local T = require "tcpconform"

local PORT = 8101

-- The RTO the target's stack holds for connection c, in seconds, as its agent reports
-- it (state's rto_us, PROTOCOL.md 6.5); a target that does not say cannot run the test.
local function rto_of(lab, c)
  local _, r = lab.target:state(c)
  local us = tonumber(r.rto_us)
  if not us then T.skip("the target's agent reports no rto_us for a connection") end
  return us / 1e6
end

T.test("unacknowledged data is retransmitted after RTO, then after 2 RTO (back-off)",
  {rfc = "6298 5.5", tags = {"examples", "timing"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    local rto = rto_of(lab, c)
    T.eq(s:send("0123456789"), 10, "send()")
    c:expect("P. 1:11(10) ack 1", {name = "first"})
    c:expect("P. 1:11(10) ack 1", {after = "first", at = rto, name = "again"})
    c:expect("P. 1:11(10) ack 1", {after = "again", at = 2 * rto})
    c:send ". 1:1(0) ack 11"
  end)
