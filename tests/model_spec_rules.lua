-- The model's rules beyond the RFC 9293 figures: RFC 5961's three cases, the edges of the
-- acceptability table, ACK processing, PAWS, SYN-SENT/SYN-RECEIVED resets, TIME-WAIT,
-- the knobs and the target descriptors. Loaded by model_spec.lua with its helpers.
local H = ...
local check, eq, case, seg, sent, applied, events = H.check, H.eq, H.case, H.seg, H.sent,
  H.applied, H.events
local arrive = require "model.arrive"
local accept = require "model.accept"
local knobs = require "model.knobs"
local rules = require "model.rules"

local EST_B = H.EST_B   -- SND.NXT 300, RCV.NXT 100, RCV.WND 1000

-- ---------------------------------------------------------------- RFC 5961 3.2: RST

case("RFC 5961 3.2 case 2: a RST at RCV.NXT resets the connection", function()
  local r = arrive.segment(EST_B, seg("R", 100))
  eq(r.state, "CLOSED", "state")
  eq(events(r), "reset:ECONNRESET", "ECONNRESET")
  eq(sent(r), "", "nothing sent")
end)

case("RFC 5961 3.2 case 3: a RST in the window but not at RCV.NXT gets a challenge ACK", function()
  local r = arrive.segment(EST_B, seg("R", 101))
  eq(sent(r), ". 300:300(0) ack 100", "challenge ACK")
  eq(r.state, "ESTABLISHED", "connection kept")
  check(applied(r, "rst.challenge"), "cites RFC 5961 3.2")
  eq(sent(arrive.segment(EST_B, seg("R", 1099))), ". 300:300(0) ack 100", "last byte of the window")
end)

case("RFC 5961 3.2 case 1: a RST outside the window is dropped silently", function()
  local r = arrive.segment(EST_B, seg("R", 1100))
  eq(sent(r), "", "nothing sent")
  eq(r.state, "ESTABLISHED", "state")
  eq(arrive.segment(EST_B, seg("R", 99)).state, "ESTABLISHED", "just below RCV.NXT")
end)

case("without RFC 5961 (rfc5961_rst = false) any RST in the window resets", function()
  local r = arrive.segment(EST_B, seg("R", 600), { rfc5961_rst = false })
  eq(r.state, "CLOSED", "state")
  check(applied(r, "rst.in_window"), "cites the RFC 793 rule")
end)

case("rst_seq_test: a RST with text from below RCV.NXT is challenged or dropped", function()
  -- SEG.SEQ = RCV.NXT-1 with 5 octets: the first step accepts it (its end is in the
  -- window); RFC 5961 3.2 case 1 reads the sequence number, which is outside.
  local rst = seg("R.", 99, 300, { len = 5 })
  local r = arrive.segment(EST_B, rst)
  eq(sent(r), ". 300:300(0) ack 100", "segment (the default): challenge ACK")
  check(applied(r, "rst.challenge"), "cites RFC 5961 3.2 case 3")
  local d = arrive.segment(EST_B, rst, { rst_seq_test = "seq" })
  eq(sent(d), "", "seq: silently dropped")
  eq(d.state, "ESTABLISHED", "connection kept")
  check(applied(d, "rst.outside"), "cites RFC 5961 3.2 case 1")
  eq(sent(arrive.segment(EST_B, seg("R", 101), { rst_seq_test = "seq" })), ". 300:300(0) ack 100",
    "seq: SEG.SEQ in the window is still challenged")
  eq(arrive.segment(EST_B, seg("R", 100), { rst_seq_test = "seq" }).state, "CLOSED",
    "seq: SEG.SEQ = RCV.NXT still resets")
  local k793 = { rst_seq_test = "seq", rfc5961_rst = false }
  eq(arrive.segment(EST_B, rst, k793).state, "ESTABLISHED", "seq without RFC 5961: dropped too")
  eq(arrive.segment(EST_B, rst, { rfc5961_rst = false }).state, "CLOSED",
    "segment without RFC 5961: in the window, so it resets")
end)

