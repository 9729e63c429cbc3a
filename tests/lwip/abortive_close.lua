-- What the sweep's clean-up does to a target, in a row (lua/sweep/engine.lua): many
-- connections that received full-sized segments, reset by the harness, then their
-- sockets and their listeners closed with SO_LINGER {on, 0} (an abortive close, RFC 9293
-- 3.10.4 ABORT). Run on lwIP by tests/selftest_lwip.sh: the agent used to overrun a heap
-- block with every 1514-byte frame (glibc "double free", "bad fastbin chunk" later) and
-- to let lwIP read a listener's PCB as a connection's when it closed with a linger of 0
-- ("don't call tcp_abort/tcp_abandon for listen-pcbs", the port left listening).
local T = require "tcpconform"

local BASE, N, MSS = 7000, 24, 1460

-- Every port is closed: a SYN to it is refused with RST|ACK (RFC 9293 3.10.7.1). A
-- listener that lwIP failed to close would answer SYN|ACK instead.
local function expect_closed(lab, port, what)
  local c = lab:conn{port = port}
  c:send "S 0:0(0)"
  c:expect("R. 0:0(0) ack 1", {within = 1}, what)
end

T.test("listeners and connections closed abortively in a row, after full-sized segments, leave no listener",
  {id = "C10", rfc = "9293 3.10.4", tags = {"close", "rst"}, timeout = 40},
  function(lab)
    local payload = string.rep("0123456789", MSS // 10)
    local open = {}
    for i = 1, N do
      local c, s, l = T.established(lab, BASE + i)
      -- A full-sized segment: a 1514-byte frame on the TAP.
      c:send {("P. 1:%d(%d) ack 1"):format(1 + MSS, MSS), data = payload}
      local got, tries = "", 0
      while #got < MSS and tries < 20 do
        local d, err = s:recv(MSS - #got, {wait = 1})
        T.check(d ~= nil, ("recv on port %d: %s"):format(BASE + i, tostring(err)))
        T.check(d ~= "", ("recv on port %d: end of stream after %d bytes"):format(BASE + i, #got))
        got, tries = got .. d, tries + 1
      end
      T.eq(got, payload, ("the %d bytes received on port %d"):format(MSS, BASE + i))
      open[i] = {c = c, s = s, l = l}
    end
    -- The sweep's clean-up: RST, then SO_LINGER {1, 0} and close on each handle.
    for i = 1, N do
      local o = open[i]
      o.c:send(("R %d:%d(0)"):format(1 + MSS, 1 + MSS))
      for _, sock in ipairs{o.s, o.l} do
        T.eq(sock:setsockopt("so_linger", 1, 0), 0, "setsockopt(SO_LINGER, {1, 0})")
        T.eq(sock:close(), 0, ("close() on port %d"):format(BASE + i))
      end
    end
    for i = 1, N do
      expect_closed(lab, BASE + i, ("port %d after its listener's abortive close"):format(BASE + i))
    end
  end)

T.test("listeners closed with SO_LINGER {on, 0} one after another are closed",
  {id = "C10", rfc = "9293 3.10.4", tags = {"close"}, timeout = 40},
  function(lab)
    local ls = {}
    for i = 1, 4 * N do
      ls[i] = lab.target:listen(BASE + 100 + i)
      T.eq(ls[i]:setsockopt("so_linger", 1, 0), 0, "setsockopt(SO_LINGER, {1, 0})")
    end
    for i = 1, 4 * N do
      T.eq(ls[i]:close(), 0, ("close() of the listener on port %d"):format(BASE + 100 + i))
    end
    for i = 1, 4 * N do
      expect_closed(lab, BASE + 100 + i, ("port %d after its listener's abortive close"):format(BASE + 100 + i))
    end
  end)
