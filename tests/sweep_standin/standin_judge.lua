-- A stand-in for sweep.judge (S2's): the model (model.arrive) says what must come back;
-- compare looks at the reply count, their flags and the state after. `expire`: cases
-- whose id is in it expect one ACK more than the model, so their window runs out.
local arrive = require "model.arrive"
local M = {expire = {}}

local base = {["ESTABLISHED-DATA-IN"] = "ESTABLISHED", ["ESTABLISHED-DATA-OUT"] = "ESTABLISHED",
  ["FIN-WAIT-2-ORPHAN"] = "FIN-WAIT-2"}

function M.expect(case, snap, knobs)
  local mat = require "standin_materialize"
  local out = {}
  local tcb = {state = base[snap.state] or snap.state, iss = snap.iss, irs = snap.irs,
    snd_una = snap.snd_una, snd_nxt = snap.snd_nxt, snd_wnd = snap.snd_wnd,
    rcv_nxt = snap.rcv_nxt, rcv_wnd = snap.rcv_wnd}
  for i, spec in ipairs(case.steps) do
    local seg = mat.segment(spec, snap)
    local ok, r = pcall(arrive.segment, tcb, {flags = seg.flags:gsub("A", "."), seq = seg.seq,
      ack = seg.ack, len = seg.len, win = seg.win}, knobs)
    local e = {replies = {}, state = tcb.state, rules = {}, window = tonumber(os.getenv("SWEEP_WINDOW") or "") or 0.25}
    if ok then
      for _, s in ipairs(r.send) do e.replies[#e.replies + 1] = {flags = s.flags, seq = s.seq, ack = s.ack, len = s.len or 0} end
      for _, rule in ipairs(r.rules) do e.rules[#e.rules + 1] = {id = rule.id, rfc = rule.rfc, sentence = rule.text} end
      e.state = r.state
      tcb = r.tcb
    end
    if M.expire[case.id] then e.replies[#e.replies + 1] = {flags = ".", seq = snap.snd_nxt, ack = snap.rcv_nxt, len = 0} end
    out[i] = e
  end
  return out
end

function M.compare(case, expected, observed)
  for i, e in ipairs(expected) do
    local o = observed[i]
    if #o.replies ~= #e.replies then
      return "differs", (e.rules[#e.rules] or {}).id, ("step %d: %d replies expected, %d seen"):format(i, #e.replies, #o.replies)
    end
    for j, r in ipairs(e.replies) do
      if r.flags ~= o.replies[j].flags then
        return "differs", (e.rules[#e.rules] or {}).id, ("step %d reply %d: flags %s, seen %s"):format(i, j, r.flags, o.replies[j].flags)
      end
    end
  end
  return "agree", "", ""
end

return M
