-- fuzz.campaign: one worker's fuzzing campaign (issue 11), the Lua side of
-- script_fuzz_run (harness/script/fuzz.h). Batches of programs -- the corpus (the
-- sweep's cases as seeds, then every program that added coverage) mutated from the
-- shard's seed -- run on every target (fuzz.exec), judged by the oracles, steered by
-- coverage; each new signature is confirmed, minimised, re-run alone per target with a
-- pcap, and emitted with its T.test script. JSON lines go to emit (README "Contract").
local core = require "tcpconform.core"
local judge = require "sweep.judge"
local deviations = require "sweep.deviations"
local prefix = require "sweep.prefix"
local json = require "fuzz.json"
local program = require "fuzz.program"
local mutate = require "fuzz.mutate"
local exec = require "fuzz.exec"
local oracles = require "fuzz.oracles"
local coverage = require "fuzz.coverage"
local minimise = require "fuzz.minimise"
local script = require "fuzz.script"

local M = {}

M.defaults = {batch = 512, minimise_rounds = 12, max_findings = 64}

local function descriptor(name, file)
  return require("tcpconform")._descriptor(name, file)
end

local function targets(opts)
  local out = {}
  for i, spec in ipairs(opts.targets or {"linux"}) do
    local base = opts.target_bases and opts.target_bases[i] or spec:match("^[^:]+")
    local d = descriptor(base, opts.descriptor)
    local name = opts.target_names and opts.target_names[i] or spec
    out[i] = exec.target(name, spec, judge.target_knobs(d, spec), d, i)
  end
  return out
end

-- Every target runs the same programs; results[t][i] is program i on target t.
local function run_all(T, progs, opts, hooks)
  local all, trouble = {}, {}
  for t, tg in ipairs(T) do
    local h = hooks and hooks[t]
    all[t], trouble[t] = exec.batch(tg, progs, T[1].knobs, opts, h and h.before, h and h.after)
  end
  return all, trouble
end

local function names_of(T)
  local n = {}
  for i, t in ipairs(T) do n[i] = t.name end
  return n
end

-- The findings of program i over all targets: model and invariants per target, then
-- differential across them.
local function judge_one(T, all, i)
  local out = {}
  for t, tg in ipairs(T) do
    local r = all[t][i]
    for _, f in ipairs{oracles.model(r), oracles.invariants(r)} do
      f.target = tg.name
      f.ti = t
      out[#out + 1] = f
    end
  end
  local rs = {}
  for t in ipairs(T) do rs[t] = all[t][i] end
  local d = oracles.differential(rs, names_of(T))
  if d then
    for t, tg in ipairs(T) do if tg.name == d.target then d.ti = t end end
    out[#out + 1] = d
  end
  for _, f in ipairs(out) do f.signature = oracles.signature(f) end
  return out
end

-- The declared deviation (sweep_deviations of the finding's target) covering f, if
-- any: by its rule, by the program's id as the sweep names cases, or by the state the
-- differing step met and that step.
local function deviation(T, f, p)
  local t = f.ti and T[f.ti]
  if not t then return nil end
  local ids = {program.case_id(p, f.step),
    (f.state or "") .. "/" .. p.start.family .. "/" .. program.step_id(p.steps[f.step])}
  for _, id in ipairs(ids) do
    local k = deviations.find({rule = f.rule or "", id = id}, t.desc)
    if k then return k end
  end
  return nil
end

function M.run(opts, emit)
  local T = targets(opts)
  local t0 = os.time()
  local batch_n = opts.batch or M.defaults.batch
  local rng = mutate.rng(opts.seed or 0, opts.shard_k or 1)
  if opts.corpus_dir and opts.mkdir then opts.mkdir(opts.corpus_dir) end
  local cov = coverage.new(opts.corpus_dir, {listdir = opts.listdir})
  cov:load()
  local states = {}
  if opts.state then
    if not prefix.agent_state(opts.state) then error(("fuzz: unknown state %q"):format(opts.state), 0) end
    states = {opts.state}
  else
    for _, s in ipairs(prefix.states) do states[#states + 1] = s[1] end
  end
  if opts.family and opts.family ~= "inet" and opts.family ~= "inet6" then
    error(("fuzz: family must be \"inet\" or \"inet6\", got %q"):format(opts.family), 0)
  end
  local fams = opts.family and {opts.family} or {"inet", "inet6"}
  local seeds = mutate.seeds(states, fams, T[1].knobs)
  -- The shard's share of the seeds, in an order of its seed.
  local mine = {}
  for i, s in ipairs(seeds) do
    if (i - 1) % (opts.shard_n or 1) == (opts.shard_k or 1) - 1 then mine[#mine + 1] = s end
  end
  for i = #mine, 2, -1 do local j = rng:int(i); mine[i], mine[j] = mine[j], mine[i] end
  local stats = {cases = 0, execs = 0, suppressed = 0, flaky = 0,
    findings = {model = 0, differential = 0, liveness = 0, invariant = 0}}
  local sigs = {}
  local clock0 = nil
  local spent = 0
  -- The campaign's clock: the first target's labs (wall time since each was opened).
  local function now()
    local t = T[1]
    return (t.spent or 0) + (t.lab and t.lab.core:now() or 0)
  end
  local last_stats = -1
  local function put_stats(force)
    local t = now()
    if not force and t - last_stats < 0.5 then return end
    last_stats = t
    emit(json.encode{kind = "stats", t = t, cases = stats.cases, execs = stats.execs,
      corpus = #cov.entries, coverage = cov.n, counters = cov.ncounters,
      findings = stats.findings, suppressed = stats.suppressed})
  end
  local function done()
    if core.interrupted() then return true end
    if opts.max_cases and opts.max_cases > 0 and stats.cases >= opts.max_cases then return true end
    if opts.seconds and opts.seconds > 0 and now() >= opts.seconds then return true end
    return false
  end
  -- Runs progs on every target and says which still give signature sig.
  local function holds_fn(sig)
    return function(progs)
      local all = run_all(T, progs, opts)
      stats.execs = stats.execs + #progs * #T
      local ok = {}
      for i = 1, #progs do
        ok[i] = false
        for _, f in ipairs(judge_one(T, all, i)) do
          if f.signature == sig then ok[i] = f end
        end
      end
      put_stats()
      return ok
    end
  end
  local function report(f, p, res_by_t)
    -- Confirmed (the original still gives it), minimised, re-run with pcaps.
    local holds = holds_fn(f.signature)
    local again = holds({p, p})
    if not (again[1] or again[2]) then stats.flaky = stats.flaky + 1 return end
    local min = minimise.run(p, function(c) local r = holds(c) for i, v in ipairs(r) do r[i] = v and true or false end return r end,
      opts.minimise_rounds or M.defaults.minimise_rounds)
    local pcaps, outputs = {}, {}
    local dir = opts.out_dir and (opts.out_dir .. "/findings/" .. f.signature)
    if dir and opts.mkdir then opts.mkdir(dir) end
    local final = {}
    for t, tg in ipairs(T) do
      local one = exec.target(tg.name, tg.spec, tg.knobs, tg.desc, t)
      one.pcap_dir = dir
      local rs = exec.batch(one, {min}, T[1].knobs, opts)
      final[t] = rs[1]
      local labs = one.labs
      exec.close(one)
      if dir then
        local from = ("%s/sweep-fuzz%d-%d-%d.pcap"):format(dir, t, opts.shard_k or 1, labs)
        local to = ("%s/%s.pcap"):format(dir, (tg.name:gsub("[^%w%.%-_=]", "_")))
        if os.rename(from, to) then pcaps[tg.name] = to end
      end
      local a = oracles.abstract(rs[1])
      outputs[tg.name] = a and table.concat(a, "; ") or tostring(rs[1].error)
    end
    -- The reference: the model's expectation for a model finding, else a target other
    -- than the offender (the first).
    local ref, text
    local off = f.ti or #T
    if f.oracle == "model" and final[off].plan and final[off].plan.expect then
      local e = {}
      local obs = script.observed(final[off], 0.05)
      for i, s in ipairs(obs) do e[i] = s end
      for i, x in ipairs(final[off].plan.expect) do
        local reps = {}
        for _, r in ipairs(x.replies) do
          reps[#reps + 1] = {flags = r.flags, seq = r.seq and final[off].snap.iss ~= 0 and ((r.seq - final[off].snap.iss) % 4294967296) or nil,
            ack = r.ack and ((r.ack - final[off].snap.irs) % 4294967296) or nil, len = r.len}
        end
        e[i] = {replies = reps, state = x.state == "LISTEN" and "CLOSED" or (x.state:gsub("-", "_"):gsub("SYN_RECEIVED", "SYN_RECV")), window = x.window}
      end
      ref = e
    else
      for t in ipairs(T) do
        if t ~= off and not final[t].error and final[t].snap then ref = script.observed(final[t], 0.05) break end
      end
    end
    if ref then
      local ok, s = pcall(script.text, min, ref, T[1].knobs,
        ("fuzz %s %s: %s"):format(f.oracle, f.signature, program.case_id(min)), f.rfc or "")
      text = ok and s or ("-- the test could not be written: " .. tostring(s) .. "\n")
    end
    local tnames = names_of(T)
    stats.findings[f.oracle] = stats.findings[f.oracle] + 1
    emit(json.encode{kind = "finding", signature = f.signature, oracle = f.oracle,
      target = f.target or "", targets = json.array(tnames), state = f.state or "",
      class = f.class or "", reply_class = f.reply_class or "", rule = f.rule or "",
      rfc = f.rfc or "", sentence = f.sentence or "", case = p, minimised = min,
      steps = #min.steps, outputs = outputs, expected = f.expected or "", pcaps = pcaps,
      last_words = f.last_words or "", test = text or "", detail = f.detail or ""})
  end
  local function consider(f, p)
    if sigs[f.signature] then return end
    sigs[f.signature] = true
    local key = deviation(T, f, p)
    if key then
      stats.suppressed = stats.suppressed + 1
      emit(json.encode{kind = "suppressed", signature = f.signature, deviation = key})
      return
    end
    local n = 0
    for _, v in pairs(stats.findings) do n = n + v end
    if n >= M.defaults.max_findings then return end
    report(f, p)
  end
  local counters_before = {}
  local hooks = {}
  for t, tg in ipairs(T) do
    hooks[t] = {before = function(lab)
      if lab.addr.caps:find("sysctl", 1, true) then counters_before[t] = lab.core:counters() end
    end, after = function(lab)
      if counters_before[t] then
        local now_c = lab.core:counters()
        return cov:add_counters(tg.name, counters_before[t], now_c)
      end
    end}
  end
  local pos = 1
  local ok, err = pcall(function()
    while not done() do
      local progs = {}
      while #progs < batch_n do
        if pos <= #mine then
          progs[#progs + 1] = mine[pos]
          pos = pos + 1
        else
          local pool = #cov.entries > 0 and cov.entries or mine
          local base = pool[rng:int(#pool)]
          local other = (rng:chance(0.5) and #cov.entries > 0) and cov.entries[rng:int(#cov.entries)] or mine[rng:int(#mine)]
          progs[#progs + 1] = mutate.mutate(rng, base, other)
        end
      end
      local all, trouble = run_all(T, progs, opts, hooks)
      stats.cases = stats.cases + #progs
      stats.execs = stats.execs + #progs * #T
      for t, why in pairs(trouble) do
        if why then
          local f = {oracle = "liveness", target = T[t].name, ti = t, state = "", class = "",
            reply_class = "", site = tostring(why):gsub("%d+", "N"):sub(1, 120),
            detail = tostring(why), last_words = tostring(why), rule = "", rfc = "", sentence = "", step = 1}
          f.signature = oracles.signature(f)
          -- Which program took the target down: the first of the batch cut short.
          for i, r in ipairs(all[t]) do
            if r.cut then
              if not sigs[f.signature] then
                sigs[f.signature] = true
                stats.findings.liveness = stats.findings.liveness + 1
                emit(json.encode{kind = "finding", signature = f.signature, oracle = "liveness",
                  target = f.target, targets = json.array(names_of(T)), state = progs[i].start.state,
                  class = "", reply_class = "", rule = "", rfc = "", sentence = "",
                  case = progs[i], minimised = progs[i], steps = #progs[i].steps, outputs = {},
                  expected = "", pcaps = {}, last_words = f.last_words, test = "", detail = f.detail})
              end
              break
            end
          end
        end
      end
      for i, p in ipairs(progs) do
        local new = 0
        for t, tg in ipairs(T) do new = new + cov:add_result(tg.name, all[t][i]) end
        if new > 0 then
          local id, path = cov:add(p)
          if id then emit(json.encode{kind = "corpus", id = id, path = path}) end
        end
        for _, f in ipairs(judge_one(T, all, i)) do
          if done() then break end
          consider(f, p)
        end
      end
      put_stats()
    end
  end)
  for _, t in ipairs(T) do exec.close(t) end
  put_stats(true)
  if not ok then error(err, 0) end
  return stats
end

-- The T.test script of one case (script_fuzz_case_script): the model's expectation for
-- its leading segment steps where it judges them; emit(text).
function M.case_script(opts, text, emit)
  local v = json.decode(text)
  local p = v
  if type(v) == "table" and v.minimised then p = v.minimised elseif type(v) == "table" and v.case then p = v.case end
  program.check(p)
  local T = targets(opts)
  local knobs = T[1].knobs
  local snap = require("sweep.emit").internal.snapshot(p.start.state, 0, 0, 65535)
  snap.mss = p.start.family == "inet6" and 1440 or 1460
  local pl = require("fuzz.plan").make(p, snap, knobs, knobs)
  local e = {}
  for i = 1, #p.steps do
    local x = pl.expect and pl.expect[i]
    local reps = {}
    for _, r in ipairs(x and x.replies or {}) do
      reps[#reps + 1] = {flags = r.flags, seq = r.seq and snap.iss ~= 0 and r.seq or nil, ack = r.ack, len = r.len}
    end
    if x then
      e[i] = {replies = reps, state = x.state == "LISTEN" and "CLOSED" or
        (x.state:gsub("-", "_"):gsub("SYN_RECEIVED", "SYN_RECV")), window = x.window}
    end
  end
  emit(script.text(p, e, knobs, "fuzz case " .. program.id(p), ""))
end

return M
