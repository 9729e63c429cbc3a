-- fuzz.declared: the declared deviations (a target's sweep_deviations,
-- lua/sweep/deviations.lua) that cover a fuzzer's finding. They are written against the
-- sweep's case ids, so a finding is looked up by its program's id up to the step, by
-- the state that step met and the step, and by the sweep's nearest case of that step.
local program = require "fuzz.program"
local deviations = require "sweep.deviations"
local prefix = require "sweep.prefix"

local M = {}

-- The step as the sweep's nearest case names it, for the declared deviations (written
-- against the sweep's ids): URG and PSH and the text left out, a sequence number below
-- RCV.NXT as RCV.NXT-1, one far beyond (2^20 and more) as RCV.NXT+2^31, one beyond the
-- window's right edge as RCV.WND+1, and left of it as its last byte -- the sweep's
-- representatives of "unacceptable", "the right edge",
-- "in the window" (RFC 9293 3.10.7.4's table: what decides acceptability is where the
-- segment starts, not by how much). The fuzzer's offsets are any; the sweep's are these.
function M.canonical_step(st)
  if not st.seg then return st end
  local g = program.copy(st.seg)
  g.flags = g.flags:gsub("[UP]", "")
  g.up, g.data, g.len, g.opts = nil, nil, nil, nil
  local e, off = g.seq[1], g.seq[2] or 0
  if e == "rcv_nxt" and off < 0 and off > -2147483648 then g.seq = {e, -1}
  elseif e == "rcv_nxt" and off >= 1048576 and off < 2147483648 + 1048576 then g.seq = {e, 2147483648}
  elseif e == "rcv_wend" and off > 0 and off < 1048576 then g.seq = {e, 1}
  elseif e == "rcv_wend" and off < -1 and off > -1048576 then g.seq = {e, -1} end
  -- The acknowledgment number likewise (RFC 9293 3.10.7.4 fifth step, RFC 5961 5.2):
  -- below SND.UNA as SND.UNA-1 (within MAX.SND.WND) or SND.UNA-2^20 (beyond it), beyond
  -- SND.NXT as SND.NXT+1 -- the sweep's representatives.
  local a = g.ack
  local ae, aoff = a and a[1], a and (a[2] or 0)
  if ae == "snd_una" and aoff < 0 and aoff > -65536 then g.ack = {ae, -1}
  -- SND.NXT-n, n >= 2, is below SND.UNA in every state (at most a FIN is unacknowledged)
  elseif ae == "snd_nxt" and aoff < -1 and aoff > -65536 then g.ack = {"snd_una", -1}
  elseif ae == "snd_una" and aoff <= -65536 and aoff > -2147483648 then g.ack = {ae, -1048576}
  elseif ae == "snd_nxt" and aoff > 1 and aoff < 1048576 then g.ack = {ae, 1}
  -- SND.NXT+n, n >= 2^31, is SND.NXT-(2^32-n) in sequence space: far below SND.UNA
  -- (issue 11 round 4: ack=snd_nxt+2147483716 is the sweep's snd_una-2^20).
  elseif (ae == "snd_nxt" or ae == "snd_una") and aoff >= 2147483648 and aoff <= 4294967296 - 65536 then
    g.ack = {"snd_una", -1048576} end
  return {seg = g}
end

-- The key of a declared stack bug (an entry with `after`, sweep.deviations) that an
-- earlier step of p (before f.step) met: its key's glob matches the step in a state the
-- connection is known to have been in (the prefix's, or the one the finding's step met:
-- the states in between are not observed here; the bugs so marked hold in every
-- synchronized state) and one of its `after` globs the step's id. lwIP took text or a FIN
-- there that the model drops (targets/lwip/target.lua ack.off, ack.too_new): every later
-- step is judged against a RCV.NXT the stack no longer has.
local function after_bug(t, f, p, states)
  local devs = t.desc and t.desc.sweep_deviations
  if type(devs) ~= "table" or (f.step or 1) < 2 then return nil end
  local keys = {}
  for k, d in pairs(devs) do
    if type(d) == "table" and d.after and type(k) == "string" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  for j = 1, f.step - 1 do
    local st = p.steps[j]
    if st and st.seg then
      local sid = program.step_id(st)
      for _, k in ipairs(keys) do
        local g = k:match("@(.+)$") or k
        for _, state in ipairs(states) do
          if deviations.glob(g, state .. "/" .. p.start.family .. "/" .. sid) then
            for _, a in ipairs(devs[k].after) do
              if deviations.glob(a, sid) then return k end
            end
          end
        end
      end
    end
  end
  return nil
end

-- A target's descriptor by its name in the campaign (t.descs[name] when given, else the
-- built-in one of its base name, "linux" for "linux:net.ipv4.tcp_rfc1337=1").
local loaded = {}
local function descriptor_of(t, name)
  if name == t.name and t.desc then return t.desc end
  if t.descs and t.descs[name] then return t.descs[name] end
  local base = name:match("^[^:]+")
  if loaded[base] == nil then
    local ok, tc = pcall(require, "tcpconform")
    local ok2, d = false, nil
    if ok and tc._descriptor then ok2, d = pcall(tc._descriptor, base) end
    loaded[base] = ok2 and d or false
  end
  return loaded[base] or nil
