-- fuzz.campaign: one worker's fuzzing campaign (issue 11), the Lua side of
-- script_fuzz_run (harness/script/fuzz.h). A stream of programs -- the sweep's cases as
-- seeds, then the corpus (every program that added coverage) mutated from the shard's
-- seed -- runs on every target at once (fuzz.exec), judged by the oracles, steered by
-- coverage. Between streams: each new signature is confirmed, minimised, re-run alone
-- per target with a pcap and emitted with its T.test script, verified, within a share of
-- the time (fuzz.backlog; what is left at the end is emitted unprocessed); a lab's trouble
-- becomes a liveness finding (fuzz.liveness); counters a window moved for the first time
-- are attributed to one case (fuzz.attribution). JSON lines go to emit (README
-- "Contract").
local core = require "tcpconform.core"
local judge = require "sweep.judge"
local declared = require "fuzz.declared"
local attribution = require "fuzz.attribution"
local prefix = require "sweep.prefix"
local json = require "fuzz.json"
local program = require "fuzz.program"
local mutate = require "fuzz.mutate"
local exec = require "fuzz.exec"
local oracles = require "fuzz.oracles"
local coverage = require "fuzz.coverage"
local minimise = require "fuzz.minimise"
local script = require "fuzz.script"
local backlog = require "fuzz.backlog"

local M = {}

-- Distinct case errors told per worker (kind "case_error"); all are counted.
M.MAX_CASE_ERRORS = 16


M.defaults = {minimise_rounds = 12, max_examples = 5,
  -- Processing new findings (confirmation, minimisation, pcaps, the test's verification:
  -- ~4.5 s each) takes at most this share of the campaign's time so far; the signatures
  -- it cannot reach are still reported, unprocessed (fuzz.backlog). Issue 11's rounds 1
  -- and 2 stopped at a cap of 64 findings and could not say how many there were.
  findings_share = 0.25,
  -- Seconds past the budget (or past the start of the drain, with --cases) in which the
  -- findings still waiting are at least confirmed (run twice more; one that does not
  -- reproduce is flaky, not reported). The parent kills a worker 10 s past its budget.
  confirm_grace = 3,
  -- Liveness: suspects considered, re-runs of the bisection, seconds for it and again
  -- for the minimisation.
  liveness_suspects = 1024, liveness_runs = 24, liveness_seconds = 30,
  -- Counter attribution: re-runs and seconds per window of cases, and the share of the
  -- campaign's time so far it may take. Its bisection waits on its labs (each re-run is a
  -- batch as long as its slowest case) while the stream waits for it; early on nearly every
  -- window moves a counter for the first time, and a counter the clock moves (a timer's,
  -- not a case's) bisects to nothing: at a quarter, 60 s Linux campaigns attributed 0-7
  -- counters for 13-15 s of each worker's time (issue 11's bench).
  attribution_runs = 16, attribution_seconds = 3, attribution_share = 0.1}

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

