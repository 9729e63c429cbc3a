-- model.sync: segment arrival in SYN-RECEIVED and the synchronized states, RFC 9293
-- 3.10.7.4, one function per step in the RFC's order: first the sequence number (with
-- PAWS, RFC 7323 5.3, before it), second RST, fourth SYN, fifth ACK, sixth URG, seventh
-- text, eighth FIN (the third, security, is not modelled). A step returns false when it
-- has disposed of the segment; then nothing after it runs.
local state = require "model.state"
local accept = require "model.accept"

local M = {}

-- RFC 9293 3.5, Simultaneous Connection Synchronization: in SYN-RECEIVED after an active
-- open, the peer's SYN,ACK (SEG.SEQ = IRS, acknowledging our SYN) crosses ours. Its SYN
-- is old (SEG.SEQ+1 = RCV.NXT), so the sequence test alone would refuse it; the figure
-- has it establish the connection, so the model trims the SYN and keeps the rest.
local hold, reassemble
local function crossing_synack(ctx)
  local t, seg = ctx.tcb, ctx.seg
  if t.state == "SYN-RECEIVED" and not t.passive and seg.SYN and seg.ACK and not seg.RST
      and state.add(seg.seq, 1) == t.rcv_nxt and state.after_upto(seg.ack, t.snd_una, t.snd_nxt) then
    ctx:apply("seq.simultaneous_synack")
    seg.SYN, seg.seq, seg.seglen = false, t.rcv_nxt, seg.seglen - 1
  end
end

-- First: PAWS, then the four-case acceptability test, then TS.Recent.
local function check_sequence(ctx)
  local t, seg, k = ctx.tcb, ctx.seg, ctx.knobs
  local paws = accept.paws(t, seg)
  if paws == "missing" and not seg.RST and k.ts_missing == "drop" then
    return ctx:drop("ts.missing") and false
  elseif paws == "reject" then
    if seg.RST then
      ctx:apply("paws.rst")
    else
      ctx:ack_now("paws.reject", ("SEG.TSval %d < TS.Recent %d"):format(seg.tsval, t.ts_recent))
      ctx.dropped = true
      return false
    end
  elseif paws == nil and seg.tsval and not t.ts then
    ctx:apply("ts.ignored")
  end
  crossing_synack(ctx)
  local ok, case = accept.seq(t, seg)
  if not ok then
    if t.rcv_wnd == 0 and seg.seq == t.rcv_nxt and not seg.RST then
      -- Zero window: the text cannot be taken, but the ACK and URG in it are processed.
      ctx:apply("seq.zero_window", case)
      seg.len, seg.FIN, seg.seglen = 0, false, seg.SYN and 1 or 0
      ctx:want_ack("seq.unacceptable", false)
    elseif seg.RST then
      return ctx:drop("seq.unacceptable_rst", case) and false
    else
      ctx:ack_now("seq.unacceptable", case)
      ctx.dropped = true
      return false
    end
  else
    ctx:apply("seq.acceptable", case)
  end
  if accept.ts_update(t, seg) then
    t.ts_recent = seg.tsval
    ctx:apply("paws.update")
  end
  return true
end

