-- sweep.materialize: a step of a sweep case (data, relative to edges of the connection)
-- made concrete against the snapshot a prefix took: absolute 32-bit numbers, the payload
-- length, the window and the options, ready for c:send (S1 converts to the conn API's
-- seq_abs/ack_abs form) and for the model (sweep.judge). Pure Lua, no I/O.
--
-- A step spec (sweep.cases):
--   { flags = "SA", seq = {"rcv_nxt", 1}, ack = {"snd_una", 0}, len = 0 | n | "mss",
--     win = nil | n, up = nil | n, opts = nil | { {mss = n} | {ts = {val = E, ecr = E}} } }
-- flags are the letters S F R A P U (A is ACK); a number is an edge and an offset
-- {"edge", n} or {"raw", n}; a ts val/ecr is an edge too (edges "ts_recent", "ts_val").
local state = require "model.state"
local segment = require "model.segment"

local M = {}

-- The letters of a step spec and the flag each stands for (model.segment names).
local FLAG = { S = "SYN", F = "FIN", R = "RST", A = "ACK", P = "PSH", U = "URG" }
M.FLAG = FLAG

-- The window a materialized segment carries when the spec has none: the conn API's own
-- default (lua/README.md c:send), which is also what the prefix advertised, so a case does
-- not move the target's SND.WND (RFC 9293 3.10.7.4 fifth step) by accident.
M.DEFAULT_WIN = 65535

-- Timestamp values used when the snapshot has none (timestamps not negotiated): RFC 7323
-- 3.2 says such a TSopt MUST be ignored, so any value serves; fixed ones keep IDs stable.
local TS_FALLBACK = { ts_recent = 1000, ts_val = 0 }

-- Edges computed from the snapshot rather than read from it.
local DERIVED = {
  -- RCV.NXT + RCV.WND: the first sequence number beyond the receive window (3.10.7.4).
  rcv_wend = function(snap)
    if snap.rcv_nxt == nil or snap.rcv_wnd == nil then return nil end
    return state.add(snap.rcv_nxt, snap.rcv_wnd)
  end,
}

local function fail(what, msg)
  error(("sweep.materialize %s: %s"):format(what, msg), 3)
end

-- The absolute value of an edge spec e ({"edge", off}) in the snapshot, mod 2^32.
local function resolve(e, snap, what, fallback)
  if type(e) ~= "table" or type(e[1]) ~= "string" or math.type(e[2] or 0) ~= "integer" then
    fail(what, ("expected {\"edge\", offset}, got %s"):format(tostring(e)))
  end
  local off = e[2] or 0
  if e[1] == "raw" then return off & (state.MOD - 1) end
  local base
  if DERIVED[e[1]] then base = DERIVED[e[1]](snap) else base = snap[e[1]] end
  if base == nil and fallback then base = fallback[e[1]] end
  if math.type(base) ~= "integer" then
    fail(what, ("the snapshot (state %s) has no %s, got %s"):format(tostring(snap.state),
      e[1], tostring(base)))
  end
  return state.add(base, off)
end
M.resolve = resolve

-- The flag booleans of a spec's letters; raises on an unknown or repeated letter.
function M.flags(letters, what)
  local t = {}
  if type(letters) ~= "string" then fail(what or "flags", "expected letters of S F R A P U") end
  for ch in letters:gmatch(".") do
    local name = FLAG[ch]
    if not name or t[name] then
      fail(what or "flags", ("expected each of S F R A P U at most once, got %q"):format(letters))
    end
    t[name] = true
  end
  return t
end

-- The payload length of spec.len: a number, or "mss" for the snapshot's send MSS (the
-- target's view: the largest segment it accepts, RFC 9293 3.7.1).
local function length(len, snap)
  if len == nil then return 0 end
  if len == "mss" then
    if math.type(snap.mss) ~= "integer" then fail("len", "\"mss\" needs snapshot.mss, got " .. tostring(snap.mss)) end
    return snap.mss
  end
  if math.type(len) ~= "integer" or len < 0 or len > 65535 then
    fail("len", "expected 0..65535 or \"mss\", got " .. tostring(len))
  end
  return len
end

-- The option list of a spec, with timestamp edges resolved.
local function options(opts, snap)
  if opts == nil then return nil end
  local out = {}
  for i, o in ipairs(opts) do
    if o.mss then
      out[i] = { mss = o.mss }
    elseif o.ts then
      out[i] = { ts = { val = resolve(o.ts.val, snap, "opts.ts.val", TS_FALLBACK),
        ecr = resolve(o.ts.ecr or { "ts_val", 0 }, snap, "opts.ts.ecr", TS_FALLBACK) } }
    else
      fail("opts[" .. i .. "]", "expected {mss = n} or {ts = {val =, ecr =}}")
    end
  end
  return out
end

-- Returns the segment of step spec under snapshot snap:
--   { flags = shorthand letters ("S." for SYN+ACK, model.segment's order; "-" for none,
--     lua/SHORTHAND.md), seq = abs,
--     ack = abs | nil, win = n, len = n, up = n | nil, opts = nil | {{mss=}|{ts={val=,ecr=}}} }
-- ack is nil when the ACK bit is off and the spec puts 0 (or nothing) in the field; a
-- non-zero value there is kept (RFC 9293 3.1: the field is read only with ACK set, and a
-- stack that reads it anyway is what such a case looks for). Raises "sweep.materialize
-- FIELD: ..." naming the field and the missing snapshot edge.
function M.segment(spec, snap)
  if type(spec) ~= "table" then fail("spec", "expected a table, got " .. type(spec)) end
  if type(snap) ~= "table" then fail("snapshot", "expected a table, got " .. type(snap)) end
  local f = M.flags(spec.flags, "flags")
  local s = { flags = segment.flags(f), seq = resolve(spec.seq, snap, "seq"),
    win = spec.win or M.DEFAULT_WIN, len = length(spec.len, snap), up = spec.up,
    opts = options(spec.opts, snap) }
  if spec.ack ~= nil then
    local a = resolve(spec.ack, snap, "ack")
    if f.ACK or a ~= 0 then s.ack = a end
  elseif f.ACK then
    fail("ack", "required with the ACK bit")
  end
  return s
end

-- The model's form of a materialized segment (model.segment: tsval, tsecr, mss fields).
function M.model_segment(s)
  local m = { flags = s.flags == "-" and "" or s.flags, seq = s.seq, ack = s.ack, win = s.win, len = s.len, up = s.up }
  for _, o in ipairs(s.opts or {}) do
    if o.mss then m.mss = o.mss end
    if o.ts then m.tsval, m.tsecr = o.ts.val, o.ts.ecr end
  end
  return m
end

return M
