-- Initial sequence numbers are unpredictable (BEHAVIOURS.md B6; RFC 9293 3.4.1 and
-- RFC 6528: ISN = M + F(4-tuple, secret), so connections from different ports get ISNs
-- with no usable relation between them).
local T = require "tcpconform"

local PORT = 8080
local N = 32

-- (b - a) as a signed 32-bit difference
local function step(a, b)
  local d = (b - a) & 0xffffffff
  if d >= 0x80000000 then d = d - 0x100000000 end
  return d
end

T.test("ISNs of 32 handshakes from different ports show no constant or small step",
  {id = "B6", rfc = "6528 3", tags = {"handshake", "isn", "security"}},
  function(lab)
    lab.target:listen(PORT, {backlog = 64})
    local isns = {}
    for i = 1, N do
      local c = lab:conn{port = PORT}
      c:send "S 0:0(0) win 65535 <mss 1460>"
      isns[i] = c:expect("S. 0:0(0) ack 1 <mss 1460>").seq_abs
      c:send "R 1:1(0)"   -- free the request socket again
    end
    local seen, steps, small = {}, {}, 0
    for i = 1, N do
      T.check(not seen[isns[i]], ("ISN %d repeats"):format(isns[i]))
      seen[isns[i]] = true
      if i > 1 then
        local d = step(isns[i - 1], isns[i])
        steps[d] = true
        -- A clock-driven ISN (RFC 793's 4 us counter) moves by less than 2^20 between
        -- handshakes milliseconds apart; a random one does so with probability 2^-11.
        if math.abs(d) < (1 << 20) then small = small + 1 end
      end
    end
    local distinct = 0
    for _ in pairs(steps) do distinct = distinct + 1 end
    lab:log(("ISNs: %d distinct steps of %d, %d small"):format(distinct, N - 1, small))
    T.eq(distinct, N - 1, "distinct steps between consecutive ISNs")
    T.check(small <= 1, ("%d of %d steps are smaller than 2^20"):format(small, N - 1))
  end)
