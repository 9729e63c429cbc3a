-- The specification of the fuzzer's pure parts (lua/fuzz/): programs (checks, JSON round
-- trip, ids), the generator and mutations (deterministic per seed and shard, always
-- valid), the dependency-aware plan, minimisation with a stand-in oracle, the oracles on
-- hand-made observations and the stability of signatures. Run by tests/test_fuzz.c.
local program = require "fuzz.program"
local json = require "fuzz.json"
local mutate = require "fuzz.mutate"
local plan = require "fuzz.plan"
local minimise = require "fuzz.minimise"
local oracles = require "fuzz.oracles"

local S = dofile(SOURCE_DIR .. "/tests/spec.lua").new()
local check, eq, has, raises, case = S.check, S.eq, S.has, S.raises, S.case

local function snapshot(st)
  return {state = st, iss = 5000, irs = 1000, snd_una = 5001, snd_nxt = 5001, snd_wnd = 65535,
    rcv_nxt = 1001, rcv_wnd = 64240, mss = 1460, unread = 0, inflight = 0, orphan = false}
end

local P1 = {start = {state = "ESTABLISHED", family = "inet"}, steps = {
  {seg = {flags = "PA", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}, len = 10,
    opts = {{mss = 536}, {raw = "1e0401020304"}, {nop = true}}, ip = {ttl = 1, bad_csum = true}}},
  {call = "shutdown", args = {how = "wr"}},
  {delay = 20},
  {seg = {flags = "A", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}, data = "00ff41"}}}}

case("a program survives the JSON round trip with its id", function()
  local text = program.encode(P1)
  local back = program.decode(text)
  eq(program.encode(back), text, "same canonical text")
  eq(program.id(back), program.id(P1), "same id")
  eq(#program.id(P1), 16, "id is 16 hex digits")
  check(program.id(P1):match("^%x+$") ~= nil, "id is hex")
  eq(json.decode('"a\\u0000\\u00ff"'), "a\0\255", "bytes written as \\u00XX come back")
end)

case("bad programs are refused naming the field", function()
  raises(function() program.check({start = {state = "NOPE", family = "inet"}, steps = {}}) end,
    "start.state", "unknown state")
  local p = program.copy(P1); p.steps[1].seg.flags = "SX"
  raises(function() program.check(p) end, "steps[1].seg.flags", "bad flag letter")
  p = program.copy(P1); p.steps[1].seg.ack = nil
  raises(function() program.check(p) end, "steps[1].seg.ack: required with the ACK bit", "ACK without ack")
  p = program.copy(P1); p.steps[2].args.how = "up"
  raises(function() program.check(p) end, "steps[2].args.how", "shutdown how")
  p = program.copy(P1); p.steps[3].delay = 5000
  raises(function() program.check(p) end, "steps[3].delay", "delay bounded")
  p = program.copy(P1); p.steps[1].seg.opts = {}
  for i = 1, 11 do p.steps[1].seg.opts[i] = {mss = 1} end
  raises(function() program.check(p) end, "at most 40 fit", "options over 40 bytes")
  raises(function() program.decode('{"start": ') end, "json: at byte", "truncated JSON")
end)

case("the generator and mutations are deterministic per seed and shard", function()
  local seeds = mutate.seeds({"ESTABLISHED", "TIME-WAIT"}, {"inet"}, {})
  check(#seeds > 200, "the sweep's cases are seeds, got " .. #seeds)
  local function run(seed, k)
    local r = mutate.rng(seed, k)
    local p, ids = seeds[1], {}
    for i = 1, 300 do
      p = mutate.mutate(r, p, seeds[r:int(#seeds)])
      ids[i] = program.id(p)
      program.check(p)
    end
    return table.concat(ids, ",")
  end
  local a = run(7, 1)
  eq(run(7, 1), a, "same seed, same mutants")
  check(run(7, 2) ~= a, "another shard draws other mutants")
  check(run(8, 1) ~= a, "another seed draws other mutants")
  local r = mutate.rng(1, 1)
  eq(r:next64(), mutate.rng(1, 1):next64(), "splitmix64 repeats")
end)

case("the plan tracks the connection: edges after text accepted by the model", function()
  local p = {start = {state = "ESTABLISHED", family = "inet"}, steps = {
    {seg = {flags = "PA", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}, len = 10}},
    {seg = {flags = "A", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}}},
    {call = "close", args = {}},
    {seg = {flags = "A", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}}}}}
  local pl = plan.make(p, snapshot("ESTABLISHED"), {}, {})
  eq(pl.steps[1].sent.seq, 1001, "step 1 at RCV.NXT")
  eq(pl.steps[2].sent.seq, 1011, "step 2 at the RCV.NXT the model advanced by 10")
  eq(pl.judged, 2, "the model judges the two leading segments, not past the call")
  eq(#pl.expect, 2, "an expectation per judged step")
  eq(pl.expect[1].replies[1].ack, 1011, "the model's ACK of the text")
  local q = program.copy(P1)
  local pq = plan.make(q, snapshot("ESTABLISHED"), {}, {})
  eq(pq.judged, 0, "a bad checksum or raw option is not judged")
  local found = {}
  for _, o in ipairs(pq.steps[1].sent.opts) do for k, v in pairs(o) do found[k] = v end end
  eq(found.options, "<mss 536,raw 1e0401020304,nop>", "options in the shorthand")
  eq(found.csum, "bad", "a wrong checksum")
  eq(found.ttl, 1, "the TTL")
end)

case("judge.expect reuses the plan's model run only for the same TCB and knobs", function()
  local judge = require "sweep.judge"
  local arrive = require "model.arrive"
  local snap = snapshot("ESTABLISHED")
  local c = {id = "x", state = "ESTABLISHED", family = "inet", steps = {
    {flags = "PA", seq = {"raw", 1001}, ack = {"raw", snap.snd_nxt}, len = 10}}}
  local tcb = judge.tcb(c, snap)
  local mk = plan._model_knobs({})
  local real = arrive.segment(tcb, {flags = "P.", seq = 1001, ack = snap.snd_nxt, win = 65535, len = 10}, mk)
  -- a result the model would never give, so its use shows
  local fake = {tcb = real.tcb, state = "CLOSE-WAIT", send = {}, events = {}, rules = {}}
  local pre = {tcb = tcb, mk = mk, steps = {{before = tcb, r = fake}}}
  eq(judge.expect(c, snap, {}, pre)[1].state, "CLOSE-WAIT", "the plan's result, reused")
  eq(judge.expect(c, snap, {rfc1337 = true}, pre)[1].state, real.state, "other knobs: run again")
  pre.steps[1].before = judge.tcb(c, snap)
  eq(judge.expect(c, snap, {}, pre)[1].state, real.state, "another TCB: run again")
  eq(judge.expect(c, snap, {})[1].state, real.state, "no plan: the model's own")
  local p = {start = {state = "ESTABLISHED", family = "inet"}, steps = {
    {seg = {flags = "PA", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}, len = 10}},
    {seg = {flags = "A", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}}}}}
  local a = plan.make(p, snap, {}, {})
  local b = judge.expect(a.case, snap, {})
  eq(json.encode(a.expect), json.encode(b), "the plan's expectation is the model's, run afresh")
end)

case("minimisation keeps what the stand-in oracle needs, and only that", function()
  local p = {start = {state = "ESTABLISHED", family = "inet"}, steps = {
    {seg = {flags = "A", seq = {"rcv_nxt", 5}, ack = {"snd_nxt", 0}, win = 7}},
    {delay = 5},
    {seg = {flags = "RA", seq = {"rcv_nxt", 3}, ack = {"snd_nxt", 1}, win = 0, opts = {{nop = true}}}},
    {call = "recv", args = {max = 10}},
    {seg = {flags = "PA", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}, len = 5}}}}
  local calls = 0
  -- Stand-in: the "bug" needs an RST step whose seq is RCV.NXT+3.
  local function holds(list)
    calls = calls + 1
    local out = {}
    for i, c in ipairs(list) do
      out[i] = false
      for _, st in ipairs(c.steps) do
        if st.seg and st.seg.flags:find("R") and st.seg.seq[2] == 3 then out[i] = true end
      end
    end
    return out
  end
  local m = minimise.run(p, holds, 30)
  eq(#m.steps, 1, "one step left")
  eq(m.steps[1].seg.seq[2], 3, "the offset the oracle needs is kept")
  eq(m.steps[1].seg.opts, nil, "options went")
  eq(m.steps[1].seg.win, nil, "window went to the default")
  eq(m.steps[1].seg.ack[2], 0, "ack offset went to 0")
  check(calls <= 30, "bounded rounds")
end)

local function res(state_after, replies)
  return {program = {start = {state = "TIME-WAIT", family = "inet"}, steps = {
    {seg = {flags = "RA", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}}}}},
    snap = (function() local s = snapshot("TIME-WAIT"); s.snd_una, s.snd_nxt = 5002, 5002; return s end)(), steps = {{replies = replies or {}, state = state_after}}}
end

