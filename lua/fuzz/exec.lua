-- fuzz.exec: runs a batch of programs on one target's lab, many in flight at once, with
-- the sweep engine's labs, 4-tuples, scheduler, prefixes, clean-up and canary
-- (sweep.engine.internal). The lab stays open across batches and is recycled after
-- `recycle` programs or any trouble (its agent gone, a program over its limit, a failed
-- canary); trouble is reported with the lab's error text, which carries a crashed
-- target's last words (lab_words.c). Each step is observed: the replies on the case's
-- 4-tuple within the step's window, the state the agent reports after it, a call's
-- result and errno.
local core = require "tcpconform.core"
local A = require "sweep.async"
local engine = require "sweep.engine"
local observe = require "sweep.observe"
local prefix = require "sweep.prefix"
local plan = require "fuzz.plan"
local wake = require "sweep.wake"

local E = engine.internal
local M = {}

-- Where a case's time goes (seconds summed over cases; they overlap): the reserve of
-- handles, prefix, confirm, steps (of which: waiting for replies, the state queries),
-- clean-up; n cases.
M.phases = {reserve = 0, prefix = 0, confirm = 0, steps = 0, wait = 0, state = 0, cleanup = 0, n = 0}

M.defaults = {
  -- in_flight: opts.in_flight, else as many as the labs' agents have handles for, at
  -- most `max_width` (M.width)
  max_width = 512,
  recycle = 4000,
  case_limit = 10.0,
  -- How long a step waits for "nothing (more) arrived" where no delayed ACK is allowed:
  -- the judge's quiet window (sweep.judge.TIMING.quiet, 0.05 s) for the steps it judges,
  -- the same for the others. Shorter is wrong, measured: an answer that is not a timer's
  -- is made as the segment is processed (well within a millisecond), but Linux holds
  -- some ACKs the model does not mark as delayable (a FIN's in ESTABLISHED with unread
  -- data) for TCP_DELACK_MIN = 40 ms; with 25 ms a 10 s campaign on Linux raised 6 false
  -- model findings ("expected an ACK, seen nothing"). Nothing else a timer sends is due
  -- within 50 ms (Linux's RTO >= 200 ms, lwIP's 250 ms tick, gVisor's RTO >= 200 ms).
  -- Where the model allows a delayed ACK the judge's 0.25 s is used.
  window = 0.05,
}

local function knob(opts, k)
  local v = opts[k]
  if v == nil or v == 0 then return M.defaults[k] end
  return v
end

-- Programs in flight at once over `labs`: opts.in_flight, else 1.6 per handle of the
-- smallest of their agents' budgets (a case holds two handles during its prefix, one or
-- none after it; 384 for an agent of 256 handles, as before greetings said how many),
-- at most max_width; never more than engine.max_in_flight. More in flight than the
-- handles allow only wait in Lab:reserve, each waking every 10 ms. Why max_width 512
-- and not the 1000 Linux's 2048 handles allow, measured (2 workers, load 8-10 from other
-- builds): 1000 in flight gave 262-358 cases/s, 500 gave 493-593 -- past the CPU's
-- share more cases only make each round's scans longer and each case's waits longer.
function M.width(opts, labs)
  local w = opts.in_flight
  if not w or w == 0 then
    local b = math.huge
    for _, lab in pairs(labs) do b = math.min(b, lab.handle_budget) end
    w = math.min(b < math.huge and math.floor(b * 1.6) or 384, M.defaults.max_width)
  end
  return math.min(w, engine.max_in_flight)
end

