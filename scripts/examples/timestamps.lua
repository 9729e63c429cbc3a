-- Relative timestamps (lab:conn{ts = "relative"}): TS val and ecr are written from each
-- side's first TSval, as packetdrill writes ecr, so a test states the echo rule itself:
-- the SYN|ACK echoes our first TSval and an ACK echoes the TSval of the segment that
-- advanced the window (RFC 7323 4.3, TS.Recent).
local T = require "tcpconform"

local PORT = 8104

T.test("timestamps: the SYN|ACK and each ACK echo our latest TSval (written relative)",
  {rfc = "7323 4.3", tags = {"examples", "timestamps"}},
  function(lab)
    lab.target:listen(PORT)
    local c = lab:conn{port = PORT, ts = "relative"}
    c:send "S 0:0(0) win 65535 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 7>"
    local sa = c:expect "S. 0:0(0) ack 1"
    if sa.ts_val == nil then T.skip("the target does not negotiate timestamps (RFC 7323 is optional)") end
    T.eq(sa.ts_val, 0, "the SYN|ACK's TSval (its first: 0 when relative)")
    T.eq(sa.ts_ecr, 0, "the SYN|ACK's TSecr (our first TSval: 0 when relative)")
    c:send ". 1:1(0) ack 1 <nop,nop,TS val 5 ecr 0>"
    c:send {"P. 1:11(10) ack 1 <nop,nop,TS val 9 ecr 0>", data = "0123456789"}
    local a = c:await ". 1:1(0) ack 11 <nop,nop,TS val * ecr 9>"
    T.range(a.ts_val, 0, 60000, "the target's TSval, counted from its first")
  end)