case("the differential oracle names the odd one out, and signatures are stable", function()
  eq(oracles.differential({res("CLOSED"), res("CLOSED")}, {"a", "b"}), nil, "agreeing targets")
  local f = oracles.differential({res("CLOSED"), res("TIME-WAIT")}, {"linux", "linux:x=1"})
  eq(f.oracle, "differential", "a difference")
  eq(f.target, "linux:x=1", "two targets: the second is named")
  local g = oracles.differential({res("CLOSED"), res("TIME-WAIT"), res("CLOSED")}, {"a", "b", "c"})
  eq(g.target, "b", "three targets: the odd one out")
  local h = oracles.differential({res("CLOSED"), res("TIME-WAIT"), res("LISTEN")}, {"a", "b", "c"})
  eq(h.target, "", "three all different: none named")
  eq(oracles.signature(f), oracles.signature(oracles.differential({res("CLOSED"), res("TIME-WAIT")},
    {"linux", "linux:x=1"})), "same finding, same signature")
  eq(oracles.signature({oracle = "model", target = "linux", state = "TIME-WAIT",
    class = "RST+ACK:rcv_nxt:snd_nxt", rule = "rst.timewait"}), "041597262d14359b",
    "a signature does not change between releases")
  -- One behaviour, one finding: another flag variant of the segment with the same
  -- reply-class difference signs the same (issue 11: 16 signatures for one TIME-WAIT RST).
  local v = res("CLOSED"); v.program.steps[1].seg.flags = "FRA"
  local w = res("TIME-WAIT"); w.program.steps[1].seg.flags = "FRA"
  local fv = oracles.differential({v, w}, {"linux", "linux:x=1"})
  check(fv.class ~= f.class, "another event class")
  eq(oracles.signature(fv), oracles.signature(f), "the same signature")
  -- A reply of the target's own retransmission is no output.
  local a = oracles.abstract(res("TIME-WAIT", {{flags = "F.", seq = 5001, ack = 1001, len = 0, win = 1}}))
  eq(a[1], "nothing -> TIME-WAIT", "a retransmitted FIN is left out")
end)

-- Issue 11's linux,lwip campaign: a target's own retransmission timer (RFC 6298) is no
-- difference between stacks -- Linux's SYN again at TCP_TIMEOUT_MIN after the RST of an
-- unacceptable ACK in SYN-SENT (finding 2a8cf51e6280236f), a SYN|ACK again after a 1 s
-- RTO -- and the differential leaves out what sweep.judge.own_timer calls the timer's.
case("the differential leaves out each target's own retransmissions", function()
  local function syn_sent(replies)
    local r = res("SYN-SENT", replies)
    r.program.start.state = "SYN-SENT"
    r.program.steps[1].seg = {flags = "A", seq = {"raw", 1000000}, ack = {"snd_nxt", 1}}
    r.snap.snd_una, r.snap.snd_nxt = 5000, 5001
    return r
  end
  local rst = {flags = "R", seq = 5002, ack = 0, len = 0, win = 0, t = 0.01}
  local again = {flags = "S", seq = 5000, ack = 0, len = 0, win = 64240, t = 0.21}
  eq(oracles.differential({syn_sent({rst, again}), syn_sent({rst})}, {"linux", "lwip"}), nil,
    "Linux's SYN re-sent by its timer after the RST is no difference")
  -- a SYN|ACK of a passive open, then again 1 s later on one target only (a repeat)
  local function listen(replies2)
    local r = res("SYN-RECEIVED", {{flags = "S.", seq = 7000, ack = 1001, len = 0, win = 100, t = 0.01}})
    r.program.start.state = "LISTEN"
    r.program.steps[1].seg = {flags = "S", seq = {"raw", 1000}}
    r.program.steps[2] = {delay = 1000}
    r.steps[2] = {replies = replies2, state = "SYN-RECEIVED"}
    r.snap.iss, r.snap.snd_una, r.snap.snd_nxt = 0, 0, 0
    return r
  end
  local synack2 = {flags = "S.", seq = 7000, ack = 1001, len = 0, win = 100, t = 1.02}
  eq(oracles.differential({listen({synack2}), listen({})}, {"linux", "lwip"}), nil,
    "a SYN|ACK repeated by the timer is no difference")
  local other = {flags = "S.", seq = 9000, ack = 1001, len = 0, win = 100, t = 1.02}
  check(oracles.differential({listen({other}), listen({})}, {"linux", "lwip"}) ~= nil,
    "a SYN|ACK with another ISN still is")
  -- an ACK that rode on a retransmission stands for the bare ACK the other target sent
  local function data_out(replies)
    local r = res("ESTABLISHED", replies)
    r.program.start.state = "ESTABLISHED-DATA-OUT"
    r.program.steps[1].seg = {flags = "PA", seq = {"rcv_nxt", 0}, ack = {"snd_una", 0}, len = 10}
    r.snap.snd_una, r.snap.snd_nxt = 5001, 5101
    return r
  end
  local bare = {flags = ".", seq = 5101, ack = 1011, len = 0, win = 100, t = 0.01}
  local rtx = {flags = "P.", seq = 5001, ack = 1011, len = 100, win = 100, t = 0.01}
  eq(oracles.abstract(data_out({rtx}))[1], oracles.abstract(data_out({bare}))[1],
    "the retransmission's ACK written as the bare ACK")
  eq(oracles.abstract(data_out({bare, rtx}))[1], oracles.abstract(data_out({bare}))[1],
    "and not twice")
  check(oracles.differential({data_out({bare}), data_out({})}, {"linux", "lwip"}) ~= nil,
    "a missing ACK still differs")
  -- the judge's own classification, shared
  local judge = require "sweep.judge"
  eq(judge.own_timer(again, {lo = 5000, hi = 5001, bare_syn = true}, {}), "retransmit", "retransmit")
  eq(judge.own_timer({flags = "S.", seq = 5000, ack = 1, len = 0, t = 0.2}, {lo = 5000, hi = 5001,
    bare_syn = true}, {}), nil, "a SYN,ACK of a simultaneous open answers")
  eq(judge.own_timer(synack2, nil, {listen({}).steps[1].replies[1]}), "repeat", "repeat")
end)

case("invariants: an RST answering an RST, an ack beyond what was sent", function()
  local r = res("CLOSED", {{flags = "R", seq = 5001, ack = 0, len = 0, win = 0}})
  r.plan = {steps = {{sent = {flags = "R.", seq = 1001, ack = 5001, len = 0}}}}
  local f = oracles.invariants(r)
  eq(f and f.oracle, "invariant", "RST for RST")
  has(f and f.sentence, "RST answered an RST", "says which")
  local r2 = res("TIME-WAIT", {{flags = ".", seq = 5001, ack = 1500, len = 0, win = 100}})
  r2.program.steps[1].seg.flags = "A"
  r2.plan = {steps = {{sent = {flags = ".", seq = 1001, ack = 5001, len = 0}}}}
  local f2 = oracles.invariants(r2)
  has(f2 and f2.sentence, "beyond what the harness sent", "ack beyond")
  local r3 = res("TIME-WAIT", {{flags = ".", seq = 5001, ack = 1001, len = 0, win = 100}})
  r3.program.steps[1].seg.flags = "A"
  r3.plan = {steps = {{sent = {flags = ".", seq = 1001, ack = 5001, len = 0}}}}
  eq(oracles.invariants(r3), nil, "a plain ACK is fine")
  -- A raw segment and one 2^31 away before the ACK of RCV.NXT: still fine (issue 11).
  local r4 = res("TIME-WAIT", {{flags = ".", seq = 5001, ack = 1001, len = 0, win = 100}})
  r4.program.steps[1].seg.flags = "A"
  r4.plan = {steps = {{sent = {flags = ".", seq = 1000, ack = 5001, len = 0}}}}
  table.insert(r4.program.steps, 1, {seg = {flags = "F", seq = {"raw", 1000000}}})
  table.insert(r4.program.steps, 2, {seg = {flags = "A", seq = {"rcv_nxt", 2147483648}, ack = {"snd_nxt", 0}}})
  table.insert(r4.plan.steps, 1, {sent = {flags = "F", seq = 1000000, len = 0}})
  table.insert(r4.plan.steps, 2, {sent = {flags = ".", seq = 1001 + 2147483648, len = 0}})
  table.insert(r4.steps, 1, {replies = {}, state = "TIME-WAIT"})
  table.insert(r4.steps, 2, {replies = {}, state = "TIME-WAIT"})
  eq(oracles.invariants(r4), nil, "an ACK of RCV.NXT after a raw, a far and an old segment")
end)

case("a raw sequence number anchors the ACK of it, whatever the labs' ISNs", function()
  local function at(irs)
    local r = res("SYN-RECEIVED", {{flags = "S.", seq = 7000, ack = 1000001, len = 0, win = 100}})
    r.program.start.state = "SYN-SENT"
    r.program.steps[1].seg = {flags = "S", seq = {"raw", 1000000}, ack = {"raw", 0}}
    r.snap.irs = irs
    return oracles.abstract(r)[1]
  end
  eq(at(1000), at(99999999), "same text on two labs with different harness ISNs")
  has(at(1000), "ack raw+1", "relative to the raw number sent")
  local r = res("TIME-WAIT", {{flags = ".", seq = 5002, ack = 1002, len = 0, win = 100}})
  has(oracles.abstract(r)[1], "ack 2", "without raw numbers: relative to the ISN")
end)

-- selftest_fuzz_rfc1337's false finding 925c1cdbb0dd88ef: SYN-RECEIVED, RST, a new SYN
-- (a new ISN, random per lab), then an ACK of the old SND.NXT: both labs answer
-- <SEQ=SEG.ACK><CTL=RST>, far from the new ISN.
case("a RST at SEG.ACK far from the newest ISN is written relative to SEG.ACK", function()
  local function text(new_isn)
    local r = {program = {start = {state = "SYN-RECEIVED", family = "inet"}, steps = {
      {seg = {flags = "S", seq = {"raw", 2000000}}},
      {seg = {flags = "A", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}}}}},
      snap = snapshot("SYN-RECEIVED"),
      plan = {steps = {{sent = {seq = 2000000}}, {sent = {seq = 2000001, ack = 3000000001}}}},
      steps = {{replies = {{flags = "S.", seq = new_isn, ack = 2000001, len = 0, win = 100}}, state = "SYN_RECV"},
        {replies = {{flags = "R", seq = 3000000001, len = 0, win = 0}}, state = "LISTEN"}}}
    r.snap.iss, r.snap.snd_nxt = 3000000000, 3000000001
    return oracles.abstract(r)[2]
  end
  eq(text(123456789), text(3987654321), "same text whatever the new ISN")
  has(text(123456789), "R ack+0(0)", "relative to the step's SEG.ACK")
  local r = res("CLOSED", {{flags = "R", seq = 5002, len = 0, win = 0}})
  r.plan = {steps = {{sent = {seq = 1001, ack = 5002}}}}
  has(oracles.abstract(r)[1], "R 2(0)", "near the ISN: relative to the ISN, as before")
