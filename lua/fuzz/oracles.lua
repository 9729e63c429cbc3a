-- fuzz.oracles: the four oracles of issue 11 item 3, each finding labelled with the one
-- that fired: model (a reply or silence the RFC 9293 model does not allow, with its rule
-- and RFC sentence: sweep.judge.compare), differential (the same program on every
-- target, outputs compared after abstraction; with three or more targets the odd one
-- out is named), invariants (on every reply), liveness (lab trouble: decided by the
-- campaign, which re-runs the suspects). Pure Lua, no I/O.
local judge = require "sweep.judge"
local mstate = require "model.state"
local program = require "fuzz.program"

local M = {}
local U32 = 4294967296

local function rel(n, base) return n and ((n - base) % U32) or 0 end

local function flagset(f)
  local out = {}
  for ch in ("SFRPU."):gmatch(".") do
    if (f or ""):find(ch, 1, true) then out[#out + 1] = ch end
  end
  return #out > 0 and table.concat(out) or "-"
end

-- The abstraction of one result (exec.batch): per step a text of the replies (flags,
-- seq relative to the target's ISN -- the newest one a SYN announced --, ack relative
-- to the harness's ISN, payload length, a zero or open window), the state after, the
-- call's result. The target's own timer's segments are left out (timer_range below:
-- their timing, RFC 6298, is no part of a case), and so are windows beyond
-- zero/non-zero (each stack sizes its buffers its own way) and the replies' timing.
-- A number relative to its anchor: the connection's ISN (plain "N"), or a raw number the
-- program sent ("raw+N", or the absolute 0 an RST answering a segment without ACK takes,
-- RFC 9293 3.10.7.1), which is the same on every target while the ISNs are not (an ACK
-- of a segment at a raw sequence number, an RST taking its sequence number from a raw
-- acknowledgment number, RFC 9293 3.10.7). A raw anchor is taken only when it is near
-- (within RAW_NEAR) and nearer than the ISN: "nearest of all" made the choice a coin toss
-- whenever the ISN-relative distance was large (a SYN at RCV.NXT+2^31, an RST at
-- SND.NXT+2^30), since a raw number's distance to a lab's random ISN is random too --
-- the same outputs were then written differently on two labs (issue 11: ~30 false
-- differential findings in a linux,linux:rfc1337 campaign).
local RAW_NEAR = 1 << 20
-- The offset of n from its raw anchor (see above), or nil when the ISN is its anchor;
-- second, the distance to that anchor. Also fuzz.script's: a test's expectation of such
-- a number is absolute.
function M.raw_offset(n, isn, raws)
  local function signed(x) return x >= 2147483648 and x - U32 or x end
  local best, bd = nil, math.abs(signed(rel(n, isn)))
  for _, v in ipairs(raws) do
    local e = signed(rel(n, v))
    if math.abs(e) < RAW_NEAR and math.abs(e) < bd then best, bd = e, math.abs(e) end
  end
  return best, bd
end
-- A step at the right edge (seq relative to RCV.NXT+RCV.WND) sends a number that
-- differs per target by its window (Linux 64240, gVisor 29184): an ack of it is
-- written relative to the step's own SEG.SEQ ("seg+N", `edge`) when that is nearer
-- (issue 11's linux,gvisor campaign: one RST|ACK <ACK=SEG.SEQ+1> on both, written
-- "ack 64241" and "ack 29185").
-- A reply's sequence number far from the newest ISN is written relative to the step's
-- own SEG.ACK ("ack+N", `sack`) when that is near: after a RST and a new SYN took a
-- connection back through LISTEN, an ACK of the old SND.NXT gets <SEQ=SEG.ACK><CTL=RST>
-- (RFC 9293 3.10.7.3), a number whose distance to the new ISN is random per lab (a false
-- differential finding in selftest_fuzz_rfc1337's campaign, 925c1cdbb0dd88ef). Near the
-- ISN the ISN stays the anchor, so the usual texts do not change.
local function anchored(n, isn, raws, edge, sack)
  local function signed(x) return x >= 2147483648 and x - U32 or x end
  local best, bd = M.raw_offset(n, isn, raws)
  local name = "raw"
  if edge then
    local e = signed(rel(n, edge))
    if math.abs(e) < RAW_NEAR and math.abs(e) < bd then best, bd, name = e, math.abs(e), "seg" end
  end
  if sack and bd >= RAW_NEAR then
    local e = signed(rel(n, sack))
    if math.abs(e) < RAW_NEAR then best, bd, name = e, math.abs(e), "ack" end
  end
  if not best then return tostring(rel(n, isn)) end
  return ("%s%s%d"):format(name, best >= 0 and "+" or "", best)
end

-- The raw sequence and acknowledgment numbers the program's segments carry (an ack only
-- where the ACK bit makes it one), and 0 among the acknowledgment anchors (an RST's
-- sequence number when the segment it answers had no ACK bit).
function M.raws_of(p)
  local seqs, acks = {}, {0}
  for _, st in ipairs(p and p.steps or {}) do
    local g = st.seg
    if g and g.seq and g.seq[1] == "raw" then seqs[#seqs + 1] = g.seq[2] % U32 end
    if g and g.ack and g.ack[1] == "raw" and g.flags:find("A", 1, true) then
      acks[#acks + 1] = g.ack[2] % U32
    end
  end
  return seqs, acks
end

-- The target's own timer (sweep.judge.own_timer, the judge's classification): a reply
-- from the sequence space it already sent -- its ISS up to the highest end it sent so
-- far (top); below SND.UNA too, since the harness's acknowledgment may cross the
-- retransmission -- or a repeat, at least
-- judge.RETRANSMIT_MIN later, of a reply it sent before. Each stack's retransmission
-- timer runs on its own clock (RFC 6298: Linux's 1 s initial RTO and its SYN re-sent at
-- TCP_TIMEOUT_MIN after an unacceptable ACK, lwIP's 500 ms ticks), so such a reply is no
-- output of the case; one that acknowledges more than any segment of the target before
-- it did stands for the ACK it carries (judge.compare's carried ACK), written as that
-- bare ACK, unless the step brought such an ACK of its own.
local function timer_range(res, top)
  local snap = res.snap
  if not snap.iss or snap.iss == 0 or snap.iss == top then return nil end
  return {lo = snap.iss, hi = top, bare_syn = res.program.start.state == "SYN-SENT"}
end

local function has_ack(r) return r.flags:find(".", 1, true) and r.ack end

-- Which of each step's replies are the target's own timer's (above): per step i,
-- own[j] (judge.own_timer's "retransmit" or "repeat", else nil) for its reply j, at[j]
-- the highest end the target had sent before it, and carried[j] true when that reply
-- stands for the bare ACK it carries. The one walk both the differential's abstraction
-- (M.abstract) and an emitted test's expectation (fuzz.script.observed) read, so a test
-- expects what the oracle compared.
function M.own_replies(res)
  local snap = res.snap
  local top = snap.snd_nxt or 0     -- the highest sequence number the target sent
  local acked = snap.rcv_nxt        -- the highest acknowledgment it sent
  local prior = {}                  -- its replies so far
  local out = {}
  for i, o in ipairs(res.steps) do
    local own, at, carried = {}, {}, {}
    -- which replies are the timer's (a repeat of one earlier in the same step too), and
    -- the highest end sent before each
    for j, r in ipairs(o.replies or {}) do
      own[j], at[j] = judge.own_timer(r, timer_range(res, top), prior), top
      local len = (r.len or 0) + (r.flags:find("S", 1, true) and 1 or 0) + (r.flags:find("F", 1, true) and 1 or 0)
      if not own[j] and len > 0 and mstate.gt(mstate.add(r.seq, len), top) then top = mstate.add(r.seq, len) end
      prior[#prior + 1] = r
    end
    for j, r in ipairs(o.replies or {}) do
      if own[j] and has_ack(r) and acked and mstate.gt(r.ack, acked) then
        local own_ack = false
        for q, x in ipairs(o.replies) do
          if not own[q] and has_ack(x) and mstate.ge(x.ack, r.ack) then own_ack = true end
        end
        carried[j] = not own_ack
      end
      if has_ack(r) and acked and mstate.gt(r.ack, acked) then acked = r.ack end
    end
    out[i] = {own = own, at = at, carried = carried}
  end
  return out
end

function M.abstract(res)
  local snap = res.snap
  if not snap then return nil end
  local raw_seqs, raw_acks = M.raws_of(res.program)
  local base = snap.iss or 0
  local steps = {}
  local function ack_text(seq, ack)
    return (". %s(0) ack %s"):format(anchored(seq, base, raw_acks), anchored(ack, snap.irs, raw_seqs))
  end
  local timer = M.own_replies(res)
  for i, o in ipairs(res.steps) do
    local parts = {}
    local own, at, carried = timer[i].own, timer[i].at, timer[i].carried
    local st = res.program and res.program.steps[i]
    local sent = res.plan and res.plan.steps[i] and res.plan.steps[i].sent
    local edge = st and st.seg and st.seg.seq and st.seg.seq[1] == "rcv_wend" and sent and sent.seq or nil
    for j, r in ipairs(o.replies or {}) do
      if own[j] then
        if carried[j] then parts[#parts + 1] = ack_text(at[j], r.ack) end
      else
        if r.flags:find("S", 1, true) then base = r.seq end
        -- PSH left out: its use is the sender's (RFC 9293 3.9.1; the judge does not compare
        -- it either): Linux pushes the last segment of a send, lwIP none of them
        local sack = sent and st.seg.flags:find("A", 1, true) and sent.ack or nil
        local txt = ("%s %s(%d)"):format(flagset((r.flags:gsub("P", ""))), anchored(r.seq, base, raw_acks, nil, sack), r.len or 0)
        if r.flags:find(".", 1, true) then txt = txt .. " ack " .. anchored(r.ack, snap.irs, raw_seqs, edge) end
        if (r.win or 0) == 0 and not r.flags:find("R", 1, true) then txt = txt .. " win 0" end
        parts[#parts + 1] = txt
      end
    end
    local t = (#parts > 0 and table.concat(parts, ", ") or "nothing") .. " -> " .. tostring(o.state)
    if o.call then t = ("call %s%s; "):format(o.call.ret, o.call.err ~= "" and (" " .. o.call.err) or "") .. t end
    steps[i] = t
  end
  return steps
end

-- "R.", ". +data", "nothing": the class of a step's replies (coverage and signatures).
function M.reply_class(o)
  local parts = {}
  for _, r in ipairs(o and o.replies or {}) do
    parts[#parts + 1] = flagset(r.flags) .. ((r.len or 0) > 0 and "+data" or "")
  end
  return #parts > 0 and table.concat(parts, ",") or "nothing"
end

-- How many of the plan's judged steps stay judged once the replies are known: a step
-- relative to the right edge (rcv_wend) after the target announced another edge than
-- the prefix's (an ACK whose SEG.ACK+SEG.WND is not the snapshot's RCV.NXT+RCV.WND) is
-- relative to an edge the plan did not know -- gVisor announces 29184 in its SYN,ACK
-- and 65535 in its first ACK after it, and takes the new edge (issue 11's gVisor
-- campaign: a RST at the plan's RCV.NXT+RCV.WND+1 was inside it and reset).
local function judged_upto(res, n)
  local snap = res.snap or {}
  if not (snap.rcv_nxt and snap.rcv_wnd) then return n end
  local edge = (snap.rcv_nxt + snap.rcv_wnd) % U32
  for i = 2, n do
    local st = res.program.steps[i]
    if st.seg and st.seg.seq and st.seg.seq[1] == "rcv_wend" then
      for j = 1, i - 1 do
        for _, r in ipairs(res.steps[j].replies or {}) do
          if r.flags:find(".", 1, true) and not r.flags:find("R", 1, true) and r.ack and r.win
              and (r.ack + r.win) % U32 ~= edge then
            return i - 1
          end
        end
      end
    end
  end
  return n
end

-- The model oracle on one result: nil, or a finding (the first step that differs from
-- the model among those it judges).
function M.model(res)
  local pl = res.plan
  if res.error or not pl or pl.judged == 0 then return nil end
  local n = judged_upto(res, pl.judged)
  if n == 0 then return nil end
  local case, expect = pl.case, pl.expect
  if n < pl.judged then
    case = {id = program.case_id(res.program, n), state = case.state, family = case.family, steps = {}}
    expect = {}
    for i = 1, n do case.steps[i], expect[i] = pl.case.steps[i], pl.expect[i] end
  end
  local observed = {}
  for i = 1, n do observed[i] = {replies = res.steps[i].replies, state = res.steps[i].state} end
  local verdict, rule, text = judge.compare(case, expect, observed)
  if verdict ~= "differs" then return nil end
  -- The step that differs: compare's text names it ("step N of M ...").
  local k = tonumber(text:match("^step (%d+) of")) or 1
  local prev = k > 1 and res.steps[k - 1].state or res.program.start.state
  -- seen: what the target did up to that step, for the declared deviations that filter
  -- on it (sweep.deviations `seen`: gVisor's "FIN-WAIT-1" after a retransmitted FIN, its
  -- orphan's "R. "), as the sweep's result carries it.
  local upto = {}
  for i = 1, k do upto[i] = observed[i] end
  return {oracle = "model", step = k, state = prev, rule = rule and rule.id or "",
    seen = judge.summary(upto),
    rfc = rule and rule.rfc or "", sentence = rule and rule.sentence or "", detail = text,
    class = program.event_class(res.program.steps[k]), reply_class = M.reply_class(res.steps[k]),
    expected = judge.summary({pl.expect[k]})}
end

-- Invariants on every reply of a result (RFC 9293 3.1 checksum, 3.2 options, 3.4 ack
-- not beyond what was sent, 3.10.7.* no RST in answer to an RST, 3.8.6 no data beyond
-- the window offered): nil or a finding.
function M.invariants(res)
  if not res.snap then return nil end
  local snap = res.snap
  -- The ends of what the harness sent (RCV.NXT at the prefix, then each segment's end):
  -- an acknowledgment is beyond what was sent when it is beyond every one of them. One
  -- running maximum was wrong once a program sent a raw number or one 2^31 away (the
  -- circular "greater" then moved it anywhere: a false invariant finding in issue 11's
  -- Linux campaign, an ACK of RCV.NXT "1 byte beyond").
  local ends = {snap.rcv_nxt}
  local function beyond(ack)
    if #ends == 0 then return nil end
    local least
    for _, e in ipairs(ends) do
      if not mstate.gt(ack, e) or mstate.diff(ack, e) >= (1 << 30) then return nil end
      local d = mstate.diff(ack, e)
      if not least or d < least then least = d end
    end
    return least
  end
  for i, o in ipairs(res.steps) do
    local st = res.program.steps[i]
    local sent = res.plan and res.plan.steps[i] and res.plan.steps[i].sent
    if sent then
      ends[#ends + 1] = mstate.add(sent.seq, (sent.len or 0) + (sent.flags:find("S", 1, true) and 1 or 0)
        + (sent.flags:find("F", 1, true) and 1 or 0))
    end
    for _, r in ipairs(o.replies or {}) do
      local why
      if r.csum_ok == false then why = "a reply's TCP checksum is wrong (RFC 9293 3.1 MUST-2)"
      elseif r.opt_malformed then why = "a reply's options are malformed (RFC 9293 3.1/3.2)"
      elseif r.flags:find(".", 1, true) and snap.iss ~= 0 and beyond(r.ack) then
        why = ("a reply acknowledges %d bytes beyond what the harness sent (RFC 9293 3.4)")
          :format(beyond(r.ack))
      elseif st.seg and st.seg.flags:find("R", 1, true) and r.flags:find("R", 1, true)
        and not st.seg.flags:find("S", 1, true) then
        why = "an RST answered an RST (RFC 9293 3.10.7: an incoming RST is never answered by one)"
      end
      if why then
        return {oracle = "invariant", step = i, state = i > 1 and res.steps[i - 1].state or res.program.start.state,
          rule = "invariant", rfc = "9293 3.1", sentence = why, detail = why .. ": " .. tostring(r.text),
          class = program.event_class(st), reply_class = M.reply_class(o)}
      end
    end
  end
  return nil
end

-- The differential oracle over the results of one program on every target (results[t]
-- in the campaign's target order; names[t]): nil or a finding. Results with an error
-- are not compared (the case's own trouble is no output). With two targets the first
-- is the reference and the second the one named; with more, the odd one out (the
-- target whose outputs no other shares, when all others agree); else "".
function M.differential(results, names)
  if #results < 2 then return nil end
  local abs = {}
  for i, r in ipairs(results) do
    if r.error then return nil end
    abs[i] = M.abstract(r)
    if not abs[i] then return nil end
  end
  local n = #abs[1]
  for k = 1, n do
    local groups, order = {}, {}
    for i = 1, #abs do
      local v = abs[i][k]
      if not groups[v] then groups[v] = {}; order[#order + 1] = v end
      table.insert(groups[v], i)
    end
    if #order > 1 then
      local odd = ""
      if #abs == 2 then odd = names[2]
      elseif #order == 2 then
        for _, v in ipairs(order) do
          if #groups[v] == 1 then odd = names[groups[v][1]] end
        end
      end
      local outputs = {}
      for i = 1, #abs do outputs[names[i]] = table.concat(abs[i], "; ") end
      local classes = {}
      for i = 1, #abs do classes[#classes + 1] = M.reply_class(results[i].steps[k]) .. "->" ..
        tostring(results[i].steps[k].state) end
      local p = results[1].program
      -- Each target's model verdict on the leading steps (its own knobs), for
      -- fuzz.declared: a difference at a step the model judges on every target is
      -- explained by the targets' own departures from the model (declared or not).
      local per = {}
      for i, r in ipairs(results) do
        local judged = r.plan and r.plan.judged or 0
        per[i] = {name = names[i], judged = judged, model = judged >= k and M.model(r) or nil}
      end
      return {oracle = "differential", step = k, target = odd, per_target = per,
        state = k > 1 and results[1].steps[k - 1].state or p.start.state,
        class = program.event_class(p.steps[k]), reply_class = table.concat(classes, "|"),
        rule = "", rfc = "", sentence = "", outputs = outputs,
        detail = ("step %d (%s): %s"):format(k, program.step_id(p.steps[k]),
          table.concat(order, " / "))}
    end
  end
  return nil
end

-- The signature of a finding: a hash of (oracle, target, state, event class, reply
-- class or rule or crash site), 16 hex digits.
-- A crash is one finding whatever segment or state led to it: liveness signs with the
-- target and the crash site (M.site) only. A difference is one finding whatever flag
-- variant of the segment showed it: differential signs with the offending target, the
-- state and the reply-class difference (one TIME-WAIT RST behaviour came out as 16
-- signatures, one per event class); the campaign counts the event classes as the
-- finding's variants.
function M.signature(f)
  if f.oracle == "liveness" then
    return program.hash(table.concat({f.oracle, f.target or "", f.site or ""}, "\0"))
  end
  if f.oracle == "differential" then
    return program.hash(table.concat({f.oracle, f.target or "", f.state or "",
      f.reply_class or ""}, "\0"))
  end
  local what = f.oracle == "model" and f.rule or f.reply_class
  return program.hash(table.concat({f.oracle, f.target or "", f.state or "", f.class or "",
    what or ""}, "\0"))
end

-- The crash site of a lab's trouble text: the target's last words when the lab gives
-- them ("its last words: Assertion ... at line 1430 in tcp_in.c"), else the text; digits
-- other than a source line's are masked (pids, ports, times).
function M.site(text)
  text = tostring(text)
  local words = text:match("last words: ([^\n]*)")
  if words then return (words:sub(1, 160)) end
  return (text:gsub("%d+", "N"):sub(1, 160))
end

return M
