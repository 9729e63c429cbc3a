-- fuzz.minimise: delta debugging of a finding's program (issue 11 item 5): steps first
-- (every deletion of a chunk, halves down to single steps), then fields toward their
-- defaults (options, IP fields, window, urgent pointer, payload, offsets to 0). A
-- candidate is kept only when `holds` says it still gives the same signature; each
-- round's candidates are tested together (one batch on the labs), the first that holds
-- wins. Bounded by `rounds`. Pure Lua: holds(list of programs) -> list of booleans.
local program = require "fuzz.program"

local M = {}

local function without(p, i, n)
  local q = program.copy(p)
  for _ = 1, n do table.remove(q.steps, i) end
  return q
end

-- Deletions of chunks of n steps, n from half the steps down to 1.
function M.step_candidates(p)
  local out, k = {}, #p.steps
  local n = k // 2
  while n >= 1 do
    for i = 1, k - n + 1, n do
      if k - n >= 1 then out[#out + 1] = without(p, i, n) end
    end
    n = n // 2
  end
  return out
end

local SIMPLER = {
  function(s) if s.opts then s.opts = nil return true end end,
  function(s) if s.ip then s.ip = nil return true end end,
  function(s) if s.win then s.win = nil return true end end,
  function(s) if s.up then s.up = nil; s.flags = s.flags:gsub("U", "") return true end end,
  function(s) if s.data then s.data = nil return true end end,
  function(s) if s.len then s.len = nil return true end end,
  function(s) if s.flags:find("P", 1, true) then s.flags = s.flags:gsub("P", "") return true end end,
  function(s) if s.seq[1] ~= "raw" and (s.seq[2] or 0) ~= 0 then s.seq = {s.seq[1], 0} return true end end,
  function(s) if s.ack and s.ack[1] ~= "raw" and (s.ack[2] or 0) ~= 0 then s.ack = {s.ack[1], 0} return true end end,
}

-- Each field of each seg step one step toward its default.
function M.field_candidates(p)
  local out = {}
  for i, st in ipairs(p.steps) do
    if st.seg then
      for _, f in ipairs(SIMPLER) do
        local q = program.copy(p)
        if f(q.steps[i].seg) and pcall(program.check, q) then out[#out + 1] = q end
      end
    end
  end
  return out
end

-- The minimised program of p: repeatedly the first candidate that holds, steps before
-- fields, at most `rounds` rounds. Returns it and the number of rounds run.
function M.run(p, holds, rounds)
  rounds = rounds or 12
  local cur, r = p, 0
  for _, gen in ipairs{M.step_candidates, M.field_candidates} do
    while r < rounds do
      local cands = gen(cur)
      if #cands == 0 then break end
      r = r + 1
      local ok = holds(cands)
      local found
      for i, c in ipairs(cands) do if ok[i] then found = c break end end
      if not found then break end
      cur = found
    end
  end
  return cur, r
end

return M
