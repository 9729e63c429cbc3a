-- sweep.judge: what the RFC 9293 model (lua/model/) expects of a sweep case, and the
-- verdict on what the target did. expect() builds the model's TCB from the snapshot a
-- prefix took and runs model.arrive.segment for each step in turn (the next state and
-- TCB carry over); compare() holds the observed replies and state against that, with the
-- tolerance the RFC grants (a delayed or coalesced ACK where the model says it may be).
-- Pure Lua, no I/O.
local arrive = require "model.arrive"
local mknobs = require "model.knobs"
local segment = require "model.segment"
local mstate = require "model.state"
local cases = require "sweep.cases"
local materialize = require "sweep.materialize"

local M = {}

-- How long a step waits, in seconds; the judge's own knobs, beside the model's (the
-- model has no clock). A target descriptor's sweep table or the caller may override.
M.TIMING = {
  -- A delayed ACK: RFC 9293 3.8.6.3 (MUST-40) bounds the delay at 0.5 s; Linux holds
  -- one at most TCP_DELACK_MAX = HZ/5 = 0.2 s (include/net/tcp.h), lwIP until its fast
  -- timer, TCP_TMR_INTERVAL = 0.25 s (lwipopts/opt.h). 0.25 s covers both.
  ack_delay = 0.25,
  -- Anything else: a stack in a namespace answers in well under 5 ms; ten times that is
  -- long enough to believe "nothing arrived" and short enough to sweep thousands of cases.
  quiet = 0.05,
  -- The interval within which a stack may send only one ACK in answer to unacceptable
  -- segments (challenge ACKs, RFC 5961 7: "SHOULD implement a rate-limiting mechanism";
  -- 9293 3.10.7.4 allows it for out-of-window ACKs). 0: none expected (the model's
  -- strict reading). Linux: net.ipv4.tcp_invalid_ratelimit, 0.5 s by default, per socket
  -- (tcp_oow_rate_limited in net/ipv4/tcp_input.c); a lab that sets it to 0 needs none.
  ack_ratelimit = 0,
}

-- The rules whose ACK answers an unacceptable segment: what such a rate limit covers.
local RATE_LIMITED = { ["seq.unacceptable"] = true, ["rst.challenge"] = true,
  ["syn.challenge"] = true, ["ack.window_5961"] = true, ["ack.too_new"] = true,
  ["paws.reject"] = true }

-- Splits a knob table into the model's knobs and the judge's timing: once per table and
-- its contents (the fuzzer judges every case with the same few), both results shared --
-- nobody may change them.
local split_memo = setmetatable({}, {__mode = "k"})
local function split_knobs_fresh(k)
  local model, timing = {}, {}
  for n, v in pairs(M.TIMING) do timing[n] = v end
  for n, v in pairs(k or {}) do
    if M.TIMING[n] ~= nil then
      if type(v) ~= "number" or v < 0 or v > 10 then
        error(("sweep.judge knob %s: expected seconds 0..10, got %s"):format(n, tostring(v)), 4)
      end
      timing[n] = v
    else
      model[n] = v
    end
  end
  return mknobs.resolve(model, "sweep.judge knob"), timing
end

local function split_knobs(k)
  local m = k and split_memo[k]
  if m then
    local n, same = 0, true
    for name, v in pairs(k) do
      n = n + 1
      if m.input[name] ~= v then same = false break end
    end
    if same and n == m.n then return m.mk, m.timing end
  end
  local mk, timing = split_knobs_fresh(k)
  if k then
    local input, n = {}, 0
    for name, v in pairs(k) do input[name] = v; n = n + 1 end
    split_memo[k] = {input = input, n = n, mk = mk, timing = timing}
  end
  return mk, timing
end

-- mk with timewait_syn off, one table per mk (shared as above).
local no_tw = setmetatable({}, {__mode = "k"})
local function without_timewait_syn(mk)
  local r = no_tw[mk]
  if not r then
    r = {}
    for n, v in pairs(mk) do r[n] = v end
    r.timewait_syn = false
    no_tw[mk] = r
  end
  return r
end

local NO_TCB = { CLOSED = true, LISTEN = true }

