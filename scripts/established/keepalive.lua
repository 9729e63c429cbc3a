-- TCP keep-alive (BEHAVIOURS.md C15; RFC 9293 3.8.4, RFC 1122 4.2.3.6). Timers are set
-- per socket (TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT, in seconds) and asserted from
-- capture time stamps within TOL.
local T = require "tcpconform"

local PORT = 8080
local IDLE, INTVL, CNT = 1, 1, 2

-- The tolerance of a timer: 0.25 s plus the target's timer granularity (lwIP's keep-alive
-- timer runs every 500 ms, the kernel's on jiffies).
local function tol(lab)
  return 0.25 + (lab.target.params.timer_tick or 0)
end

local function keepalive_on(lab)
  local c, s = T.established(lab, PORT)
  T.eq(s:setsockopt("so_keepalive", 1), 0, "SO_KEEPALIVE")
  T.eq(s:setsockopt("tcp_keepidle", IDLE), 0, "TCP_KEEPIDLE")
  T.eq(s:setsockopt("tcp_keepintvl", INTVL), 0, "TCP_KEEPINTVL")
  T.eq(s:setsockopt("tcp_keepcnt", CNT), 0, "TCP_KEEPCNT")
  return c, s, lab:now()
end

-- A keep-alive probe: no data, seq = SND.NXT - 1 (RFC 1122 4.2.3.6: "a segment with
-- sequence number SEG.SEQ = SND.NXT-1"), so the peer must answer with an ACK.
local PROBE = ". 0:0(0) ack 1"

T.test("answered keep-alive probes come every TCP_KEEPIDLE seconds and keep the connection",
  {id = "C15", rfc = "1122 4.2.3.6", tags = {"keepalive", "timers"}, timeout = 20},
  function(lab)
    local c, s, t0 = keepalive_on(lab)
    local TOL = tol(lab)
    local last = t0
    for i = 1, 3 do
      local p = c:expect(PROBE, {within = IDLE + 1})
      -- An answered probe makes the connection idle again: the next one comes after
      -- TCP_KEEPIDLE, not TCP_KEEPINTVL.
      T.near(p.t - last, IDLE, TOL, ("time before probe %d (s)"):format(i))
      c:send ". 1:1(0) ack 1"
      last = p.t
    end
    lab.target:expect_state(c, "ESTABLISHED", "state after three answered probes")
  end)

T.test("TCP_KEEPCNT unanswered probes end the connection with RST and recv() fails ETIMEDOUT",
  {id = "C15", rfc = "1122 4.2.3.6", tags = {"keepalive", "timers"}, timeout = 20},
  function(lab)
    local c, s, t0 = keepalive_on(lab)
    local TOL = tol(lab)
    local first = c:expect(PROBE, {within = IDLE + 1})
    T.near(first.t - t0, IDLE, TOL, "time before the first probe (s)")
    local last = first.t
    for i = 2, CNT do
      local p = c:expect(PROBE, {within = INTVL + 1})
      T.near(p.t - last, INTVL, TOL, ("time before probe %d (s)"):format(i))
      last = p.t
    end
    -- After CNT unanswered probes, one more interval, then the connection is dropped.
    local rst = c:expect("R. 1:1(0) ack 1", {within = INTVL + 1})
    T.near(rst.t - last, INTVL, TOL, "time from the last probe to the RST (s)")
    local data, err = s:recv(100, {wait = 0.5})
    T.eq(data, nil, "recv() result")
    -- RFC 1122 4.2.3.6 only says the connection is dropped; the errno is the sockets
    -- API's: ETIMEDOUT on Linux and BSD, ECONNABORTED on lwIP.
    T.check(err == "ETIMEDOUT" or err == "ECONNABORTED", "recv() errno: " .. tostring(err))
    lab.target:expect_state(c, "CLOSED", "state after the keep-alive timeout")
  end)
