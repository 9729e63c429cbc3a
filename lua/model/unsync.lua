-- model.unsync: segment arrival in the states without a synchronized connection,
-- RFC 9293 3.10.7.1 (CLOSED), 3.10.7.2 (LISTEN) and 3.10.7.3 (SYN-SENT), step by step in
-- the RFC's order. Each function takes a result under construction (model.result).
local state = require "model.state"
local segment = require "model.segment"

local M = {}

-- The options of a SYN (RFC 9293 3.7.1 MSS, RFC 7323 3.2 timestamps): the send MSS, and
-- whether timestamps are in play (tcb.ts on entry: this end offers/accepts them).
local function syn_options(ctx)
  local t, seg = ctx.tcb, ctx.seg
  if seg.mss then
    t.snd_mss = seg.mss
    ctx:apply("mss.option", "MSS " .. seg.mss)
  else
    t.snd_mss = t.ipv6 and 1220 or 536
    ctx:apply("mss.default", "no MSS option: " .. t.snd_mss)
  end
  if t.ts and seg.tsval then
    t.ts_recent = seg.tsval
    ctx:apply("ts.on")
  elseif seg.tsval then
    ctx:apply("ts.ignored")
  else
    t.ts, t.ts_recent = false, nil
  end
end

-- SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK (RFC 9293 3.10.7.3), and
-- MAX.SND.WND, the largest window seen (RFC 5961 5.2).
local function take_window(t, seg)
  t.snd_wnd, t.snd_wl1, t.snd_wl2 = seg.win, seg.seq, seg.ack
  if seg.win > (t.max_snd_wnd or 0) then t.max_snd_wnd = seg.win end
end

-- The SYN,ACK <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, echoing TSval when in play.
local function send_synack(ctx, id)
  local t = ctx.tcb
  local s = segment.out("S.", t.iss, t.rcv_nxt, ctx:apply(id))
  if t.ts and t.ts_recent then s.tsecr = t.ts_recent end
  ctx:emit(s)
end

-- Text or FIN on a SYN waits until ESTABLISHED (RFC 9293 3.10.7.2, 3.10.7.3). The model
-- records it (tcb.queued_len, tcb.queued_fin) and does not replay it.
local function queue_text(ctx)
  local seg = ctx.seg
  if seg.len > 0 or seg.FIN then
    ctx.tcb.queued_len, ctx.tcb.queued_fin = seg.len, seg.FIN or nil
    ctx:apply("listen.syn_text", ("%d bytes%s"):format(seg.len, seg.FIN and " and FIN" or ""))
  end
end

-- RFC 9293 3.10.7.1: CLOSED.
function M.closed(ctx)
  if ctx.seg.RST then return ctx:drop("closed.rst") end
  ctx:apply("closed.reset")
  ctx:reset("closed.reset")
  ctx.dropped = true
end

-- RFC 9293 3.10.7.2: LISTEN. The listener's tcb.iss is the ISS it will choose (a caller
-- comparing with a real stack sets it to the ISN the stack sent).
function M.listen(ctx)
  local t, seg = ctx.tcb, ctx.seg
  if seg.RST then return ctx:drop("listen.rst") end          -- first, check for a RST
  if seg.ACK then                                           -- second, check for an ACK
    ctx:apply("listen.ack")
    ctx:reset("listen.ack")
    ctx.dropped = true
    return
  end
  if not seg.SYN then return ctx:drop("listen.other") end   -- fourth, other text or control
  if t.iss == nil then error("model tcb.iss: required in LISTEN to answer a SYN", 0) end
  t.irs, t.rcv_nxt = seg.seq, state.add(seg.seq, 1)         -- third, check for a SYN
  t.snd_una, t.snd_nxt = t.iss, state.add(t.iss, 1)
  t.passive = true
  t.max_snd_wnd = 0
  take_window(t, seg)
  t.snd_wl2 = t.snd_una
  syn_options(ctx)
  ctx:go("SYN-RECEIVED")
  send_synack(ctx, "listen.syn")
  queue_text(ctx)
end

-- RFC 9293 3.10.7.3: SYN-SENT. after_syn continues at the sixth step of 3.10.7.4
-- (model.sync) for text or controls on a SYN,ACK.
function M.syn_sent(ctx, after_syn)
  local t, seg = ctx.tcb, ctx.seg
  local ack_ok = false
  if seg.ACK then                                           -- first, check the ACK bit
    if not state.after_upto(seg.ack, t.iss, t.snd_nxt) then
      if seg.RST then return ctx:drop("synsent.bad_ack_rst") end
      ctx:apply("synsent.bad_ack", ("SEG.ACK %d, ISS %d, SND.NXT %d"):format(seg.ack, t.iss, t.snd_nxt))
      ctx:reset("synsent.bad_ack")
      ctx.dropped = true
      return
    end
    ack_ok = state.after_upto(seg.ack, t.snd_una, t.snd_nxt)
  end
  if seg.RST then                                           -- second, check the RST bit
    if not ack_ok then return ctx:drop("synsent.rst_no_ack") end
    -- POSIX connect() reports a reset of SYN-SENT as ECONNREFUSED.
    ctx:event("refused", "synsent.rst", { errno = "ECONNREFUSED" })
    ctx:go("CLOSED")
    ctx.dropped = true
    return
  end
  if not seg.SYN then return ctx:drop("synsent.other") end  -- fifth: neither SYN nor RST
  t.irs, t.rcv_nxt = seg.seq, state.add(seg.seq, 1)         -- fourth, check the SYN bit
  if seg.ACK then t.snd_una = seg.ack end
  syn_options(ctx)
  t.passive = false
  if state.gt(t.snd_una, t.iss) then
    take_window(t, seg)
    ctx:go("ESTABLISHED")
    ctx:event("established", "synsent.established")
    ctx:want_ack("synsent.established", false)
    if seg.len > 0 or seg.FIN or seg.URG then
      ctx:apply("synsent.text")
      after_syn(ctx)
    end
    return
  end
  t.max_snd_wnd = 0
  take_window(t, seg)
  t.snd_wl2 = t.snd_una
  ctx:go("SYN-RECEIVED")
  send_synack(ctx, "synsent.simultaneous")
  queue_text(ctx)
end

return M
