-- model.segment: the arriving segment as the model reads it, and the segments it sends.
-- Both have the same shape, so what one model endpoint sends can arrive at another:
--   { flags = "S.", seq = N, ack = N, win = N, len = payload bytes, up = urgent pointer,
--     tsval = N, tsecr = N, mss = N }
-- flags uses the letters of lua/SHORTHAND.md (S F R P . U E W); absent fields are nil.
local state = require "model.state"

local M = {}

local LETTERS = { S = "SYN", F = "FIN", R = "RST", P = "PSH", ["."] = "ACK", U = "URG",
  E = "ECE", W = "CWR" }
local ORDER = "FSRP.UEW"   -- the shorthand's rendering order (packetdrill's)

local function check_u32(s, k, where)
  local v = s[k]
  if v ~= nil and (math.type(v) ~= "integer" or v < 0 or v >= state.MOD) then
    error(("%s.%s: expected an integer 0..4294967295, got %s"):format(where, k, tostring(v)), 3)
  end
end

-- Returns a validated copy of the segment s with its flags as booleans (s.SYN, s.ACK ...)
-- and seglen = SEG.LEN, which counts SYN and FIN (RFC 9293 3.4). Raises "model segment
-- .FIELD: expected ..., got ..." at the caller's line on bad input.
function M.check(s, where)
  where = where or "model segment"
  if type(s) ~= "table" then error(where .. ": expected a table, got " .. type(s), 2) end
  if type(s.flags) ~= "string" then
    error(where .. ".flags: expected a string of S F R P . U E W, got " .. tostring(s.flags), 2)
  end
  local c = {}
  for k, v in pairs(s) do c[k] = v end
  for ch in s.flags:gmatch(".") do
    local name = LETTERS[ch]
    if not name or c[name] then
      error(("%s.flags: expected each of S F R P . U E W at most once, got %q"):format(where,
        s.flags), 2)
    end
    c[name] = true
  end
  for _, k in ipairs({ "seq", "ack", "win", "len", "up", "tsval", "tsecr", "mss" }) do
    check_u32(c, k, where)
  end
  if c.seq == nil then error(where .. ".seq: required", 2) end
  c.ack = c.ack or 0   -- read only when the ACK bit is on
  c.len = c.len or 0
  c.win = c.win or 0
  c.seglen = c.len + (c.SYN and 1 or 0) + (c.FIN and 1 or 0)
  return c
end

-- Renders flag booleans as shorthand letters in the shorthand's order.
function M.flags(t)
  local out = {}
  for ch in ORDER:gmatch(".") do
    if t[LETTERS[ch]] then out[#out + 1] = ch end
  end
  return #out > 0 and table.concat(out) or "-"
end

-- A segment the model sends: flags as letters, numbers modulo 2^32, rule = why.
function M.out(flags, seq, ack, rule)
  return { flags = flags, seq = seq & (state.MOD - 1), ack = ack and ack & (state.MOD - 1),
    len = 0, rule = rule }
end

-- "R. 0:0(0) ack 1 win 0": a sent segment in the shorthand, absolute numbers. A field the
-- model leaves open (win on an ACK, tsval) is left out.
function M.format(s)
  local parts = { ("%s %d:%d(%d)"):format(s.flags, s.seq, state.add(s.seq, s.len or 0),
    s.len or 0) }
  if s.flags:find(".", 1, true) then parts[#parts + 1] = "ack " .. s.ack end
  if s.win then parts[#parts + 1] = "win " .. s.win end
  if s.tsecr then parts[#parts + 1] = ("<TS val * ecr %d>"):format(s.tsecr) end
  return table.concat(parts, " ")
end

return M
