-- Segments to a port with no socket (BEHAVIOURS.md A1-A5; RFC 9293 3.10.7.1, "If the
-- state is CLOSED ... all data in the incoming segment is discarded. An incoming segment
-- containing a RST is discarded. An incoming segment not containing a RST causes a RST
-- to be sent in response.").
--
-- Before the target has sent a SYN its ISN is unknown, so the seq of what it sends is
-- written as the absolute number (see lua/README.md, "Relative sequence numbers").
local T = require "tcpconform"

local CLOSED = 9   -- nothing listens here: every lab is a fresh namespace

T.test("SYN to a closed port is answered by RST|ACK with seq 0 and ack SEG.SEQ+1",
  {id = "A1", rfc = "9293 3.10.7.1", tags = {"rst", "closed-port"}},
  function(lab)
    local c = lab:conn{port = CLOSED}
    c:send "S 0:0(0) win 65535 <mss 1460>"
    -- "If the ACK bit is off, sequence number zero is used, <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
    -- <CTL=RST,ACK>"; the SYN occupies one sequence number. (The RST's window is left
    -- open: the RFC does not give one; Linux sends 0.)
    c:expect "R. 0:0(0) ack 1"
  end)

T.test("SYN carrying data to a closed port is answered by RST|ACK acking SYN and data",
  {id = "A2", rfc = "9293 3.10.7.1", tags = {"rst", "closed-port"}},
  function(lab)
    local c = lab:conn{port = CLOSED}
    c:send "S 0:10(10) win 65535"
    -- SEG.LEN = 10 bytes + 1 for the SYN
    c:expect "R. 0:0(0) ack 11"
  end)

T.test("FIN without ACK to a closed port is answered by RST|ACK with seq 0 and ack SEG.SEQ+1",
  {id = "A3", rfc = "9293 3.10.7.1", tags = {"rst", "closed-port"}},
  function(lab)
    local c = lab:conn{port = CLOSED}
    c:send "F 0:0(0) win 65535"
    c:expect "R. 0:0(0) ack 1"
  end)

T.test("bare ACK to a closed port is answered by RST (no ACK flag) with seq SEG.ACK",
  {id = "A4", rfc = "9293 3.10.7.1", tags = {"rst", "closed-port"}},
  function(lab)
    local c = lab:conn{port = CLOSED}
    -- "If the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>"
    c:send ". 0:0(0) ack 305419896"
    c:expect "R 305419896:305419896(0)"
  end)

T.test("RST to a closed port is not answered at all",
  {id = "A5", rfc = "9293 3.10.7.1", tags = {"rst", "closed-port"}},
  function(lab)
    local c = lab:conn{port = CLOSED}
    c:send "R 0:0(0) win 0"
    c:send "R. 0:0(0) ack 1 win 0"
    -- A reply would come back within microseconds; half a second of silence is ample.
    c:silence(0.5)
  end)

-- IPv6: the same rules (RFC 9293 is version-independent); addresses 2001:db8::/32.
T.test("IPv6: SYN to a closed port is answered by RST|ACK with seq 0 and ack SEG.SEQ+1",
  {id = "A1", rfc = "9293 3.10.7.1", tags = {"rst", "closed-port", "ipv6"}},
  function(lab)
    local c = lab:conn{port = CLOSED, family = "inet6"}
    c:send "S 0:0(0) win 65535 <mss 1440>"
    c:expect "R. 0:0(0) ack 1"
  end)

T.test("IPv6: bare ACK to a closed port is answered by RST (no ACK flag) with seq SEG.ACK",
  {id = "A4", rfc = "9293 3.10.7.1", tags = {"rst", "closed-port", "ipv6"}},
  function(lab)
    local c = lab:conn{port = CLOSED, family = "inet6"}
    c:send ". 0:0(0) ack 305419896"
    c:expect "R 305419896:305419896(0)"
  end)