end

-- A differential finding at a step that every target's model judges (f.per_target,
-- fuzz.oracles): the targets' outputs there are each the model's or a departure from
-- it that the model oracle reports for that target. It is explained when every such
-- departure (at or before the step) is declared in its own target's descriptor -- the
-- difference is then a known deviation or bug of one side, the other following the RFC.
-- Returns "<target>: <key>", else nil. When no target departs, both do what the RFC
-- allows under their own model knobs (RFC 1337's TIME-WAIT RST, lwIP's rfc1337 = true
-- against Linux's default): a difference the user asked the differential to show (the
-- planted one of tests/selftest_fuzz_rfc1337.sh is such), so it stays a finding.
local function differential(t, f, p)
  local per = f.per_target
  if type(per) ~= "table" or #per < 2 then return nil end
  local key = nil
  for _, x in ipairs(per) do
    if (x.judged or 0) < f.step then return nil end
    local m = x.model
    if m and m.step <= f.step then
      local d = descriptor_of(t, x.name)
      local k = d and M.find({desc = d, name = x.name}, m, p)
      if not k then return nil end
      key = key or (x.name .. ": " .. k)
    end
  end
  return key
end

-- The key covering finding f of program p on target t, or nil. A liveness finding is
-- the stack's crash: only an `error` entry whose text its last words hold covers it (as
-- the sweep's verdict "error", sweep.deviations).
-- pl: the program's plan on the target (fuzz.plan), optional: a raw SEG.SEQ of the
-- finding's step that is RCV.NXT+n for a small n in the snapshot the step was read
-- against is also looked up as {"rcv_nxt", n} -- the sweep's ids name the edge (issue 11
-- round 4: after the sweep's raw IRS 1000000 and the peer's FIN, seq=1000001 is
-- RCV.NXT-1 in CLOSE-WAIT).
function M.find(t, f, p, pl)
  local k = M.find_as_sent(t, f, p)
  if k or not pl then return k end
  local st, ps = p.steps[f.step], pl.steps and pl.steps[f.step]
  if not (st and st.seg and st.seg.seq[1] == "raw" and ps and ps.sent and ps.sent.seq
      and ps.snap and ps.snap.rcv_nxt) then
    return nil
  end
  local off = (ps.sent.seq - ps.snap.rcv_nxt) % 4294967296
  if off >= 2147483648 then off = off - 4294967296 end
  if off <= -65536 or off >= 65536 then return nil end
  local q = program.copy(p)
  q.steps[f.step].seg.seq = {"rcv_nxt", off}
  return M.find_as_sent(t, f, q)
end

function M.find_as_sent(t, f, p)
  if f.oracle == "differential" then
    local k = differential(t, f, p)
    if k then return k end
  end
  local st = p.steps[f.step]
  local states = {f.state or ""}
  -- A prefix the sweep names apart from its agent state (FIN-WAIT-2-ORPHAN is the
  -- agent's FIN-WAIT-2, orphaned): a later step in that state is still in that prefix's
  -- kind of connection, and the deviations are keyed by the prefix's name.
  if f.state ~= p.start.state and prefix.model_name(prefix.agent_state(p.start.state)) == f.state then
    states[2] = p.start.state
  end
  -- the program as found, and with every segment as the sweep's nearest case (a
  -- retransmitted SYN with URG is the sweep's LISTEN/*/SYN:*>SYN:*)
  local canon = {start = p.start, steps = {}}
  for i = 1, math.min(f.step or #p.steps, #p.steps) do canon.steps[i] = M.canonical_step(p.steps[i]) end
  local ids = {program.case_id(p, f.step), program.case_id(canon)}
  for _, state in ipairs(states) do
    ids[#ids + 1] = state .. "/" .. p.start.family .. "/" .. program.step_id(st)
    if st and st.seg then
      local c = M.canonical_step(st)
      ids[#ids + 1] = state .. "/" .. p.start.family .. "/" .. program.step_id(c)
      -- ...and with only its edges canonical, its flags, text and options as sent.
      local e = program.copy(st.seg)
      e.seq, e.ack = c.seg.seq, c.seg.ack
      ids[#ids + 1] = state .. "/" .. p.start.family .. "/" .. program.step_id({seg = e})
    end
  end
  local live = f.oracle == "liveness"
  for _, id in ipairs(ids) do
    local k = deviations.find({rule = f.rule or "", id = id, verdict = live and "error" or nil,
      detail = live and (f.last_words or f.detail) or nil, seen = f.seen}, t.desc)
    if k then return k end
  end
  if live then return nil end
  local start = {p.start.state}
  local model_start = prefix.model_name(prefix.agent_state(p.start.state))
  if model_start and model_start ~= p.start.state then start[#start + 1] = model_start end
  if f.state and f.state ~= p.start.state and f.state ~= model_start then start[#start + 1] = f.state end
  return after_bug(t, f, p, start)
end

return M
