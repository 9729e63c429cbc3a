-- Blind in-window attacks on an established connection (BEHAVIOURS.md B9, B10;
-- RFC 5961 3.2 (RST), 4.2 (SYN), RFC 9293 3.10.7.4 "first check sequence number").
-- Every test starts from an ESTABLISHED connection with an accepted socket; the
-- target's receive window is tens of kilobytes, so offsets of 10 are well inside it.
local T = require "tcpconform"

local PORT = 8080

T.test("SYN in ESTABLISHED gets a challenge ACK and does not reset the connection",
  {id = "B9", rfc = "5961 4.2", tags = {"rfc5961", "established"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    -- "the receiver MUST send an ACK (challenge ACK) to the remote peer":
    -- <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
    c:send "S 0:0(0) win 65535 <mss 1460>"
    c:expect ". 1:1(0) ack 1"
    lab.target:expect_state(c, "ESTABLISHED", "target state after the SYN")
  end)

T.test("in-window RST whose seq is not RCV.NXT gets a challenge ACK",
  {id = "B9", rfc = "5961 3.2", tags = {"rfc5961", "established", "rst"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    -- "If the RST bit is set and the sequence number does not exactly match the next
    -- expected sequence value, yet is within the current receive window, ... send an ACK"
    c:send "R 11:11(0)"
    c:expect ". 1:1(0) ack 1"
    lab.target:expect_state(c, "ESTABLISHED", "target state after the RST")
  end)

T.test("RST at exactly RCV.NXT resets the connection: recv() fails ECONNRESET",
  {id = "B9", rfc = "5961 3.2", tags = {"rfc5961", "established", "rst"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    -- "If the RST bit is set and the sequence number exactly matches the next expected
    -- sequence number (RCV.NXT), then TCP MUST reset the connection."
    c:send "R 1:1(0)"
    c:silence(0.2)
    lab.target:expect_state(c, "CLOSED", "target state after the RST")
    local data, err = s:recv(100, {wait = 0.5})
    T.eq(data, nil, "recv() result")
    T.eq(err, "ECONNRESET", "recv() errno")
  end)

T.test("RST outside the receive window is dropped silently",
  {id = "B9", rfc = "5961 3.2", tags = {"rfc5961", "established", "rst"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    -- "If the RST bit is set and the sequence number is outside the current receive
    -- window, silently drop the segment." 2^31 away is as far out as it gets.
    c:send "R 2147483649:2147483649(0)"
    c:silence(0.5)
    lab.target:expect_state(c, "ESTABLISHED", "target state after the RST")
  end)

T.test("data beyond the right edge of the receive window is answered by an ACK of RCV.NXT and not delivered",
  {id = "B10", rfc = "9293 3.10.7.4", tags = {"established", "window"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    -- "If an incoming segment is not acceptable, an acknowledgment should be sent in
    -- reply ... <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>"
    c:send "P. 10000001:10000011(10) ack 1"
    c:expect ". 1:1(0) ack 1"
    local data, err = s:recv(100, {wait = 0.3})
    T.eq(err, "TIMEOUT", "recv(): nothing must be delivered")
    -- The connection still works: in-window data is delivered and acknowledged.
    c:send {"P. 1:11(10) ack 1", data = "0123456789"}
    c:expect ". 1:1(0) ack 11"
    T.eq(s:recv(100), "0123456789", "in-window data delivered")
  end)

T.test("data entirely left of the receive window (already received) is answered by an ACK of RCV.NXT",
  {id = "B10", rfc = "9293 3.10.7.4", tags = {"established", "window"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    c:send {"P. 1:11(10) ack 1", data = "abcdefghij"}
    c:expect ". 1:1(0) ack 11"
    T.eq(s:recv(100), "abcdefghij", "first delivery")
    -- The same bytes again: old data, outside the window on the left.
    c:send {"P. 1:11(10) ack 1", data = "ABCDEFGHIJ"}
    c:expect ". 1:1(0) ack 11"
    local data, err = s:recv(100, {wait = 0.3})
    T.eq(err, "TIMEOUT", "recv(): the duplicate must not be delivered")
  end)
