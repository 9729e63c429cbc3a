-- The sender respects the peer's MSS (BEHAVIOURS.md B3; RFC 9293 3.7.1 "TCP
-- implementations MUST ... not send segments larger than the effective send MSS", and
-- the default of 536 for IPv4 when no MSS option was received).
local T = require "tcpconform"

local PORT = 8080

-- Collects what the target sends until `total` bytes arrived, ACKing every segment so
-- that Nagle and the congestion window never hold the tail back. Returns the lengths.
local function collect(c, total)
  local lens, got = {}, 0
  while got < total do
    local seg = c:expect({}, {within = 2})
    T.check(seg.len > 0, "expected data, got " .. seg.text)
    lens[#lens + 1] = seg.len
    got = got + seg.len
    c:send "."
  end
  T.eq(got, total, "bytes received")
  return lens
end

local function check_segments(lens, mss)
  local max = 0
  for i, n in ipairs(lens) do
    T.check(n <= mss, ("segment %d carries %d bytes, more than the MSS %d"):format(i, n, mss))
    if n > max then max = n end
  end
  -- Full-sized segments: the MSS is used, not something smaller.
  T.eq(max, mss, "largest segment")
  T.eq(#lens, 4, "segments for 3*MSS+1 bytes")
end

T.test("a write of 3*MSS+1 bytes arrives in segments of at most the advertised MSS (500)",
  {id = "B3", rfc = "9293 3.7.1", tags = {"mss"}},
  function(lab)
    local c, s = T.established(lab, PORT, {syn = "S 0:0(0) win 65535 <mss 500>"})
    T.eq(s:send(3 * 500 + 1), 3 * 500 + 1, "send()")
    local lens = collect(c, 3 * 500 + 1)
    lab:log("segment sizes: " .. table.concat(lens, " "))
    check_segments(lens, 500)
  end)

T.test("without an MSS option the target assumes 536 bytes",
  {id = "B3", rfc = "9293 3.7.1", tags = {"mss"}},
  function(lab)
    local c, s = T.established(lab, PORT, {syn = "S 0:0(0) win 65535 <>"})
    T.eq(s:send(3 * 536 + 1), 3 * 536 + 1, "send()")
    local lens = collect(c, 3 * 536 + 1)
    lab:log("segment sizes: " .. table.concat(lens, " "))
    check_segments(lens, 536)
  end)
