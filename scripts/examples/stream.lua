-- Streams, not segments: one send() of 12000 bytes arrives as the stack cuts it -- with
-- the harness's MSS of 1460, full segments and a last short one (BEHAVIOURS.md B3,
-- RFC 9293 3.7.1: no segment larger than the MSS) -- whatever PSH bits the stack sets
-- along the way. expect_stream checks the bytes and their order, and ACKs as told.
local T = require "tcpconform"

local PORT = 8103
local N, MSS = 12000, 1460
-- What the agent sends for send(n): abc...z repeated (PROTOCOL.md 6.3).
local BYTES = ("abcdefghijklmnopqrstuvwxyz"):rep(N // 26 + 1):sub(1, N)

local NAME = "a 12000-byte send() arrives in order, in segments of at most the MSS"

for _, ack in ipairs{"each", "every_other"} do
  T.test("ack " .. ack .. ": " .. NAME,
    {id = "B3", rfc = "9293 3.7.1", tags = {"examples", "stream"}},
    function(lab)
      local c, s = T.established(lab, PORT)
      T.eq(s:send(N), N, "send(12000)")
      local r = c:expect_stream(BYTES, {ack = ack, within = 5})
      local size = r.segments[1].len
      for i, g in ipairs(r.segments) do
        T.check(g.len <= MSS, ("segment %d carries %d bytes, more than the MSS of %d"):format(i, g.len, MSS))
        -- One send() is the stack's to cut: the segments before the last are all of one
        -- size. (An agent that wrote in 4096-byte pieces left a 1176-byte one at 4096.)
        if i < #r.segments and g.len > 0 then
          T.eq(g.len, size, ("segment %d's length (the first was %d)"):format(i, size))
        end
      end
      T.eq(r.len, N, "bytes received")
    end)
end
