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
  local st = p.steps[f.step]
  local states = {f.state or ""}
  -- A prefix the sweep names apart from its agent state (FIN-WAIT-2-ORPHAN is the
  -- agent's FIN-WAIT-2, orphaned): a later step in that state is still in that prefix's
  -- kind of connection, and the deviations are keyed by the prefix's name.
  if f.state ~= p.start.state and prefix.model_name(prefix.agent_state(p.start.state)) == f.state then
    states[2] = p.start.state
  end
  local ids = {program.case_id(p, f.step)}
  -- ...and the whole program so far as the sweep's nearest cases (issue 11 round 4: a
  -- retransmitted SYN with URG, LISTEN/*/SYN>SYN+URG, is the sweep's LISTEN/*/SYN:*>SYN:*;
  -- Linux's request socket masks all but RST, SYN and ACK, tcp_check_req).
  local near = {start = p.start, steps = {}}
  for i = 1, math.min(f.step or #p.steps, #p.steps) do near.steps[i] = M.canonical_step(p.steps[i]) end
  ids[#ids + 1] = program.case_id(near)
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
  for _, id in ipairs(ids) do
    local k = deviations.find({rule = f.rule or "", id = id}, t.desc)
    if k then return k end
  end
  return nil
end

return M
