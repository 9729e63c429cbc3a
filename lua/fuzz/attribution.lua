-- fuzz.attribution: the Linux counters (lab:counters) of a window of cases, and a
-- counter that moved for the first time attributed to the one case that moves it by
-- bisecting the window's cases on the same lab without a canary (lua/fuzz/README.md
-- "Counters"). Bounded per window in re-runs and seconds (the campaign bounds its share
-- of the time). C is the campaign's context (campaign.lua).
local json = require "fuzz.json"
local exec = require "fuzz.exec"

local M = {}

function M.window(C, t, lab, completed, inflight)
  local T, cov, attrib = C.T, C.cov, C.attrib
  if not lab.addr.caps:find("sysctl", 1, true) then return end
  local c = lab.core:counters()
  local last = lab.fuzz_counters
  lab.fuzz_counters = c
  if not last then return end
  local moved = cov:add_counters(T[t].name, last, c)
  if #moved > 0 then
    local sus = {}
    for _, p in ipairs(completed) do sus[#sus + 1] = p end
    for _, p in ipairs(inflight) do sus[#sus + 1] = p end
    attrib[#attrib + 1] = {t = t, names = moved, suspects = sus}
  end
end

-- Which of names progs move when they run by themselves on target t's lab (no canary).
local function moved_by(C, t, progs, names)
  local T, opts, stats, put_stats = C.T, C.opts, C.stats, C.put_stats
  local before, got = nil, {}
  exec.batch(T[t], progs, T[1].knobs, opts, function(lab) before = lab.core:counters() end,
    function(lab)
      local after = lab.core:counters()
      for _, n in ipairs(names) do
        if before and after[n] and before[n] and after[n] ~= before[n] then got[#got + 1] = n end
      end
    end, true)
  stats.execs = stats.execs + #progs
  put_stats()
  return got
end
-- Bisection of the window's cases down to the one that moves a counter: bounded in
-- re-runs and time; a counter that needs two cases together is left to no case.
function M.attribute(C, a)
  local T, cov, stats, emit, now, D = C.T, C.cov, C.stats, C.emit, C.now, C.defaults
  local runs, t_end = 0, now() + D.attribution_seconds
  local left = a.names
  local function bisect(list, names)
    if runs >= D.attribution_runs or now() >= t_end then return nil end
    if #list == 1 then
      runs = runs + 1
      local m = moved_by(C, a.t, list, names)
      if #m > 0 then return list[1], m end
      return nil
    end
    local h = #list // 2
    local A, B = table.move(list, 1, h, 1, {}), table.move(list, h + 1, #list, 1, {})
    runs = runs + 1
    local m = moved_by(C, a.t, A, names)
    if #m > 0 then return bisect(A, m) end
    runs = runs + 1
    m = moved_by(C, a.t, B, names)
    if #m > 0 then return bisect(B, m) end
    return nil
  end
  local list = {}
  for i = 1, math.min(#a.suspects, 1024) do list[i] = a.suspects[i] end
  while #left > 0 and #list > 0 do
    local p, m = bisect(list, left)
    if not p then break end
    stats.attributed = (stats.attributed or 0) + #m
    local id, path = cov:add(p)
    if id then emit(json.encode{kind = "corpus", id = id, path = path, counters = json.array(m)}) end
    local rest = {}
    local got = {}
    for _, n in ipairs(m) do got[n] = true end
    for _, n in ipairs(left) do if not got[n] then rest[#rest + 1] = n end end
    left = rest
  end
end

return M
