-- A client-side test: the target connect()s to the harness, which answers its SYN on the
-- wire while the connect is an operation; connect() returns once the handshake is done
-- (RFC 9293 3.5, Figure 6), after the harness's SYN|ACK, and data then flows.
local T = require "tcpconform"

T.test("connect(): SYN, our SYN|ACK, its ACK, then connect() returns 0",
  {id = "B1", rfc = "9293 3.5", tags = {"examples", "client"}},
  function(lab)
    local TPORT, HPORT = 5557, 82
    local s = lab.target:socket()
    T.eq(s:bind(TPORT), 0, "bind")
    local c = lab:conn{port = TPORT, sport = HPORT}
    local op = s:connect_async(lab.addr.harness4, HPORT, {wait = 5})
    c:expect "S 0:0(0) <mss 1460,...>"
    T.check(not op:done(), "connect() returned before the handshake")
    c:send("S. 0:0(0) ack 1 win 65535 <mss 1460>", {name = "synack"})
    c:expect ". 1:1(0) ack 1"
    T.eq(op:wait(), 0, "connect()")
    T.range(op.t - lab:event("synack"), 0, 1, "connect() returned after our SYN|ACK (s)")
    T.eq(s:send("hi"), 2, "send()")
    c:expect "p. 1:3(2) ack 1"
  end)
