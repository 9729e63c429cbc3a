-- The harness closes first, or half-closes (BEHAVIOURS.md C5, C6, C12; RFC 9293 3.6,
-- 3.10.7.4; 004 "大量CLOSE_WAIT": CLOSE_WAIT lasts as long as the application does not
-- call close()).
local T = require "tcpconform"

local PORT = 8080

-- ESTABLISHED; our FIN is ACKed at once; the target is then in CLOSE_WAIT.
local function harness_closes(lab)
  local c, s = T.established(lab, PORT)
  c:send "F. 1:1(0) ack 1"
  c:expect(". 1:1(0) ack 2", {within = 0.5})
  return c, s
end

T.test("passive close: our FIN is ACKed, recv() returns 0, CLOSE_WAIT lasts until close(), then LAST_ACK, then gone",
  {id = "C5", rfc = "9293 3.6", tags = {"close", "state"}},
  function(lab)
    local c, s = harness_closes(lab)
    T.eq(s:recv(100), "", "recv() after our FIN (end of stream)")
    lab.target:expect_state(c, "CLOSE_WAIT", "state after our FIN")
    -- Nothing moves while the application holds the socket open.
    c:silence(1.0)
    lab.target:expect_state(c, "CLOSE_WAIT", "state a second later")
    T.eq(s:close(), 0, "close()")
    c:expect "F. 1:1(0) ack 2"
    lab.target:expect_state(c, "LAST_ACK", "state after its FIN")
    c:send ". 2:2(0) ack 2"
    c:silence(0.1)
    lab.target:expect_state(c, "CLOSED", "state after our ACK of its FIN")
  end)

T.test("FIN lost in LAST_ACK: the FIN is retransmitted with the same sequence number",
  {id = "C6", rfc = "9293 3.10.7.4", tags = {"close", "timers"}},
  function(lab)
    local c, s = harness_closes(lab)
    T.eq(s:close(), 0, "close()")
    local fin = c:expect "F. 1:1(0) ack 2"
    -- We do not ACK it: it comes again, same seq (1, relative), after the RTO -- at most
    -- twice the target's initial RTO (RFC 6298 2.1; lwIP starts at 3 s, Linux at 1 s and
    -- with an RTT sample as low as 200 ms).
    local p = lab.target.params
    local again = c:expect("F. 1:1(0) ack 2", {within = 2 * (p.initial_rto or 1) + (p.timer_tick or 0)})
    lab:log(("FIN retransmitted after %.3f s"):format(again.t - fin.t))
    T.eq(again.seq_abs, fin.seq_abs, "sequence number of the retransmitted FIN")
    lab.target:expect_state(c, "LAST_ACK", "state while its FIN is unacknowledged")
  end)

T.test("half-close: shutdown(SHUT_WR) sends FIN; the target still receives, ACKs and delivers our data",
  {id = "C12", rfc = "9293 3.6", tags = {"close", "state"}},
  function(lab)
    local c, s = T.established(lab, PORT)
    T.eq(s:shutdown("wr"), 0, "shutdown(SHUT_WR)")
    c:expect "F. 1:1(0) ack 1"
    c:send ". 1:1(0) ack 2"
    lab.target:expect_state(c, "FIN_WAIT_2", "state after our ACK of its FIN")
    c:send {"P. 1:14(13) ack 2", data = "still talking"}
    c:expect ". 2:2(0) ack 14"
    T.eq(s:recv(100), "still talking", "data received after shutdown(SHUT_WR)")
    c:send "F. 14:14(0) ack 2"
    c:expect ". 2:2(0) ack 15"
    lab.target:expect_state(c, "TIME_WAIT", "state after our FIN")
  end)