-- ---------------------------------------------------------------- RFC 5961 4.2: SYN

case("RFC 5961 4.2: a SYN in a synchronized state gets a challenge ACK, wherever it is", function()
  for _, s in ipairs({ 100, 500, 5000, 99 }) do
    local r = arrive.segment(EST_B, seg("S", s))
    eq(sent(r), ". 300:300(0) ack 100", "challenge ACK for SYN at " .. s)
    eq(r.state, "ESTABLISHED", "kept for SYN at " .. s)
  end
end)

case("without RFC 5961 (rfc5961_syn = false) a SYN in the window resets", function()
  local r = arrive.segment(EST_B, seg("S", 500), { rfc5961_syn = false })
  eq(sent(r), "R. 0:0(0) ack 501 win 0", "reset")
  eq(r.state, "CLOSED", "state")
  eq(events(r), "reset:ECONNRESET", "ECONNRESET")
end)

case("SYN-RECEIVED after a passive open: a SYN in the window returns to LISTEN", function()
  local t = { state = "SYN-RECEIVED", iss = 300, rcv_nxt = 101, passive = true }
  eq(arrive.segment(t, seg("S", 150)).state, "LISTEN", "state")
  local rex = arrive.segment(t, seg("S", 100))
  eq(sent(rex), ". 301:301(0) ack 101", "a retransmitted SYN fails the sequence test: ACK")
end)

-- ---------------------------------------------------------------- RFC 5961 5.2: ACK

local SENDER = { state = "ESTABLISHED", iss = 999, snd_una = 1000, snd_nxt = 1500,
  max_snd_wnd = 100, rcv_nxt = 100, rcv_wnd = 1000 }

case("RFC 5961 5.2: an ACK below SND.UNA - MAX.SND.WND is discarded with an ACK", function()
  local r = arrive.segment(SENDER, seg(".", 100, 899, { len = 10 }))
  eq(sent(r), ". 1500:1500(0) ack 100", "ACK")
  eq(events(r), "", "the injected text is not delivered")
  local edge = arrive.segment(SENDER, seg(".", 100, 900, { len = 10 }))
  eq(events(edge), "data(10)", "SEG.ACK = SND.UNA - MAX.SND.WND is acceptable")
end)

case("without RFC 5961 (rfc5961_ack = false) an old ACK is a duplicate and the text is taken", function()
  local r = arrive.segment(SENDER, seg(".", 100, 899, { len = 10 }), { rfc5961_ack = false })
  eq(events(r), "data(10)", "delivered")
  check(applied(r, "ack.duplicate"), "cites the duplicate rule")
end)

case("ACK processing: SND.UNA < SEG.ACK =< SND.NXT advances SND.UNA and updates SND.WND", function()
  local r = arrive.segment(SENDER, seg(".", 100, 1200, { win = 4000 }))
  eq(r.tcb.snd_una, 1200, "SND.UNA")
  eq(r.tcb.snd_wnd, 4000, "SND.WND")
  eq(r.tcb.max_snd_wnd, 4000, "MAX.SND.WND")
  eq(sent(r), "", "a pure ACK is not answered")
  local dup = arrive.segment(r.tcb, seg(".", 99, 1200, { win = 10 }))
  eq(dup.tcb.snd_wnd, 4000, "an older segment (SND.WL1 > SEG.SEQ) does not update SND.WND")
  eq(arrive.segment(SENDER, seg(".", 100, 1501)).tcb.snd_una, 1000, "too new: SND.UNA kept")
end)

-- ---------------------------------------------------------------- acceptability table

local function acc(rcv_wnd, s, len, flags)
  return (accept.seq({ rcv_nxt = 100, rcv_wnd = rcv_wnd }, { seq = s, seglen = len, flags = flags }))
end