-- The model's TCB for a case's snapshot (RFC 9293 3.3.1 variables, absolute numbers).
-- A listener's ISS is the target's choice (RFC 9293 3.4.1: a clock-driven ISN, RFC 6528
-- a secret hash): the prefix cannot know it (its snapshot says 0, or nil), so the model
-- is given 0 and the replies that carry it are not compared (unknown).
function M.tcb(case, snap)
  local ms = cases.model_state(case.state)
  if snap.state ~= nil and cases.model_state(snap.state) ~= ms then
    error(("sweep.judge snapshot.state: expected %s (case %s), got %s"):format(ms, case.id,
      tostring(snap.state)), 2)
  end
  local t = { state = ms, rcv_wnd = snap.rcv_wnd, ipv6 = case.family == "inet6" }
  local unknown = false
  if not NO_TCB[ms] then
    t.iss, t.snd_una, t.snd_nxt, t.snd_wnd = snap.iss, snap.snd_una, snap.snd_nxt, snap.snd_wnd
    t.max_snd_wnd, t.snd_mss = snap.snd_wnd, snap.mss
  elseif ms == "LISTEN" then
    t.iss, unknown = snap.iss or 0, true
  end
  if not NO_TCB[ms] and ms ~= "SYN-SENT" then t.irs, t.rcv_nxt = snap.irs, snap.rcv_nxt end
  -- Timestamps: in play when the snapshot knows TS.Recent (RFC 7323 3.2); in SYN-SENT
  -- when the target's SYN offered them; a listener takes them when offered.
  if snap.ts_recent ~= nil then t.ts, t.ts_recent = true, snap.ts_recent
  elseif ms == "SYN-SENT" then t.ts = snap.ts_val ~= nil
  elseif ms == "LISTEN" then t.ts = true end
  if ms == "SYN-RECEIVED" then t.passive = snap.passive ~= false end
  -- The application closed (an orphan): RFC 1122 4.2.2.13's half-duplex close applies.
  if snap.orphan then t.closed = true end
  return t, unknown
end

local function rule_of(e)
  if not e then return nil end
  return { id = e.id, rfc = e.rfc, sentence = e.text }
end

-- Replies of one model step in the contract's form.
local function replies(r, unknown)
  local out = {}
  for _, s in ipairs(r.send) do
    local own = s.rule and (s.rule.id == "reset.ack" or s.rule.id == "reset.no_ack")
    local seq = s.seq
    if unknown and not own then seq = nil end
    out[#out + 1] = { flags = s.flags, seq = seq, ack = s.ack, len = s.len or 0, win = s.win,
      delayed = s.delayed, rule = rule_of(s.rule) }
  end
  return out
end