-- The findings of one program over all targets (rs[t]: its result on target t): model
-- and invariants per target, then differential across them.
local function judge_one(T, rs)
  local out = {}
  for t, tg in ipairs(T) do
    local r = rs[t]
    for _, f in ipairs{oracles.model(r), oracles.invariants(r)} do
      f.target = tg.name
      f.ti = t
      out[#out + 1] = f
    end
  end
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
local attr_ok
local dev_memo = setmetatable({}, {__mode = "k"})
local function deviation(T, f, p, pl)
  local t = f.ti and T[f.ti]
  if not t then return nil end
  local memo = dev_memo[t.desc or T] or {}
  dev_memo[t.desc or T] = memo
  local mk = (f.rule or "") .. "\0" .. program.id(p) .. "\0" .. (f.state or "") .. "\0" .. tostring(f.step) .. "\0" .. (f.seen or "")
  if memo[mk] ~= nil then return memo[mk] or nil end
  local k = declared.find(t, f, p, pl)
  memo[mk] = k or false
  return k
end

function M.run(opts, emit)
  local T = targets(opts)
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
  -- A differential finding's variants: the event classes that showed the same
  -- difference (oracles.signature), counted; the first few as examples.
  local variants, reported = {}, {}
  -- The signatures OUT/findings held when the campaign started (opts.known, the store's
  -- list: harness/fuzz/fuzz_store.c): the store keeps their earlier files whatever this
  -- run reports, so they are not processed again (confirmation, minimisation, pcaps and
  -- verification would take the findings' share for nothing); each is emitted once as
  -- found, `known` true, so the campaign still says it saw it, and counted (stats
  -- `known`). In sigs from the start: a known crash is not hunted again (fuzz.liveness).
  local known_at_start = {}
  for _, sig in ipairs(opts.known or {}) do known_at_start[sig] = true; sigs[sig] = true end
  local spent = 0
  -- The campaign's clock: the first target's labs (wall time since each was opened).
  local clock0 = opts.clock and opts.clock()
  local function now()
    if clock0 then return opts.clock() - clock0 end
    local t = T[1]
    return (t.spent or 0) + (t.lab and t.lab.core:now() or 0)
  end
  local last_stats = -1
  local error_texts = {n = 0}
  local stream_t0 = nil   -- when the stream under way started (stats' "streaming")
  local function put_stats(force)
    local t = now()
    if not force and t - last_stats < 0.5 then return end
    last_stats = t
    emit(json.encode{kind = "stats", t = t, cases = stats.cases, execs = stats.execs,
      corpus = #cov.entries, coverage = cov.n, counters = cov.ncounters,
      findings = stats.findings, suppressed = stats.suppressed,
      attributed = stats.attributed or 0, unprocessed = stats.unprocessed or 0, known = stats.known or 0,
      case_errors = stats.case_errors or 0,
      waiting = stats.waiting or 0,
      streaming = (stats.t_stream or 0) + (stream_t0 and now() - stream_t0 or 0)})
  end
  -- Out of time (or stopped): no more work of any kind. done(): also no more programs,
  -- --cases counting the programs handed out (the stream has up to its width in flight,
  -- so counting the finished ones let `--cases 200` run 512); the findings and counters
  -- those programs raised are still handled.
  local issued = 0
  local function out_of_time()
    if core.interrupted() then return true end
    return opts.seconds and opts.seconds > 0 and now() >= opts.seconds or false
  end
  local function cases_spent()
    return opts.max_cases and opts.max_cases > 0 and issued >= opts.max_cases or false
  end
  local function done() return out_of_time() or cases_spent() end
  -- Runs progs on every target (batches, one after the other) and says which still give
  -- signature sig.
  local function holds_fn(sig)
    return function(progs)
      local all = run_all(T, progs, opts)
      stats.execs = stats.execs + #progs * #T
      local ok = {}
      for i = 1, #progs do
        ok[i] = false
        local rs = {}
        for t in ipairs(T) do rs[t] = all[t][i] end
        for _, f in ipairs(judge_one(T, rs)) do
          if f.signature == sig then ok[i] = f end
        end
      end
      put_stats()
      return ok
    end
  end
  -- p alone on a fresh lab of target t: its result and the lab's trouble (nil if none).
  local function alone(t, p, pcap_dir)
    local tg = T[t]
    local one = exec.target(tg.name, tg.spec, tg.knobs, tg.desc, t)
    one.pcap_dir = pcap_dir
    -- A fresh lab that cannot be set up (the machine under load) is no finding: the run
    -- counts as one without result, the campaign goes on.
    local ok, rs, trouble = pcall(exec.batch, one, {p}, T[1].knobs, opts)
    if not ok then
      if core.interrupted() then error(rs, 0) end
      stats.lab_errors = (stats.lab_errors or 0) + 1
      rs, trouble = {{program = p, steps = {}, error = tostring(rs)}}, nil
    end
    local labs = one.labs
    exec.close(one)
    stats.execs = stats.execs + 1
    put_stats()
    return rs[1], trouble, labs
  end
  local function pcap_name(name) return (name:gsub("[^%w%.%-_=]", "_")) end
  -- The expectation of a T.test where no target can serve as reference: the model's, on
  -- the steps it judges (as case_script writes it).
  local function model_ref(r)
    if not (r and r.plan and r.plan.expect and r.snap) then return nil end
    -- The judged steps the model's, the steps after them as observed: each built once.
    local n = #r.plan.expect
    local e = script.observed(r, 0.05, n + 1)
    for i = 1, n do
      local x = r.plan.expect[i]
      local reps = script.expected(x, r.snap, r.program)
      e[i] = {replies = reps, state = x.state == "LISTEN" and "CLOSED" or (x.state:gsub("-", "_"):gsub("SYN_RECEIVED", "SYN_RECV")), window = x.window}
    end
    return e
  end
  -- The emitted test, run the way `tcpconform run` runs it, on a fresh lab per target
  -- (fuzz.script.verified says what it must do).
  local function verify(text, off, at)
    if not opts.verify or not text or text == "" or text:match("^%-%- the test could not") then
      return false, {}
    end
    local runs, per = {}, {}
    for t, tg in ipairs(T) do
      put_stats()
      local ok, v, msg = pcall(opts.verify, text, tg.spec, opts.descriptor, opts.seed or 1)
      put_stats()
      if not ok then v, msg = "ERROR", tostring(v) end
      runs[t] = {verdict = v, message = msg or ""}
      per[tg.name] = runs[t]
    end
    return script.verified(text, runs, off, at), per
  end
  local put_variants
  -- A finding emitted: processed (min minimised, final each target's run of it alone,
  -- pcaps) or, with unprocessed, as found (min = p, final its results in the stream, no
  -- pcaps, the test not verified).
  local function report(f, p, min, final, pcaps, unprocessed, confirmed, at, known)
    -- The step of min that raised the finding: the caller's (the minimised program's
    -- own run), a crash's last step (fuzz.liveness minimises toward the step that takes
    -- the lab down), else the finding's step as found.
    if at == nil then at = (f.oracle == "liveness" and #min.steps) or f.step end
    local outputs = {}
    for t, tg in ipairs(T) do
      local a = final[t] and oracles.abstract(final[t])
      outputs[tg.name] = a and table.concat(a, "; ") or tostring(final[t] and final[t].error)
    end
    -- The reference: the model's expectation for a model or liveness finding, else a
    -- target other than the offender (the first).
    local ref, text
    local off = f.ti or #T
    if f.oracle == "model" or f.oracle == "liveness" then ref = model_ref(final[off]) end
    if not ref then
      for t in ipairs(T) do
        if t ~= off and final[t] and not final[t].error and final[t].snap then ref = script.observed(final[t], 0.05) break end
      end
    end
    if not ref and f.oracle == "liveness" then
      -- The crash cut the run short: the model's expectation of the minimised program.
      local ok, s = pcall(M.case_script, opts, program.encode(min), function(s) text = s end)
      if not ok then text = "-- the test could not be written: " .. tostring(s) .. "\n" end
    end
    if ref then
      local ok, s = pcall(script.text, min, ref, T[1].knobs,
        ("fuzz %s %s: %s"):format(f.oracle, f.signature, program.case_id(min)), f.rfc or "")
      text = ok and s or ("-- the test could not be written: " .. tostring(s) .. "\n")
    end
    local verified, per = false, {}
    if not unprocessed then verified, per = verify(text, f.ti, at) end
    local v = variants[f.signature]
    local tnames = names_of(T)
    if not known then stats.findings[f.oracle] = stats.findings[f.oracle] + 1 end
    emit(json.encode{kind = "finding", known = known or nil, signature = f.signature, oracle = f.oracle,
      target = f.target or "", targets = json.array(tnames), state = f.state or "",
      class = f.class or "", reply_class = f.reply_class or "", rule = f.rule or "",
      rfc = f.rfc or "", sentence = f.sentence or "", case = p, minimised = min,
      steps = #min.steps, outputs = outputs, expected = f.expected or "", pcaps = pcaps,
      last_words = f.last_words or "", test = text or "", detail = f.detail or "",
      test_verified = verified, test_results = per, step = at or nil, processed = not unprocessed,
      confirmed = not unprocessed or confirmed == true,
      variants = v and v.n or 1, examples = json.array(v and v.examples or {})})
    if v then v.written = v.n end
  end
  -- Variants seen after a finding was reported: OUT/findings/<sig>/variants.json
  -- ({"variants": n, "examples": [...]}), written to a temporary name and renamed.
  put_variants = function()
    for sig, dir in pairs(reported) do
      local v = variants[sig]
      if v and v.n > v.written and dir ~= "" then
        local path = dir .. "/variants.json"
        local h = io.open(path .. ".tmp", "w")
        if h then
          h:write(json.encode{signature = sig, variants = v.n, examples = json.array(v.examples)}, "\n")
          h:close()
          os.rename(path .. ".tmp", path)
          v.written = v.n
        end
      end
    end
  end
  -- A finding of the judging oracles: confirmed (the original still gives it),
  -- minimised, re-run alone per target with a pcap, reported.
  local function confirm_and_report(f, p)
    local dir = opts.out_dir and (opts.out_dir .. "/findings/" .. f.signature)
    -- Another worker of this campaign reported it meanwhile (its signature was new to
    -- this one): not confirmed, minimised and re-run again, its pcaps not overwritten.
    if dir then
      local h = io.open(dir .. "/finding.json", "r")
      if h then h:close(); stats.elsewhere = (stats.elsewhere or 0) + 1 return end
    end
    local holds = holds_fn(f.signature)
    local again = holds({p, p})
    if not (again[1] or again[2]) then stats.flaky = stats.flaky + 1 return end
    local min = minimise.run(p, function(c) local r = holds(c) for i, v in ipairs(r) do r[i] = v and true or false end return r end,
      opts.minimise_rounds or M.defaults.minimise_rounds)
    if dir and opts.mkdir then opts.mkdir(dir) end
    local final, pcaps, mine = {}, {}, {}
    for t, tg in ipairs(T) do
      local r, _, labs = alone(t, min, dir)
      final[t] = r
      if dir then
        -- The working name is the worker's own (its shard); the final one is kept by
        -- whoever got there first (two workers racing on one new signature), and each
        -- racer's finding names it: the one whose finding.json lands first must not
        -- be the one that lists no pcaps (seen with --jobs 2 in selftest_fuzz_render).
        local from = ("%s/sweep-fuzz%d-%d-%d.pcap"):format(dir, t, opts.shard_k or 1, labs)
        local to = ("%s/%s.pcap"):format(dir, pcap_name(tg.name))
        local there = io.open(to, "r")
        if there then there:close(); os.remove(from); pcaps[tg.name] = to
        elseif os.rename(from, to) then pcaps[tg.name], mine[tg.name] = to, to end
      end
    end
    -- A declared deviation may name the minimised case where it did not name the case
    -- as found (its keys are the sweep's case ids, which a longer program's prefix of
    -- steps hides: issue 11's third Linux round, a retransmitted SYN after a step the
    -- minimiser removed): suppressed then, not reported.
    local ok, again = pcall(judge_one, T, final)
    local at = false   -- the step of min that gives the signature (false: none did alone)
    for _, g in ipairs(ok and again or {}) do
      if g.signature == f.signature and not at then at = g.step end
      local key = g.signature == f.signature and deviation(T, g, min, final[g.ti] and final[g.ti].plan)
      if key then
        stats.suppressed = stats.suppressed + 1
        emit(json.encode{kind = "suppressed", signature = f.signature, deviation = key})
        -- no half finding left in OUT (a folder without finding.json): its pcaps go
        for _, path in pairs(mine) do os.remove(path) end
        if dir then os.remove(dir) end
        return
      end
    end
    report(f, p, min, final, pcaps, nil, nil, at)
    reported[f.signature] = dir or ""
  end
  -- Dedup and deviations, at once; the rest waits in the backlog (processed between
  -- streams, within the findings' share of the time), with the results that raised it.
  local waiting = backlog.new(opts.findings_share or M.defaults.findings_share)
  local function consider(f, p, rs)
    if f.oracle == "differential" then
      local v = variants[f.signature]
      if not v then v = {n = 0, seen = {}, examples = {}, written = 0}; variants[f.signature] = v end
      if not v.seen[f.class] then
        v.seen[f.class] = true
        v.n = v.n + 1
        if #v.examples < M.defaults.max_examples then
          v.examples[#v.examples + 1] = {class = f.class, case = program.case_id(p)}
        end
      end
    end
    if known_at_start[f.signature] == true then
      known_at_start[f.signature] = "seen"
      stats.known = (stats.known or 0) + 1
      report(f, p, p, rs, {}, true, false, nil, true)
      return
    end
    if sigs[f.signature] then return end
    sigs[f.signature] = true
    local key = deviation(T, f, p, rs and f.ti and rs[f.ti] and rs[f.ti].plan)
    if key then
      stats.suppressed = stats.suppressed + 1
      emit(json.encode{kind = "suppressed", signature = f.signature, deviation = key})
      return
    end
    waiting:add{f = f, p = p, rs = rs}
    stats.waiting = waiting:count()
  end
  -- What the backlog still holds at the end: reported as found, each once; with confirm
  -- (the labs still open) each is first run twice more while the grace lasts, and one
  -- that does not reproduce is flaky, not reported (issue 11 round 4: a SYN,ACK
  -- retransmitted by the 1 s timer under load, found in the last second).
  local function report_unprocessed(confirm)
    local grace = opts.confirm_grace or M.defaults.confirm_grace
    local until_t = (opts.seconds and opts.seconds > 0 and opts.seconds or now()) + grace
    local function one(w)
      local dir = opts.out_dir and (opts.out_dir .. "/findings/" .. w.f.signature)
      local h = dir and io.open(dir .. "/finding.json", "r")
      if h then h:close(); stats.elsewhere = (stats.elsewhere or 0) + 1 return end
      local confirmed = false
      if confirm and not core.interrupted() and now() < until_t then
        local ok, again = pcall(holds_fn(w.f.signature), {w.p, w.p})
        if ok and not (again[1] or again[2]) then stats.flaky = stats.flaky + 1 return end
        confirmed = ok
      end
      stats.unprocessed = (stats.unprocessed or 0) + 1
      report(w.f, w.p, w.p, w.rs, {}, true, confirmed)
      reported[w.f.signature] = dir or ""
    end
    for _, w in ipairs(waiting:drain()) do one(w) end
    stats.waiting = 0
  end

  local C = {T = T, opts = opts, stats = stats, sigs = sigs, emit = emit, cov = cov,
    put_stats = put_stats, now = now, alone = alone, report = report, pcap_name = pcap_name,
    deviation = deviation, defaults = M.defaults}
  local function liveness(t, tr) return require("fuzz.liveness").handle(C, t, tr) end

  -- ---- counters: a window's never-moved counters, attributed to one case each ----
  local attrib = {}
  -- Attribution takes at most attribution_share of the campaign's time so far: early on nearly
  -- every window moves a counter for the first time; windows over budget leave theirs
  -- counted (seen) but attributed to no case.
  stats.t_attr = 0
  attr_ok = function() return stats.t_attr <= M.defaults.attribution_share * now() end
  C.attrib = attrib
  local function window(t, lab, completed, inflight) attribution.window(C, t, lab, completed, inflight) end
  local function attribute(a) attribution.attribute(C, a) end

  exec.tick = put_stats
  local pos = 1
  local function next_prog()
    if cases_spent() then return nil end
    issued = issued + 1
    if pos <= #mine then
      pos = pos + 1
      return mine[pos - 1]
    end
    local pool = #cov.entries > 0 and cov.entries or mine
    local base = pool[rng:int(#pool)]
    local other = (rng:chance(0.5) and #cov.entries > 0) and cov.entries[rng:int(#cov.entries)] or mine[rng:int(#mine)]
    return mutate.mutate(rng, base, other)
  end
  local src = {
    next = next_prog,
    stop = function() return waiting:ready(now()) or (#attrib > 0 and attr_ok()) or done() end,
    tick = function() put_stats() end,
    window = window,
    done = function(p, rs, e)
      stats.cases = stats.cases + 1
      stats.execs = stats.execs + #T
      if e.cut then return end
      -- A case that raised on a lab that had no trouble (a frame the link refused, an
      -- agent call's error) is no evidence of the stack: counted, and each distinct text
      -- (numbers elided) told once, up to MAX_CASE_ERRORS, so a harness fault shows.
      for t, tg in ipairs(T) do
        local err = rs[t].error
        if err then
          stats.case_errors = (stats.case_errors or 0) + 1
          local text = tostring(err):gsub("%d+", "N")
          if not error_texts[text] and error_texts.n < M.MAX_CASE_ERRORS then
            error_texts[text], error_texts.n = true, error_texts.n + 1
            emit(json.encode{kind = "case_error", target = tg.name, text = tostring(err),
              case = program.text(p)})
          end
        end
      end
      local new = 0
      for t, tg in ipairs(T) do new = new + cov:add_result(tg.name, rs[t]) end
      if new > 0 then
        local id, path = cov:add(p)
        if id then emit(json.encode{kind = "corpus", id = id, path = path}) end
      end
      for _, f in ipairs(judge_one(T, rs)) do consider(f, p, rs) end
    end,
  }
  local ok, err = pcall(function()
    while not out_of_time() and (not cases_spent() or waiting:ready(now()) or #attrib > 0) do
      local t_a = now()
      stream_t0 = t_a
      local troubles = exec.stream(T, T[1].knobs, opts, src)
      stream_t0 = nil
      stats.t_stream = (stats.t_stream or 0) + now() - t_a
      t_a = now()
      -- A crash is handled even when the budget ran out meanwhile (bounded by
      -- liveness_runs and liveness_seconds): it is what a campaign most wants to keep.
      for t, tr in pairs(troubles) do
        if core.interrupted() then break end
        liveness(t, tr)
      end
      while waiting:ready(now()) and not out_of_time() do
        local w, t_f = waiting:take(), now()
        confirm_and_report(w.f, w.p)
        waiting:charge(now() - t_f)
        stats.waiting = waiting:count()
      end
      put_variants()
      local at = attrib
      attrib = {}
      C.attrib = attrib
      for _, a in ipairs(at) do
        if out_of_time() then break end
        if attr_ok() then
          local t_b = now()
          attribute(a)
          stats.t_attr = stats.t_attr + now() - t_b
        else
          stats.unattributed = (stats.unattributed or 0) + #a.names
        end
      end
      stats.t_other = (stats.t_other or 0) + now() - t_a
      put_stats()
    end
    report_unprocessed(true)
  end)
  exec.tick = nil
  for _, t in ipairs(T) do exec.close(t) end
  local ok_u, err_u = pcall(report_unprocessed, false)
  if ok and not ok_u then ok, err = false, err_u end
  pcall(put_variants)
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
    local reps = script.expected(x, snap, p)
    if x then
      e[i] = {replies = reps, state = x.state == "LISTEN" and "CLOSED" or
        (x.state:gsub("-", "_"):gsub("SYN_RECEIVED", "SYN_RECV")), window = x.window}
    end
  end
  emit(script.text(p, e, knobs, "fuzz case " .. program.id(p), ""))
end

return M
