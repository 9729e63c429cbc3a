-- fuzz.plan: a program made concrete against the snapshot its prefix took, step by
-- step, dependency-aware: each segment's edges are evaluated against the RFC 9293
-- model's TCB *before that step* (the model's prediction of the target after the steps
-- so far, lua/model/), so after a segment the model says advanced RCV.NXT, the next
-- step's {"rcv_nxt", 0} is the new RCV.NXT. The model also gives the expectation of the
-- leading steps it can judge (sweep.judge on a case of absolute numbers). Pure Lua.
local arrive = require "model.arrive"
local mknobs = require "model.knobs"
local judge = require "sweep.judge"
local materialize = require "sweep.materialize"
local segment = require "model.segment"
local program = require "fuzz.program"

local M = {}

-- The judge's own timing knobs are not the model's.
-- The model's knobs of a target's knob table, resolved once per table and variant (a
-- campaign plans every program with the same few): as given, or with timewait_syn off
-- (`no_tw`: no listener on the port, see make). Shared: nobody may change them (the
-- model copies what it is given).
local resolved = {[false] = setmetatable({}, {__mode = "k"}), [true] = setmetatable({}, {__mode = "k"})}
local function model_knobs(k, no_tw)
  local r = k and resolved[no_tw][k]
  if not r then
    r = M._model_knobs(k)
    if no_tw then r.timewait_syn = false end
    if k then resolved[no_tw][k] = r end
  end
  return r
end

-- The judge's knobs k with timewait_syn off, one table per k (as above).
local no_tw_knobs = setmetatable({}, {__mode = "k"})
local function without_timewait_syn(k)
  local r = k and no_tw_knobs[k]
  if not r then
    r = {}
    for n, v in pairs(k or {}) do r[n] = v end
    r.timewait_syn = false
    if k then no_tw_knobs[k] = r end
  end
  return r
end

function M._model_knobs(k)
  local out = {}
  for n, v in pairs(k or {}) do
    if judge.TIMING[n] == nil then out[n] = v end
  end
  return mknobs.resolve(out, "fuzz.plan knob")
end

local FIELDS = {"iss", "irs", "snd_una", "snd_nxt", "rcv_nxt", "rcv_wnd", "snd_wnd"}

-- The snapshot the next step's edges are read from: the last one, with what the model's
-- TCB knows now (a state without a TCB keeps the numbers it had). The same table when
-- nothing moved (most steps are dropped or answered without a change), else a copy:
-- each step keeps the snapshot it was read against.
local function track(snap, tcb)
  local moved = false
  for _, k in ipairs(FIELDS) do
    local v = tcb[k]
    if v ~= snap[k] and math.type(v) == "integer" then moved = true break end
  end
  if not moved then return snap end
  local s = {}
  for k, v in pairs(snap) do s[k] = v end
  for _, k in ipairs(FIELDS) do
    if math.type(tcb[k]) == "integer" then s[k] = tcb[k] end
  end
  return s
end

local TS_FALLBACK = {ts_recent = 1000, ts_val = 0}
local UNSYNC_START = {["CLOSED"] = true, ["LISTEN"] = true, ["SYN-SENT"] = true}