-- The model's knobs for a target: descriptor d's `model`, then each sysctl of the
-- target's options (target "linux:net.ipv4.tcp_rfc1337=1:...", as --target gives it)
-- that d's `model_sysctls` maps to a knob -- sysctl name -> knob name (a boolean knob:
-- "0" false, any other integer true) or -> {knob =, values = {["1"] = v, ...}} -- so the
-- model follows the configuration the labs really run. A value the mapping does not
-- know is an error naming the sysctl, the values it takes and the one given.
function M.target_knobs(d, target)
  local k = {}
  for n, v in pairs(d and d.model or {}) do k[n] = v end
  local map = d and d.model_sysctls
  if type(map) ~= "table" then return k end
  for name, value in (target or ""):gmatch(":([^:=]+)=([^:]*)") do
    local m = map[name]
    if type(m) == "string" then
      if not value:match("^%-?%d+$") then
        error(("target %s: %s: expected an integer (model knob %s), got %q"):format(
          target, name, m, value), 0)
      end
      k[m] = tonumber(value) ~= 0
    elseif type(m) == "table" then
      if m.values[value] == nil then
        local known = {}
        for v in pairs(m.values) do known[#known + 1] = v end
        table.sort(known)
        error(("target %s: %s: expected one of %s (model knob %s), got %q"):format(
          target, name, table.concat(known, ", "), m.knob, value), 0)
      end
      k[m.knob] = m.values[value]
    end
  end
  return k
end

-- Returns the model's expectation for each step of case under snapshot snap and knobs
-- (the model's, model.knobs, plus the judge's TIMING names), as a list:
--   { replies = {{flags, seq, ack, len, win?, delayed?, rule}...}, state =, effects =,
--     rules = {{id, rfc, sentence}...}, window = seconds, sent = the materialized
--     segment, retransmit = {lo, hi} | nil }
-- window is how long to wait before "nothing (more) arrived" is believed: the ACK
-- delay when a reply may be delayed, else TIMING.quiet. retransmit is the range of the
-- target's own unacknowledged sequence space: a segment from it is the target's
-- retransmission timer, not an answer to the step. snap.listening (a listener holds the
-- port) makes a connection the model closes continue as LISTEN. Raises on a bad case,
-- snapshot or knob, naming the field.
--
-- pre (optional, the fuzzer's plan): the model already run over these steps from the
-- same snapshot, {tcb = the TCB M.tcb gave, mk = its model knobs, steps = {[i] =
-- {before = the TCB step i arrived on, r = arrive.segment's result}}}: a step whose
-- TCB and knobs are those is not run again (the plan's run and this one were a fifth of
-- a campaign's Lua time between them).
-- Both are resolved, shared tables (split_knobs, fuzz.plan): compared once per pair.
local same_memo = setmetatable({}, {__mode = "k"})
local function same_knobs(a, b)
  if a == b then return true end
  local m = same_memo[a]
  if m and m[b] ~= nil then return m[b] end
  local same = true
  for n, v in pairs(a) do if b[n] ~= v then same = false break end end
  for n in pairs(b) do if a[n] == nil then same = false break end end
  if not m then m = setmetatable({}, {__mode = "k"}); same_memo[a] = m end
  m[b] = same
  return same
end

function M.expect(case, snap, knobs, pre)
  local mk, timing = split_knobs(knobs)
  local tcb, unknown = M.tcb(case, snap)
  -- A SYN that reopens TIME-WAIT (RFC 1122 4.2.2.13 MAY, RFC 6191) makes a connection
  -- for a listening user: with no listener on the port there is none to reopen (Linux
  -- hands the SYN to a listener, else ACKs it from TIME-WAIT: tcp_v4_rcv TCP_TW_SYN).
  if tcb.state == "TIME-WAIT" and not snap.listening then mk = without_timewait_syn(mk) end
  if pre and same_knobs(pre.mk, mk) then tcb = pre.tcb else pre = nil end
  local retransmit
  if snap.snd_una and snap.snd_nxt and snap.snd_una ~= snap.snd_nxt and not NO_TCB[tcb.state] then
    -- In SYN-SENT the target's own segment is a bare SYN: its SYN,ACK of a simultaneous
    -- open (RFC 9293 3.10.7.3) carries the same ISS and is an answer, not a retransmission.
    retransmit = { lo = snap.snd_una, hi = snap.snd_nxt, bare_syn = tcb.state == "SYN-SENT" }
  end
  local out = {}
  for i, spec in ipairs(case.steps) do
    local sent = materialize.segment(spec, snap)
    local rcv_before = tcb.rcv_nxt
    -- Once a simultaneous open has left SYN-SENT, the target's timer retransmits its SYN
    -- as a SYN,ACK with the same ISS (RFC 9293 3.8.1): a retransmission, no answer
    -- (issue 11 round 4: SYN-SENT>SYN>SYN on a loaded machine, the SYN,ACK again 1 s
    -- after the prefix's SYN, in the second step's replies).
    local rt = retransmit
    if rt and rt.bare_syn and tcb.state ~= "SYN-SENT" then rt = { lo = rt.lo, hi = rt.hi } end
    local done = pre and pre.steps[i]
    local r
    if done and done.before == tcb then r = done.r
    else r = arrive.segment(tcb, materialize.model_segment(sent), mk) end
    local effects = {}
    for _, ev in ipairs(r.events) do
      effects[#effects + 1] = { what = ev.what, n = ev.n, errno = ev.errno }
      -- A new incarnation (RFC 6191): its ISS is the target's choice, not tcb.new_iss.
      if ev.what == "reopened" then unknown = true end
    end
    local e = { replies = replies(r, unknown), state = r.state, effects = effects, rules = {},
      sent = sent, retransmit = rt, window = timing.quiet, rcv_before = rcv_before,
      ratelimit = timing.ack_ratelimit }
    for _, ru in ipairs(r.rules) do e.rules[#e.rules + 1] = rule_of(ru) end
    for _, rp in ipairs(e.replies) do
      if rp.delayed then e.window = timing.ack_delay end
    end
    out[i] = e
    tcb = r.tcb
    -- Back in LISTEN (RFC 9293 3.10.7.4, SYN-RECEIVED from a passive open): the next
    -- SYN,ACK carries an ISS the target picks anew.
    if r.state == "LISTEN" then unknown = true end
    if r.state == "CLOSED" and snap.listening then
      tcb = { state = "LISTEN", iss = 0, rcv_wnd = snap.rcv_wnd, ts = true, ipv6 = tcb.ipv6 }
      unknown = true
    end
  end
  return out
end

-- Flags compared: SYN, FIN, RST, ACK, URG. PSH has no meaning on a segment without text
-- (RFC 9293 3.9.1 leaves its use to the sender) and ECN's E/W are not negotiated here.
local function flagset(f)
  local out = {}
  for ch in ("FSR.U"):gmatch(".") do
    if (f or ""):find(ch, 1, true) then out[#out + 1] = ch end
  end
  return table.concat(out)
end

-- The first field of observed reply o that differs from expected reply x, or nil.
local function mismatch(x, o)
  if flagset(x.flags) ~= flagset(o.flags) then
    return ("flags: expected %s, got %s"):format(x.flags, o.flags)
  end
  if x.seq ~= nil and x.seq ~= o.seq then
    return ("seq: expected %d, got %s"):format(x.seq, tostring(o.seq))
  end
  if x.flags:find(".", 1, true) and x.ack ~= o.ack then
    return ("ack: expected %d, got %s"):format(x.ack, tostring(o.ack))
  end
  if (x.len or 0) ~= (o.len or 0) then
    return ("len: expected %d, got %s"):format(x.len or 0, tostring(o.len))
  end
  if x.win ~= nil and x.win ~= o.win then
    return ("win: expected %d, got %s"):format(x.win, tostring(o.win))
  end
  return nil
end

local carried_ack
-- A reply from the target's own unacknowledged SYN, data or FIN (range {lo, hi,
-- bare_syn}: the sequence space it sent and was not acknowledged): its retransmission
-- timer (RFC 6298), not an answer to the step. bare_syn: the target's segment was a bare
-- SYN (SYN-SENT), so its SYN,ACK of a simultaneous open (RFC 9293 3.10.7.3), with the same
-- ISS, is an answer. Shared with the fuzzer's differential oracle (M.own_timer).
function M.retransmits(range, o)
  local f = o.flags or ""
  if not range or not (o.len and o.len > 0 or f:find("F", 1, true) or f:find("S", 1, true)) then
    return false
  end
  if range.bare_syn and f:find(".", 1, true) then return false end
  return mstate.within(o.seq, range.lo, mstate.add(range.hi, -1))
end
local function is_retransmit(e, o) return M.retransmits(e.retransmit, o) end

-- The index in carried (the target's retransmissions seen in a step) of one that
-- carries the bare ACK x expects (flags ".", the same SEG.ACK, from at or below its
-- SEG.SEQ), or nil: the target's timer fired as the step's segment came, and the ACK
-- went out on the retransmission instead of a segment of its own. Only an ACK of what
-- the step itself brought (x.ack beyond the RCV.NXT before it, rcv_before): a
-- retransmission carrying the old RCV.NXT says nothing about whether the step was
-- answered.
carried_ack = function(carried, x, rcv_before)
  if flagset(x.flags) ~= "." or (x.len or 0) ~= 0 then return nil end
  if rcv_before == nil or not mstate.gt(x.ack, rcv_before) then return nil end
  for i, r in ipairs(carried) do
    if flagset(r.flags):find(".", 1, true) and r.ack == x.ack
        and (x.seq == nil or r.seq == x.seq or mstate.lt(r.seq, x.seq)) then
      return i
    end
  end
  return nil
end

-- A shorthand line of replies: "R. 0:0(0) ack 1 win 0 | ..." or "nothing".
function M.show_replies(list)
  local out = {}
  for _, s in ipairs(list or {}) do
    local f = { flags = s.flags, seq = s.seq or 0, ack = s.ack, len = s.len, win = s.win }
    local txt = segment.format(f)
    if s.seq == nil then txt = txt:gsub("^(%S+) %d+:%d+", "%1 *:*") end
    if s.delayed then txt = txt .. " (may be delayed)" end
    if s.t then txt = ("%s (at %.3f s)"):format(txt, s.t) end
    out[#out + 1] = txt
  end
  return #out > 0 and table.concat(out, " | ") or "nothing"
end

-- "'. 1:1(0) ack 1' -> ESTABLISHED; nothing -> CLOSED": the contract's one-line form of
-- expected or observed steps.
function M.summary(steps)
  local out = {}
  for i, s in ipairs(steps) do
    out[i] = ("%s -> %s"):format(M.show_replies(s.replies), s.state or "?")
  end
  return table.concat(out, "; ")
end

-- Every step, expected vs seen, with what was sent (the contract's "detail").
function M.detail(case, expected, observed)
  local lines = {}
  for i, e in ipairs(expected) do
    local o = observed[i] or {}
    lines[#lines + 1] = ("step %d: sent %s"):format(i, segment.format({ flags = e.sent.flags,
      seq = e.sent.seq, ack = e.sent.ack or 0, len = e.sent.len, win = e.sent.win }))
    lines[#lines + 1] = ("  expected: %s -> %s"):format(M.show_replies(e.replies), e.state)
    lines[#lines + 1] = ("  seen:     %s -> %s"):format(M.show_replies(o.replies),
      tostring(o.state or "?"))
  end
  return case.id .. "\n" .. table.concat(lines, "\n")
end

local function verdict_text(case, i, n, what, rule)
  local step = case.steps[i] and cases.step_id(case.steps[i]) or "?"
  local s = ("step %d of %d (%s): %s"):format(i, n, step, what)
  if rule then s = s .. ("; rule %s (RFC %s): %s"):format(rule.id, rule.rfc, rule.sentence) end
  return s
end

-- An ACK among observed replies acknowledging at least ack (a coalesced ACK).
local function covers(list, ack)
  for _, o in ipairs(list or {}) do
    if (o.flags or ""):find(".", 1, true) and o.ack and mstate.ge(o.ack, ack) then return true end
  end
  return false
end

-- Compares observed (per step {replies = {{flags, seq, ack, len, win, t}...}, state =})
-- with expected (M.expect). Returns verdict, rule, text: "agree", nil, "" when every step
-- matches; "differs", the rule {id, rfc, sentence} of the first difference and a text
-- naming the step, expected vs seen, the rule and its sentence; "error", nil, why when a
-- step was not observed at all. Tolerated: a reply the model marks delayed that is
-- missing, when a later step's ACK covers it (RFC 9293 3.8.6.3 lets one ACK stand for
-- several; RFC 1122 4.2.3.2); the same reply arriving one step late; the target's own
-- retransmissions (retransmit range), one of which may carry an expected bare ACK; a
-- missing ACK to an unacceptable segment when one
-- was seen earlier in the case and the ack_ratelimit knob is set (RFC 5961 7).
-- Observed state nil: not compared.
-- Whether r repeats one of the replies the step expected and got (seen[1..k-1]) that
-- occupies sequence space (a SYN, a FIN or text), at least RETRANSMIT_MIN later: the
-- target's retransmission timer fired because the step's segment acknowledged nothing
-- (a SYN|ACK to a SYN, RFC 9293 3.8.1 / RFC 6298 5.4), which the step did not cause and
-- the model rightly does not predict. Seen when a loaded harness collects a step's
-- replies for over a second: Linux's SYN|ACK again after its 1 s initial RTO.
local RETRANSMIT_MIN = 0.15
M.RETRANSMIT_MIN = RETRANSMIT_MIN
-- Whether r repeats one of prior[1..n] (replies with their times .t) that occupies
-- sequence space, at least RETRANSMIT_MIN after it (above).
function M.repeats(prior, n, r)
  local f = r.flags or ""
  if not (f:find("S", 1, true) or f:find("F", 1, true) or (r.len or 0) > 0) then return false end
  for j = 1, n do
    local m = prior[j]
    if m.flags == r.flags and m.seq == r.seq and m.ack == r.ack and (m.len or 0) == (r.len or 0)
        and m.t and r.t and r.t - m.t >= RETRANSMIT_MIN then
      return true
    end
  end
  return false
end
local function is_repeat(seen, k, r) return M.repeats(seen, k - 1, r) end

-- The target's own timer, as the judge tells it from an answer: "retransmit" when r
-- comes from its unacknowledged sequence space (M.retransmits over range), "repeat" when
-- it repeats one of the replies in prior at least RETRANSMIT_MIN later (M.repeats), else
-- nil. The judge applies the two at their own places in compare (a retransmission may
-- carry an expected ACK, a repeat is only no extra reply); fuzz.oracles' differential
-- leaves both out of the outputs it compares (RFC 6298 timing is no part of a case).
function M.own_timer(r, range, prior)
  if M.retransmits(range, r) then return "retransmit" end
  if prior and M.repeats(prior, #prior, r) then return "repeat" end
  return nil
end

-- The replies of a step beyond the k-1 it expected and got, its repeats (is_repeat) left out.
local function extra_of(seen, k)
  local extra = {}
  for j = k, #seen do
    if not is_repeat(seen, k, seen[j]) then extra[#extra + 1] = seen[j] end
  end
  return extra
end

function M.compare(case, expected, observed)
  local n = #expected
  local late = {}                       -- delayed replies not yet seen
  local limited = false                 -- a rate-limited kind of ACK was seen
  for i = 1, n do
    local e, o = expected[i], observed and observed[i]
    if type(o) ~= "table" then
      return "error", nil, verdict_text(case, i, n, "not observed (the case did not complete)")
    end
    local seen, carried = {}, {}
    for _, r in ipairs(o.replies or {}) do
      if not is_retransmit(e, r) then seen[#seen + 1] = r else carried[#carried + 1] = r end
    end
    -- A delayed reply of the previous step arriving now (only when more came than this
    -- step expects, so the step's own reply is never taken for the late one).
    while #late > 0 and #seen > #e.replies and mismatch(late[1], seen[1]) == nil do
      table.remove(late, 1); table.remove(seen, 1)
    end
    if #late > 0 and not covers(seen, late[#late].ack) then
      local x = late[#late]
      return "differs", x.rule, verdict_text(case, i - 1, n, ("expected %s, seen nothing "
        .. "(not delayed into step %d either)"):format(M.show_replies({ x }), i), x.rule)
    end
    late = {}
    local k = 1
    for _, x in ipairs(e.replies) do
      local got = seen[k]
      local why = got and mismatch(x, got)
      local piggy = (not got or why) and carried_ack(carried, x, e.rcv_before)
      if piggy then
        -- the ACK rode on a retransmission the timer sent at that moment (RFC 9293
        -- 3.10.7.4: "send an acknowledgment" -- any segment carrying ACK=RCV.NXT is one)
        table.remove(carried, piggy)
      elseif got and not why then
        k = k + 1
        if x.rule and RATE_LIMITED[x.rule.id] then limited = true end
      elseif x.delayed and i < n then
        late[#late + 1] = x
      elseif limited and x.rule and RATE_LIMITED[x.rule.id] and (e.ratelimit or 0) > 0 then
        -- suppressed by the rate limit: the previous such ACK was within the interval
        -- (the case's steps follow each other within it; see TIMING.ack_ratelimit)
      else
        local what = got and ("expected %s, seen %s (%s)"):format(M.show_replies({ x }),
          M.show_replies({ got }), why)
          or ("expected %s, seen nothing"):format(M.show_replies({ x }))
        return "differs", x.rule, verdict_text(case, i, n, what, x.rule)
      end
    end
    local last = e.rules[#e.rules]
    local extra = extra_of(seen, k)
    if #extra > 0 then
      return "differs", last, verdict_text(case, i, n, ("expected %s, seen also %s (extra)"):format(
        M.show_replies(e.replies), M.show_replies(extra)), last)
    end
    if o.state ~= nil and o.state ~= e.state then
      return "differs", last, verdict_text(case, i, n, ("state: expected %s, seen %s"):format(
        e.state, tostring(o.state)), last)
    end
  end
  return "agree", nil, ""
end

return M