case("acceptability table: the four cases of RFC 9293 3.10.7.4 at their edges", function()
  check(acc(0, 100, 0), "len 0, wnd 0: SEG.SEQ = RCV.NXT")
  check(not acc(0, 101, 0), "len 0, wnd 0: RCV.NXT+1 is not")
  check(acc(10, 100, 0) and acc(10, 109, 0), "len 0, wnd 10: RCV.NXT .. RCV.NXT+9")
  check(not acc(10, 110, 0) and not acc(10, 99, 0), "len 0, wnd 10: not 110, not 99")
  check(not acc(0, 100, 5), "len 5, wnd 0: not acceptable")
  check(acc(10, 109, 5), "len 5, wnd 10: starts in the window")
  check(acc(10, 96, 5), "len 5, wnd 10: ends in the window (96..100)")
  check(not acc(10, 95, 5), "len 5, wnd 10: ends at RCV.NXT-1")
  check(not acc(10, 110, 5), "len 5, wnd 10: starts at the right edge")
end)

case("acceptability wraps around 2^32", function()
  local t = { rcv_nxt = 0xfffffff0, rcv_wnd = 0x100 }
  check(accept.seq(t, { seq = 0x10, seglen = 5 }), "0x10 is inside [0xfffffff0, +0x100)")
  check(not accept.seq(t, { seq = 0xf0, seglen = 1 }), "0xf0 is the right edge")
  check(accept.seq(t, { seq = 0xffffffe0, seglen = 0x20 }), "ends at 0xffffffff + 1 - 1")
end)

case("zero window: text is refused with an ACK, but its ACK field is processed", function()
  local t = { state = "ESTABLISHED", iss = 999, snd_una = 1000, snd_nxt = 1500, rcv_nxt = 100,
    rcv_wnd = 0, max_snd_wnd = 1000 }
  local r = arrive.segment(t, seg(".", 100, 1200, { len = 1 }))
  eq(events(r), "", "no data")
  eq(r.tcb.snd_una, 1200, "ACK processed (special allowance)")
  eq(sent(r), ". 1500:1500(0) ack 100", "zero-window probe answered")
  eq(arrive.segment(t, seg("R", 100)).state, "CLOSED", "a RST at RCV.NXT is still valid")
end)

case("text: an overlapping segment delivers only the new bytes; the window trims it", function()
  local r = arrive.segment(EST_B, seg(".", 90, 300, { len = 20 }))
  eq(events(r), "data(10)", "bytes 100..109")
  eq(r.tcb.rcv_nxt, 110, "RCV.NXT")
  eq(r.tcb.rcv_wnd, 990, "the right edge stays")
  local small = { state = "ESTABLISHED", iss = 1, snd_una = 2, snd_nxt = 2, rcv_nxt = 100, rcv_wnd = 5 }
  eq(events(arrive.segment(small, seg(".", 100, 2, { len = 20 }))), "data(5)", "trimmed to RCV.WND")
end)

case("text across the 2^32 wrap is delivered and RCV.NXT wraps", function()
  local t = { state = "ESTABLISHED", iss = 1, snd_una = 2, snd_nxt = 2, rcv_nxt = 0xfffffffe,
    rcv_wnd = 1000 }
  local r = arrive.segment(t, seg("F.", 0xfffffffe, 2, { len = 10 }))
  eq(events(r), "data(10),eof", "data then EOF")
  eq(r.tcb.rcv_nxt, 9, "RCV.NXT = 0xfffffffe + 10 + 1 mod 2^32")
  eq(sent(r), ". 2:2(0) ack 9", "one ACK for both")
  eq(r.state, "CLOSE-WAIT", "state")
end)

case("out-of-order text is acknowledged at once and not delivered; its FIN waits", function()
  local r = arrive.segment(EST_B, seg("F.", 110, 300, { len = 10 }))
  eq(events(r), "queued(10)", "queued")
  eq(sent(r), ". 300:300(0) ack 100", "duplicate ACK")
  check(not r.send[1].delayed, "immediate (RFC 5681 4.2)")
  eq(r.state, "ESTABLISHED", "the FIN is not processed")
end)