-- The options as the shorthand's list ("<mss 1460,TS val 5 ecr 0,raw 1e04>"), and the
-- model's view of them (mss, tsval, tsecr); judgeable: only options the model reads or
-- may ignore (RFC 7323 1.3: wscale/sackOK outside a SYN are ignored).
local function options(opts, snap, m)
  if not opts or #opts == 0 then return nil, true end
  local out, ok = {}, true
  for _, o in ipairs(opts) do
    if o.mss then out[#out + 1] = "mss " .. o.mss; m.mss = o.mss
    elseif o.wscale then out[#out + 1] = "wscale " .. o.wscale
    elseif o.sackok then out[#out + 1] = "sackOK"
    elseif o.nop then out[#out + 1] = "nop"
    elseif o.eol then out[#out + 1] = "eol"; ok = false
    elseif o.raw then out[#out + 1] = "raw " .. o.raw; ok = false
    elseif o.ts then
      local v = materialize.resolve(o.ts.val, snap, "opts.ts.val", TS_FALLBACK)
      local e = materialize.resolve(o.ts.ecr or {"raw", 0}, snap, "opts.ts.ecr", TS_FALLBACK)
      out[#out + 1] = ("TS val %d ecr %d"):format(v, e)
      m.tsval, m.tsecr = v, e
    end
  end
  return "<" .. table.concat(out, ",") .. ">", ok
end

-- One seg step against snapshot snap: the segment for sweep.observe.send (absolute
-- numbers; extra fields in opts), its model form, and whether the model can judge it.
function M.segment(s, snap)
  local f = materialize.flags(s.flags, "flags")
  local seq = materialize.resolve(s.seq, snap, "seq")
  local ack
  if s.ack then
    local a = materialize.resolve(s.ack, snap, "ack")
    if f.ACK or a ~= 0 then ack = a end
  end
  local len = s.len or 0
  if s.len == "mss" then
    len = snap.mss or 0
    -- RFC 9293 3.7.1: a sender's segment carries at most Eff.snd.MSS, the MSS less its
    -- TCP options (padded to 32 bits, 3.1); more would not fit the lab's link unless the
    -- step is fragmented (before, ~1% of a campaign's cases failed to send).
    if not (s.ip and s.ip.frag) then
      local ob = 0
      for _, o in ipairs(s.opts or {}) do ob = ob + program.opt_bytes(o) end
      len = math.max(0, len - (ob + 3) // 4 * 4)
    end
  end
  local data
  if s.data then data = s.data:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end); len = #data end
  local m = {flags = segment.flags(f), seq = seq, ack = ack, win = s.win or materialize.DEFAULT_WIN,
    len = len, up = s.up}
  local opttext, judgeable = options(s.opts, snap, m)
  local extra = {}
  if opttext then extra[#extra + 1] = {options = opttext} end
  if s.up then extra[#extra + 1] = {urg = s.up} end
  if data then extra[#extra + 1] = {data = data} end
  local ip = s.ip or {}
  if ip.ttl then extra[#extra + 1] = {ttl = ip.ttl} end
  if ip.tos then extra[#extra + 1] = {tos = ip.tos} end
  if ip.df ~= nil then extra[#extra + 1] = {df = ip.df} end
  -- RFC 9293 3.1 (MUST-2/3): a segment whose checksum is wrong is discarded; the model
  -- has no such step, so its expectation stops before one.
  if ip.bad_csum then extra[#extra + 1] = {csum = "bad"}; judgeable = false end
  -- The IP layer (c:send's options of the same names: sweep.observe.send puts them
  -- there). A reassembled segment is the segment the model judges (RFC 791 3.2, RFC
  -- 8200 4.5); one that never arrives -- a fragment left out, or an option that says
  -- discard (RFC 8200 4.2) -- is not a step of the model, as a bad checksum is not.
  if ip.frag then extra[#extra + 1] = {frag = ip.frag} end
  if ip.frag_order then extra[#extra + 1] = {frag_order = ip.frag_order} end
  if ip.frag_drop then extra[#extra + 1] = {frag_drop = ip.frag_drop} end
  if ip.ext then extra[#extra + 1] = {ext = table.concat(ip.ext, ",")} end
  if program.lost(s) then judgeable = false end
  local sent = {flags = m.flags, seq = seq, ack = ack, win = m.win, len = len, opts = extra}
  local mseg = {flags = m.flags == "-" and "" or m.flags, seq = seq, ack = ack, win = m.win,
    len = len, up = s.up, mss = m.mss, tsval = m.tsval, tsecr = m.tsecr}
  return sent, mseg, judgeable
end

-- The plan of program p under snapshot snap (sweep.prefix's), materialised with the
-- reference knobs `track_knobs` (the first target's: every target gets the same steps)
-- and judged with `knobs` (this target's model knobs). Returns
--   { steps = { {kind = "seg" | "call" | "delay", sent = segment | nil, snap = the
--     snapshot the step was read against, event = program.event_class}... },
--     judged = n (the leading steps the model judges), expect = sweep.judge.expect's
--     list for those, case = the sweep-like case judged }
function M.make(p, snap, track_knobs, knobs)
  local case0 = {state = p.start.state, family = p.start.family}
  local tcb = judge.tcb(case0, snap)
  -- A SYN in TIME-WAIT opens a new connection only for a listening user (judge.lua says
  -- why); with no listener on the port that holds whether the program starts in
  -- TIME-WAIT or gets there (a FIN-WAIT-1 program whose FIN,ACK leads to it: Linux
  -- ACKs the SYN, issue 11's Linux campaign), so the judge gets the knob too.
  local mk = model_knobs(track_knobs, not snap.listening)
  if not snap.listening then knobs = without_timewait_syn(knobs) end
  -- The first snapshot is a copy in any case (snap is the prefix's, kept by the result).
  local cur = {}
  for k, v in pairs(snap) do cur[k] = v end
  for _, k in ipairs(FIELDS) do
    if math.type(tcb[k]) == "integer" then cur[k] = tcb[k] end
  end
  local out, judged, open = {}, 0, true
  local text_sent = false
  -- The model's connection went back to LISTEN or CLOSED during the program: a later
  -- SYN opens a new connection whose ISN and window are the target's, unknown to the
  -- model, as from a LISTEN prefix (issue 11 round 4: SYN-RECEIVED, RST, SYN, then an
  -- ACK of SND.NXT that Linux's request socket rightly resets).
  local reopened = false
  local jsteps = {}
  -- The model's run, for judge.expect to reuse on the judged steps.
  local pre = {tcb = tcb, mk = mk, steps = {}}
  for i, st in ipairs(p.steps) do
    local e = {kind = st.seg and "seg" or st.call and "call" or "delay", snap = cur,
      event = program.event_class(st)}
    if st.seg then
      local before = cur
      local sent, mseg, ok = M.segment(st.seg, cur)
      e.sent = sent
      local okm, r = pcall(arrive.segment, tcb, mseg, mk)
      if okm then
        pre.steps[i] = {before = tcb, r = r}
        tcb = r.tcb
        cur = track(cur, tcb)
      end
      -- From CLOSED or LISTEN the prefix has no TCB: the target's ISN comes with its
      -- SYN,ACK to a step, so an acknowledgment number the plan reads from SND.UNA or
      -- SND.NXT is the model's guess (ISS 0), not the target's: the model does not
      -- judge it (Linux's request socket resets it, rightly, issue 11's campaign).
      local guessed = (snap.iss == 0 or reopened) and st.seg.ack and st.seg.ack[1] ~= "raw"
        and st.seg.flags:find("A", 1, true)
      -- After text was sent, the window's right edge is the one the target announced
      -- in its ACK of it (Linux keeps RCV.NXT+RCV.WND where it was, RFC 9293 3.8.6.2.2
      -- lets the right edge stay), not the prefix's RCV.WND past the new RCV.NXT: a
      -- step relative to it is not judged (issue 11's Linux campaign: a RST at the
      -- model's RCV.NXT+RCV.WND-1 was beyond Linux's edge).
      -- So is the window of a connection the program opened itself (from SYN-SENT, a
      -- simultaneous open; from LISTEN): the target announced it in its SYN,ACK.
      guessed = guessed or ((text_sent or UNSYNC_START[p.start.state] or reopened) and st.seg.seq[1] == "rcv_wend")
      if (sent.len or 0) > 0 then text_sent = true end
      if okm and (tcb.state == "LISTEN" or tcb.state == "CLOSED") then reopened = true end
      if open and ok and okm and not guessed then
        judged = i
        local o
        if mseg.mss then o = {{mss = mseg.mss}} end
        if mseg.tsval then
          o = o or {}
          o[#o + 1] = {ts = {val = {"raw", mseg.tsval}, ecr = {"raw", mseg.tsecr}}}
        end
        jsteps[i] = {flags = st.seg.flags, seq = {"raw", sent.seq},
          ack = sent.ack and {"raw", sent.ack} or nil, len = sent.len, win = sent.win,
          up = st.seg.up, opts = o}
        -- Text or a FIN in the window but beyond RCV.NXT: the stack may hold it for later
        -- (RFC 9293 3.10.7.4: "segments with higher beginning sequence numbers SHOULD be
        -- held"), the model keeps no such queue, so what follows is not judged.
        local off = before.rcv_nxt and sent.seq and ((sent.seq - before.rcv_nxt) % 4294967296)
        if off and off > 0 and off < (before.rcv_wnd or 0) and ((sent.len or 0) > 0
            or st.seg.flags:find("F", 1, true)) then
          open = false
        end
      else
        open = false
      end
    else
      open = false
    end
    out[i] = e
  end
  local plan = {steps = out, judged = judged}
  if judged > 0 then
    -- The id only names the case in the judge's error texts: made when read.
    plan.case = setmetatable({state = p.start.state, family = p.start.family, steps = jsteps},
      {__index = function(c, k)
        if k ~= "id" then return nil end
        c.id = program.case_id(p, judged)
        return c.id
      end})
    plan.expect = judge.expect(plan.case, snap, knobs, pre)
    -- With the prefix's listener on the port (snap.listening) the agent reports the
    -- port's state as LISTEN once the connection is gone: a connection the model closes
    -- shows as LISTEN (issue 11: a RST in ESTABLISHED after a passive open, "expected
    -- CLOSED, seen LISTEN").
    if snap.listening then
      for _, x in ipairs(plan.expect) do
        if x.state == "CLOSED" then x.state = "LISTEN" end
      end
    end
  end
  return plan
end

return M
