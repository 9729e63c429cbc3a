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

local E = engine.internal
local M = {}

M.defaults = {
  in_flight = 384,
  recycle = 4000,
  case_limit = 10.0,
  -- How long a step the model does not judge waits for replies. The model's own window
  -- (sweep.judge.TIMING: 0.05 s, 0.25 s where a delayed ACK is allowed) is used for the
  -- steps it judges; the others wait as long as an undelayed answer takes with margin:
  -- a stack in a namespace answers in well under 5 ms.
  window = 0.05,
}

local function knob(opts, k)
  local v = opts[k]
  if v == nil or v == 0 then return M.defaults[k] end
  return v
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
  local ok, err = pcall(function()
    lab:reserve(peak)
    reserved = true
    c, snap, held = prefix.reach(lab, st0.state, st0.family, ports)
    lab.live[c] = snap
    lab:release(peak - #held)
    reserved = false
    prefix.confirm(lab, st0.state, st0.family, ports)
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
      o.state = observe.state(lab, st0.family, ports, listener)
      res.steps[i] = o
    end
  end)
  if not ok then
    if type(err) == "table" then held = err.held; err = err.msg; c = c or held.conn end
    if reserved then lab:release(peak - #(held or {})) end
    res.error = tostring(err)
  end
  E.cleanup(lab, c, snap, held)
  if c then lab.live[c] = nil end
  lab:release(#(held or {}))
  lab:unpark(parks)
  return res
end

-- Runs programs (a list) on target t; returns the results in order, each
-- {program, snap, plan, steps, error?} and the trouble of the lab if it had any (then
-- the lab is closed; cases cut short by it carry error and `cut = true`).
-- `before(lab)` / `after(lab)` (optional) run around the batch (the counters).
function M.batch(t, programs, ref_knobs, opts, before, after)
  if core.interrupted() then error("interrupted", 0) end
  if t.lab and (t.lab.trouble or t.used >= knob(opts, "recycle")) then M.close(t) end
  local lab = t.lab or open(t, opts)
  local results, jobs = {}, {}
  for i, p in ipairs(programs) do
    results[i] = {program = p, steps = {}}
    jobs[i] = {i = i, fn = function() return run_one(lab, p, t, ref_knobs, opts, results[i]) end}
  end
  jobs[#jobs + 1] = {canary = true, fn = function() return E.canary(lab) end}
  if before then before(lab) end
  local upto = lab:schedule(jobs, math.min(knob(opts, "in_flight"), engine.max_in_flight),
    knob(opts, "case_limit"), function(job, ok, v)
      if job.canary then
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

return M