case("delayed_ack knob: in-order text is acknowledged at once when it is off", function()
  local r = arrive.segment(EST_B, seg("P.", 100, 300, { len = 5 }), { delayed_ack = false })
  check(not r.send[1].delayed, "not delayed")
end)

case("URG in ESTABLISHED signals urgent data; after a FIN it is ignored", function()
  eq(events(arrive.segment(EST_B, seg(".U", 100, 300, { up = 1 }))), "urgent", "urgent")
  local cw = { state = "CLOSE-WAIT", iss = 1, snd_una = 2, snd_nxt = 2, rcv_nxt = 100 }
  local r = arrive.segment(cw, seg(".U", 100, 2, { len = 3, up = 1 }))
  eq(events(r), "", "no signal, no text in CLOSE-WAIT")
  check(applied(r, "urg.ignored") and applied(r, "text.ignored"), "cited")
end)

-- ------------------------------------------ RFC 1122 4.2.2.13: text after the user's CLOSE

-- FIN-WAIT-2 after close(): SND.NXT 302 (the FIN acknowledged), RCV.NXT 100.
local FW2_CLOSED = { state = "FIN-WAIT-2", iss = 299, snd_una = 302, snd_nxt = 302,
  rcv_nxt = 100, rcv_wnd = 1000, closed = true }

case("half_duplex_close: new text after CLOSE is answered by a RST (1122 4.2.2.13)", function()
  local k = { half_duplex_close = true }
  local r = arrive.segment(FW2_CLOSED, seg("P.", 100, 302, { len = 5 }), k)
  eq(sent(r), "R 302:302(0) win 0", "RST in the 3.10.7.1 form of the segment")
  eq(r.state, "CLOSED", "connection dropped")
  eq(events(r), "", "no data delivered, nobody to tell")
  check(applied(r, "text.after_close"), "cites RFC 1122 4.2.2.13")
  eq(sent(arrive.segment(FW2_CLOSED, seg(".", 101, 302, { len = 1 }), k)), "R 302:302(0) win 0",
    "out-of-order text too")
  eq(sent(arrive.segment(FW2_CLOSED, seg("F.", 101, 302), k)), "R 302:302(0) win 0",
    "a FIN beyond RCV.NXT: text was sent after CLOSE")
end)

case("half_duplex_close: a FIN at RCV.NXT, a bare ACK, a held socket are not reset", function()
  local k = { half_duplex_close = true }
  local r = arrive.segment(FW2_CLOSED, seg("F.", 100, 302), k)
  eq(sent(r), ". 302:302(0) ack 101", "the FIN is acknowledged")
  eq(r.state, "TIME-WAIT", "state")
  eq(sent(arrive.segment(FW2_CLOSED, seg(".", 101, 302), k)), "", "no text: nothing")
  local held = { state = "FIN-WAIT-2", iss = 299, snd_una = 302, snd_nxt = 302, rcv_nxt = 100,
    rcv_wnd = 1000 }
  eq(arrive.segment(held, seg("P.", 100, 302, { len = 5 }), k).state, "FIN-WAIT-2",
    "shutdown(): the user still reads")
  eq(arrive.segment(FW2_CLOSED, seg("P.", 100, 302, { len = 5 })).state, "FIN-WAIT-2",
    "knob off (the default): acknowledged and kept")
end)

-- ------------------------------------------- held text (RFC 9293 SHLD-31, RFC 5681 4.2)

local EST = { state = "ESTABLISHED", iss = 1, snd_una = 2, snd_nxt = 2, rcv_nxt = 100,
  rcv_wnd = 1000 }

