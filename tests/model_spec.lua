-- The specification of the RFC 9293 model (lua/model/), run by tests/test_model.c: the
-- RFC's own examples (3.5 and 3.6 figures, 3.5.2 reset generation), RFC 5961's cases,
-- the acceptability table's edges and sequence wrap-around. Prints one line per case
-- and "N passed, N failed" (assertions) at the end; returns passed, failed.
local arrive = require "model.arrive"
local user = require "model.user"
local state = require "model.state"
local segment = require "model.segment"

local S = dofile(SOURCE_DIR .. "/tests/spec.lua").new()
local check, eq, case = S.check, S.eq, S.case

-- A segment: flags, seq, ack, then optional fields (len, win, tsval, ...).
local function seg(flags, seq, ack, f)
  local s = { flags = flags, seq = seq, ack = ack, win = 1000 }
  for k, v in pairs(f or {}) do s[k] = v end
  return s
end

-- What r sent, as shorthand lines joined by " | " ("" for nothing).
local function sent(r)
  local out = {}
  for _, s in ipairs(r.send) do out[#out + 1] = segment.format(s) end
  return table.concat(out, " | ")
end

local function applied(r, id)
  for _, e in ipairs(r.rules) do if e.id == id then return true end end
  return false
end

local function events(r)
  local out = {}
  for _, e in ipairs(r.events) do
    out[#out + 1] = e.what .. (e.n and ("(" .. e.n .. ")") or "") .. (e.errno and (":" .. e.errno) or "")
  end
  return table.concat(out, ",")
end

-- Every rule a result cites names an RFC section and a sentence.
local function cited(r)
  for _, e in ipairs(r.rules) do
    if type(e.rfc) ~= "string" or e.rfc == "" or type(e.text) ~= "string" or #e.text < 10 then
      return false
    end
  end
  return #r.rules > 0
end

-- An endpoint for the figures: a TCB that takes what the other end sends.
local function endpoint(t, k)
  local ep = { tcb = t, knobs = k }
  function ep:recv(s)
    local r = arrive.segment(self.tcb, s, self.knobs)
    check(cited(r), "every applied rule is cited")
    self.tcb = r.tcb
    return r
  end
  function ep:call(fn, ...)
    local r = fn(self.tcb, ...)
    self.tcb = r.tcb
    return r
  end
  return ep
end

local EST_A = { state = "ESTABLISHED", iss = 99, snd_una = 100, snd_nxt = 100, rcv_nxt = 300,
  rcv_wnd = 1000, snd_wnd = 1000 }
local EST_B = { state = "ESTABLISHED", iss = 299, snd_una = 300, snd_nxt = 300, rcv_nxt = 100,
  rcv_wnd = 1000, snd_wnd = 1000 }

-- ---------------------------------------------------------------- sequence arithmetic

case("sequence arithmetic is modulo 2^32 (RFC 9293 3.4)", function()
  eq(state.add(0xffffffff, 1), 0, "0xffffffff + 1")
  eq(state.add(0, -1), 0xffffffff, "0 - 1")
  eq(state.dist(5, 0xfffffffb), 10, "distance across the wrap")
  check(state.lt(0xfffffff0, 0x10), "0xfffffff0 < 0x10")
  check(state.gt(0x10, 0xfffffff0), "0x10 > 0xfffffff0")
  check(not state.lt(0x10, 0x10), "not x < x")
  eq(state.diff(0, 0x80000000), -(1 << 31), "diff at 2^31")
  check(state.in_window(5, 0xfffffffe, 10), "5 in [0xfffffffe, +10)")
  check(not state.in_window(0xfffffffd, 0xfffffffe, 10), "0xfffffffd not in [0xfffffffe, +10)")
  check(not state.in_window(8, 0xfffffffe, 10), "the right edge is outside")
  check(state.after_upto(1, 0xffffffff, 5), "0xffffffff < 1 =< 5")
  check(not state.after_upto(0xffffffff, 0xffffffff, 5), "not lo < lo")
  check(state.within(0xffffffff, 0xfffffff0, 3), "0xfffffff0 =< 0xffffffff =< 3")
end)

-- ---------------------------------------------------------------- CLOSED (3.10.7.1)

case("CLOSED: a SYN is answered by <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>", function()
  local r = arrive.segment({ state = "CLOSED" }, seg("S", 100))
  eq(sent(r), "R. 0:0(0) ack 101 win 0", "reply")
  eq(r.state, "CLOSED", "state")
  check(applied(r, "reset.no_ack"), "cites the no-ACK form")
end)

case("CLOSED: an ACK-bearing segment is answered by <SEQ=SEG.ACK><CTL=RST>", function()
  local r = arrive.segment({ state = "CLOSED" }, seg("P.", 100, 5000, { len = 10 }))
  eq(sent(r), "R 5000:5000(0) win 0", "reply")
  check(applied(r, "reset.ack"), "cites the ACK form")
end)

case("CLOSED: SEG.LEN counts SYN, FIN and the text", function()
  local r = arrive.segment({ state = "CLOSED" }, seg("FS", 0xfffffffe, nil, { len = 3 }))
  eq(sent(r), "R. 0:0(0) ack 3 win 0", "ack = SEG.SEQ + 5 modulo 2^32")
end)

case("CLOSED: a RST is discarded", function()
  local r = arrive.segment({ state = "CLOSED" }, seg("R", 100))
  eq(sent(r), "", "nothing sent")
  check(r.dropped and applied(r, "closed.rst"), "dropped under closed.rst")
end)

-- ---------------------------------------------------------------- LISTEN (3.10.7.2)

local LISTEN = { state = "LISTEN", iss = 300, rcv_wnd = 1000 }

case("LISTEN: a RST is ignored", function()
  local r = arrive.segment(LISTEN, seg("R", 100))
  eq(sent(r), "", "nothing sent")
  eq(r.state, "LISTEN", "state")
end)

case("LISTEN: an ACK (even on a SYN) is answered by <SEQ=SEG.ACK><CTL=RST>", function()
  local r = arrive.segment(LISTEN, seg("S.", 100, 777))
  eq(sent(r), "R 777:777(0) win 0", "reply")
  eq(r.state, "LISTEN", "state")
end)

case("LISTEN: a SYN gets <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and SYN-RECEIVED", function()
  local r = arrive.segment(LISTEN, seg("S", 100, nil, { win = 5000 }))
  eq(sent(r), "S. 300:300(0) ack 101", "reply")
  eq(r.state, "SYN-RECEIVED", "state")
  eq(r.tcb.irs, 100, "IRS")
  eq(r.tcb.rcv_nxt, 101, "RCV.NXT")
  eq(r.tcb.snd_una, 300, "SND.UNA")
  eq(r.tcb.snd_nxt, 301, "SND.NXT")
  eq(r.tcb.snd_wnd, 5000, "SND.WND")
  eq(r.tcb.snd_mss, 536, "default send MSS (RFC 9293 3.7.1)")
  check(r.tcb.passive, "passive open")
end)

case("LISTEN: the send MSS is the SYN's option, else 536 (IPv4) or 1220 (IPv6)", function()
  eq(arrive.segment(LISTEN, seg("S", 1, nil, { mss = 1460 })).tcb.snd_mss, 1460, "MSS option")
  local v6 = { state = "LISTEN", iss = 1, ipv6 = true }
  eq(arrive.segment(v6, seg("S", 1)).tcb.snd_mss, 1220, "IPv6 default")
end)

case("LISTEN: text on a SYN is queued, a bare FIN is dropped", function()
  local r = arrive.segment(LISTEN, seg("S", 100, nil, { len = 20 }))
  eq(r.tcb.queued_len, 20, "queued text")
  eq(events(r), "", "nothing delivered before ESTABLISHED")
  local f = arrive.segment(LISTEN, seg("F", 100))
  check(f.dropped and applied(f, "listen.other") and sent(f) == "", "FIN dropped")
end)

case("LISTEN: the rst_window knob sets the window of a RST", function()
  local r = arrive.segment(LISTEN, seg(".", 1, 2), { rst_window = "rcv_wnd" })
  eq(sent(r), "R 2:2(0) win 1000", "receive window")
  eq(sent(arrive.segment(LISTEN, seg(".", 1, 2), { rst_window = "any" })), "R 2:2(0)", "unchecked")
end)

-- ---------------------------------------------------------------- RFC 9293 3.5 figures

case("3.5 Basic Three-Way Handshake for Connection Synchronization", function()
  local a = endpoint({ state = "CLOSED", iss = 100 })
  local b = endpoint({ state = "LISTEN", iss = 300 })
  local syn = a:call(user.connect).send[1]                         -- line 2
  eq(segment.format(syn), "S 100:100(0) win 65535", "A's SYN")
  eq(a.tcb.state, "SYN-SENT", "A")
  local synack = b:recv(syn)
  eq(sent(synack), "S. 300:300(0) ack 101", "line 3: B's SYN,ACK")
  eq(b.tcb.state, "SYN-RECEIVED", "B")
  local ack = a:recv(synack.send[1])
  eq(sent(ack), ". 101:101(0) ack 301", "line 4: A's ACK")
  eq(events(ack), "established", "connect() returns")
  local est = b:recv(ack.send[1])
  eq(b.tcb.state, "ESTABLISHED", "B")
  eq(events(est), "accepted", "accept() returns")
  eq(sent(est), "", "nothing answers the ACK")
  local data = a:call(user.send, 10).send[1]                       -- line 5
  local d = b:recv(data)
  eq(events(d), "data(10)", "B delivers the data")
  eq(sent(d), ". 301:301(0) ack 111", "and acknowledges it")
  check(d.send[1].delayed, "the ACK may be delayed (delayed_ack knob)")
end)

case("3.5 Simultaneous Connection Synchronization", function()
  local a = endpoint({ state = "CLOSED", iss = 100 })
  local b = endpoint({ state = "CLOSED", iss = 300 })
  local syn_a = a:call(user.connect).send[1]
  local syn_b = b:call(user.connect).send[1]
  local ra = a:recv(syn_b)                                         -- line 3
  eq(a.tcb.state, "SYN-RECEIVED", "A after B's SYN")
  eq(sent(ra), "S. 100:100(0) ack 301", "line 5: A's SYN,ACK")
  local rb = b:recv(syn_a)                                         -- line 4
  eq(sent(rb), "S. 300:300(0) ack 101", "line 6: B's SYN,ACK")
  local ea = a:recv(rb.send[1])
  eq(a.tcb.state, "ESTABLISHED", "line 6: A ESTABLISHED")
  eq(events(ea), "established", "A's connect() returns")
  check(applied(ea, "seq.simultaneous_synack"), "the crossing SYN,ACK rule")
  local eb = b:recv(ra.send[1])
  eq(b.tcb.state, "ESTABLISHED", "line 7: B ESTABLISHED")
  eq(sent(ea) .. sent(eb), "", "no more segments")
end)

case("3.5 Recovery from Old Duplicate SYN", function()
  local a = endpoint({ state = "CLOSED", iss = 100 })
  local b = endpoint({ state = "LISTEN", iss = 300 })
  local syn = a:call(user.connect).send[1]                         -- line 2 (delayed)
  local r = b:recv(seg("S", 90))                                   -- line 3: old duplicate
  eq(sent(r), "S. 300:300(0) ack 91", "line 4: B answers the old SYN")
  r = a:recv(r.send[1])
  eq(sent(r), "R 91:91(0) win 0", "line 5: A resets it (SEG.ACK =< ISS)")
  eq(a.tcb.state, "SYN-SENT", "A stays in SYN-SENT (3.5.2 group 2)")
  r = b:recv(r.send[1])
  eq(b.tcb.state, "LISTEN", "B returns to LISTEN")
  eq(events(r), "", "B's user is not told")
  b.tcb.iss = 400
  r = b:recv(syn)                                                  -- line 6
  eq(sent(r), "S. 400:400(0) ack 101", "line 7")
  r = a:recv(r.send[1])
  eq(sent(r), ". 101:101(0) ack 401", "line 8")
  b:recv(r.send[1])
  eq(a.tcb.state .. " " .. b.tcb.state, "ESTABLISHED ESTABLISHED", "both established")
end)

local function half_open_discovery(k)
  local a = endpoint({ state = "CLOSED", iss = 400 }, k)          -- crashed, reconnects
  local b = endpoint({ state = "ESTABLISHED", iss = 299, snd_una = 300, snd_nxt = 300,
    rcv_nxt = 100, rcv_wnd = 100 }, k)
  local r = b:recv(a:call(user.connect).send[1])                   -- line 3
  eq(sent(r), ". 300:300(0) ack 100", "line 4: B acknowledges what it expects")
  eq(b.tcb.state, "ESTABLISHED", "B")
  r = a:recv(r.send[1])
  eq(sent(r), "R 100:100(0) win 0", "line 5: A resets (SEG.ACK =< ISS)")
  r = b:recv(r.send[1])
  eq(b.tcb.state, "CLOSED", "line 6: B aborts")
  eq(events(r), "reset:ECONNRESET", "B's user sees connection reset")
end

case("3.5 Half-Open Connection Discovery (RFC 5961 challenge ACK)", function()
  half_open_discovery(nil)
end)

case("3.5 Half-Open Connection Discovery (RFC 793: SYN outside the window)", function()
  half_open_discovery({ rfc5961_syn = false })
end)

case("3.5 Active Side Causes Half-Open Connection Discovery", function()
  local a = endpoint({ state = "LISTEN", iss = 1 })                -- rebooted
  local b = endpoint(EST_B)
  local r = a:recv(seg(".", 300, 100, { len = 10 }))               -- line 3
  eq(sent(r), "R 100:100(0) win 0", "line 4: <SEQ=100><CTL=RST>")
  eq(a.tcb.state, "LISTEN", "A stays in LISTEN")
  r = b:recv(r.send[1])
  eq(b.tcb.state, "CLOSED", "line 5: B closed")
  eq(events(r), "reset:ECONNRESET", "ECONNRESET")
end)

-- ---------------------------------------------------------------- 3.5.2 reset generation

case("3.5.2 group 2: SYN-SENT answers an unacceptable ACK with a RST and stays", function()
  local t = { state = "SYN-SENT", iss = 100 }
  local r = arrive.segment(t, seg("S.", 300, 102))
  eq(sent(r), "R 102:102(0) win 0", "SEG.ACK > SND.NXT")
  eq(r.state, "SYN-SENT", "state")
  eq(sent(arrive.segment(t, seg(".", 300, 100))), "R 100:100(0) win 0", "SEG.ACK =< ISS")
  local rr = arrive.segment(t, seg("R.", 300, 100))
  check(rr.dropped and sent(rr) == "" and rr.state == "SYN-SENT", "a RST with a bad ACK is dropped")
end)

case("3.5.2 group 2: SYN-RECEIVED answers an unacceptable ACK with <SEQ=SEG.ACK><CTL=RST>", function()
  local t = { state = "SYN-RECEIVED", iss = 300, rcv_nxt = 101, passive = true }
  local r = arrive.segment(t, seg(".", 101, 500))
  eq(sent(r), "R 500:500(0) win 0", "reply")
  eq(r.state, "SYN-RECEIVED", "state")
end)

case("3.5.2 group 3: a synchronized state answers an out-of-window segment with an ACK", function()
  local r = arrive.segment(EST_B, seg(".", 5000, 300, { len = 10 }))
  eq(sent(r), ". 300:300(0) ack 100", "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>")
  eq(r.state, "ESTABLISHED", "state")
  eq(events(r), "", "nothing delivered")
  local a = arrive.segment(EST_B, seg(".", 100, 305, { len = 10 }))
  eq(sent(a), ". 300:300(0) ack 100", "an ACK of something not yet sent gets an ACK")
  eq(events(a), "", "and its text is dropped")
end)

-- ---------------------------------------------------------------- 3.6 closing

case("3.6 Normal Close Sequence", function()
  local a, b = endpoint(EST_A), endpoint(EST_B)
  local fin = a:call(user.close).send[1]                           -- line 2
  eq(segment.format(fin), "F. 100:100(0) ack 300", "A's FIN")
  eq(a.tcb.state, "FIN-WAIT-1", "A")
  local r = b:recv(fin)
  eq(sent(r), ". 300:300(0) ack 101", "line 3: B acknowledges the FIN")
  eq(b.tcb.state, "CLOSE-WAIT", "B")
  eq(events(r), "eof", "B's user reads EOF")
  check(not r.send[1].delayed, "a FIN is acknowledged at once")
  a:recv(r.send[1])
  eq(a.tcb.state, "FIN-WAIT-2", "A")
  local fin_b = b:call(user.close).send[1]                         -- line 4
  eq(segment.format(fin_b), "F. 300:300(0) ack 101", "B's FIN")
  eq(b.tcb.state, "LAST-ACK", "B")
  r = a:recv(fin_b)
  eq(a.tcb.state, "TIME-WAIT", "A")
  eq(sent(r), ". 101:101(0) ack 301", "line 5")
  r = b:recv(r.send[1])
  eq(b.tcb.state, "CLOSED", "B")
  eq(events(r), "closed", "B's close completes")
end)

case("3.6 Simultaneous Close Sequence", function()
  local a, b = endpoint(EST_A), endpoint(EST_B)
  local fa = a:call(user.close).send[1]
  local fb = b:call(user.close).send[1]
  eq(segment.format(fb), "F. 300:300(0) ack 100", "B's FIN")
  local ra = a:recv(fb)
  eq(a.tcb.state, "CLOSING", "line 3: A CLOSING")
  eq(sent(ra), ". 101:101(0) ack 301", "A's ACK")
  local rb = b:recv(fa)
  eq(b.tcb.state, "CLOSING", "B CLOSING")
  eq(sent(rb), ". 301:301(0) ack 101", "B's ACK")
  a:recv(rb.send[1])
  b:recv(ra.send[1])
  eq(a.tcb.state .. " " .. b.tcb.state, "TIME-WAIT TIME-WAIT", "line 4")
end)

case("TIME-WAIT acknowledges a retransmitted FIN", function()
  local tw = { state = "TIME-WAIT", iss = 99, snd_una = 101, snd_nxt = 101, rcv_nxt = 301 }
  local r = arrive.segment(tw, seg("F.", 300, 101))
  eq(sent(r), ". 101:101(0) ack 301", "ACK")
  eq(r.state, "TIME-WAIT", "state")
end)

case("CLOSING ignores an ACK that does not acknowledge our FIN", function()
  local t = { state = "CLOSING", iss = 99, snd_una = 100, snd_nxt = 101, rcv_nxt = 301 }
  local r = arrive.segment(t, seg(".", 301, 100))
  eq(r.state, "CLOSING", "state")
  check(r.dropped and applied(r, "ack.closing"), "ignored under ack.closing")
end)

-- The rules beyond the figures (RFC 5961, the acceptability table, PAWS, TIME-WAIT,
-- knobs) are in model_spec_rules.lua, which gets these helpers.
local more = assert(loadfile(SOURCE_DIR .. "/tests/model_spec_rules.lua"))
more({ check = check, eq = eq, case = case, seg = seg, sent = sent, applied = applied,
  events = events, cited = cited, EST_B = EST_B })

return S.finish()
