-- fuzz.liveness: a lab's trouble turned into a finding (lua/fuzz/README.md "Liveness
-- and declared deviations"): the cases in flight on the lab when it failed are bisected
-- on fresh labs down to the one that takes a lab down by itself, which is confirmed
-- alone, minimised (each candidate alone on a fresh lab) and reported with the target's
-- last words. One finding per target and crash site. C is the campaign's context
-- (campaign.lua: targets, options, stats, signatures seen, emit, clock, alone, report).
local core = require "tcpconform.core"
local json = require "fuzz.json"
local program = require "fuzz.program"
local oracles = require "fuzz.oracles"
local exec = require "fuzz.exec"
local minimise = require "fuzz.minimise"

local M = {}

function M.handle(C, t, tr)
  local T, opts, stats, sigs, emit, D = C.T, C.opts, C.stats, C.sigs, C.emit, C.defaults
  local put_stats, now, alone, report, pcap_name, deviation =
    C.put_stats, C.now, C.alone, C.report, C.pcap_name, C.deviation
  local why = tostring(tr.why)
  if why:match("^interrupted") or core.interrupted() then return end
  -- A crash already reported (same target, same site) is not hunted again.
  local sig0 = oracles.signature{oracle = "liveness", target = T[t].name, site = oracles.site(why)}
  if sigs[sig0] then stats.repeated_trouble = (stats.repeated_trouble or 0) + 1 return end
  local seen_ids, sus = {}, {}
  for _, p in ipairs(tr.suspects or {}) do
    local id = program.id(p)
    if not seen_ids[id] and #sus < D.liveness_suspects then seen_ids[id] = true; sus[#sus + 1] = p end
  end
  -- The culprit: the suspects bisected on fresh labs (a half that takes the lab down
  -- holds it), then the one left run alone; bounded in runs and seconds.
  local runs, t_end = 0, now() + D.liveness_seconds
  local function together(list)
    runs = runs + 1
    local tg = T[t]
    local one = exec.target(tg.name, tg.spec, tg.knobs, tg.desc, t)
    local ok, _, trouble = pcall(exec.batch, one, list, T[1].knobs, opts, nil, nil, true)
    if not ok then
      if core.interrupted() then error(_, 0) end
      stats.lab_errors = (stats.lab_errors or 0) + 1
      trouble = nil
    end
    exec.close(one)
    stats.execs = stats.execs + #list
    put_stats()
    return trouble
  end
  local culprit, words
  local list = sus
  while #list > 1 and runs < D.liveness_runs and now() < t_end do
    local h = #list // 2
    local A, B = table.move(list, 1, h, 1, {}), table.move(list, h + 1, #list, 1, {})
    if together(A) then list = A
    elseif together(B) then list = B
    else list = {} end
  end
  if #list == 1 and runs < D.liveness_runs + 2 then
    local _, trouble = alone(t, list[1])
    runs = runs + 1
    if trouble then culprit, words = list[1], tostring(trouble) end
  end
  -- No suspect takes a fresh lab down by itself (an interaction, load, or the bounds ran
  -- out): no finding, counted (issue 11's linux,lwip campaign stopped here on a nil).
  if not culprit then
    stats.liveness_unconfirmed = (stats.liveness_unconfirmed or 0) + 1
    return
  end
  local site = oracles.site
  local f = {oracle = "liveness", target = T[t].name, ti = t, state = culprit.start.state,
    class = program.event_class(culprit.steps[#culprit.steps]), reply_class = "",
    site = site(words), detail = ("the lab failed (%s); of the %d case(s) in flight this one takes a fresh lab down by itself (%d re-runs)"):format(why, #sus, runs),
    last_words = words, rule = "", rfc = "", sentence = "", step = #culprit.steps}
  f.signature = oracles.signature(f)
  if sigs[f.signature] then return end
  sigs[f.signature] = true
  -- A declared deviation covering the culprit (its case id, as the sweep names cases)
  -- suppresses the finding; the crash is still counted (suppressed).
  local key = deviation(T, f, culprit)
  if key then
    stats.suppressed = stats.suppressed + 1
    emit(json.encode{kind = "suppressed", signature = f.signature, deviation = key})
    return
  end
  local want = site(words)
  local t_end = now() + D.liveness_seconds
  local min = minimise.run(culprit, function(cands)
    local out = {}
    for i, c in ipairs(cands) do
      out[i] = false
      if now() < t_end then
        local _, trouble = alone(t, c)
        out[i] = trouble ~= nil and site(trouble) == want
      end
    end
    put_stats()
    return out
  end, opts.minimise_rounds or D.minimise_rounds)
  local dir = opts.out_dir and (opts.out_dir .. "/findings/" .. f.signature)
  if dir and opts.mkdir then opts.mkdir(dir) end
  local final, pcaps = {}, {}
  for u, tg in ipairs(T) do
    local r, trouble, labs = alone(u, min, dir)
    final[u] = r
    if u == t and trouble then f.last_words = tostring(trouble) end
    if dir then
      local from = ("%s/sweep-fuzz%d-%d-%d.pcap"):format(dir, u, opts.shard_k or 1, labs)
      local to = ("%s/%s.pcap"):format(dir, pcap_name(tg.name))
      if os.rename(from, to) then pcaps[tg.name] = to end
    end
  end
  report(f, culprit, min, final, pcaps)
end

return M