case("ooo_hold: text beyond RCV.NXT is held, and delivered when the gap is filled", function()
  local r1 = arrive.segment(EST, seg(".", 101, 2, { len = 1 }))
  eq(sent(r1), ". 2:2(0) ack 100", "out of order: an immediate duplicate ACK")
  check(applied(r1, "text.held"), "held (SHLD-31)")
  eq(r1.tcb.ooo_start, 101, "held from 101")
  local r2 = arrive.segment(r1.tcb, seg(".", 100, 2, { len = 1 }))
  eq(sent(r2), ". 2:2(0) ack 102", "the gap filled: both delivered, acknowledged at once")
  check(applied(r2, "text.reassembled"), "cites RFC 5681 4.2")
  eq(events(r2), "data(1),data(1)", "two deliveries: the segment, then the held text")
  eq(r2.tcb.ooo_start, nil, "nothing held any more")
  local k = { ooo_hold = false }
  local d1 = arrive.segment(EST, seg(".", 101, 2, { len = 1 }), k)
  local d2 = arrive.segment(d1.tcb, seg(".", 100, 2, { len = 1 }), k)
  eq(d2.tcb.rcv_nxt, 101, "knob off: the held text was dropped, only the second delivered")
end)

case("gap_ack: the ACK of a filled gap is immediate, or may be delayed", function()
  local r1 = arrive.segment(EST, seg(".", 101, 2, { len = 1 }))
  local r2 = arrive.segment(r1.tcb, seg(".", 100, 2, { len = 1 }))
  check(not r2.send[1].delayed, "immediate (the default, RFC 5681 4.2 SHOULD)")
  local k = { gap_ack = "delayed" }
  local d1 = arrive.segment(EST, seg(".", 101, 2, { len = 1 }), k)
  local d2 = arrive.segment(d1.tcb, seg(".", 100, 2, { len = 1 }), k)
  eq(sent(d2), ". 2:2(0) ack 102", "delayed: the same ACK")
  check(d2.send[1].delayed, "delayed: may wait")
  local f = arrive.segment(d1.tcb, seg("F.", 100, 2, { len = 1 }), k)
  check(not f.send[1].delayed, "a FIN is acknowledged at once either way")
  local n = arrive.segment(d1.tcb, seg(".", 100, 2, { len = 1 }), { gap_ack = "delayed",
    delayed_ack = false })
  check(not n.send[1].delayed, "delayed_ack off: at once")
end)

-- ---------------------------------------------------------------- PAWS (RFC 7323 5.3)

local TS = { state = "ESTABLISHED", iss = 1, snd_una = 2, snd_nxt = 2, rcv_nxt = 100,
  rcv_wnd = 1000, ts = true, ts_recent = 1000 }

case("PAWS: a segment with SEG.TSval < TS.Recent is answered by an ACK and dropped", function()
  local r = arrive.segment(TS, seg(".", 100, 2, { len = 10, tsval = 999 }))
  eq(sent(r), ". 2:2(0) ack 100 <TS val * ecr 1000>", "ACK echoing TS.Recent")
  eq(events(r), "", "not delivered")
  local wrap = { state = "ESTABLISHED", iss = 1, snd_una = 2, snd_nxt = 2, rcv_nxt = 100,
    ts = true, ts_recent = 10 }
  check(arrive.segment(wrap, seg(".", 100, 2, { len = 1, tsval = 0xffffff00 })).dropped,
    "0xffffff00 is older than 10 modulo 2^32")
end)

case("PAWS: a newer TSval is accepted and becomes TS.Recent; a RST passes regardless", function()
  local r = arrive.segment(TS, seg(".", 100, 2, { len = 10, tsval = 1001 }))
  eq(events(r), "data(10)", "delivered")
  eq(r.tcb.ts_recent, 1001, "TS.Recent")
  eq(arrive.segment(TS, seg("R", 100, nil, { tsval = 5 })).state, "CLOSED", "RST accepted")
end)

case("ts_missing knob: a segment without TSopt is dropped or processed", function()
  local seg_nots = seg(".", 100, 2, { len = 4 })
  eq(events(arrive.segment(TS, seg_nots)), "data(4)", "accept (default)")
  local r = arrive.segment(TS, seg_nots, { ts_missing = "drop" })
  check(r.dropped and sent(r) == "", "drop: silently")
end)