end)

-- Issue 11's linux,gvisor campaign (49b9b1914e86126a): a SYN at RCV.NXT+RCV.WND-1 in
-- SYN-RECEIVED, answered RST|ACK <ACK=SEG.SEQ+1> by both, was "ack 64241" on Linux and
-- "ack 29185" on gVisor (their windows): an ack of a right-edge step is written relative
-- to the step's own SEG.SEQ.
case("an ack of a right-edge step is written relative to the step, whatever the windows", function()
  local function text(wnd)
    local r = res("LISTEN", {{flags = "R.", seq = 0, ack = 1001 + wnd, len = 0, win = 0}})
    r.program.start.state = "SYN-RECEIVED"
    r.program.steps[1].seg = {flags = "S", seq = {"rcv_wend", -1}}
    r.snap.rcv_wnd = wnd
    r.plan = {steps = {{sent = {flags = "S", seq = 1001 + wnd - 1, len = 0}}}}
    return oracles.abstract(r)[1]
  end
  eq(text(64240), text(29184), "same text on two windows")
  has(text(64240), "ack seg+1", "relative to the step's SEG.SEQ")
  local r = res("TIME-WAIT", {{flags = ".", seq = 5002, ack = 1002, len = 0, win = 100}})
  r.plan = {steps = {{sent = {flags = "RA", seq = 1001, len = 0}}}}
  has(oracles.abstract(r)[1], "ack 2", "a step at RCV.NXT: relative to the ISN as before")
end)

-- Issue 11's class P5 (linux,lwip and linux,gvisor campaigns: 0ec1c0394195c767): in
-- SYN-SENT an unacceptable RST|ACK is dropped by both, and Linux sends its SYN again at
-- once (TCP_TIMEOUT_MIN): a retransmission, left out as every other one.
case("a SYN retransmitted at the prefix's ISN is no output of the step", function()
  local r = res("SYN-SENT", {{flags = "S", seq = 5000, len = 0, win = 100}})
  r.program.start.state = "SYN-SENT"
  r.program.steps[1].seg = {flags = "RA", seq = {"raw", 1000000}, ack = {"snd_una", 0}}
  eq(oracles.abstract(r)[1], "nothing -> SYN-SENT", "the SYN again is left out")
  local q = res("SYN-SENT", {{flags = "S", seq = 7777, len = 0, win = 100}})
  has(oracles.abstract(q)[1], "S ", "a SYN at another ISN is an output")
end)

-- Issue 11: ~30 differential findings with equal outputs in a linux,linux:rfc1337 run:
-- the nearest of all anchors was a coin toss when the ISN-relative distance was large.
case("far from the ISN, a reply is written the same on labs with other ISNs", function()
  local function text(iss, irs, p, reply, st)
    local r = res(st or "SYN-RECEIVED", {reply(iss, irs)})
    r.program.start.state = "SYN-SENT"
    r.program.steps = p
    r.snap.iss, r.snap.irs = iss, irs
    return oracles.abstract(r)[1]
  end
  local syn = {{seg = {flags = "S", seq = {"rcv_nxt", 2147483648}}}}
  local synack = function(iss, irs) return {flags = "S.", seq = iss, ack = (irs + 2147483649) % 4294967296, len = 0, win = 100} end
  local labs = {{5000, 1000}, {4000000000, 3000000000}, {123456789, 2000000000}, {77, 4290000000}}
  -- a raw number elsewhere in the program (the SYN-ACK of an earlier step)
  syn[2] = {seg = {flags = "SA", seq = {"raw", 1000000}, ack = {"snd_una", 0}}}
  local first = text(labs[1][1], labs[1][2], syn, synack)
  for _, l in ipairs(labs) do
    eq(text(l[1], l[2], syn, synack), first, "SYN at RCV.NXT+2^31: ISN-relative on every lab")
  end
  has(first, "ack 2147483649", "relative to the harness's ISN")
  local p2 = {{seg = {flags = "", seq = {"raw", 1000000}, ack = {"raw", 0}}},
    {seg = {flags = "UA", seq = {"rcv_nxt", -1}, ack = {"snd_nxt", 1073741824}}}}
  local rst = function(iss) return {flags = "R", seq = (iss + 1 + 1073741824) % 4294967296, ack = 0, len = 0, win = 0} end
  local a = text(labs[1][1], labs[1][2], p2, rst, "SYN-SENT")
  for _, l in ipairs(labs) do
    eq(text(l[1], l[2], p2, rst, "SYN-SENT"), a, "RST at SND.NXT+2^30: the raw ack of a segment without ACK is no anchor")
  end
  has(a, "R 1073741825(0)", "relative to the target's ISN")
  local closed = function() return {flags = "R.", seq = 0, ack = 1000001, len = 0, win = 0} end
  local p3 = {{seg = {flags = "SF", seq = {"raw", 1000000}}}}
  local c = text(labs[1][1], labs[1][2], p3, closed, "CLOSED")
  for _, l in ipairs(labs) do eq(text(l[1], l[2], p3, closed, "CLOSED"), c, "RST <SEQ=0> in CLOSED") end
  has(c, "R. raw+0(0) ack raw+1", "seq 0 and the ack of the raw SYN")
end)

case("a crash signs with the target and its last words, not the state or the segment", function()
  local text = "?: the target (lwip) exited with status 134; its last words: Assertion " ..
    "\"insane offset!\" failed at line 1430 in ./src/core/tcp_in.c\nits output (78 bytes):\n"
  eq(oracles.site(text), "Assertion \"insane offset!\" failed at line 1430 in ./src/core/tcp_in.c",
    "the last words, line number kept")
  eq(oracles.site("a case overran its limit after 10.5 s"), "a case overran its limit after N.N s",
    "no last words: digits masked")
  local a = oracles.signature{oracle = "liveness", target = "lwip", site = oracles.site(text),
    state = "ESTABLISHED", class = "FIN:rcv_nxt+2^31:raw"}
  local b = oracles.signature{oracle = "liveness", target = "lwip",
    site = oracles.site("the canary handshake failed: " .. text), state = "FIN-WAIT-1", class = "FIN+ACK"}
  eq(a, b, "one crash, one signature")
  check(a ~= oracles.signature{oracle = "liveness", target = "gvisor", site = oracles.site(text)},
    "per target")
end)

case("a declared deviation is found through the sweep's nearest case", function()
  local campaign = require "fuzz.declared"
  local c = campaign.canonical_step{seg = {flags = "FUP", seq = {"rcv_nxt", -475}, len = 9, up = 3}}
  eq(c.seg.flags, "F", "URG and PSH left out")
  eq(c.seg.seq[2], -1, "below RCV.NXT: RCV.NXT-1")
  eq(c.seg.len, nil, "text left out")
  eq(campaign.canonical_step{seg = {flags = "F", seq = {"rcv_nxt", 2147482660}}}.seg.seq[2], 2147483648,
    "far beyond: RCV.NXT+2^31")
  eq(campaign.canonical_step{seg = {flags = "", seq = {"rcv_wend", 7}}}.seg.seq[2], 1, "beyond the edge")
  eq(campaign.canonical_step{seg = {flags = "A", seq = {"rcv_nxt", 5}}}.seg.seq[2], 5, "in the window: kept")
  local desc = {sweep_deviations = {["ESTABLISHED/*/FIN:seq=rcv_nxt-1:*"] = {rfc = "9293 3.10.7.4", reason = "r"}}}
  local p = {start = {state = "ESTABLISHED", family = "inet"}, steps = {
    {seg = {flags = "FU", seq = {"rcv_nxt", -475}, up = 1}}}}
  eq(campaign.find({desc = desc}, {rule = "seq.unacceptable", state = "ESTABLISHED", step = 1}, p),
    "ESTABLISHED/*/FIN:seq=rcv_nxt-1:*", "covered")
  p.steps[1].seg.flags = "FA"
  eq(campaign.find({desc = desc}, {rule = "seq.unacceptable", state = "ESTABLISHED", step = 1}, p),
    nil, "an ACK-bearing FIN is another case")
end)

-- A declared deviation that filters on what the target did (sweep.deviations `seen`)
-- covers a model finding only through the finding's own `seen`: gVisor's orphaned
-- FIN-WAIT-2 answers text with RST|ACK (declared with seen = "R. "); without `seen` the
-- first gVisor campaign reported 24 such findings as new.
case("a declared deviation filtered on what was seen covers a model finding", function()
  local declared = require "fuzz.declared"
  local desc = dofile(SOURCE_DIR .. "/targets/gvisor/target.lua")
  local p = {start = {family = "inet6", state = "FIN-WAIT-2-ORPHAN"}, steps = {
    {seg = {ack = {"snd_nxt", 0}, flags = "A", len = "mss", seq = {"rcv_nxt", 0}}}}}
  local snap = snapshot("FIN-WAIT-2")
  snap.orphan = true
  local pl = plan.make(p, snap, desc.model, desc.model)
  check(pl.judged >= 1, "the step is judged")
  local r = {flags = "R.", seq = 5002, ack = 1001 + 1440, len = 0, win = 0}
  local f = oracles.model{plan = pl, program = p, steps = {{replies = {r}, state = "CLOSED"}}}
  check(f, "the RST|ACK differs from the model")
  has(f.seen or "", "R. ", "the finding says what the target sent")
  eq(declared.find({desc = desc}, f, p), "FIN-WAIT-2-ORPHAN/*", "covered by the seen entry")
  f.seen = "R 5002:5002(0) -> CLOSED"
  eq(declared.find({desc = desc}, f, p), nil, "another reply is not covered")
end)