-- Second: the RST bit (RFC 5961 3.2 when the rfc5961_rst knob is on; RFC 1337 in
-- TIME-WAIT when rfc1337 is).
local function check_rst(ctx)
  local t, seg, k = ctx.tcb, ctx.seg, ctx.knobs
  if not seg.RST then return true end
  ctx.dropped = true
  if t.state == "TIME-WAIT" and k.rfc1337 then return ctx:drop("rst.timewait_1337") and false end
  -- RFC 5961 3.2 case 1 reads SEG.SEQ ("the sequence number is outside the current
  -- receive window"), as RFC 793's "a reset is valid if its sequence number is in the
  -- window" did; the first step let in a RST whose text or SYN/FIN reaches the window
  -- from below RCV.NXT. The rst_seq_test knob says which reading a stack takes.
  if k.rst_seq_test == "seq" and accept.rst(t, seg) == "outside" then
    return ctx:drop("rst.outside", ("SEG.SEQ %d, RCV.NXT %d"):format(seg.seq, t.rcv_nxt)) and false
  end
  if k.rfc5961_rst then
    if accept.rst(t, seg) ~= "exact" then
      ctx:ack_now("rst.challenge", ("SEG.SEQ %d, RCV.NXT %d"):format(seg.seq, t.rcv_nxt))
      return false
    end
    ctx:apply("rst.exact")
  else
    ctx:apply("rst.in_window")
  end
  if t.state == "SYN-RECEIVED" then
    if t.passive then
      ctx:apply("rst.synrcvd_passive")
      ctx:go("LISTEN")
    else
      ctx:event("refused", "rst.synrcvd_active", { errno = "ECONNREFUSED" })
      ctx:go("CLOSED")
    end
  elseif state.USER_HOLDS[t.state] then
    ctx:abort("rst.reset")
  else
    ctx:apply("rst.closing")
    ctx:go("CLOSED")
  end
  return false
end

-- Fourth: the SYN bit (RFC 5961 4.2 when the rfc5961_syn knob is on).
local function check_syn(ctx)
  local t, k = ctx.tcb, ctx.knobs
  if not ctx.seg.SYN then return true end
  ctx.dropped = true
  if t.state == "SYN-RECEIVED" and t.passive then
    ctx:apply("syn.synrcvd_passive")
    ctx:go("LISTEN")
    return false
  end
  if k.rfc5961_syn then
    ctx:ack_now("syn.challenge")
    return false
  end
  -- Without RFC 5961 (RFC 793): a SYN in the window is an error; the first step already
  -- answered one outside it with an ACK.
  ctx:reset("syn.in_window")
  ctx:abort("syn.in_window")
  return false
end

-- Fifth: the ACK field.
local function check_ack(ctx)
  local t, seg, k = ctx.tcb, ctx.seg, ctx.knobs
  if not seg.ACK then return ctx:drop("ack.off") and false end
  if t.state == "SYN-RECEIVED" then
    if not state.after_upto(seg.ack, t.snd_una, t.snd_nxt) then
      ctx:reset("ack.synrcvd_bad")
      return ctx:drop("ack.synrcvd_bad") and false
    end
    ctx:apply("ack.synrcvd_ok")
    ctx:go("ESTABLISHED")
    t.snd_wnd, t.snd_wl1, t.snd_wl2 = seg.win, seg.seq, seg.ack
    if seg.win > t.max_snd_wnd then t.max_snd_wnd = seg.win end
    if t.passive then
      ctx:event("accepted", "ack.synrcvd_ok")
    else
      ctx:event("established", "ack.synrcvd_ok")
    end
  end
  if k.rfc5961_ack and not accept.ack_5961(t, seg) then
    ctx:ack_now("ack.window_5961", ("SEG.ACK %d, SND.UNA %d, MAX.SND.WND %d, SND.NXT %d"):format(
      seg.ack, t.snd_una, t.max_snd_wnd, t.snd_nxt))
    ctx.dropped = true
    return false
  end
  local how = accept.ack(t, seg)
  if how == "too_new" then
    ctx:ack_now("ack.too_new", ("SEG.ACK %d > SND.NXT %d"):format(seg.ack, t.snd_nxt))
    ctx.dropped = true
    return false
  elseif how == "new" then
    t.snd_una = seg.ack
    ctx:apply("ack.new")
  else
    ctx:apply("ack.duplicate")
  end
  -- SND.UNA =< SEG.ACK =< SND.NXT: the send window may be updated.
  if state.within(seg.ack, t.snd_una, t.snd_nxt)
      and (state.lt(t.snd_wl1, seg.seq) or (t.snd_wl1 == seg.seq and state.le(t.snd_wl2, seg.ack))) then
    t.snd_wnd, t.snd_wl1, t.snd_wl2 = seg.win, seg.seq, seg.ack
    if seg.win > t.max_snd_wnd then t.max_snd_wnd = seg.win end
    ctx:apply("ack.window_update")
  end
  local fin_acked = state.FIN_SENT[t.state] and t.snd_una == t.snd_nxt
  if t.state == "FIN-WAIT-1" and fin_acked then
    ctx:apply("ack.fin_wait_2")
    ctx:go("FIN-WAIT-2")
  elseif t.state == "CLOSING" then
    if not fin_acked then return ctx:drop("ack.closing") and false end
    ctx:apply("ack.closing")
    ctx:go("TIME-WAIT")
  elseif t.state == "LAST-ACK" and fin_acked then
    ctx:event("closed", "ack.last_ack")
    ctx:go("CLOSED")
    return false
  elseif t.state == "TIME-WAIT" and (seg.FIN or seg.len > 0) then
    ctx:want_ack("ack.time_wait", false)
  end
  return true
end

-- Seventh, after the application's CLOSE (tcb.closed: no socket refers to the
-- connection) on a host with a half-duplex close (RFC 1122 4.2.2.13, the
-- half_duplex_close knob): new text cannot be delivered to anyone, so a RST shows the
-- peer that it was lost. A FIN beyond RCV.NXT without text proves such text as well (it
-- sits after bytes that were sent). The reset takes the 3.10.7.1 form of the arriving
-- segment; nothing is left to be signalled. Returns true when it reset the connection.
local function text_after_close(ctx, start, stop)
  local t, seg = ctx.tcb, ctx.seg
  if not (t.closed and ctx.knobs.half_duplex_close) or state.FIN_RECEIVED[t.state] then
    return false
  end
  local new_text = seg.len > 0 and state.gt(stop, t.rcv_nxt)
  if not (new_text or (seg.FIN and state.gt(start, t.rcv_nxt))) then return false end
  ctx:reset("text.after_close")
  ctx:drop("text.after_close")
  ctx:go("CLOSED")
  return true