case("timestamps are in play only when both SYNs carry TSopt", function()
  local l = { state = "LISTEN", iss = 1, ts = true }
  local r = arrive.segment(l, seg("S", 50, nil, { tsval = 77 }))
  eq(r.tcb.ts_recent, 77, "TS.Recent from the SYN")
  eq(sent(r), "S. 1:1(0) ack 51 <TS val * ecr 77>", "SYN,ACK echoes it")
  check(not arrive.segment({ state = "LISTEN", iss = 1 }, seg("S", 50, nil, { tsval = 77 })).tcb.ts,
    "a listener without timestamps ignores TSopt")
end)

-- ---------------------------------------------------------------- SYN-SENT, SYN-RECEIVED

local SENT = { state = "SYN-SENT", iss = 100 }

case("SYN-SENT: a RST acknowledging the SYN is connection refused", function()
  local r = arrive.segment(SENT, seg("R.", 0, 101))
  eq(r.state, "CLOSED", "state")
  eq(events(r), "refused:ECONNREFUSED", "ECONNREFUSED")
  local n = arrive.segment(SENT, seg("R", 0))
  check(n.dropped and n.state == "SYN-SENT", "a RST without ACK is dropped")
end)

case("SYN-SENT: a SYN,ACK with text establishes and delivers it with one ACK", function()
  local r = arrive.segment(SENT, seg("S.", 300, 101, { len = 5 }))
  eq(events(r), "established,data(5)", "events")
  eq(sent(r), ". 101:101(0) ack 306", "one ACK")
  check(not r.send[1].delayed, "the handshake's ACK is not delayed")
  eq(sent(arrive.segment(SENT, seg(".", 300, 101))), "", "a bare ACK is dropped")
end)

case("SYN-RECEIVED: a RST after a passive open returns to LISTEN, after an active open refuses", function()
  local p = { state = "SYN-RECEIVED", iss = 300, rcv_nxt = 101, passive = true }
  local r = arrive.segment(p, seg("R", 101))
  eq(r.state, "LISTEN", "passive")
  eq(events(r), "", "the user is not told")
  local a = { state = "SYN-RECEIVED", iss = 300, rcv_nxt = 101, passive = false }
  eq(events(arrive.segment(a, seg("R", 101))), "refused:ECONNREFUSED", "active")
end)

-- ---------------------------------------------------------------- TIME-WAIT

local TW = { state = "TIME-WAIT", iss = 99, snd_una = 101, snd_nxt = 101, rcv_nxt = 301,
  rcv_wnd = 1000 }

-- ---------------------------------------------------------------- FIN processing

case("a FIN beyond RCV.NXT is out of order: acknowledged at once, not taken (5681 4.2)", function()
  local r = arrive.segment(EST_B, seg("F.", 101, 300))
  eq(sent(r), ". 300:300(0) ack 100", "immediate duplicate ACK")
  eq(r.state, "ESTABLISHED", "the FIN is not processed")
  eq(events(r), "", "no eof")
  check(applied(r, "fin.out_of_order"), "cites RFC 5681 4.2")
end)

case("TIME-WAIT: a RST at RCV.NXT closes it unless RFC 1337 is on", function()
  eq(arrive.segment(TW, seg("R", 301)).state, "CLOSED", "rfc1337 off (9293 3.10.7.4)")
  local r = arrive.segment(TW, seg("R", 301), { rfc1337 = true })
  eq(r.state, "TIME-WAIT", "rfc1337 on: ignored")
  check(applied(r, "rst.timewait_1337"), "cites RFC 1337")
end)

case("TIME-WAIT: a SYN above RCV.NXT opens a new incarnation (RFC 6191, no timestamps)", function()
  local t = { state = "TIME-WAIT", iss = 99, snd_una = 101, snd_nxt = 101, rcv_nxt = 301,
    new_iss = 5000 }
  local r = arrive.segment(t, seg("S", 400))
  eq(sent(r), "S. 5000:5000(0) ack 401", "SYN,ACK of the new connection")
  eq(r.state, "SYN-RECEIVED", "state")
  eq(events(r), "reopened", "event")
  local old = arrive.segment(t, seg("S", 200))
  eq(sent(old), ". 101:101(0) ack 301", "a SYN below RCV.NXT gets an ACK")
  eq(old.state, "TIME-WAIT", "and TIME-WAIT stays")
  eq(arrive.segment(t, seg("S", 400), { timewait_syn = false }).state, "TIME-WAIT", "knob off")
end)

