-- sweep.engine: runs a list of sweep cases over one lab at a time, many in flight at
-- once (lua/sweep/README.md). Each case is a coroutine with a 4-tuple of its own: its
-- prefix (sweep.prefix) reaches the state, the agent confirms it, the steps are sent,
-- the replies and the state after each are observed (sweep.observe), the judge compares
-- them with the model (sweep.judge) and the result line is emitted as JSON. Waiting for
-- "nothing must arrive" overlaps across the cases in flight instead of adding up.
--
-- A lab serves `recycle` cases, or fewer when the target misbehaves (its agent gone, a
-- case that overran its limit, a canary handshake between batches that fails); then it
-- is closed and a fresh one made. Every wait is bounded: a case that does not complete
-- is an error of that case, never a hang of the run.
local core = require "tcpconform.core"
local A = require "sweep.async"
local json = require "sweep.json"
local observe = require "sweep.observe"
local prefix = require "sweep.prefix"
local deviations = require "sweep.deviations"
local wake = require "sweep.wake"
local news, pump_deadline, due = wake.news, wake.pump_deadline, wake.due

local M = {}

-- The knobs (README "Knobs"); opts fields of the same name override them.
M.defaults = {
  in_flight = 384,     -- cases in flight at once (the agent's handles bound it too)
  batch = 512,         -- cases between two canaries
  recycle = 2000,      -- cases per lab: its frame log only grows
  window = 0.25,       -- seconds to wait for "nothing", when the judge gives no window
  case_limit = 10.0,   -- seconds a case may take in all before it is an error
}

-- The agent keeps at most as many handles as its greeting says (handles=, PROTOCOL.md
-- 2: 256 when it does not say; the Linux agent's 2048): the cases in flight share a
-- budget `handle_margin` below that (a case reserves its prefix's peak before it starts
-- and gives back what it no longer holds, and the canary needs two), so no case meets
-- EMFILE. Each lab's budget is its own agent's (lab.handle_budget).
M.handle_margin = 16
M.max_in_flight = 1000

-- The sweep's labs keep the budgets of an agent of 256 handles and 64 parked calls even
-- when theirs has more (Linux: 2048 and 256): its cases are enumerated state by state,
-- so with more room a state's cases start together, and on a loaded machine some then
-- take over a second from the target's SYN to their step -- its SYN retransmitted, a
-- second SYN,ACK seen (measured, load 10: 8 undeclared differences, 7 of them in
-- SYN-SENT, against 0 with these budgets). Its 384 in flight are what it was judged at.
M.sweep_budgets = {handles = 240, parked = 48}

-- Per-namespace sysctls of every sweep lab (Linux): orphaned FIN-WAIT-2 connections go
-- after 5 s instead of 60, so a long sweep does not pile them up; the clean-up's RST
-- ends the TIME-WAIT ones (tcp_rfc1337=0) before tcp_max_tw_buckets matters.
-- tcp_invalid_ratelimit=0: Linux sends at most one ACK per 0.5 s per socket in answer to
-- unacceptable segments (challenge ACKs, out-of-window ACKs: tcp_oow_rate_limited,
-- RFC 5961 7 "SHOULD implement a rate-limiting mechanism"); a case's steps come within
-- that interval, so without this its second and third challenge ACK would be missing.
M.sysctls = {{"net.ipv4.tcp_fin_timeout", 5}, {"net.ipv4.tcp_invalid_ratelimit", 0}}

local U32 = 4294967296

-- Where the time goes: seconds summed over cases per phase (cases overlap, so the sums
-- exceed the wall time; their ratios are the point), pumps and resumes of the scheduler.
M.stats = {prefix = 0, confirm = 0, steps = 0, cleanup = 0, pumps = 0, resumes = 0}

local function modules(mods)
  mods = mods or {}
  return {cases = mods.cases or require "sweep.cases",
    judge = mods.judge or require "sweep.judge",
    materialize = mods.materialize or require "sweep.materialize"}
end

local function knob(opts, name)
  local v = opts[name]
  if v == nil or v == 0 then return M.defaults[name] end
  return v
end

-- The descriptor of the target (its `model` knobs, its `sweep_deviations`).
local function descriptor(opts)
  return require("tcpconform")._descriptor(opts.target_name or "linux", opts.descriptor)
end

-- The model's knobs for the target as given, its options' sysctls included
-- (sweep.judge.target_knobs).
function M.knobs(opts)
  return require("sweep.judge").target_knobs(descriptor(opts), opts.target)
end

-- The cases of this shard, in the cases module's order: index i (from 0) is the shard's
-- when i % n == k - 1; at most max_cases of them.
function M.select(opts, mods)
  local states, known = {}, {}
  for _, s in ipairs(prefix.states) do known[#known + 1] = s[1] end
  if opts.state then
    if not prefix.agent_state(opts.state) then
      error(("sweep: unknown state %q; the states are %s"):format(opts.state,
        table.concat(known, ", ")), 0)
    end
    states = {opts.state}
  else
    states = known
  end
  if opts.family and opts.family ~= "inet" and opts.family ~= "inet6" then
    error(("sweep: family must be \"inet\" or \"inet6\", got %q"):format(opts.family), 0)
  end
  local cases_m = (mods and mods.cases) or require "sweep.cases"
  local knobs = M.knobs(opts)
  local all = {}
  local families = opts.family and {opts.family} or {"inet", "inet6"}
  for _, st in ipairs(states) do
    for _, fam in ipairs(families) do
      for _, c in ipairs(cases_m.enumerate{state = st, family = fam, knobs = knobs}) do
        all[#all + 1] = c
      end
    end
  end
  local k, n = opts.shard_k or 1, opts.shard_n or 1
  local mine = {}
  for i, c in ipairs(all) do
    if (i - 1) % n == k - 1 and (not opts.max_cases or opts.max_cases == 0 or #mine < opts.max_cases) then
      mine[#mine + 1] = c
    end
  end
  return mine, knobs
end

-- emit(json) for each case of the shard without running it.
function M.list(opts, emit, mods)
  local cases = M.select(opts, mods)
  for _, c in ipairs(cases) do
    emit(json.encode{id = c.id, state = c.state, family = c.family, class = c.class,
      group = c.group, steps = json.array(c.steps)})
  end
  return #cases
end

-- ---- one lab: ports, ISNs, the scheduler ----

local Lab = {}
Lab.__index = Lab

-- Labs made by this process so far: each gets an id of its own (its link's name).
local lab_serial = 0

local function open_lab(opts, n, seed)
  local pcap
  if opts.pcap_dir then
    pcap = ("%s/sweep-%s-%d-%d.pcap"):format(opts.pcap_dir, opts.target_name or "linux",
      opts.shard_k or 1, n)
  end
  lab_serial = lab_serial + 1
  local c = core.lab_open{target = opts.target or "linux",
    id = ((opts.lab_base or 0) + lab_serial) % U32, pcap = pcap, seed = seed}
  local lab = setmetatable({core = c, addr = c:addresses(), pcap = pcap or "",
    sport = 40000, tport = 1024, iss = (0x5eed0001 ~ (seed * 2654435761)) % U32, cases = 0,
    trouble = nil, handles = 0, parked = 0, live = {}}, Lab)
  lab.handle_budget = math.max(lab.addr.handles - M.handle_margin, 2)
  lab.parked_budget = math.max(lab.addr.pending - lab.addr.pending // 4, 1)
  if lab.addr.caps:find("sysctl", 1, true) then
    for _, s in ipairs(M.sysctls) do c:call(("sysctl %s %s"):format(s[1], s[2])) end
  end
  return lab
end

-- A fresh 4-tuple and ISN: a harness port and a target port never used in this lab, so
-- no case meets another's TIME-WAIT or a segment meant for another.
function Lab:ports()
  local p = {sport = self.sport, tport = self.tport, iss = self.iss}
  self.sport = self.sport + 1
  self.tport = self.tport + 1
  self.iss = (self.iss * 1103515245 + 12345) % U32
  if self.sport > 65000 or self.tport > 39999 then
    self.trouble = self.trouble or "ports used up"
  end
  return p
end

-- Reserves n of the agent's handles for the calling case, waiting (yielding) while the
-- budget is spent; the scheduler's case limit bounds the wait.
function Lab:reserve(n)
  while self.handles + n > self.handle_budget do A.pause(self.core:now() + 0.01) end
  self.handles = self.handles + n
end

function Lab:release(n)
  self.handles = self.handles - n
end

-- The agent parks at most as many calls as its greeting says (pending=: 64 when it does
-- not say, else EBUSY), and a SYN-SENT case keeps its connect parked for its whole life:
-- such cases share a budget a quarter below that (48 of 64), leaving room for the
-- short-lived calls of the others (an accept, a send).
function Lab:park(n)
  while self.parked + n > self.parked_budget do A.pause(self.core:now() + 0.01) end
  self.parked = self.parked + n
end

function Lab:unpark(n)
  self.parked = self.parked - n
end

-- Runs jobs (functions) as coroutines, at most `width` at once, each bounded by
-- `limit` seconds; done(job, ok, value) for each. No job starts once the lab is in
-- trouble or stop() is true; returns the index of the first job not started. A job's
-- waits yield the lab time it wants to be looked at (sweep.async); the scheduler pumps
-- the lab once until the earliest of those or until anything arrives, then resumes the
-- jobs that may go on (below).
function Lab:schedule(jobs, width, limit, done, stop)
  local running, nextjob = {}, 1
  local seen = self.core:log_count()
  local function finish(r, ok, v)
    r.over = true
    done(r.job, ok, v)
  end
  local stats = M.stats
  local function step(r)
    stats.resumes = stats.resumes + 1
    local ok, v, kind, port = coroutine.resume(r.co)
    if not ok then
      finish(r, false, v)
    elseif coroutine.status(r.co) == "dead" then
      finish(r, true, v)
    else
      r.wake, r.kind, r.port = v or (self.core:now() + 0.05), kind, port
    end
  end
  while true do
    while #running < width and nextjob <= #jobs and not self.trouble and not (stop and stop()) do
      local r = {job = jobs[nextjob], co = coroutine.create(jobs[nextjob].fn),
        start = self.core:now()}
      nextjob = nextjob + 1
      running[#running + 1] = r
      step(r)
    end
    local keep = {}
    for _, r in ipairs(running) do if not r.over then keep[#keep + 1] = r end end
    running = keep
    if #running == 0 and (nextjob > #jobs or self.trouble or (stop and stop())) then break end
    local ports, replies = nil, news(self.core)
    if #running > 0 then
      stats.pumps = stats.pumps + 1
      local ok, err = pcall(self.core.pump_once, self.core,
        pump_deadline(self.core, running, 0.1, replies))
      replies = news(self.core, replies)
      if not ok then
        if core.interrupted() then error(err, 0) end
        self.trouble = err
        for _, r in ipairs(running) do
          coroutine.close(r.co)
          finish(r, false, err)
        end
        running = {}
      end
    end
    local now = self.core:now()
    -- Who to wake: a case whose time came, one waiting on the wire whose port got a
    -- segment, one waiting on the agent whose reply was read (by this pump or by any
    -- case's own look: lab_agent_wait pumps).
    local count = self.core:log_count()
    if count > seen then ports = self.core:inbound_ports(seen) end
    seen = count
    for _, r in ipairs(running) do
      if not r.over and (now - r.start > limit or due(r, now, ports, replies)) then
        if now - r.start > limit then
          coroutine.close(r.co)
          self.trouble = self.trouble or "a case overran its limit"
          finish(r, false, ("the case did not complete within %.1f s"):format(limit))
        else
          step(r)
        end
      end
    end
  end
  -- Jobs never started because of trouble come back to the caller: index of the first.
  return nextjob
end

-- ---- one case ----

local function rel(n, base)
  return n and ((n - base) % U32) or 0
end

-- Replies as one line of shorthand relative to the ISNs, then "-> STATE".
local function line_of(replies, state, snap)
  local parts = {}
  for _, r in ipairs(replies or {}) do
    local s = rel(r.seq, snap.iss or 0)
    local txt = ("%s %d:%d(%d)"):format(r.flags, s, (s + (r.len or 0)) % U32, r.len or 0)
    if r.flags:find(".", 1, true) and r.ack then txt = txt .. " ack " .. rel(r.ack, snap.irs) end
    parts[#parts + 1] = txt
  end
  return (#parts > 0 and table.concat(parts, ", ") or "nothing") .. " -> " .. tostring(state)
end

-- RSTs that end whatever the case left of its connection on the target (also TIME-WAIT:
-- tcp_rfc1337=0): an RST|ACK at the target's RCV.NXT as the prefix left it (snap) and,
-- when the steps moved the harness's SND.NXT (or there is no snapshot), one there too.
-- Wire only: it works when the agent is gone.
local function reset(c, snap)
  local i = c:info()
  local now_nxt = (i.iss + i.snd_nxt) % U32
  local ack = ((i.irs or 0) + i.rcv_nxt) % U32
  local seqs = {now_nxt}
  if snap and snap.iss ~= 0 and snap.rcv_nxt ~= now_nxt then seqs[2] = snap.rcv_nxt end
  if not i.irs and not (snap and snap.iss ~= 0) then return end   -- no TCB at the target
  for _, seq in ipairs(seqs) do
    c:send{"R.", seq = seq, seq_abs = true, ack = ack, ack_abs = true, win = 0}
  end
end

-- Clean-up of a case on the target: reset() its connection, then its handles close
-- abortively (SO_LINGER {1, 0}: RFC 9293 3.10.5, an RST, no orphan left retransmitting
-- -- an orphan would keep the lab's namespace, and so its link, alive after the lab is
-- closed). A listener, which has no connection to abort, and the target's own connecting
-- socket (SYN-SENT, or SYN-RECEIVED after a simultaneous open), which the harness's RST
-- has ended, close plainly (held.plain): an abortive close there is no part of what a
-- case tests, and it takes down stacks under test -- lwIP asserts in tcp_abandon on a
-- listener, gVisor's netstack (2022-12-19) panics in resetConnectionLocked on an
-- endpoint that has no sender yet (targets/gvisor/README.md).
-- The agent requests go out at once and are awaited together, each bounded.
local function cleanup(lab, c, snap, held)
  if c then reset(c, snap) end
  local ids = {}
  local plain = (held or {}).plain or {}
  for _, h in ipairs(held or {}) do
    if not plain[h] then
      ids[#ids + 1] = lab.core:call_async(("setsockopt %d so_linger 1 0"):format(h))
    end
    ids[#ids + 1] = lab.core:call_async(("close %d"):format(h))
  end
  for _, id in ipairs((held or {}).pending or {}) do ids[#ids + 1] = id end
  local deadline = lab.core:now() + 1.0
  for _, id in ipairs(ids) do
    while not lab.core:reply(id, 0) and lab.core:now() < deadline do A.pause(deadline, "agent", id) end
  end
end

-- The canary: a handshake on a fresh port must complete, or the lab is in trouble (the
-- target stopped accepting connections: a stack that crashed or ran out of something).
-- It runs among the cases, so the lab is never drained to check it.
local function canary(lab)
  local p = lab:ports()
  lab:reserve(2)
  local ok, c, snap, held = pcall(prefix.reach, lab, "ESTABLISHED", "inet", p)
  local why
  if not ok then
    why = type(c) == "table" and c.msg or tostring(c)
    held = type(c) == "table" and c.held or {}
    c = nil
  end
  lab:release(2 - #held)
  cleanup(lab, c, snap, held)
  lab:release(#held)
  if not ok then error(why, 0) end
  return true
end

local function run_case(lab, case, mods, knobs, opts)
  local t0 = lab.core:now()
  local p = lab:ports()
  local res = {id = case.id, state = case.state, family = case.family, class = case.class,
    group = case.group, target = opts.target_name or "linux", verdict = "error",
    expected = "", seen = "", rule = "", rfc = "", sentence = "", detail = "",
    pcap = lab.pcap}
  local c, snap, held
  local st = M.stats
  local peak = prefix.peak_handles(case.state)
  local parks = prefix.parked_calls(case.state)
  local reserved = false
  lab:park(parks)
  local ok, err = pcall(function()
    lab:reserve(peak)
    reserved = true
    c, snap, held = prefix.reach(lab, case.state, case.family, p)
    lab.live[c] = snap
    lab:release(peak - #held)
    reserved = false
    local t1 = lab.core:now()
    st.prefix = st.prefix + (t1 - t0)
    prefix.confirm(lab, case.state, case.family, p)
    local t2 = lab.core:now()
    st.confirm = st.confirm + (t2 - t1)
    local expected = mods.judge.expect(case, snap, knobs)
    local observed, detail = {}, {}
    for i, spec in ipairs(case.steps) do
      local e = expected[i] or {replies = {}}
      local seg = mods.materialize.segment(spec, snap)
      if i == 1 then observe.drain(c) end
      local sent = observe.send(c, seg)
      local replies = observe.replies(lab, c, sent + (e.window or knob(opts, "window")),
        #(e.replies or {}))
      -- With a listener on the port (LISTEN, SYN-RECEIVED), a 4-tuple without a socket
      -- is the listener's: Linux drops the request socket of a reset SYN-RECEIVED, which
      -- is RFC 9293 3.10.7.4's "return this connection to the LISTEN state".
      local st = observe.state(lab, case.family, p, case.state == "LISTEN" or snap.listening)
      observed[i] = {replies = replies, state = st}
      local stimes = {}
      for _, r in ipairs(replies) do stimes[#stimes + 1] = ("%.3f %s"):format(r.t - sent, r.text) end
      detail[#detail + 1] = ("step %d: sent %s %s at %.3f\n  expected: %s\n  seen:     %s%s")
        :format(i, seg.flags, seg.seq, sent - t0, line_of(e.replies, e.state, snap),
          line_of(replies, st, snap), #stimes > 0 and ("\n    " .. table.concat(stimes, "\n    ")) or "")
    end
    st.steps = st.steps + (lab.core:now() - t2)
    local verdict, rule, text = mods.judge.compare(case, expected, observed)
    -- The judge names the first difference's rule as {id=, rfc=, sentence=}.
    if type(rule) == "table" then
      res.rfc, res.sentence = rule.rfc or "", rule.sentence or ""
      rule = rule.id
    end
    res.verdict, res.rule = verdict, rule or ""
    local exp_l, seen_l = {}, {}
    for i, e in ipairs(expected) do
      exp_l[#exp_l + 1] = line_of(e.replies, e.state, snap)
      seen_l[#seen_l + 1] = observed[i] and line_of(observed[i].replies, observed[i].state, snap) or "-"
      for _, r in ipairs(e.rules or {}) do
        if r.id == rule and res.rfc == "" then res.rfc, res.sentence = r.rfc or "", r.sentence or "" end
      end
    end
    res.expected, res.seen = table.concat(exp_l, "; "), table.concat(seen_l, "; ")
    res.detail = table.concat(detail, "\n") .. (text and text ~= "" and ("\n" .. text) or "")
  end)
  if not ok then
    if type(err) == "table" then held = err.held; err = err.msg; c = c or held.conn end
    if reserved then lab:release(peak - #(held or {})) end
    res.verdict, res.detail = "error", tostring(err)
    res.seen = "error: " .. tostring(err):gsub("\n.*", "")
  end
  local t3 = lab.core:now()
  cleanup(lab, c, snap, held)
  if c then lab.live[c] = nil end
  lab:release(#(held or {}))
  lab:unpark(parks)
  st.cleanup = st.cleanup + (lab.core:now() - t3)
  res.t = lab.core:now() - t0
  return res
end

-- The passes of a run: all cases at the full width; then the cases that ended in an
-- error while their lab was in trouble (the target died or hung under one of the cases
-- in flight, and took the others with it) again, a few at a time; then those that met
-- trouble again, each alone. A case that fails its lab when alone is the one the target
-- could not take: its error says so. So one crashing case costs its own verdict only,
-- not those of the hundreds in flight beside it.
M.retry_widths = {16, 1}

-- Runs the cases (a list from M.select, or given) over as many labs as it takes, calling
-- emit(json) per case. Returns the number of cases emitted and the labs used.
function M.run(opts, emit, mods)
  local cases, knobs = opts.cases, nil
  if cases then knobs = M.knobs(opts)
  else cases, knobs = M.select(opts, mods) end
  mods = modules(mods)
  local desc = descriptor(opts)
  -- A case holds up to two of the agent's handles (AGENT_MAX_HANDLES: 256) at a time.
  local width, batch = math.min(knob(opts, "in_flight"), M.max_in_flight), knob(opts, "batch")
  local recycle, limit = knob(opts, "recycle"), knob(opts, "case_limit")
  local emitted, labs, idle = 0, 0, 0
  -- The time budget, on the labs' clocks: the labs closed so far, plus the open one's.
  local spent, current = 0, nil
  local function out_of_time()
    if not opts.seconds or opts.seconds <= 0 then return false end
    return spent + (current and current.core:now() or 0) >= opts.seconds
  end
  local function put(v)
    -- A difference the descriptor declares (sweep_deviations) is a deviation.
    -- So is an error the descriptor declares as the stack's own crash (`error =`).
    if v.verdict == "differs" or v.verdict == "error" then deviations.classify(v, desc) end
    emitted = emitted + 1
    emit(json.encode(v))
  end
  -- One pass over `list`, `w` cases in flight; `last`: no later pass will retry. Returns
  -- the cases to retry (those whose error came from their lab's trouble).
  local function pass(list, w, last)
    local retry, pos = {}, 1
    while pos <= #list and not out_of_time() do
      labs = labs + 1
      local lab = open_lab(opts, labs, (opts.seed or 0) + labs)
      -- The sweep keeps the concurrency it is judged at (M.sweep_budgets), whatever its
      -- agent allows; the fuzzer (fuzz.exec) takes the agent's.
      lab.handle_budget = math.min(lab.handle_budget, M.sweep_budgets.handles)
      lab.parked_budget = math.min(lab.parked_budget, M.sweep_budgets.parked)
      current = lab
      local failed = {}   -- errors of this lab, decided once its fate is known
      local ok, err = pcall(function()
        -- This lab's cases, a canary after every `batch` of them.
        local jobs, n = {}, math.min(recycle, #list - pos + 1)
        for i = pos, pos + n - 1 do
          local case = list[i]
          jobs[#jobs + 1] = {case = case, fn = function() return run_case(lab, case, mods, knobs, opts) end}
          if (i - pos + 1) % batch == 0 and i < pos + n - 1 then
            jobs[#jobs + 1] = {canary = true, fn = function() return canary(lab) end}
          end
        end
        local upto = lab:schedule(jobs, w, limit, function(job, ok, v)
          if job.canary then
            if not ok then
              lab.trouble = lab.trouble or ("the canary handshake failed: " ..
                tostring(type(v) == "table" and v.msg or v))
            end
            return
          end
          if not ok then
            v = {id = job.case.id, state = job.case.state, family = job.case.family,
              class = job.case.class, group = job.case.group, target = opts.target_name or "linux",
              verdict = "error", expected = "", seen = "error", rule = "", rfc = "",
              sentence = "", detail = tostring(v), pcap = lab.pcap, t = 0}
          end
          -- The lab's trouble as it stood when this case failed: a case that failed on
          -- its own before another took the lab down is not blamed for the crash.
          if v.verdict == "error" then failed[#failed + 1] = {case = job.case, v = v, trouble = lab.trouble}
          else put(v) end
        end, out_of_time)
        for i = 1, upto - 1 do
          if jobs[i].case then lab.cases = lab.cases + 1 end
        end
        pos = pos + lab.cases
      end)
      -- Cases cut short (the lab's trouble, a case over its limit) never cleaned up:
      -- reset their connections on the wire before the lab goes, so no orphan of theirs
      -- keeps its namespace alive.
      for c, snap in pairs(lab.live) do pcall(reset, c, snap) end
      spent, current = spent + lab.core:now(), nil
      lab.core:close()
      if not ok then error(err, 0) end
      for _, f in ipairs(failed) do
        if lab.trouble and not last then
          retry[#retry + 1] = f.case
        else
          if f.trouble and w == 1 then
            f.v.detail = ("the target failed under this case run alone (%s):\n%s")
              :format(tostring(f.trouble), f.v.detail)
          end
          put(f.v)
        end
      end
      -- A target that fails every lab before a case starts would loop forever: three
      -- labs in a row without progress end the run with the lab's trouble.
      idle = lab.cases == 0 and idle + 1 or 0
      if idle >= 3 then
        error(("sweep: three labs in a row ran no case: %s"):format(tostring(lab.trouble)), 0)
      end
    end
    return retry
  end
  local retry = pass(cases, width, false)
  for i, w in ipairs(M.retry_widths) do
    if #retry == 0 or out_of_time() then break end
    M.stats.retried = (M.stats.retried or 0) + #retry
    retry = pass(retry, math.min(w, width), i == #M.retry_widths)
  end
  -- Out of time before a retry: the held-back errors are still every case's line.
  for _, case in ipairs(retry) do
    put({id = case.id, state = case.state, family = case.family, class = case.class,
      group = case.group, target = opts.target_name or "linux", verdict = "error",
      expected = "", seen = "error: the run's time ran out before this case was retried",
      rule = "", rfc = "", sentence = "", detail = "its lab failed under another case, and "
        .. "the run's --seconds ended before it ran again", pcap = "", t = 0})
  end
  return emitted, labs
end

-- For the fuzzer (lua/fuzz/exec.lua), which runs its programs over the same labs, ports,
-- scheduler, clean-up and canary: the internals it reuses, unchanged.
M.internal = {open_lab = open_lab, cleanup = cleanup, reset = reset, canary = canary,
  Lab = Lab}

return M
