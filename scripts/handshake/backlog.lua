-- The accept queue and the SYN queue under pressure (BEHAVIOURS.md B7, B8; RFC 9293
-- 3.10.7.2; RFC 4987 3.6 for SYN cookies).
--
-- Linux's accept queue is full when it holds more than `backlog` connections
-- (sk_acceptq_is_full: ack_backlog > max_ack_backlog), so listen(1) holds 2. A SYN that
-- arrives while the accept queue is full is dropped outright, so the third handshake's
-- SYN is sent (and answered) before the second handshake completes; its final ACK then
-- arrives while the queue is full.
local T = require "tcpconform"

local PORT = 8080

-- Two established connections fill listen(1)'s queue; a third gets its SYN|ACK before.
-- Returns the third connection, with its final ACK not yet sent.
local function fill_queue(lab)
  local l = lab.target:listen(PORT, {backlog = 1})
  local c1 = lab:conn{port = PORT}
  c1:handshake()
  local c2 = lab:conn{port = PORT}
  c2:send "S 0:0(0) win 65535 <mss 1460>"
  c2:expect "S. 0:0(0) ack 1 <mss 1460>"
  local c3 = lab:conn{port = PORT}
  c3:send "S 0:0(0) win 65535 <mss 1460>"
  local sa3 = c3:expect "S. 0:0(0) ack 1 <mss 1460>"
  c2:send ". 1:1(0) ack 1"
  -- The queue holds backlog + 1 = 2 established, unaccepted connections.
  lab.target:expect_state(c1, "ESTABLISHED", "first connection")
  lab.target:expect_state(c2, "ESTABLISHED", "second connection")
  lab.target:expect_state(c3, "SYN_RECV", "third connection before its final ACK")
  return c3, sa3, l
end

T.test("accept queue full, tcp_abort_on_overflow = 0: the final ACK is dropped and the SYN|ACK retransmitted",
  {id = "B7", rfc = "9293 3.10.7.2", tags = {"backlog"}},
  function(lab)
    T.eq(lab:sysctl("net.ipv4.tcp_abort_on_overflow", 0), "0", "tcp_abort_on_overflow")
    local c3, sa3 = fill_queue(lab)
    c3:send ". 1:1(0) ack 1"
    -- Dropped: no RST, the request stays, and its timer resends the SYN|ACK one initial
    -- RTO (1 s) after the first (RFC 6298 2.1).
    local again = c3:expect("S. 0:0(0) ack 1 <mss 1460>", {within = 1.5})
    T.near(again.t - sa3.t, 1.0, 0.25, "SYN|ACK retransmitted after (s)")
    lab.target:expect_state(c3, "SYN_RECV", "third connection after its dropped ACK")
  end)

T.test("accept queue full, tcp_abort_on_overflow = 1: the final ACK is answered by RST",
  {id = "B7", rfc = "9293 3.10.7.2", tags = {"backlog"}},
  function(lab)
    T.eq(lab:sysctl("net.ipv4.tcp_abort_on_overflow", 1), "1", "tcp_abort_on_overflow")
    local c3 = fill_queue(lab)
    c3:send ". 1:1(0) ack 1"
    -- The reset for an ACK-bearing segment: <SEQ=SEG.ACK><CTL=RST>; SEG.ACK = ISN+1.
    c3:expect("R 1:1(0)", {within = 0.5})
    lab.target:expect_state(c3, "CLOSED", "third connection after the RST")
  end)

-- Like the accept queue, Linux's SYN queue is full when it holds more than `backlog`
-- requests (inet_csk_reqsk_queue_is_full), so listen(2) keeps 3 request sockets; the
-- SYNs after them find it full.
local BACKLOG = 2
local QUEUED = BACKLOG + 1
local EXTRA = 2

local function syns(lab, n)
  local conns = {}
  for i = 1, n do
    local c = lab:conn{port = PORT}
    c:send "S 0:0(0) win 65535 <mss 1460>"
    conns[i] = c
  end
  return conns
end