case("TIME-WAIT with timestamps: a newer TSval reopens even with an old sequence number", function()
  local t = { state = "TIME-WAIT", iss = 99, snd_una = 101, snd_nxt = 101, rcv_nxt = 301,
    ts = true, ts_recent = 1000 }
  eq(arrive.segment(t, seg("S", 200, nil, { tsval = 1001 })).state, "SYN-RECEIVED", "rfc6191")
  eq(arrive.segment(t, seg("S", 400, nil, { tsval = 999 })).state, "TIME-WAIT",
    "rfc6191: an older TSval does not, whatever the sequence")
  eq(arrive.segment(t, seg("S", 400, nil, { tsval = 999 }), { timewait_syn = "seq_or_ts" }).state,
    "SYN-RECEIVED", "seq_or_ts: the sequence number suffices")
  eq(arrive.segment(t, seg("S", 200, nil, { tsval = 1001 }), { timewait_syn = "rfc1122" }).state,
    "TIME-WAIT", "rfc1122: only the sequence number counts")
end)

-- ---------------------------------------------------------------- knobs, rules, input

case("knobs: an unknown name or a bad value is an error naming it", function()
  local ok, err = pcall(knobs.resolve, { rfc5691_rst = true })
  check(not ok and err:find("rfc5691_rst: unknown knob", 1, true), "unknown: " .. tostring(err))
  ok, err = pcall(knobs.resolve, { rst_window = 0 })
  check(not ok and err:find('rst_window: expected one of "zero", "rcv_wnd", "any", got 0', 1, true),
    "bad value: " .. tostring(err))
  eq(knobs.resolve(nil).rfc5961_rst, true, "default")
end)

case("the target descriptors' model tables are valid knobs", function()
  -- The judge's timing knobs (sweep.judge TIMING: ack_delay, quiet ...) share the
  -- table; they are the judge's to check, not the model's.
  local TIMING = require("sweep.judge").TIMING
  for _, name in ipairs({ "linux", "lwip", "gvisor" }) do
    local d = assert(loadfile(SOURCE_DIR .. "/targets/" .. name .. "/target.lua"))()
    check(type(d.model) == "table", name .. " has a model table")
    local m = {}
    for k, v in pairs(d.model) do if TIMING[k] == nil then m[k] = v end end
    local ok, err = pcall(knobs.resolve, m, name .. " model")
    check(ok, name .. ": " .. tostring(err))
  end
end)

case("every rule cites an RFC section and a sentence", function()
  local n = 0
  for id, r in pairs(rules) do
    if type(r) == "table" then
      n = n + 1
      check(r.id == id and r.rfc:match("^%d+ ") and #r.text > 15, "rule " .. id)
    end
  end
  check(n >= 60, "at least 60 rules, got " .. n)
end)

case("bad input is an error naming the field, expected and actual", function()
  local ok, err = pcall(arrive.segment, { state = "OPEN" }, seg("S", 1))
  check(not ok and err:find("model tcb.state: expected one of CLOSED", 1, true), tostring(err))
  ok, err = pcall(arrive.segment, { state = "CLOSED" }, seg("SX", 1))
  check(not ok and err:find("model segment.flags: expected each of", 1, true), tostring(err))
  ok, err = pcall(arrive.segment, { state = "CLOSED" }, seg("S", -1))
  check(not ok and err:find("model segment.seq: expected an integer 0..4294967295, got -1", 1, true),
    tostring(err))
  ok, err = pcall(arrive.segment, { state = "ESTABLISHED", iss = 1 }, seg("S", 1))
  check(not ok and err:find("model tcb.rcv_nxt: required in state ESTABLISHED", 1, true), tostring(err))
end)
