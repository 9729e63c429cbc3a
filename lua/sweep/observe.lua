-- sweep.observe: what the target did with a case's steps -- the segments it sent back on
-- the case's own 4-tuple within the step's window, and the state the agent reports
-- after it -- plus sending a materialised step through the connection API.
local A = require "sweep.async"
local prefix = require "sweep.prefix"

local M = {}

-- How long to keep listening once the expected number of replies came: a stack that
-- sends one segment too many usually sends it right after the others. Knob `settle`.
M.settle = 0.02

-- Shorthand flag letters ("S." for SYN|ACK) from a step's flags, which may spell ACK as
-- "A" ("SA"): the order of lua/SHORTHAND.md.
function M.flags(f)
  local out = {}
  for _, l in ipairs{"S", "F", "R", "P", "U", "E", "W"} do
    if f:find(l, 1, true) then out[#out + 1] = l end
  end
  if f:find("[A%.]") then out[#out + 1] = "." end
  return table.concat(out)
end

-- The fields of a step's opts that are c:send's options (how the segment goes out at the
-- IP layer: fragments, IPv6 extension headers; lua/README.md), not the segment's.
M.SEND_OPTS = {frag = true, frag_order = true, frag_drop = true, ext = true}

-- Sends seg (sweep.materialize's absolute numbers) on connection c; returns the lab time.
-- Options are a list of tables in the connection API's fields ({mss = 1460}, {ts =
-- {val =, ecr =}}, {options = "<nop,nop>"}), merged into the segment, but M.SEND_OPTS,
-- which go to c:send's second argument.
function M.send(c, seg)
  local t = {flags = M.flags(seg.flags), seq = seg.seq, seq_abs = true,
    win = seg.win or 65535, len = seg.len or 0}
  -- A segment with no flag at all is "-" in the shorthand (lua/SHORTHAND.md); an empty
  -- string would leave the conn API's default, ACK, and the case would not test what
  -- it says (RFC 9293 3.10.7.4 fifth: "if the ACK bit is off, drop the segment").
  if t.flags == "" then t.flags = "-" end
  if seg.ack then t.ack, t.ack_abs = seg.ack, true end
  local how
  for _, o in ipairs(seg.opts or {}) do
    for k, v in pairs(o) do
      if M.SEND_OPTS[k] then how = how or {}; how[k] = v else t[k] = v end
    end
  end
  return c:send(t, how)
end

-- Passes over the segments of c that arrived before the first step: they answer the
-- prefix, not the step (e.g. the target's FIN retransmitted by its RTO while a loaded
-- harness was late acknowledging it). Returns how many.
function M.drain(c)
  local n = 0
  while c:next() do n = n + 1 end
  return n
end

-- The replies on c until `until_` (lab time), or M.settle after `want` (> 0) of them
-- came: {flags =, seq =, ack =, len =, win =, t =} with absolute numbers.
function M.replies(lab, c, until_, want)
  local got = {}
  local stop = until_
  while true do
    local s = A.segment(lab.core, c, stop)
    if not s then return got end
    got[#got + 1] = {flags = s.flags, seq = s.seq_abs, ack = s.ack_abs, len = s.len,
      win = s.win, t = s.t, text = s.text, csum_ok = s.csum_ok, data = s.data,
      opt_malformed = s.opt_malformed}
    if want > 0 and #got >= want then
      stop = math.min(stop, lab.core:now() + M.settle)
    end
  end
end

-- The state after a step in the model's names (ESTABLISHED, TIME-WAIT, CLOSED...); for a
-- case that began in LISTEN, the listener's when the 4-tuple has no connection.
function M.state(lab, family, ports, listener)
  return prefix.model_name((prefix.state(lab, family, ports, listener)))
end

return M