-- A target of the campaign: {name (as spelt), spec (lab_open's target), knobs (model),
-- desc (descriptor)}; labs are opened on demand.
function M.target(name, spec, knobs, desc, index)
  return {name = name, spec = spec, knobs = knobs, desc = desc, index = index, lab = nil,
    labs = 0, used = 0, serial = 0}
end

local function open(t, opts)
  t.labs = t.labs + 1
  local o = {target = t.spec, target_name = ("fuzz%d"):format(t.index), shard_k = opts.shard_k,
    lab_base = opts.lab_base, pcap_dir = t.pcap_dir}
  t.lab = E.open_lab(o, t.labs, (opts.seed or 0) + t.labs * 7919 + t.index)
  t.used = 0
  return t.lab
end

-- Closes t's lab (after resetting what is still alive on it).
function M.close(t)
  if not t.lab then return end
  for c, snap in pairs(t.lab.live) do pcall(E.reset, c, snap) end
  t.spent = (t.spent or 0) + t.lab.core:now()
  pcall(t.lab.core.close, t.lab.core)
  t.lab = nil
end

-- The socket a call step acts on: the case's last handle (the accepted connection, a
-- listener, the connecting socket); none in CLOSED and the orphaned states.
local function call_line(st, h, lab, family)
  local a = st.args or {}
  local c = st.call
  if c == "send" then return ("send %d len=%d wait=20"):format(h, a.len or 1)
  elseif c == "recv" then return ("recv %d %d wait=10"):format(h, a.max or 100)
  elseif c == "shutdown" then return ("shutdown %d %s"):format(h, a.how)
  elseif c == "close" then return ("close %d"):format(h)
  elseif c == "setsockopt" then
    if a.name == "so_linger" then return ("setsockopt %d so_linger %d 0"):format(h, a.value) end
    return ("setsockopt %d %s %d"):format(h, a.name, a.value)
  elseif c == "listen" then return ("listen %d 8"):format(h)
  else
    local addr = family == "inet6" and lab.addr.harness6 or lab.addr.harness4
    return ("connect %d %s %d wait=10"):format(h, addr, 9)
  end
end

local function forget(held, h)
  for i, v in ipairs(held) do if v == h then table.remove(held, i) return end end
end

