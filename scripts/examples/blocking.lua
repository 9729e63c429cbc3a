-- Calls that block while the wire moves: a recv() started before any data is there
-- returns when the harness's segment arrives, and its return time (op.t) is then, not
-- when the script collected it (RFC 9293 3.10.3 RECEIVE: "if insufficient incoming
-- segments are queued ... the request is queued").
local T = require "tcpconform"

local PORT = 8102

T.test("a blocking recv() returns when data arrives, at the time it arrives",
  {rfc = "9293 3.10.3", tags = {"examples", "api"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    local op = s:recv_async(100, {wait = 5})
    c:silence(0.2)
    T.check(not op:done(), "recv() returned before any data was sent")
    c:send({"P. 1:6(5) ack 1", data = "hello"}, {name = "data"})
    c:await(". 1:1(0) ack 6")
    T.eq(op:wait(), "hello", "recv()")
    T.range(op.t - lab:event("data"), 0, 0.5, "recv() returned this long after the data (s)")
    -- With MSG_WAITALL it waits for all 10 bytes while two segments arrive.
    local all = s:start("recv", 10, {wait = 5, waitall = true})
    c:send{"P. 6:11(5) ack 1", data = "world"}
    c:await(". 1:1(0) ack 11")
    T.check(not all:done(), "recv(MSG_WAITALL) returned with half of what it waits for")
    c:send({"P. 11:16(5) ack 1", data = "!?!?!"}, {name = "rest"})
    T.eq(all:wait(), "world!?!?!", "recv(10, MSG_WAITALL)")
    T.range(all.t - lab:event("rest"), 0, 0.5, "recv(MSG_WAITALL) returned after the rest (s)")
  end)
