-- shutdown(SHUT_RD) closes nothing on the wire: TCP has no read-side close (RFC 9293
-- 3.10.4 CLOSE is about the sending side), so data that arrives afterwards is still
-- acknowledged, with no FIN and no RST, and the connection stays ESTABLISHED.
local T = require "tcpconform"

local PORT = 8106

T.test("after shutdown(SHUT_RD), arriving data is ACKed and the connection stays up",
  {rfc = "9293 3.10.4", tags = {"examples", "close"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    T.eq(s:shutdown("rd"), 0, "shutdown(SHUT_RD)")
    c:silence(0.1)
    c:send {"P. 1:11(10) ack 1", data = "0123456789"}
    c:expect(". 1:1(0) ack 11", {within = 1})
    lab.target:expect_state(c, "ESTABLISHED", "after data following SHUT_RD")
  end)