-- A right-edge step after the target announced another edge than the prefix's is not
-- judged: gVisor's SYN,ACK offers 29184, its first ACK 65535, and a RST at the plan's
-- RCV.NXT+RCV.WND+1 is then in its window (issue 11's gVisor campaign, 06754d8b8a6e9545).
case("a right-edge step after the target announced a new edge is not judged", function()
  local desc = dofile(SOURCE_DIR .. "/targets/gvisor/target.lua")
  local snap = snapshot("ESTABLISHED")
  snap.rcv_wnd = 29184
  local p = {start = {family = "inet", state = "ESTABLISHED"}, steps = {
    {seg = {ack = {"snd_una", 0}, flags = "A", seq = {"rcv_nxt", -1048576}}},
    {seg = {ack = {"snd_nxt", 0}, flags = "RA", seq = {"rcv_wend", 1}}}}}
  local pl = plan.make(p, snap, desc.model, desc.model)
  eq(pl.judged, 2, "both steps planned")
  local function res(win)
    return {plan = pl, program = p, snap = snap, steps = {
      {replies = {{flags = ".", seq = 5001, ack = 1001, len = 0, win = win}}, state = "ESTABLISHED"},
      {replies = {}, state = "CLOSED"}}}
  end
  eq(oracles.model(res(65535)), nil, "a new edge announced: the RST is not judged")
  local f = oracles.model(res(29184))
  check(f and f.step == 2 and f.rule == "seq.unacceptable_rst",
    "the same edge: the reset by a RST beyond it is a finding")
end)

case("the model stops judging after text held out of order", function()
  local snap = snapshot("ESTABLISHED")
  local p = {start = {state = "ESTABLISHED", family = "inet"}, steps = {
    {seg = {flags = "FA", seq = {"rcv_nxt", 1}, ack = {"snd_nxt", 0}}},
    {seg = {flags = "A", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}, len = 1}}}}
  eq(plan.make(p, snap, {}, {}).judged, 1, "the FIN beyond RCV.NXT is judged, what follows is not")
  p.steps[1].seg.seq = {"rcv_nxt", 0}
  eq(plan.make(p, snap, {}, {}).judged, 2, "in order: both judged")
end)

-- Issue 11 resume bug: the sweep's cases send TS options relative to TS.Recent and the
-- target's TSval (sweep.cases OPTS); the corpus loader refused its own entries. Every
-- seed of every state and family, and every mutant the generator makes from them, must
-- pass the checks and come back through the corpus directory unchanged.
-- Coverage (issue 11 item 4): a transition's event is what RFC 9293 3.10.7's checks read
-- -- the control bits in their order, SEG.SEQ against the receive window, SEG.ACK
-- against SND.UNA/SND.NXT only with ACK -- so flag and option variants that the stack
-- treats alike are one class, and only a new outcome makes them new coverage.
case("the coverage key abstracts a segment to what the arrival checks read", function()
  local coverage = require "fuzz.coverage"
  local function ev(seg) return coverage.event_class{seg = seg} end
  eq(ev{flags = "PA", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}, len = 10}, "ACK+data:nxt:nxt")
  eq(ev{flags = "UPA", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}, data = "00ff",
    opts = {{raw = "1e0401020304"}}}, "ACK+data:nxt:nxt", "PSH, URG, options: left out")
  eq(ev{flags = "RFSA", seq = {"rcv_nxt", 7}, ack = {"snd_una", -3}, len = 4}, "RST+ACK:in:old",
    "a RST: nothing after it but the ACK bit")
  eq(ev{flags = "SF", seq = {"raw", 99}, ack = {"raw", 5}, len = 3}, "SYN+FIN+data:raw:-",
    "no ACK bit: SEG.ACK is not read")
  eq(ev{flags = "A", seq = {"rcv_nxt", -1}, ack = {"snd_nxt", 2}}, "ACK:old:ahead")
  eq(ev{flags = "A", seq = {"rcv_wend", -1}, ack = {"snd_nxt", -1}}, "ACK:in:in")
  eq(ev{flags = "A", seq = {"rcv_wend", 0}, ack = {"snd_una", 0}}, "ACK:beyond:una")
  eq(ev{flags = "FA", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}, ip = {bad_csum = true}}, "csum")
  eq(coverage.event_class{call = "close"}, "call:close")
  eq(coverage.event_class{delay = 20}, "delay")
  -- A variant that changes nothing is no new coverage; one the stack answers otherwise is.
  local cov = coverage.new()
  local function run(seg, replies, st)
    return {program = {start = {state = "ESTABLISHED", family = "inet"}, steps = {{seg = seg}}},
      snap = {}, steps = {{replies = replies, state = st}}}
  end
  local ack = {{flags = ".", len = 0}}
  eq(cov:add_result("linux", run({flags = "A", seq = {"rcv_nxt", 3}, ack = {"snd_nxt", 0}}, ack, "ESTABLISHED")), 1)
  eq(cov:add_result("linux", run({flags = "PA", seq = {"rcv_nxt", 9}, ack = {"snd_nxt", 0},
    opts = {{wscale = 3}}}, ack, "ESTABLISHED")), 0, "a PSH/option/offset variant, same outcome")
  eq(cov:add_result("linux", run({flags = "PA", seq = {"rcv_nxt", 9}, ack = {"snd_nxt", 0}},
    {{flags = "R", len = 0}}, "CLOSED")), 1, "the same class, a new outcome")
end)