-- One program on lab: returns {snap, plan, steps = {{replies, state, call}...}} or
-- raises (the case's own trouble).
local function run_one(lab, p, t, ref_knobs, opts, res)
  local st0 = p.start
  local ports = lab:ports()
  local peak, parks = prefix.peak_handles(st0.state), prefix.parked_calls(st0.state)
  local c, snap, held
  local reserved = false
  lab:park(parks)
  local PH = M.phases
  local t0 = lab.core:now()
  local ok, err = pcall(function()
    lab:reserve(peak)
    reserved = true
    local tr = lab.core:now()
    PH.reserve = PH.reserve + tr - t0
    c, snap, held = prefix.reach(lab, st0.state, st0.family, ports)
    PH.prefix = PH.prefix + lab.core:now() - tr
    lab.live[c] = snap
    lab:release(peak - #held)
    reserved = false
    local tc = lab.core:now()
    prefix.confirm(lab, st0.state, st0.family, ports)
    PH.confirm = PH.confirm + lab.core:now() - tc
    tc = lab.core:now()
    local pl = plan.make(p, snap, ref_knobs, t.knobs)
    res.snap, res.plan, res.iss_h = snap, pl, ports.iss
    observe.drain(c)
    local listener = st0.state == "LISTEN" or snap.listening
    for i, st in ipairs(p.steps) do
      local e = pl.expect and i <= pl.judged and pl.expect[i]
      local window = e and e.window or knob(opts, "window")
      local want = e and #(e.replies or {}) or 0
      local o = {}
      local from
      if st.seg then
        from = observe.send(c, pl.steps[i].sent)
      elseif st.call then
        local h = held[#held]
        if not h or held.plain and held.plain[h] and st0.state ~= "LISTEN" and st0.state ~= "SYN-SENT" then
          h = nil
        end
        if h then
          local r = A.call(lab.core, call_line(st, h, lab, st0.family), 1.5)
          o.call = {ret = r.ret, err = r.err or ""}
          if st.call == "close" and r.ret == 0 then forget(held, h); lab:release(1) end
        else
          o.call = {ret = -1, err = "no socket"}
        end
        from = lab.core:now()
      else
        from = lab.core:now()
        window = st.delay / 1000
      end
      o.replies = observe.replies(lab, c, from + window, want)
      local ts = lab.core:now()
      PH.wait = PH.wait + ts - from
      o.state = observe.state(lab, st0.family, ports, listener)
      PH.state = PH.state + lab.core:now() - ts
      res.steps[i] = o
    end
    PH.steps = PH.steps + lab.core:now() - tc
  end)
  if not ok then
    if type(err) == "table" then held = err.held; err = err.msg; c = c or held.conn end
    if reserved then lab:release(peak - #(held or {})) end
    res.error = tostring(err)
  end
  local tc = lab.core:now()
  E.cleanup(lab, c, snap, held)
  PH.cleanup = PH.cleanup + lab.core:now() - tc
  PH.n = PH.n + 1
  if c then lab.live[c] = nil end
  lab:release(#(held or {}))
  lab:unpark(parks)
  return res
end

-- Runs programs (a list) on target t; returns the results in order, each
-- {program, snap, plan, steps, error?} and the trouble of the lab if it had any (then
-- the lab is closed; cases cut short by it carry error and `cut = true`).
-- `before(lab)` / `after(lab)` (optional) run around the batch (the counters); no_canary:
-- no canary among the programs (counter attribution: the canary's handshake moves them).
function M.batch(t, programs, ref_knobs, opts, before, after, no_canary)
  if core.interrupted() then error("interrupted", 0) end
  if t.lab and (t.lab.trouble or t.used >= knob(opts, "recycle")) then M.close(t) end
  local lab = t.lab or open(t, opts)
  local results, jobs = {}, {}
  for i, p in ipairs(programs) do
    results[i] = {program = p, steps = {}}
    jobs[i] = {i = i, fn = function() return run_one(lab, p, t, ref_knobs, opts, results[i]) end}
  end
  if not no_canary then jobs[#jobs + 1] = {canary = true, fn = function() return E.canary(lab) end} end
  -- The ticker: a job of no case that wakes every 0.25 s to call M.tick (the campaign's
  -- stats line, at least every 0.5 s), until the others have ended or the lab failed.
  local ended, others = 0, #jobs
  if M.tick then
    jobs[#jobs + 1] = {ticker = true, fn = function()
      while ended < others and not lab.trouble do
        M.tick()
        A.pause(lab.core:now() + 0.25)
      end
    end}
  end
  if before then before(lab) end
  local upto = lab:schedule(jobs, M.width(opts, {lab}),
    knob(opts, "case_limit"), function(job, ok, v)
      if not job.ticker then ended = ended + 1 end
      if job.ticker then
      elseif job.canary then
        if not ok then
          lab.trouble = lab.trouble or ("the canary handshake failed: " ..
            tostring(type(v) == "table" and v.msg or v))
        end
      elseif not ok then
        results[job.i].error = tostring(v)
      end
    end)
  for i = upto, #programs do results[i].error = "not started: " .. tostring(lab.trouble) end
  t.used = t.used + #programs
  local trouble = lab.trouble
  if after and not trouble then after(lab) end
  if trouble then
    for _, r in ipairs(results) do if r.error then r.cut = true end end
    M.close(t)
  end
  return results, trouble
end

-- ---- the rolling stream: programs from a source, every target's lab at once ----

-- Runs programs from src on every target of T at once until src has none, src.stop()
-- says so, or a lab is due to be recycled (its trouble, `recycle` programs); then lets
-- the programs in flight finish and returns. No batch barrier: a program starts as soon
-- as one ends (at most `in_flight` runs at once over all labs), and each program's run
-- on target A and on target B are coroutines of their own labs, pumped in turn.
--   src.next() -> a program or nil; src.done(p, results, entry) once all its runs ended
--   (results[t] as exec.batch gives them; entry.cut when a run was cut short by its
--   lab's trouble); src.stop() -> true to stop feeding; src.tick() each round (stats);
--   src.window(t, lab, completed, inflight) after every `counter_every` programs that
--   ended on lab t (lists of programs: the counters' window).
-- Returns troubles: {[t] = {why =, suspects = {programs in flight on that lab when the
-- trouble came, the one that overran first}}} for the labs that had trouble (closed).
function M.stream(T, ref_knobs, opts, src)
  local limit = knob(opts, "case_limit")
  local canary_every = opts.canary_every or 512
  local counter_every = opts.counter_every or 256
  local labs, running, since, seen, troubles = {}, {}, {}, {}, {}
  local completed = {}
  for t, tg in ipairs(T) do
    if tg.lab and (tg.lab.trouble or tg.used >= knob(opts, "recycle")) then M.close(tg) end
    labs[t] = tg.lab or open(tg, opts)
    running[t], since[t], completed[t] = {}, tg.since_canary or 0, {}
    seen[t] = labs[t].core:log_count()
  end
  local width = M.width(opts, labs)
  local nrun, queue, qhead, qtail, feeding = 0, {}, 1, 0, true
  local function due()
    for t, tg in ipairs(T) do
      if labs[t].trouble or tg.used >= knob(opts, "recycle") then return true end
    end
    return false
  end
  local function trouble_of(t)
    if troubles[t] then return end
    local sus = {}
    for _, r in ipairs(running[t]) do
      if not r.over and r.entry then sus[#sus + 1] = r.entry.p end
    end
    troubles[t] = {why = labs[t].trouble, suspects = sus}
  end
  local function end_entry(e, t, why)
    if why then
      e.res[t].error = e.res[t].error or why
      if labs[t].trouble then e.res[t].cut = true; e.cut = true end
    end
    e.left = e.left - 1
    if e.left == 0 then src.done(e.p, e.res, e) end
  end
  local function finish(r, ok, v)
    r.over = true
    nrun = nrun - 1
    local lab = labs[r.t]
    if r.canary then
      if not ok then
        lab.trouble = lab.trouble or ("the canary handshake failed: " ..
          tostring(type(v) == "table" and v.msg or v))
        trouble_of(r.t)
      end
      return
    end
    local c = completed[r.t]
    c[#c + 1] = r.entry.p
    if src.window and #c >= counter_every then
      local fl = {}
      for _, x in ipairs(running[r.t]) do if not x.over and x.entry then fl[#fl + 1] = x.entry.p end end
      completed[r.t] = {}
      src.window(r.t, lab, c, fl)
    end
    end_entry(r.entry, r.t, (not ok) and tostring(type(v) == "table" and v.msg or v) or nil)
  end
  local function step(r)
    local ok, v, kind, port = coroutine.resume(r.co)
    if not ok then
      finish(r, false, v)
    elseif coroutine.status(r.co) == "dead" then
      finish(r, true, v)
    else
      r.wake, r.kind, r.port = v or (labs[r.t].core:now() + 0.05), kind, port
    end
  end
  local function start(j)
    local t, lab = j.t, labs[j.t]
    if lab.trouble then
      if j.entry then end_entry(j.entry, t, "not started: " .. tostring(lab.trouble)) end
      return
    end
    local fn
    if j.canary then
      fn = function() return E.canary(lab) end
    else
      local e = j.entry
      fn = function() return run_one(lab, e.p, T[t], ref_knobs, opts, e.res[t]) end
    end
    local r = {t = t, entry = j.entry, canary = j.canary, co = coroutine.create(fn),
      start = lab.core:now()}
    running[t][#running[t] + 1] = r
    nrun = nrun + 1
    step(r)
  end
  while true do
    while nrun < width do
      if qhead > qtail then
        if not feeding or due() or src.stop() then feeding = false break end
        local p = src.next()
        if not p then feeding = false break end
        local e = {p = p, res = {}, left = #T}
        for t, tg in ipairs(T) do
          e.res[t] = {program = p, steps = {}}
          qtail = qtail + 1
          queue[qtail] = {t = t, entry = e}
          tg.used = tg.used + 1
          since[t] = since[t] + 1
          if since[t] >= canary_every then
            since[t] = 0
            qtail = qtail + 1
            queue[qtail] = {t = t, canary = true}
          end
        end
      end
      local j = queue[qhead]
      queue[qhead] = nil
      qhead = qhead + 1
      start(j)
    end
    if nrun == 0 and qhead > qtail and not feeding then break end
    if src.tick then src.tick() end
    local active = 0
    for t in ipairs(T) do if #running[t] > 0 then active = active + 1 end end
    for t in ipairs(T) do
      local lab, rs = labs[t], running[t]
      if #rs > 0 then
        -- With more than one lab busy, none is pumped for long: a reply on another waits
        -- at most 2 ms for its turn.
        local replies = wake.news(lab.core)
        local ok, err = pcall(lab.core.pump_once, lab.core,
          wake.pump_deadline(lab.core, rs, active > 1 and 0.002 or 0.1, replies))
        replies = wake.news(lab.core, replies)
        if not ok then
          if core.interrupted() then error(err, 0) end
          lab.trouble = lab.trouble or err
          trouble_of(t)
          for _, r in ipairs(rs) do
            if not r.over then coroutine.close(r.co); finish(r, false, err) end
          end
        end
        local now = lab.core:now()
        local count, ports = lab.core:log_count(), nil
        if count > seen[t] then ports = lab.core:inbound_ports(seen[t]) end
        seen[t] = count
        for _, r in ipairs(rs) do
          if not r.over and (now - r.start > limit or wake.due(r, now, ports, replies)) then
            if now - r.start > limit then
              lab.trouble = lab.trouble or "a case overran its limit"
              trouble_of(t)
              if r.entry then
                local sus = troubles[t].suspects
                table.insert(sus, 1, r.entry.p)
              end
              coroutine.close(r.co)
              finish(r, false, ("the case did not complete within %.1f s"):format(limit))
            else
              step(r)
            end
          end
        end
        local keep = {}
        for _, r in ipairs(rs) do if not r.over then keep[#keep + 1] = r end end
        running[t] = keep
      end
    end
  end
  for t, tg in ipairs(T) do
    tg.since_canary = since[t]
    if labs[t].trouble then
      troubles[t] = troubles[t] or {why = labs[t].trouble, suspects = {}}
      M.close(tg)
    end
  end
  return troubles
end

return M
