-- Nagle and cork hold a small segment back (RFC 9293 3.7.4, RFC 1122 4.2.3.4): with
-- data unacknowledged, a second small write waits for the ACK; with TCP_CORK on, a small
-- write waits until the cork comes off.
local T = require "tcpconform"

local PORT = 8105

T.test("Nagle: a second small write waits for the ACK of the first",
  {rfc = "9293 3.7.4", tags = {"examples", "nagle"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    s:send("aaaaa")
    c:expect "P. 1:6(5) ack 1"
    s:send("bbbbb")
    c:silence(0.1)
    c:send(". 1:1(0) ack 6", {name = "ack"})
    c:expect("P. 6:11(5) ack 1", {after = "ack", range = {0, 0.1}})
    c:send ". 1:1(0) ack 11"
  end)

T.test("TCP_CORK: a small write waits until the cork comes off",
  {rfc = "1122 4.2.3.4", tags = {"examples", "nagle"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    T.eq(s:setsockopt("tcp_cork", 1), 0, "setsockopt(TCP_CORK, 1)")
    s:send("aaaaa")
    c:silence(0.1)
    lab:mark("uncork")
    T.eq(s:setsockopt("tcp_cork", 0), 0, "setsockopt(TCP_CORK, 0)")
    c:expect("P. 1:6(5) ack 1", {after = "uncork", range = {0, 0.1}})
    c:send ". 1:1(0) ack 6"
  end)
