-- A stand-in for sweep.materialize (S2's): an edge name of the snapshot plus an offset,
-- or {"raw", n}, to absolute numbers.
local M = {}
local U32 = 4294967296

local function num(v, snap)
  if v == nil then return nil end
  if v[1] == "raw" then return v[2] % U32 end
  return ((snap[v[1]] or 0) + (v[2] or 0)) % U32
end

function M.segment(spec, snap)
  return {flags = spec.flags, seq = num(spec.seq, snap), ack = num(spec.ack, snap),
    win = spec.win or 65535, len = spec.len == "mss" and snap.mss or (spec.len or 0),
    opts = spec.opts}
end

return M