-- Findings beyond what processing can reach in its share of the time wait; what still
-- waits at the end is reported as found (fuzz.campaign), so no cap hides a signature.
case("findings processing takes a bounded share of the time; the rest is drained", function()
  local backlog = require "fuzz.backlog"
  local b = backlog.new(0.25)
  check(not b:ready(0), "nothing waiting")
  for i = 1, 5 do b:add{n = i} end
  check(b:ready(1), "the first finding is processed at once")
  eq(b:take().n, 1)
  b:charge(4.5)
  check(not b:ready(10), "4.5 s spent at 10 s: over a quarter")
  check(b:ready(18), "at 18 s a quarter is 4.5 s")
  eq(b:take().n, 2)
  b:charge(4.5)
  check(not b:ready(30), "9 s spent at 30 s")
  local rest = b:drain()
  eq(#rest, 3, "three left, none lost")
  eq(rest[1].n, 3); eq(rest[3].n, 5)
  eq(b:count(), 0)
  check(not b:ready(1000), "drained")
end)

case("every seed and every mutant survives the corpus directory", function()
  local prefix = require "sweep.prefix"
  local coverage = require "fuzz.coverage"
  local states = {}
  for _, s in ipairs(prefix.states) do states[#states + 1] = s[1] end
  local seeds = mutate.seeds(states, {"inet", "inet6"}, {})
  local ts = 0
  for _, p in ipairs(seeds) do
    for _, st in ipairs(p.steps) do
      for _, o in ipairs(st.seg and st.seg.opts or {}) do
        if o.ts and o.ts.val[1] == "ts_recent" then ts = ts + 1 end
      end
    end
  end
  check(ts > 0, "the seeds include TS options relative to TS.Recent")
  local dir = os.tmpname()
  os.remove(dir)
  check(os.execute("mkdir -m 700 " .. dir), "made " .. dir)
  local cov = coverage.new(dir)
  local r = mutate.rng(11, 1)
  local made, bad = 0, nil
  for i, p in ipairs(seeds) do
    local ok, err = pcall(program.check, p)
    if not ok and not bad then bad = ("seed %d: %s"):format(i, err) end
    local q = p
    for k = 1, 4 do
      q = mutate.mutate(r, q, seeds[r:int(#seeds)])
      ok, err = pcall(program.decode, program.encode(q))
      if not ok and not bad then bad = ("mutant of seed %d: %s"):format(i, err) end
      -- a share of them through the directory (the decode above is the loader's own)
      if (i + k) % 8 == 0 and cov:add(q) then made = made + 1 end
    end
    if i % 16 == 0 and cov:add(p) then made = made + 1 end
  end
  eq(bad, nil, "no seed or mutant refused")
  local names = {}
  local h = io.popen("ls " .. dir)
  for f in h:lines() do names[#names + 1] = f end
  h:close()
  local back = coverage.new(dir, {listdir = function() return names end})
  local ok, n = pcall(back.load, back)
  os.execute("rm -rf " .. dir)
  check(ok, "the corpus loads: " .. tostring(n))
  eq(n, made, "every entry written is read back")
  check(made > #seeds // 4, ("a share of the programs went through it (%d for %d seeds)"):format(made, #seeds))
end)

-- The model findings of a campaign (tests/fuzz_findings/*.lua: signature, rule, the
-- state the step met, the step, what the target did, the minimised program) that are
-- neither declared in the target's descriptor (fuzz.declared, as the campaign looks them
-- up) nor judged as they were any more: one line each.
-- An entry with `agrees = {rule =, replies =}` is a finding the model no longer raises:
-- at its step the model now applies that rule and expects replies with those flags
-- (", "-separated, "" for none), what the target was seen to send. `syn_ts`: the
-- target's SYN offers timestamps (RFC 7323 3.2), so its SYN-SENT snapshot has a ts_val
-- as sweep.prefix takes it (Linux's and gVisor's do).
local function expected_flags(e)
  local fl = {}
  for _, r in ipairs(e.replies) do fl[#fl + 1] = r.flags end
  return table.concat(fl, ", ")
end

local function unexplained(desc, list, syn_ts)
  local declared = require "fuzz.declared"
  local left = {}
  for _, x in ipairs(list) do
    local f = {rule = x.rule, state = x.state, step = x.step, seen = x.seen}
    local snap = snapshot(x.p.start.state)
    if x.p.start.state == "LISTEN" or x.p.start.state == "CLOSED" then
      snap.iss, snap.snd_una, snap.snd_nxt = 0, 0, 0
    end
    if x.p.start.state == "SYN-SENT" then
      -- the target's SYN is in flight (sweep.prefix: SND.UNA = ISS, SND.NXT = ISS+1)
      snap.snd_una = snap.iss
      if syn_ts then snap.ts_val = 123456 end
    end
    -- the passive prefixes keep their listener (sweep.prefix)
    snap.listening = (x.p.start.state == "SYN-RECEIVED" or x.p.start.state == "LISTEN") or nil
    local pl = plan.make(x.p, snap, desc.model, desc.model)
    local key = declared.find({desc = desc}, f, x.p, pl)
    if not key then
      -- not judged any more, or (TIME-WAIT with no listener) judged by another rule, or
      -- (a reset with the listener on the port) expected as LISTEN
      local still = pl.judged >= x.step
      if still and x.rule == "rst.reset" then still = pl.expect[x.step].state ~= "LISTEN" end
      if still and x.rule == "listen.syn" then
        still = false
        for _, r in ipairs(pl.expect[x.step].rules or {}) do
          if r.id == x.rule then still = true end
        end
      end
      if still and x.agrees then
        local e, rules, ids = pl.expect[x.step], {}, {}
        for _, r in ipairs(e.rules or {}) do rules[r.id] = true; ids[#ids + 1] = r.id end
        local fl = expected_flags(e)
        still = not (rules[x.agrees.rule] and fl == x.agrees.replies)
        if still then
          left[#left + 1] = ("%s step %d: expected the model to agree by %s with replies %q, got %q by %s"):format(
            x.sig, x.step, x.agrees.rule, x.agrees.replies, fl, table.concat(ids, " "))
        end
      elseif still then left[#left + 1] = x.sig .. " " .. x.state .. " " .. x.rule .. " " .. program.case_id(x.p) end
    end
  end
  return table.concat(left, "\n")
end

-- Issue 11's Linux-only campaign: every model finding it raised is declared in
-- targets/linux/target.lua (its "found by the fuzzer" block and the sweep's cells, found
-- through fuzz.declared's nearest case), or no longer judged as it was (fuzz.plan: an
-- acknowledgment number guessed before the target's ISN was seen; a SYN in TIME-WAIT
-- with no listener).
case("the Linux campaign's model findings are all explained", function()
  local desc = dofile(SOURCE_DIR .. "/targets/linux/target.lua")
  local list = dofile(SOURCE_DIR .. "/tests/fuzz_findings/linux_campaign.lua")
  check(#list >= 60, "the campaign's findings: " .. #list)
  for _, f in ipairs({"linux_campaign2.lua", "linux_campaign3.lua", "linux_campaign4.lua",
      "linux_campaign5.lua", "linux_campaign7.lua"}) do
    for _, x in ipairs(dofile(SOURCE_DIR .. "/tests/fuzz_findings/" .. f)) do
      list[#list + 1] = x
    end
  end
  eq(unexplained(desc, list, true), "", "no finding left unexplained")
end)

-- Issue 11's gVisor campaigns: every model finding is declared in
-- targets/gvisor/target.lua (its "found by the fuzzer" block, the sweep's cells, their
-- `seen` filters) or no longer judged as it was. (06754d8b8a6e9545, a right-edge step
-- after gVisor announced a new edge, is not judged by fuzz.oracles once the replies are
-- known: the case "a right-edge step after the target announced a new edge" pins it.)
case("the gVisor campaigns' model findings are all explained", function()
  local desc = dofile(SOURCE_DIR .. "/targets/gvisor/target.lua")
  local list = dofile(SOURCE_DIR .. "/tests/fuzz_findings/gvisor_campaign.lua")
  check(#list >= 60, "the campaigns' findings: " .. #list)
  eq(unexplained(desc, list, true), "", "no finding left unexplained")
end)

case("program ids are FNV-1a 64 of the canonical text, whatever its length", function()
  -- Reference values of FNV-1a 64 (the corpus names its files by them: a change of the
  -- hash would orphan every corpus on disk). Lengths 0, 1, 6, 11 and 17 take the
  -- eight-byte loop, the tail, and both.
  eq(program.hash(""), "cbf29ce484222325", "empty")
  eq(program.hash("a"), "af63dc4c8601ec8c", "one byte")
  eq(program.hash("foobar"), "85944171f73967e8", "six bytes")
  eq(program.hash("hello world"), "779a65e7023cd2e7", "eleven bytes")
  eq(program.hash("0123456789abcdef!"), "353d58cf45a6a154", "seventeen bytes")
  local p = program.decode(program.encode(P1))
  eq(program.id(p), program.hash(json.encode(p)), "id = hash of the canonical text")
  eq(program.text(p), json.encode(p), "text = the canonical text")
  eq(program.text(P1), json.encode(P1), "text of a program whose id is not the last made")
end)

case("a descriptor's deviations are looked up afresh once forgotten after a change", function()
  local deviations = require "sweep.deviations"
  local desc = {sweep_deviations = {["LISTEN/*/SYN*"] = {reason = "a", rfc = "9293"}}}
  local r = {rule = "x", id = "LISTEN/inet/SYN:seq=raw:len=0", verdict = "differs"}
  eq(deviations.find(r, desc), "LISTEN/*/SYN*", "found")
  desc.sweep_deviations["LISTEN/*/SYN*"] = nil
  desc.sweep_deviations["CLOSED/*"] = {reason = "b", rfc = "9293"}
  eq(deviations.find(r, desc), "LISTEN/*/SYN*", "remembered until forgotten")
  deviations.forget(desc)
  eq(deviations.find(r, desc), nil, "a key replaced by another: not found")
  eq(deviations.find({rule = "x", id = "CLOSED/inet/SYN", verdict = "differs"}, desc), "CLOSED/*",
    "the new key found")
  desc.sweep_deviations["x"] = {reason = "c", rfc = "9293"}
  deviations.forget(desc)
  eq(deviations.find(r, desc), "x", "a key added: found by its rule")
  eq(deviations.find({rule = "y", id = "LISTEN/inet/SYN", seen = "a", verdict = "differs"}, desc), nil,
    "another rule, another answer")
end)

case("a deviation lookup reads only the keys that can match, in sorted order", function()
  local deviations = require "sweep.deviations"
  local e = {reason = "r", rfc = "9293"}
  local desc = {sweep_deviations = {["FIN-WAIT-*/*/ACK*"] = e, ["ack.off"] = e,
    ["TIME-WAIT/*/ACK*"] = e, ["seq.bad@ESTABLISHED/*"] = e, ["*/inet6/RST*"] = e,
    ["ESTABLISHED/inet/FIN:seq=rcv_nxt:len=0"] = e}}
  local function find(rule, id) return (deviations.find({rule = rule, id = id, verdict = "differs"}, desc)) end
  eq(find("x", "FIN-WAIT-1/inet/ACK:seq=rcv_nxt"), "FIN-WAIT-*/*/ACK*", "a glob on the state's head")
  eq(find("x", "TIME-WAIT/inet/ACK:seq=rcv_nxt"), "TIME-WAIT/*/ACK*", "the state's own key")
  eq(find("x", "CLOSE-WAIT/inet/ACK:seq=rcv_nxt"), nil, "another state's key does not match")
  eq(find("ack.off", "CLOSE-WAIT/inet/ACK:seq=rcv_nxt"), "ack.off", "a rule id in any state")
  eq(find("seq.bad", "ESTABLISHED/inet/ACK"), "seq.bad@ESTABLISHED/*", "rule@glob")
  eq(find("seq.bad", "LAST-ACK/inet/ACK"), nil, "rule@glob in another state")
  eq(find("seq.bad", "LAST-ACK/inet6/RST:seq=0"), "*/inet6/RST*", "a key with no state")
  eq(find("x", "ESTABLISHED/inet/FIN:seq=rcv_nxt:len=0"), "ESTABLISHED/inet/FIN:seq=rcv_nxt:len=0", "an exact id")
  eq(find("ack.off", "TIME-WAIT/inet/ACK:x"), "TIME-WAIT/*/ACK*", "first in sorted order of two that match")
end)

case("the scheduler wakes a case waiting on the agent only when its reply came", function()
  local due = require("sweep.wake").due
  local r = {wake = 10, kind = "agent", port = 7}
  eq(due(r, 1, nil, nil), false, "nothing came")
  eq(due(r, 1, nil, {[8] = true}), false, "another case's reply")
  eq(due(r, 1, nil, {[7] = true}), true, "its reply")
  eq(due(r, 1, nil, true), true, "too many to tell")
  eq(due(r, 10, nil, nil), true, "its time came")
  eq(due({wake = 10, kind = "agent"}, 1, nil, nil), true, "a wait naming no request: every round")
  eq(due({wake = 10, kind = "wire", port = 40001}, 1, {[40002] = true}, {[7] = true}), false,
    "a wire wait: not by others' segments or replies")
  eq(due({wake = 10, kind = "wire", port = 40001}, 1, {[40001] = true}, nil), true, "its segment")
end)

-- Issue 11's lwIP campaigns: every model and liveness finding is declared in
-- targets/lwip/target.lua (README "Found by the fuzzer"); a known bug of the stack is
-- declared as one (`bug`), the crash only for a liveness finding with its last words.
case("the lwIP campaigns' findings are all declared, the stack's bugs as bugs", function()
  local declared = require "fuzz.declared"
  local desc = dofile(SOURCE_DIR .. "/targets/lwip/target.lua")
  local list = dofile(SOURCE_DIR .. "/tests/fuzz_findings/lwip_campaign.lua")
  check(#list >= 70, "the campaigns' findings: " .. #list)
  local left, bugs = {}, {}
  for _, x in ipairs(list) do
    local f = {oracle = x.oracle, rule = x.rule, state = x.state, step = x.step, last_words = x.last_words}
    local key = declared.find({desc = desc}, f, x.p)
    if not key then left[#left + 1] = x.sig .. " " .. x.state .. " " .. x.rule .. " " .. program.case_id(x.p)
    elseif desc.sweep_deviations[key].bug then bugs[key] = true end
    if x.oracle == "liveness" then
      f.last_words = "the target exited with status 139"
      eq(declared.find({desc = desc}, f, x.p), nil, "an error entry covers only its crash")
    end
  end
  eq(table.concat(left, "\n"), "", "no finding left undeclared")
  check(bugs["*:seq=rcv_nxt+2^31:*"], "the abort is declared a bug")
  check(bugs["ack.off@ESTABLISHED/*"], "the ACK-less text is declared a bug (also at a later step)")
  -- SEG.ACK > SND.NXT: text taken is a deviation (no MUST in 9293 3.10.7.4; RFC 5961 5.2
  -- is a MAY lwIP does not implement), as gVisor's same behaviour (ack.window_5961).
  eq(desc.sweep_deviations["ack.too_new@ESTABLISHED-DATA-OUT/*"].bug, nil, "the too-new ACK's text: no bug")
  local gv = dofile(SOURCE_DIR .. "/targets/gvisor/target.lua")
  eq(gv.sweep_deviations["ack.window_5961@ESTABLISHED/*"].bug, nil, "nor gVisor's")
  local d = require("sweep.deviations")
  local r = d.classify({verdict = "differs", rule = "ack.off", id = "ESTABLISHED/inet/FIN:seq=rcv_nxt:ack=0:len=0"}, desc)
  eq(r.verdict, "deviation", "a known bug does not fail the sweep")
  has(r.reason, "known bug of the stack", "but says it is a bug")
end)

-- Issue 11's linux,lwip campaign: 64 differential findings at steps the model judges on
-- both targets, each a departure of one side that its descriptor declares (lwIP's RST|ACK,
-- its ACK-less FIN taken; Linux's orphaned FIN-WAIT-2): the model oracle's business,
-- target by target, not a new difference.
case("a differential finding is explained by each side's declared departure from the model", function()
  local declared = require "fuzz.declared"
  local lwip = dofile(SOURCE_DIR .. "/targets/lwip/target.lua")
  local linux = dofile(SOURCE_DIR .. "/targets/linux/target.lua")
  local t = {name = "lwip", desc = lwip, descs = {linux = linux}}
  local p = {start = {state = "ESTABLISHED", family = "inet"}, steps = {{seg = {flags = "F", seq = {"rcv_nxt", 0}, ack = {"raw", 0}}}}}
  local function f(lw, judged)
    return {oracle = "differential", step = 1, state = "ESTABLISHED", rule = "", per_target = {
      {name = "linux", judged = judged or 1, model = nil},
      {name = "lwip", judged = judged or 1, model = lw}}}
  end
  local dep = {oracle = "model", step = 1, rule = "ack.off", state = "ESTABLISHED"}
  eq(declared.find(t, f(dep), p), "lwip: ack.off@ESTABLISHED/*", "lwIP's declared bug, Linux as the model")
  eq(declared.find(t, f({oracle = "model", step = 1, rule = "made.up", state = "ESTABLISHED"}), p), nil,
    "an undeclared departure stays a finding")
  eq(declared.find(t, f(dep, 0), p), nil, "a step the model does not judge stays a finding")
  eq(declared.find(t, f(nil), p), nil, "no departure (the knobs differ): still a finding")
  -- Linux's side: its orphaned FIN-WAIT-2 (the linux,lwip campaign's 0fdc7e6fecd274a9)
  local q = {start = {state = "FIN-WAIT-2-ORPHAN", family = "inet"}, steps = {{seg = {flags = "SF", seq = {"rcv_nxt", 0}, ack = {"raw", 0}}}}}
  local g = {oracle = "differential", step = 1, state = "FIN-WAIT-2-ORPHAN", rule = "", per_target = {
    {name = "linux", judged = 1, model = {oracle = "model", step = 1, rule = "syn.challenge", state = "FIN-WAIT-2-ORPHAN"}},
    {name = "lwip", judged = 1}}}
  local k = declared.find(t, g, q)
  check(k and k:find("^linux: ") ~= nil, "Linux's declared deviation, by Linux's descriptor: " .. tostring(k))
end)

-- Issue 11's linux,lwip campaign: 5 differential findings whose tests failed on both
-- targets -- the ACK of a raw SYN written relative to the harness's ISN, which the next
-- lab does not share.
case("a test expects a number anchored by a raw one absolutely", function()
  local script = require "fuzz.script"
  local r = res("SYN-RECEIVED", {{flags = "S.", seq = 7000, ack = 1000001, len = 0, win = 100}})
  r.program.start.state = "SYN-SENT"
  r.program.steps[1].seg = {flags = "S", seq = {"raw", 1000000}, ack = {"raw", 0}}
  r.snap.iss, r.snap.snd_una, r.snap.snd_nxt = 7000, 7000, 7001
  local ref = script.observed(r, 0.05)
  eq(ref[1].replies[1].ack_raw, 1000001, "the ACK of the raw SYN, absolute")
  local text = script.text(r.program, ref, {}, "t", "9293")
  has(text, "ack = 1000001, ack_abs = true", "in the test")
  local q = res("CLOSED", {{flags = "R.", seq = 0, ack = 1000001, len = 0, win = 0}})
  q.program.start.state = "SYN-RECEIVED"
  q.program.steps[1].seg = {flags = "SF", seq = {"raw", 1000000}, ack = {"raw", 0}}
  has(script.text(q.program, script.observed(q, 0.05), {}, "t", "9293"), "seq = 0, seq_abs = true",
    "the SEQ=0 of a reset to a segment without ACK")
  -- ...and so does the model's expectation of a model finding (fuzz.campaign; the final
  -- Linux round's 941d23c3c6197746: the SYN,ACK to a crossing raw SYN was expected as
  -- u32(H + n), so its test failed at step 1 on every lab, for that reason alone; fuzz.script.expected)
  local snap = {iss = 7000, irs = 123456789}
  local e = script.expected({replies = {{flags = "S.", seq = 7000, ack = 1000001, len = 0}}},
    snap, r.program)
  eq(e[1].ack_raw, 1000001, "the model's ACK of the raw SYN, absolute")
  eq(e[1].ack, (1000001 - 123456789) % 4294967296, "and relative, as before")
  has(script.text(r.program, {{replies = e, state = "SYN_RECV", window = 0.05}}, {}, "t", "9293"),
    "ack = 1000001, ack_abs = true", "in the model finding's test")
end)

-- Issue 11's linux,lwip rerun: Linux sets PSH on a send's last segment, lwIP on none
-- (RFC 9293 3.9.1 leaves it to the sender); Linux's retransmitted SYN with URG in LISTEN
-- is its declared LISTEN/*/SYN:*>SYN:* once the program is named as the sweep's cases.
case("PSH is no difference, and a program is also looked up as the sweep's nearest case", function()
  local a = oracles.abstract(res("TIME-WAIT", {{flags = "P.", seq = 5002, ack = 1001, len = 10, win = 1}}))
  local b = oracles.abstract(res("TIME-WAIT", {{flags = ".", seq = 5002, ack = 1001, len = 10, win = 1}}))
  eq(a[1], b[1], "with and without PSH")
  local declared = require "fuzz.declared"
  local linux = dofile(SOURCE_DIR .. "/targets/linux/target.lua")
  local p = {start = {state = "LISTEN", family = "inet"}, steps = {
    {seg = {flags = "S", seq = {"raw", 1000000}, ack = {"raw", 0}}},
    {seg = {flags = "SU", seq = {"raw", 1000000}, ack = {"raw", 0}, up = 21706}}}}
  check(declared.find({desc = linux}, {oracle = "model", rule = "seq.unacceptable", state = "SYN-RECEIVED", step = 2}, p),
    "the linux,lwip rerun's 1a46e7f87c738f79: declared")
end)

-- The final Linux round's 27efa5bfc80b8bf2: text with SEG.ACK written SND.NXT-1 where
-- nothing is in flight is the declared RFC 5961 5.2 bound by bytes acked (L4), found by
-- the SND.NXT-1 keys (fuzz.declared maps SND.NXT-n to SND.UNA-1 only for n >= 2).
case("an ACK at SND.NXT-1 with nothing in flight is Linux's declared L4", function()
  local declared = require "fuzz.declared"
  local desc = dofile(SOURCE_DIR .. "/targets/linux/target.lua")
  local p = {start = {family = "inet6", state = "ESTABLISHED-DATA-IN"}, steps = {{seg = {ack = {"snd_nxt", -1},
    data = "26ce6107ef8648bd9fb3cf7fa7", flags = "AU", seq = {"rcv_nxt", -1}, up = 1}}}}
  local k = declared.find({desc = desc}, {rule = "text.deliver", state = "ESTABLISHED-DATA-IN", step = 1, oracle = "model"}, p)
  has(tostring(k), "ack=snd_nxt-1", "declared by the SND.NXT-1 keys")
  eq(desc.sweep_deviations[k].rfc, "5961 5.2", "as L4")
end)


-- Issue 11 item 2: the IP layer of a step -- fragments (RFC 791 3.2, RFC 8200 4.5),
-- payloads above the MSS only as fragments, IPv6 extension headers (RFC 8200 4).
local function ipseg(ip, extra)
  local s = {flags = "PA", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}, len = 10, ip = ip}
  for k, v in pairs(extra or {}) do s[k] = v end
  return s
end
local function prog(family, seg)
  return {start = {state = "ESTABLISHED", family = family}, steps = {{seg = seg}}}
end

case("the IP layer's fields are checked naming the field, the expected and the actual", function()
  program.check(prog("inet", ipseg({frag = 16, frag_order = "reverse"}, {len = 3000})))
  program.check(prog("inet6", ipseg({frag = 1232, frag_drop = "last", ext = {"hbh", "dst"}}, {len = 4096})))
  program.check(prog("inet6", ipseg({ext = {"hbh", "dst_discard"}})))
  raises(function() program.check(prog("inet", ipseg({frag = 12}))) end,
    "steps[1].seg.ip.frag: expected a multiple of 8 in 8..1232", "frag not a multiple of 8")
  raises(function() program.check(prog("inet", ipseg({frag = 12}))) end, "got 12", "the actual value")
  raises(function() program.check(prog("inet", ipseg({frag = 1240}))) end, "steps[1].seg.ip.frag", "frag above the MTU's room")
  raises(function() program.check(prog("inet", ipseg({frag_order = "reverse"}))) end,
    "steps[1].seg.ip.frag_order: expected frag = n with it", "an order without fragments")
  raises(function() program.check(prog("inet", ipseg({frag = 8, frag_order = "inorder"}))) end,
    "expected \"reverse\"", "in order is the default, spelt by leaving it out")
  raises(function() program.check(prog("inet", ipseg({frag = 8, frag_drop = "middle"}))) end,
    "steps[1].seg.ip.frag_drop: expected \"first\" or \"last\", got middle", "a drop that is not first or last")
  raises(function() program.check(prog("inet", ipseg({}, {len = 3000}))) end,
    "steps[1].seg.len: expected 0..1440 or \"mss\" (up to 4096 with ip.frag), got 3000", "above the MSS unfragmented")
  raises(function() program.check(prog("inet", ipseg({frag = 8}, {len = 4097}))) end,
    "expected 0..4096", "above the form's datagram")
  raises(function() program.check(prog("inet", ipseg({ext = {"dst"}}))) end,
    "steps[1].seg.ip.ext: expected IPv6 extension headers on an inet6 program only, got family inet", "ext on IPv4")
  raises(function() program.check(prog("inet6", ipseg({ext = {"dst", "hbh"}}))) end,
    "steps[1].seg.ip.ext[2]: expected a Hop-by-Hop header only first (RFC 8200 4.3)", "Hop-by-Hop not first")
  raises(function() program.check(prog("inet6", ipseg({ext = {"routing"}}))) end,
    "steps[1].seg.ip.ext[1]: expected hbh, dst, hbh_discard or dst_discard, got routing", "an unknown header")
  raises(function() program.check(prog("inet6", ipseg({ext = {"dst", "dst", "dst", "dst"}}))) end,
    "expected a list of 1..3", "too many headers")
  raises(function() program.check(prog("inet6", ipseg({ext = {"dst"}}, {len = "mss"}))) end,
    "steps[1].seg.len: expected a number with ip.ext and no ip.frag", "an MSS-sized payload beside ext headers")
  raises(function() program.check(prog("inet6", ipseg({ext = {"hbh", "dst"}}, {len = 1440}))) end,
    "expected at most 1424 bytes beside 2 extension headers and 0 option bytes, got 1440", "the headers' room")
  program.check(prog("inet6", ipseg({ext = {"hbh", "dst"}, frag = 1232}, {len = "mss"})))
end)

case("the IP layer is in the step id, the event class, the plan and the emitted test", function()
  local p = prog("inet6", ipseg({frag = 64, frag_order = "reverse", frag_drop = "last", ext = {"hbh", "dst"}}, {len = 3000}))
  local id = program.step_id(p.steps[1])
  has(id, ":frag=64:rev:drop=last:ext=hbh,dst", "the id names the IP layer's shape")
  has(id, "len=3000", "and the length above the MSS")
  local plain = prog("inet6", ipseg(nil))
  check(program.id(p) ~= program.id(plain), "another program, another id")
  -- The signatures' class (fuzz.coverage's coarser one leaves the IP layer out, as it
  -- does TTL/TOS: what it changes shows in the reply class).
  eq(program.event_class(prog("inet", ipseg({frag = 8})).steps[1]), "ACK+PSH+data:rcv_nxt:snd_nxt:frag",
    "fragments: a class of their own")
  eq(program.event_class(p.steps[1]), "ACK+PSH+data:rcv_nxt:snd_nxt:frag:ext:lost",
    "ext headers; a segment that never arrives")
  -- The plan passes the fields to c:send's options (sweep.observe.send) and stops
  -- judging at a segment that never arrives.
  local pl = plan.make(p, snapshot("ESTABLISHED"), {}, {})
  local found = {}
  for _, o in ipairs(pl.steps[1].sent.opts) do for k, v in pairs(o) do found[k] = v end end
  eq(found.frag, 64, "frag")
  eq(found.frag_order, "reverse", "frag_order")
  eq(found.frag_drop, "last", "frag_drop")
  eq(found.ext, "hbh,dst", "ext as c:send spells it")
  eq(pl.steps[1].sent.len, 3000, "3000 bytes in one segment")
  eq(pl.judged, 0, "a segment left out is not judged")
  local q = prog("inet", ipseg({frag = 512, frag_order = "reverse"}, {len = 3000}))
  local ql = plan.make(q, snapshot("ESTABLISHED"), {}, {})
  eq(ql.judged, 1, "a reassembled segment is judged")
  eq(ql.expect[1].replies[1].ack, 1001 + 3000, "the model ACKs all 3000 bytes")
  local d = prog("inet6", ipseg({ext = {"dst_discard"}}))
  eq(plan.make(d, snapshot("ESTABLISHED"), {}, {}).judged, 0, "a discarding option: not judged")
  -- sweep.observe.send: these go to c:send's second argument, the rest to the segment.
  local observe = require "sweep.observe"
  local got_t, got_how
  observe.send({send = function(_, t, how) got_t, got_how = t, how end}, ql.steps[1].sent)
  eq(got_how and got_how.frag, 512, "frag in c:send's options")
  eq(got_how.frag_order, "reverse", "frag_order in c:send's options")
  eq(got_t.frag, nil, "not in the segment")
  eq(got_t.len, 3000, "the length in the segment")
  -- The emitted test sends it the same way.
  local script = require "fuzz.script"
  local text = script.text(q, {}, {}, "t", "791 3.2")
  has(text, ', {frag = 512, frag_order = "reverse"})', "c:send's options in the test")
end)

case("mutations change the IP layer's shape sometimes, and only validly", function()
  local seeds = mutate.seeds({"ESTABLISHED"}, {"inet", "inet6"}, {})
  local r = mutate.rng(3, 1)
  local n, frag, ext, big, lost, segs = 0, 0, 0, 0, 0, 0
  for i = 1, 20000 do
    local p = mutate.mutate(r, seeds[r:int(#seeds)], seeds[r:int(#seeds)])
    program.check(p)
    n = n + 1
    for _, st in ipairs(p.steps) do
      if st.seg then
        segs = segs + 1
        local ip = st.seg.ip or {}
        if ip.frag then frag = frag + 1 end
        if ip.ext then ext = ext + 1; check(p.start.family == "inet6", "ext only on inet6") end
        if type(st.seg.len) == "number" and st.seg.len > program.MAX_LEN then
          big = big + 1; check(ip.frag ~= nil, "above the MSS only fragmented")
          check(ip.frag >= 512, "above the MSS in fragments of 512 or more, got " .. tostring(ip.frag))
        end
        if ip.frag then
          local n = (st.seg.len == "mss" and 1460 or st.seg.len or (st.seg.data and #st.seg.data // 2) or 0) + 60
          check(n <= ip.frag * mutate.MAX_FRAGS, ("at most %d fragments, got %d bytes in %d"):format(mutate.MAX_FRAGS, n, ip.frag))
        end
        if program.lost(st.seg) then lost = lost + 1 end
      end
    end
  end
  check(frag > 0 and ext > 0 and big > 0 and lost > 0, ("every shape drawn: frag %d, ext %d, big %d, lost %d"):format(frag, ext, big, lost))
  -- A low rate: fragments and ext headers cost frames, a lost segment its whole window.
  check((frag + ext) / segs < 0.05, ("fragments or ext headers on under 5%% of steps, got %.3f"):format((frag + ext) / segs))
  check(lost / segs < 0.01, ("lost segments on under 1%% of steps, got %.4f"):format(lost / segs))
end)

-- fuzz.campaign over a stand-in fuzz.exec (no lab): two targets, a stream that raises one
-- differential finding (a RST in TIME-WAIT: CLOSED on "a", TIME-WAIT on "b") and then
-- moves the clock to `stream_to`; batches (re-runs) give `again`'s results. Returns the
-- JSON objects emitted, the stats and how many programs the batches ran.
local function fake_campaign(o)
  local saved = {}
  for _, m in ipairs{"fuzz.exec", "fuzz.campaign", "tcpconform.core", "tcpconform"} do saved[m] = package.loaded[m] end
  local clock, batched, streams = 0, 0, 0
  local function result(state, p)
    local r = res(state)
    if p then r.program = p end
    return r
  end
  package.loaded["tcpconform.core"] = {interrupted = function() return false end}
  package.loaded["tcpconform"] = {_descriptor = function() return {} end}
  package.loaded["fuzz.exec"] = {
    target = function(name, spec, knobs, desc, index) return {name = name, spec = spec, knobs = knobs, desc = desc, index = index, labs = 0} end,
    close = function() end,
    stream = function(T, knobs, opts, src)
      streams = streams + 1
      if streams == 1 then
        local p = res("CLOSED").program
        src.done(p, {result("CLOSED", p), result("TIME-WAIT", p)}, {})
        clock = o.first or o.stream_to
      else
        clock = o.stream_to
      end
      return {}
    end,
    batch = function(t, progs)
      local out = {}
      for i, p in ipairs(progs) do
        batched = batched + 1
        out[i] = result(t.index == 1 and "CLOSED" or o.again, p)
      end
      return out, nil
    end,
  }
  package.loaded["fuzz.campaign"] = nil
  local ok, got, stats = pcall(function()
    local campaign = require "fuzz.campaign"
    local lines = {}
    local st = campaign.run({targets = {"a", "b"}, state = "TIME-WAIT", family = "inet", seconds = 10,
      clock = function() return clock end, findings_share = o.share, known = o.known},
      function(line) lines[#lines + 1] = json.decode(line) end)
    return lines, st
  end)
  for m, v in pairs(saved) do package.loaded[m] = v end
  package.loaded["fuzz.campaign"] = nil
  if not ok then error(got, 0) end
  local findings = {}
  for _, v in ipairs(got) do if v.kind == "finding" then findings[#findings + 1] = v end end
  return findings, stats, batched, got[#got]
end

-- README "Contract": findings still waiting when the budget ends are first confirmed (run
-- twice more) while confirm_grace lasts; one that does not reproduce is flaky and not
-- reported (issue 11 round 4: a SYN,ACK retransmitted by the 1 s timer, found in the
-- last second). A share of 0 leaves every finding to the end.
case("a finding left unprocessed is confirmed within the grace, else reported unconfirmed", function()
  local f, st, runs = fake_campaign{share = 0, stream_to = 10, again = "TIME-WAIT"}
  eq(#f, 1, "reported")
  eq(f[1].processed, false, "not processed")
  eq(f[1].confirmed, true, "confirmed: it reproduced")
  eq(runs, 4, "run twice more on each of the two targets")
  eq(st.unprocessed, 1, "counted unprocessed")
  f, st, runs = fake_campaign{share = 0, stream_to = 10, again = "CLOSED"}
  eq(#f, 0, "one that does not reproduce is not reported")
  eq(st.flaky, 1, "it is counted flaky")
  f, st, runs = fake_campaign{share = 0, stream_to = 13.5, again = "CLOSED"}
  eq(#f, 1, "past the grace (3 s) it is reported")
  eq(f[1].confirmed, false, "unconfirmed")
  eq(runs, 0, "without re-runs")
end)

-- README "Contract", round 5: a signature OUT already holds (the store's list, opts.known)
-- is not processed again -- the store keeps the earlier files -- but still reported as
-- seen, once, as found.
case("a signature known at the start is not processed again, only reported as seen", function()
  local f, st, runs = fake_campaign{share = 0.25, first = 1, stream_to = 10, again = "TIME-WAIT"}
  eq(#f, 1, "a new signature: reported")
  eq(f[1].processed, true, "and processed")
  check(runs > 0, "re-runs: confirmation, minimisation, each target alone")
  local sig = f[1].signature
  local last
  f, st, runs, last = fake_campaign{share = 0.25, first = 1, stream_to = 10, again = "TIME-WAIT", known = {sig}}
  eq(runs, 0, "known: no re-run")
  eq(#f, 1, "still reported once")
  eq(f[1].known, true, "as known")
  eq(f[1].processed, false, "not processed")
  eq(f[1].signature, sig)
  eq(st.known, 1, "counted as seen")
  eq(last.known, 1, "in the stats line")
  eq(st.findings.differential, 0, "not counted a finding of this run")
end)

-- Round 5: test_verified was "not PASS on the offender, PASS on the others"; a test that
-- failed on the offender at another step (an expectation of the prefix or of an earlier
-- step wrong) counted. Now the failing line must be in the finding's step.
case("a test is verified only when it fails on the offender at the finding's step", function()
  local script = require "fuzz.script"
  local p = {start = {state = "TIME-WAIT", family = "inet"}, steps = {
    {seg = {flags = "A", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}}},
    {seg = {flags = "RA", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}}}}}
  local e = {{replies = {}, state = "TIME_WAIT", window = 0.05}, {replies = {}, state = "CLOSED", window = 0.05}}
  local text = script.text(p, e, {}, "t", "9293")
  local line = {}
  local n = 0
  for l in text:gmatch("([^\n]*)\n") do
    n = n + 1
    if l:find("expect_state", 1, true) then line[#line + 1] = n end
    if l:find("T.established", 1, true) then line.prefix = n end
  end
  eq(#line, 2, "a state check per step")
  local function at(k) return ("/tmp/tcpconform-fuzz-AbC123:%d: after step: expected state"):format(k) end
  eq(script.failed_step(text, at(line[2])), 2, "the second step's check is step 2")
  eq(script.failed_step(text, at(line[1])), 1)
  eq(script.failed_step(text, at(line.prefix)), 0, "the prefix is step 0")
  eq(script.failed_step(text, "lab set-up failed: no agent"), nil, "no line, no step")
  local function runs(off_msg)
    return {{verdict = "PASS", message = ""}, {verdict = "FAIL", message = off_msg}}
  end
  local r = runs(at(line[2]))
  check(script.verified(text, r, 2, 2), "fails at the finding's step 2: verified")
  eq(r[2].step, 2, "the failing step recorded")
  eq(r[1].step, nil, "none for a pass")
  check(not script.verified(text, runs(at(line[1])), 2, 2), "fails at step 1: not verified")
  check(not script.verified(text, runs(at(line.prefix)), 2, 2), "fails in the prefix: not verified")
  check(not script.verified(text, runs("lab set-up failed"), 2, 2), "no line: not verified")
  check(not script.verified(text, runs(at(line[2])), 2, nil), "the finding's step unknown: not verified")
  check(not script.verified(text, {{verdict = "FAIL", message = at(line[2])}, {verdict = "FAIL", message = at(line[2])}}, 2, 2),
    "failing on the reference too: not verified")
  check(not script.verified(text, runs(at(line[2])), nil, 2), "no offender: not verified")
end)

-- fuzz.script.observed used to leave out only a segment ending at the prefix's SND.NXT
-- (not a SYN); it now leaves out what the differential leaves out, sweep.judge.own_timer
-- through fuzz.oracles.own_replies, so a test expects what the oracle compared.
case("an emitted test leaves out the target's own timer as the differential does", function()
  local script = require "fuzz.script"
  -- kept the same: a FIN retransmitted in TIME-WAIT (the old rule's one case)
  local fin = script.observed(res("TIME-WAIT", {{flags = "F.", seq = 5001, ack = 1001, len = 0, win = 1}}), 0.05)
  eq(#fin[1].replies, 0, "a retransmitted FIN left out, as before")
  local rst = script.observed(res("CLOSED", {{flags = "R", seq = 5002, ack = 0, len = 0, win = 0}}), 0.05)
  eq(#rst[1].replies, 1, "an answer kept")
  -- a SYN|ACK again after the 1 s RTO (a repeat): the old rule kept every SYN
  local function listen(replies2)
    local r = res("SYN-RECEIVED", {{flags = "S.", seq = 7000, ack = 1001, len = 0, win = 100, t = 0.01}})
    r.program.start.state = "LISTEN"
    r.program.steps[1].seg = {flags = "S", seq = {"raw", 1000}}
    r.program.steps[2] = {delay = 1000}
    r.steps[2] = {replies = replies2, state = "SYN-RECEIVED"}
    r.snap.iss, r.snap.snd_una, r.snap.snd_nxt = 0, 0, 0
    return r
  end
  local again = script.observed(listen({{flags = "S.", seq = 7000, ack = 1001, len = 0, win = 100, t = 1.02}}), 0.05)
  eq(#again[1].replies, 1, "the SYN|ACK answering the SYN expected")
  eq(#again[2].replies, 0, "its repeat by the timer is not")
  -- part of the data in flight again (not ending at SND.NXT): the old rule kept it
  local function data_out(replies)
    local r = res("ESTABLISHED", replies)
    r.program.start.state = "ESTABLISHED-DATA-OUT"
    r.program.steps[1].seg = {flags = "A", seq = {"rcv_nxt", 0}, ack = {"snd_una", 0}}
    r.snap.snd_una, r.snap.snd_nxt = 5001, 5101
    return r
  end
  eq(#script.observed(data_out({{flags = "P.", seq = 5001, ack = 1001, len = 50, win = 100}}), 0.05)[1].replies, 0,
    "a partial retransmission is the timer's")
  -- a retransmission carrying the ACK of the step's text: the old rule dropped it, and
  -- with it the ACK; the differential reads it as the bare ACK
  local d = data_out({{flags = "P.", seq = 5001, ack = 1011, len = 100, win = 100}})
  d.program.steps[1].seg = {flags = "PA", seq = {"rcv_nxt", 0}, ack = {"snd_una", 0}, len = 10}
  local x = script.observed(d, 0.05)[1].replies
  eq(#x, 1, "one reply expected")
  eq(x[1].flags, ".", "a bare ACK")
  eq(x[1].len, 0)
  eq(x[1].ack, 11, "acknowledging the step's 10 octets (H + 1 + 10)")
  eq(x[1].seq, 101, "at the highest end sent (TG + 101)")
  eq(script.observed(d, 0.05, 2)[1], nil, "from: earlier steps not built")
end)

return S.finish()
