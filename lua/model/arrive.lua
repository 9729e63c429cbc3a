-- model.arrive: the entry point of the model. Given a TCB, an arriving segment and the
-- knobs, returns what must come back, the next state and what the socket sees, following
-- RFC 9293 3.10.7 "SEGMENT ARRIVES" (README.md in this folder describes the shapes).
local state = require "model.state"
local segment = require "model.segment"
local knobs = require "model.knobs"
local result = require "model.result"
local unsync = require "model.unsync"
local sync = require "model.sync"

local M = {}

-- Processes one arriving segment seg on the connection tcb (model.state.tcb shape) with
-- the knobs k (a table of overrides, or a resolved one; nil for the RFC defaults).
-- Neither tcb nor seg is changed: the result carries a new TCB. Bad input raises an
-- error naming the field, expected and actual value, at the caller's line.
function M.segment(tcb, seg, k)
  local t = state.tcb(tcb)
  local s = segment.check(seg)
  local ctx = result.new(t, s, knobs.resolve(k))
  if t.state == "CLOSED" then
    unsync.closed(ctx)
  elseif t.state == "LISTEN" then
    unsync.listen(ctx)
  elseif t.state == "SYN-SENT" then
    unsync.syn_sent(ctx, sync.after_ack)
  elseif sync.timewait_reopens(ctx) then
    -- The old incarnation is deleted and the SYN handled as a listener would handle it,
    -- with the new ISS tcb.new_iss (default: the old SND.NXT + 1, above anything the old
    -- connection used, RFC 1122 4.2.2.13).
    ctx:event("reopened", "syn.timewait_new")
    ctx.tcb = { state = "LISTEN", iss = t.new_iss or state.add(t.snd_nxt, 1), rcv_wnd = t.rcv_wnd,
      ts = t.ts, ipv6 = t.ipv6 }
    unsync.listen(ctx)
  else
    sync.arrive(ctx)
  end
  return ctx:finish()
end

return M