T.test("SYN queue full, tcp_syncookies = 1: further SYNs get a cookie SYN|ACK, never retransmitted, and its ACK is accepted",
  {id = "B8", rfc = "4987 3.6", tags = {"backlog", "syncookies"}},
  function(lab)
    T.eq(lab:sysctl("net.ipv4.tcp_syncookies", 1), "1", "tcp_syncookies")
    local l = lab.target:listen(PORT, {backlog = BACKLOG})
    local conns = syns(lab, QUEUED + EXTRA)
    local sas = {}
    for i = 1, QUEUED + EXTRA do sas[i] = conns[i]:expect("S. 0:0(0) ack 1 <mss 1460>") end
    -- The queued ones are retransmitted after 1 s; the cookie ones have no state
    -- behind them and are never retransmitted.
    for i = 1, QUEUED do
      local r = conns[i]:expect("S. 0:0(0) ack 1", {within = 1.5})
      T.near(r.t - sas[i].t, 1.0, 0.25, ("SYN|ACK %d retransmitted after (s)"):format(i))
    end
    local cookie = conns[QUEUED + 1]
    for i = QUEUED + 1, QUEUED + EXTRA do conns[i]:silence(0.2) end
    lab.target:expect_state(cookie, "CLOSED", "a cookie connection has no socket yet")
    -- ACKing the cookie recreates the connection from it.
    cookie:send ". 1:1(0) ack 1"
    local s, err = l:accept()
    T.check(s, "accept() of the cookie connection: " .. tostring(err))
    lab.target:expect_state(cookie, "ESTABLISHED", "cookie connection after its ACK")
    cookie:silence(0.2)
  end)

T.test("SYN queue full, tcp_syncookies = 0: further SYNs get no answer",
  {id = "B8", rfc = "4987 3.6", tags = {"backlog", "syncookies"}},
  function(lab)
    T.eq(lab:sysctl("net.ipv4.tcp_syncookies", 0), "0", "tcp_syncookies")
    lab.target:listen(PORT, {backlog = BACKLOG})
    local conns = syns(lab, QUEUED + EXTRA)
    for i = 1, QUEUED do conns[i]:expect("S. 0:0(0) ack 1 <mss 1460>") end
    -- No cookie, no room: dropped. An answer would come at once; 0.6 s is ample.
    for i = QUEUED + 1, QUEUED + EXTRA do conns[i]:silence(0.6) end
  end)

-- A real SYN flood (RFC 4987 2): FLOOD SYNs from as many source ports, none of them ever
-- completed, sent as fast as the link takes them (c:flood). The SYN queue overflows many
-- times over; with SYN cookies a legitimate client still gets in (RFC 4987 3.6).
local FLOOD = 20000

T.test("SYN flood of 20000 half-open handshakes, tcp_syncookies = 1: a legitimate client still connects",
  {id = "B8", rfc = "4987 3.6", tags = {"backlog", "syncookies", "flood"}},
  function(lab)
    T.eq(lab:sysctl("net.ipv4.tcp_syncookies", 1), "1", "tcp_syncookies")
    local l = lab.target:listen(PORT, {backlog = 128})
    local flood = lab:conn{port = PORT, sport = 1024}
    local r = flood:flood("S 0:0(0) win 65535 <mss 1460>", {count = FLOOD, ports = FLOOD})
    T.eq(r.sent, FLOOD, "SYNs sent")
    lab:log(("flood: %d SYNs in %.3f s (%.0f per second)"):format(r.sent, r.seconds, r.pps))
    -- The legitimate client, from a port outside the flood's. Like a real client it
    -- retransmits its SYN once when it is not answered within the initial RTO (RFC 6298
    -- 2.1, 1 s): a stack behind a TAP device (gVisor, lwIP) reads the flood slower than
    -- it came, and the TAP's queue, still full of it, can drop the first SYN before the
    -- stack ever sees it. A stack whose flooded queue refuses the client fails both.
    local c = lab:conn{port = PORT, sport = 40000}
    c:send "S 0:0(0) win 65535 <mss 1460>"
    if not pcall(c.expect, c, "S. 0:0(0) ack 1 <mss 1460>", {within = 1}) then
      lab:log("the first SYN got no SYN|ACK within 1 s: retransmitted")
      c:send "S 0:0(0) win 65535 <mss 1460>"
      c:expect("S. 0:0(0) ack 1 <mss 1460>", {within = 1})
    end
    c:send ". 1:1(0) ack 1"
    local s, err = l:accept()
    T.check(s, "accept() of the legitimate connection: " .. tostring(err))
    lab.target:expect_state(c, "ESTABLISHED", "legitimate connection after the flood")
  end)
