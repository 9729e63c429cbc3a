-- The sweep engine on a real lab (Linux target) with the stand-in cases of
-- tests/sweep_standin/: run by tests/test_sweep_engine.c. Returns a table of facts the C
-- test checks. N (global) cases in all: the stand-ins repeated over every state and both
-- families; with TROUBLE, then a run whose agent quits half-way.
local engine = require "sweep.engine"
local prefix = require "sweep.prefix"
local cases_m = require "standin_cases"
local judge = require "standin_judge"
local mat = require "standin_materialize"

local list = {}
while #list < N do
  for _, s in ipairs(prefix.states) do
    for _, fam in ipairs{"inet", "inet6"} do
      for _, c in ipairs(cases_m.enumerate{state = s[1], family = fam}) do
        if #list < N then
          local copy = {}
          for k, v in pairs(c) do copy[k] = v end
          copy.id = c.id .. "#" .. #list
          list[#list + 1] = copy
        end
      end
    end
  end
end
-- One case whose expected reply never comes (its window runs out) and one whose state
-- no prefix reaches (an error of that case only).
judge.expire[list[5].id] = true
list[#list + 1] = {id = "NOWHERE/inet/ACK", state = "NOWHERE", family = "inet", class = "ACK",
  group = "NOWHERE ACK", steps = {{flags = "A", seq = {"rcv_nxt", 0}, len = 0}}}

local facts = {lines = 0, agree = 0, differs = 0, error = 0, by_id = {}, errors = {}}
local t0 = os.clock()
local emitted, labs = engine.run({target = "linux", cases = list, recycle = RECYCLE,
  batch = BATCH, in_flight = IN_FLIGHT, seed = 1}, function(line)
  facts.lines = facts.lines + 1
  local id = line:match('"id":"([^"]*)"')
  local verdict = line:match('"verdict":"([^"]*)"')
  local t = tonumber(line:match('"t":([%d%.e%-]+)'))
  facts[verdict] = (facts[verdict] or 0) + 1
  facts.by_id[id] = {verdict = verdict, t = t, line = line}
  if verdict == "error" and #facts.errors < 5 then facts.errors[#facts.errors + 1] = line end
end, {cases = cases_m, judge = judge, materialize = mat})
facts.cpu = os.clock() - t0
local st = engine.stats
print(("# cpu %.2f s; per case: prefix %.3f confirm %.3f steps %.3f cleanup %.3f s; %d pumps, %d resumes")
  :format(facts.cpu, st.prefix / #list, st.confirm / #list, st.steps / #list, st.cleanup / #list,
    st.pumps, st.resumes))
facts.emitted, facts.labs, facts.total = emitted, labs, #list
facts.expired = facts.by_id[list[5].id]
-- Every line carries the contract's fields (lua/sweep/README.md).
facts.missing = {}
for _, rec in pairs(facts.by_id) do
  for _, k in ipairs{"id", "state", "family", "class", "group", "target", "verdict", "expected",
      "seen", "rule", "rfc", "sentence", "detail", "pcap", "t"} do
    if not rec.line:find('"' .. k .. '":', 1, true) then facts.missing[#facts.missing + 1] = k end
  end
end
facts.missing = table.concat(facts.missing, ",")
-- Shards: disjoint, together the whole list, in its order; max_cases caps a shard.
local n_all = #engine.select({}, {cases = cases_m, judge = judge, materialize = mat})
local seen, shards_ok = {}, true
for k = 1, 3 do
  for _, c in ipairs(engine.select({shard_k = k, shard_n = 3}, {cases = cases_m})) do
    if seen[c.id] then shards_ok = false end
    seen[c.id] = true
  end
end
local count = 0
for _ in pairs(seen) do count = count + 1 end
facts.shards_ok = shards_ok and count == n_all and n_all == 3 * 14 * 2
facts.capped = #engine.select({shard_k = 1, shard_n = 2, max_cases = 5}, {cases = cases_m}) == 5
facts.nowhere = facts.by_id["NOWHERE/inet/ACK"]
-- A target that misbehaves: its agent quits under the 20th prefix. The cases in flight
-- then fail with their lab, which is recycled; the rest run on a fresh one, and the
-- failed ones again in a retry pass, where (the agent no longer quits) they pass.
if not TROUBLE then return facts end
local reach, calls = prefix.reach, 0
prefix.reach = function(lab, ...)
  calls = calls + 1
  if calls == 20 then lab.core:call_async("quit") end
  return reach(lab, ...)
end
local small = {}
for i = 1, 60 do small[i] = list[i] end
local t = {lines = 0, error = 0, agree = 0}
local retried0 = engine.stats.retried or 0
local _, tlabs = engine.run({target = "linux", cases = small, recycle = 1000, in_flight = 8,
  seed = 2}, function(line)
  t.lines = t.lines + 1
  local v = line:match('"verdict":"([^"]*)"')
  t[v] = (t[v] or 0) + 1
end, {cases = cases_m, judge = judge, materialize = mat})
prefix.reach = reach
t.labs = tlabs
t.retried = (engine.stats.retried or 0) - retried0
facts.trouble = t
-- The time budget: half a second of 8 cases at a time stops well short of the list,
-- and every case started is finished and emitted.
local budget = engine.run({target = "linux", cases = list, in_flight = 8, seconds = 0.5,
  seed = 3}, function() end, {cases = cases_m, judge = judge, materialize = mat})
facts.budget = budget
return facts
