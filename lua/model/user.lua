-- model.user: the user calls that move a connection without a segment arriving, RFC 9293
-- 3.10.1 OPEN, 3.10.2 SEND and 3.10.4 CLOSE, so that two model endpoints can play the
-- RFC's own figures against each other (what one sends arrives at the other). Each
-- returns a result of the model.result shape; a call the state does not allow returns
-- an "error" event with the RFC's message and changes nothing.
local state = require "model.state"
local segment = require "model.segment"
local knobs = require "model.knobs"
local result = require "model.result"

local M = {}

local function start(tcb) return result.new(state.tcb(tcb), nil, knobs.resolve(nil)) end

local function refuse(ctx, msg)
  ctx.events[#ctx.events + 1] = { what = "error", message = msg }
  return ctx:finish()
end

-- Active OPEN from CLOSED: <SEQ=ISS><CTL=SYN>, SYN-SENT. tcb.ts: offer timestamps
-- (then tsval is the TSval this end sends).
function M.connect(tcb, tsval)
  local ctx = start(tcb)
  local t = ctx.tcb
  if t.state ~= "CLOSED" then return refuse(ctx, "error: connection already exists") end
  if t.iss == nil then error("model tcb.iss: required to connect", 2) end
  t.snd_una, t.snd_nxt = t.iss, state.add(t.iss, 1)
  local s = segment.out("S", t.iss, nil, ctx:apply("user.open_active"))
  s.win, s.tsval = t.rcv_wnd, t.ts and tsval or nil
  ctx:emit(s)
  ctx:go("SYN-SENT")
  return ctx:finish()
end

-- Passive OPEN from CLOSED: LISTEN (tcb.iss: the ISS its SYN,ACK will carry).
function M.listen(tcb)
  local ctx = start(tcb)
  if ctx.tcb.state ~= "CLOSED" then return refuse(ctx, "error: connection already exists") end
  ctx:apply("user.open_passive")
  ctx:go("LISTEN")
  return ctx:finish()
end

-- SEND of n bytes in ESTABLISHED or CLOSE-WAIT: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK,PSH>.
function M.send(tcb, n)
  local ctx = start(tcb)
  local t = ctx.tcb
  if t.state ~= "ESTABLISHED" and t.state ~= "CLOSE-WAIT" then
    return refuse(ctx, "error: connection closing")
  end
  local s = segment.out("P.", t.snd_nxt, t.rcv_nxt, ctx:apply("user.send"))
  s.len = n
  ctx:emit(s)
  t.snd_nxt = state.add(t.snd_nxt, n)
  return ctx:finish()
end

-- CLOSE: a FIN <SEQ=SND.NXT><ACK=RCV.NXT><CTL=FIN,ACK> from ESTABLISHED or SYN-RECEIVED
-- (FIN-WAIT-1) or CLOSE-WAIT (LAST-ACK); LISTEN and SYN-SENT just delete the TCB.
function M.close(tcb)
  local ctx = start(tcb)
  local t = ctx.tcb
  local next_state = ({ ["ESTABLISHED"] = "FIN-WAIT-1", ["SYN-RECEIVED"] = "FIN-WAIT-1",
    ["CLOSE-WAIT"] = "LAST-ACK" })[t.state]
  if t.state == "LISTEN" or t.state == "SYN-SENT" then
    ctx:apply("user.close_unsync")
    ctx:go("CLOSED")
    return ctx:finish()
  end
  if not next_state then return refuse(ctx, "error: connection closing") end
  ctx:emit(segment.out("F.", t.snd_nxt, t.rcv_nxt, ctx:apply("user.close")))
  t.snd_nxt = state.add(t.snd_nxt, 1)
  ctx:go(next_state)
  return ctx:finish()
end

return M
