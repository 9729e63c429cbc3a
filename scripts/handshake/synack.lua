-- A listener's answer to a SYN and the three-way handshake (BEHAVIOURS.md A9, B1;
-- RFC 9293 3.5 and 3.10.7.2, RFC 7323 1.3 and 3.2, RFC 2018 2).
local T = require "tcpconform"

local PORT = 8080

T.test("SYN without options gets SYN|ACK acking ISN+1 with only an MSS of 1460",
  {id = "A9", rfc = "9293 3.10.7.2", tags = {"handshake", "options"}},
  function(lab)
    lab.target:listen(PORT)
    local c = lab:conn{port = PORT}
    c:send "S 0:0(0) win 65535 <>"
    -- The target sends its own MSS (1500-byte link - 40) and, since the SYN offered no
    -- window scale, SACK or timestamps, none of those (RFC 7323 1.3, RFC 2018 2).
    c:expect "S. 0:0(0) ack 1 <mss 1460>"
  end)

T.test("SYN offering MSS, SACK, timestamps and window scale gets all four back",
  {id = "A9", rfc = "9293 3.10.7.2", tags = {"handshake", "options"}},
  function(lab)
    lab.target:listen(PORT)
    local c = lab:conn{port = PORT}
    c:send "S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>"
    -- RFC 7323 3.2: the SYN|ACK's TSecr echoes our TSval; the target's own window scale
    -- depends on its buffer sizes, so any value is accepted.
    local sa = c:expect "S. 0:0(0) ack 1 <mss 1460,sackOK,TS val * ecr 100,nop,wscale *>"
    T.range(sa.wscale, 0, 14, "SYN|ACK window scale (RFC 7323 2.3: at most 14)")
  end)

T.test("handshake: SYN_RECV until the final ACK, then ESTABLISHED and accept() returns",
  {id = "B1", rfc = "9293 3.5", tags = {"handshake", "state"}},
  function(lab)
    local l = lab.target:listen(PORT)
    local c = lab:conn{port = PORT}
    c:send "S 0:0(0) win 65535 <mss 1460>"
    c:expect "S. 0:0(0) ack 1 <mss 1460>"
    T.eq(lab.target:state(c), "SYN_RECV", "target state after SYN|ACK")
    -- Nothing to accept before the handshake completes.
    local none, err = l:accept{wait = 0.2}
    T.eq(none, nil, "accept() before the final ACK")
    T.eq(err, "TIMEOUT", "accept() before the final ACK")
    c:send ". 1:1(0) ack 1"
    local s, aerr = l:accept()
    T.check(s, "accept() after the final ACK failed: " .. tostring(aerr))
    T.eq(lab.target:state(c), "ESTABLISHED", "target state after the final ACK")
    c:silence(0.2)
  end)
