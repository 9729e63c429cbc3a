-- model.accept: the acceptability tests a segment meets before it may change anything:
-- the sequence-number test of RFC 9293 3.10.7.4 (its four cases), PAWS (RFC 7323 5.3),
-- the RST test (RFC 5961 3.2) and the ACK test (RFC 5961 5.2). Pure predicates: they
-- read the TCB and the segment and decide; the caller (model.sync) acts.
local state = require "model.state"

local M = {}

-- RFC 9293 3.10.7.4 first step: returns acceptable, and which of the four cases decided.
--   SEG.LEN RCV.WND  test
--   0       0        SEG.SEQ = RCV.NXT
--   0       >0       RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
--   >0      0        not acceptable
--   >0      >0       RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
--                    or RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND
function M.seq(tcb, seg)
  local len, wnd, nxt = seg.seglen, tcb.rcv_wnd, tcb.rcv_nxt
  if len == 0 and wnd == 0 then
    return seg.seq == nxt, "SEG.LEN=0 RCV.WND=0: SEG.SEQ = RCV.NXT"
  elseif len == 0 then
    return state.in_window(seg.seq, nxt, wnd), "SEG.LEN=0 RCV.WND>0: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND"
  elseif wnd == 0 then
    return false, "SEG.LEN>0 RCV.WND=0: not acceptable"
  end
  return state.in_window(seg.seq, nxt, wnd)
      or state.in_window(state.add(seg.seq, len - 1), nxt, wnd),
    "SEG.LEN>0 RCV.WND>0: either end of the segment in the window"
end

-- RFC 7323 5.3 R1, when timestamps are in play (negotiated and TS.Recent known):
-- "reject" when SEG.TSval < TS.Recent (modulo 2^32, as sequence numbers: RFC 7323 5.2),
-- "missing" when the segment has no TSopt, "ok" otherwise; nil when not in play.
function M.paws(tcb, seg)
  if not tcb.ts or tcb.ts_recent == nil then return nil end
  if seg.tsval == nil then return "missing" end
  if state.lt(seg.tsval, tcb.ts_recent) then return "reject" end
  return "ok"
end

-- RFC 7323 5.3 R3: TS.Recent takes SEG.TSval when SEG.TSval >= TS.Recent and
-- SEG.SEQ =< Last.ACK.sent (the model acknowledges up to RCV.NXT, so that is RCV.NXT).
function M.ts_update(tcb, seg)
  return tcb.ts and tcb.ts_recent ~= nil and seg.tsval ~= nil
    and state.ge(seg.tsval, tcb.ts_recent) and state.le(seg.seq, tcb.rcv_nxt)
end

-- RFC 5961 3.2, for a RST that passed the sequence test: "exact" (SEG.SEQ = RCV.NXT:
-- reset), "window" (in the window but not RCV.NXT: challenge ACK when RFC 5961 is on) or
-- "outside" (SEG.SEQ itself is outside the window: the segment passed the first step only
-- because its text, SYN or FIN reaches into it).
function M.rst(tcb, seg)
  if seg.seq == tcb.rcv_nxt then return "exact" end
  if not state.in_window(seg.seq, tcb.rcv_nxt, tcb.rcv_wnd) then return "outside" end
  return "window"
end

-- RFC 5961 5.2: (SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT.
function M.ack_5961(tcb, seg)
  return state.within(seg.ack, state.add(tcb.snd_una, -tcb.max_snd_wnd), tcb.snd_nxt)
end

-- RFC 9293 3.10.7.4 fifth step: "new" (SND.UNA < SEG.ACK =< SND.NXT), "duplicate"
-- (SEG.ACK =< SND.UNA) or "too_new" (SEG.ACK > SND.NXT).
function M.ack(tcb, seg)
  if state.after_upto(seg.ack, tcb.snd_una, tcb.snd_nxt) then return "new" end
  if state.le(seg.ack, tcb.snd_una) then return "duplicate" end
  return "too_new"
end

-- RFC 6191 2 (and RFC 1122 4.2.2.13 before it): may a SYN arriving in TIME-WAIT open a
-- new incarnation? mode is the timewait_syn knob.
function M.timewait_syn(tcb, seg, mode)
  if not mode then return false end
  local newer_seq = state.gt(seg.seq, tcb.rcv_nxt)
  local ts_old = tcb.ts and tcb.ts_recent ~= nil
  local ts_new = ts_old and seg.tsval ~= nil
  if mode == "rfc1122" then return newer_seq end
  if mode == "seq_or_ts" then
    return newer_seq or (ts_new and state.gt(seg.tsval, tcb.ts_recent))
  end
  -- rfc6191: timestamps on both incarnations decide by TSval (a tie by sequence);
  -- timestamps on the old one only: honour; on neither: by sequence.
  if ts_new then
    return state.gt(seg.tsval, tcb.ts_recent) or (seg.tsval == tcb.ts_recent and newer_seq)
  end
  if ts_old then return true end
  return newer_seq
end

return M
