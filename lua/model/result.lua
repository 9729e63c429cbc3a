-- model.result: what one step of the model produces, built up while the steps of RFC 9293
-- 3.10.7 run. A finished result is
--   { send = {segment...}, state = "NEXT-STATE", tcb = next TCB, dropped = bool,
--     events = {{what = "data", n = 10, rule = ...}, ...}, rules = {rule...} }
-- send is what must come back (model.segment shape, each with the rule that sent it);
-- events are what the socket API sees (README.md lists them); rules are every rule
-- applied, in order, each {id, rfc, text, detail}.
local rules = require "model.rules"
local segment = require "model.segment"
local state = require "model.state"

local M = {}
local Ctx = {}
Ctx.__index = Ctx

-- A result under construction for TCB tcb (already a private copy), arriving segment seg
-- (checked, or nil for a user call) and the resolved knobs k.
function M.new(tcb, seg, k)
  return setmetatable({ tcb = tcb, seg = seg, knobs = k, send = {}, events = {}, rules = {},
    dropped = false }, Ctx)
end

-- Records that rule id was applied (detail: what made it apply) and returns the entry.
function Ctx:apply(id, detail)
  local r = rules.get(id)
  local e = { id = r.id, rfc = r.rfc, text = r.text, detail = detail }
  self.rules[#self.rules + 1] = e
  return e
end

-- The segment is discarded under rule id: nothing more of it is processed.
function Ctx:drop(id, detail)
  self.dropped = true
  return self:apply(id, detail)
end

function Ctx:go(next_state) self.tcb.state = next_state end

-- A socket-visible effect (what: "established", "accepted", "data", "eof", ...).
function Ctx:event(what, id, fields)
  local e = fields or {}
  e.what = what
  e.rule = self:apply(id)
  self.events[#self.events + 1] = e
end

function Ctx:emit(s) self.send[#self.send + 1] = s end

-- <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> now (an ACK that answers an unacceptable segment;
-- a challenge ACK), echoing TS.Recent when timestamps are in play (RFC 7323 3.2).
function Ctx:ack_now(id, detail)
  local t = self.tcb
  local s = segment.out(".", t.snd_nxt, t.rcv_nxt, self:apply(id, detail))
  if t.ts and t.ts_recent then s.tsecr = t.ts_recent end
  self:emit(s)
end

-- An ACK owed for what this segment brought (text, FIN, a SYN,ACK): sent once, at the
-- end, with the final RCV.NXT, as RFC 9293 3.10.7.4 seventh step lets it be piggybacked.
-- delayed: it may come up to 0.5 s later (RFC 9293 3.8.6.3); any immediate want wins.
function Ctx:want_ack(id, delayed)
  local r = self:apply(id)
  if self.pending then
    self.pending.delayed = self.pending.delayed and delayed
  else
    self.pending = { rule = r, delayed = delayed }
  end
end

-- The reset of RFC 9293 3.10.7.1 for the arriving segment: <SEQ=SEG.ACK><CTL=RST> if it
-- carried an ACK, else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Its window is the
-- rst_window knob's (the RFC's forms carry none).
function Ctx:reset(why)
  local seg, k = self.seg, self.knobs
  local s
  if seg.ACK then
    s = segment.out("R", seg.ack, nil, self:apply("reset.ack"))
  else
    s = segment.out("R.", 0, state.add(seg.seq, seg.seglen), self:apply("reset.no_ack"))
  end
  s.why = why and rules.get(why)
  if k.rst_window == "zero" then
    s.win = 0
  elseif k.rst_window == "rcv_wnd" and self.tcb.state ~= "CLOSED" then
    s.win = self.tcb.rcv_wnd
  end
  self:emit(s)
end

-- The connection is gone after an error (a RST, a SYN in the window): the user hears
-- "connection reset" in the states where it still has the socket (RFC 9293 3.10.7.4).
function Ctx:abort(id)
  if state.USER_HOLDS[self.tcb.state] then
    self:event("reset", id, { errno = "ECONNRESET" })
  else
    self:apply(id)
  end
  self:go("CLOSED")
end

-- The finished result (see the top of this file).
function Ctx:finish()
  if self.pending and self.tcb.state ~= "CLOSED" then
    local t = self.tcb
    local s = segment.out(".", t.snd_nxt, t.rcv_nxt, self.pending.rule)
    if t.ts and t.ts_recent then s.tsecr = t.ts_recent end
    s.delayed = self.pending.delayed or nil
    self:emit(s)
  end
  return { send = self.send, state = self.tcb.state, tcb = self.tcb, events = self.events,
    rules = self.rules, dropped = self.dropped }
end

return M
