-- Segments other than a SYN reaching a listening socket (BEHAVIOURS.md A6-A8; RFC 9293
-- 3.10.7.2 "If the state is LISTEN").
local T = require "tcpconform"

local PORT = 8080

T.test("RST to a listener is ignored",
  {id = "A6", rfc = "9293 3.10.7.2", tags = {"rst", "listen"}},
  function(lab)
    lab.target:listen(PORT)
    local c = lab:conn{port = PORT}
    -- "First, check for a RST: An incoming RST segment could not be valid since it could
    -- not have been sent in response to anything sent by this incarnation of the
    -- connection. An incoming RST should be ignored."
    c:send "R 0:0(0) win 0"
    c:silence(0.5)
  end)

T.test("FIN without ACK to a listener is dropped silently",
  {id = "A7", rfc = "9293 3.10.7.2", tags = {"listen"}},
  function(lab)
    lab.target:listen(PORT)
    local c = lab:conn{port = PORT}
    -- "Any other control or text-bearing segment (not containing SYN) must not have an
    -- ACK and thus would be discarded by the ACK processing ... drop the segment".
    c:send "F 0:0(0) win 65535"
    c:silence(0.5)
  end)

T.test("data without SYN or ACK to a listener is dropped silently",
  {id = "A7", rfc = "9293 3.10.7.2", tags = {"listen"}},
  function(lab)
    lab.target:listen(PORT)
    local c = lab:conn{port = PORT}
    c:send "P 0:100(100) win 65535"
    c:silence(0.5)
  end)

T.test("ACK to a listener is answered by RST with seq SEG.ACK",
  {id = "A8", rfc = "9293 3.10.7.2", tags = {"rst", "listen"}},
  function(lab)
    lab.target:listen(PORT)
    local c = lab:conn{port = PORT}
    -- "Any acknowledgment is bad if it arrives on a connection still in the LISTEN
    -- state. An acceptable reset segment should be formed for any arriving ACK-bearing
    -- segment. The RST should be formatted as follows: <SEQ=SEG.ACK><CTL=RST>"
    c:send ". 0:0(0) ack 2023406814 win 65535"
    c:expect "R 2023406814:2023406814(0)"
  end)