end

-- Text beyond RCV.NXT is held for later (SHLD-31, knob ooo_hold): one range, which a
-- segment overlapping or touching it extends; a second, disjoint one is dropped (the
-- sweep's cases hold at most one gap).
hold = function(ctx, start, stop)
  local t = ctx.tcb
  if not ctx.knobs.ooo_hold then return end
  if t.ooo_start == nil then
    t.ooo_start, t.ooo_stop = start, stop
  elseif state.le(start, t.ooo_stop) and state.ge(stop, t.ooo_start) then
    if state.lt(start, t.ooo_start) then t.ooo_start = start end
    if state.gt(stop, t.ooo_stop) then t.ooo_stop = stop end
  else
    return
  end
  ctx:apply("text.held")
end

-- Once RCV.NXT reaches the held range, its text is delivered too: true when it was.
reassemble = function(ctx)
  local t = ctx.tcb
  if t.ooo_start == nil or state.gt(t.ooo_start, t.rcv_nxt) then return false end
  local filled = false
  if state.gt(t.ooo_stop, t.rcv_nxt) then
    local n = math.min(state.dist(t.ooo_stop, t.rcv_nxt), t.rcv_wnd)
    t.rcv_nxt = state.add(t.rcv_nxt, n)
    t.rcv_wnd = t.rcv_wnd - n
    ctx:event("data", "text.reassembled", { n = n })
    filled = true
  end
  t.ooo_start, t.ooo_stop = nil, nil
  return filled
end

-- Sixth to eighth: URG, the segment text, FIN. Also where a SYN,ACK carrying text or FIN
-- continues from SYN-SENT (RFC 9293 3.10.7.3).
function M.after_ack(ctx)
  local t, seg, k = ctx.tcb, ctx.seg, ctx.knobs
  local closed_in = state.FIN_RECEIVED[t.state]
  local start = seg.SYN and state.add(seg.seq, 1) or seg.seq
  local stop = state.add(start, seg.len)                    -- where a FIN would sit
  if text_after_close(ctx, start, stop) then return end     -- nobody to signal URG to
  if seg.URG then                                           -- sixth, the URG bit
    if closed_in then ctx:apply("urg.ignored") else ctx:event("urgent", "urg.signal", { up = seg.up }) end
  end
  local in_order = state.le(start, t.rcv_nxt)
  if seg.len > 0 then                                       -- seventh, the segment text
    if closed_in then
      ctx:apply("text.ignored")
    elseif not in_order then
      ctx:event("queued", "text.out_of_order", { n = seg.len })
      ctx:want_ack("text.out_of_order", false)
      hold(ctx, start, stop)
    elseif state.gt(stop, t.rcv_nxt) then
      local n = math.min(state.dist(stop, t.rcv_nxt), t.rcv_wnd)
      t.rcv_nxt = state.add(t.rcv_nxt, n)
      t.rcv_wnd = t.rcv_wnd - n   -- the right edge stays: the user has not read yet
      ctx:event("data", "text.deliver", { n = n })
      if reassemble(ctx) then
        -- RFC 5681 4.2: SHOULD acknowledge a filled gap at once (knob gap_ack).
        ctx:want_ack("text.reassembled", k.gap_ack == "delayed" and k.delayed_ack and not seg.FIN)
      else
        local delayed = k.delayed_ack and not seg.FIN
        if delayed then ctx:apply("text.delayed_ack") end
        ctx:want_ack("text.deliver", delayed)
      end
    end
  end
  if seg.FIN and not (in_order and stop == t.rcv_nxt) then  -- eighth, the FIN bit
    -- Beyond RCV.NXT: an out-of-order segment, which 5681 4.2 has acknowledged at once
    -- (the text's rule already did when it carried text; after the peer's FIN the
    -- segment is ignored like its text, seventh step).
    if seg.len == 0 and not closed_in and state.gt(start, t.rcv_nxt) then
      ctx:want_ack("fin.out_of_order", false)
    end
  elseif seg.FIN then
    t.rcv_nxt = state.add(t.rcv_nxt, 1)
    if not closed_in then ctx:event("eof", "fin.receive") end
    ctx:want_ack("fin.receive", false)
    if t.state == "ESTABLISHED" or t.state == "SYN-RECEIVED" then
      ctx:apply("fin.close_wait")
      ctx:go("CLOSE-WAIT")
    elseif t.state == "FIN-WAIT-1" then
      ctx:apply("fin.fin_wait_1", t.snd_una == t.snd_nxt and "our FIN is acknowledged" or "our FIN is not acknowledged")
      ctx:go(t.snd_una == t.snd_nxt and "TIME-WAIT" or "CLOSING")
    elseif t.state == "FIN-WAIT-2" then
      ctx:apply("fin.fin_wait_2")
      ctx:go("TIME-WAIT")
    else
      ctx:apply("fin.remain")
    end
  end
end

-- A new incarnation from TIME-WAIT (RFC 6191 2): returns true when the timewait_syn knob
-- lets this SYN open one; the caller then processes it as LISTEN would.
function M.timewait_reopens(ctx)
  local t, seg = ctx.tcb, ctx.seg
  return t.state == "TIME-WAIT" and seg.SYN and not seg.ACK and not seg.RST
    and accept.timewait_syn(t, seg, ctx.knobs.timewait_syn)
end

-- RFC 9293 3.10.7.4, the steps in order.
function M.arrive(ctx)
  if not check_sequence(ctx) then return end
  if not check_rst(ctx) then return end
  if not check_syn(ctx) then return end
  if not check_ack(ctx) then return end
  M.after_ack(ctx)
end

return M
