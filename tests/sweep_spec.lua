-- The specification of the sweep's cases and judge (lua/sweep/cases.lua, materialize.lua,
-- judge.lua), run by tests/test_sweep.c: enumeration counts, determinism and stable IDs,
-- every pruning rule checked against the model (a pruned case and its representative
-- have the same outcome under every target's knobs), materialize's arithmetic modulo
-- 2^32, and the judge on hand-made observations. Prints one line per case and
-- "N passed, N failed" (assertions) at the end; returns passed, failed.
local cases = require "sweep.cases"
local materialize = require "sweep.materialize"
local judge = require "sweep.judge"

local S = dofile(SOURCE_DIR .. "/tests/spec.lua").new()
local check, eq, has, raises, case = S.check, S.eq, S.has, S.raises, S.case

-- Snapshots of each state as a prefix would take them (target's view). base shifts every
-- sequence number, so base near 2^32 puts the edges across the wrap.
local function snapshot(st, base)
  base = base or 0
  local function n(x) return (x + base) & 0xffffffff end
  local s = { state = st, iss = n(1000), snd_una = n(1001), snd_nxt = n(1001), snd_wnd = 65535,
    irs = n(5000), rcv_nxt = n(5001), rcv_wnd = 64240, mss = 1460, unread = 0, inflight = 0,
    orphan = false }
  if st == "CLOSED" or st == "LISTEN" then
    return { state = st, rcv_wnd = 65535, mss = 1460 }
  elseif st == "SYN-SENT" then
    s.snd_una, s.irs, s.rcv_nxt = n(1000), nil, nil
  elseif st == "SYN-RECEIVED" then
    s.snd_una = n(1000)
  elseif st == "ESTABLISHED-DATA-IN" then
    s.rcv_nxt, s.rcv_wnd, s.unread = n(5101), 64140, 100
  elseif st == "ESTABLISHED-DATA-OUT" then
    s.snd_nxt, s.inflight = n(1101), 100
  elseif st == "FIN-WAIT-1" then
    s.snd_nxt = n(1002)
  elseif st == "FIN-WAIT-2" or st == "FIN-WAIT-2-ORPHAN" then
    s.snd_una, s.snd_nxt, s.orphan = n(1002), n(1002), st == "FIN-WAIT-2-ORPHAN"
  elseif st == "CLOSE-WAIT" then
    s.rcv_nxt = n(5002)
  elseif st == "CLOSING" or st == "LAST-ACK" then
    s.snd_nxt, s.rcv_nxt = n(1002), n(5002)
  elseif st == "TIME-WAIT" then
    s.snd_una, s.snd_nxt, s.rcv_nxt = n(1002), n(1002), n(5002)
  end
  return s
end

local function descriptor(name)
  return assert(loadfile(SOURCE_DIR .. "/targets/" .. name .. "/target.lua"))().model
end

-- The knob sets a pruning rule must hold under: the RFC defaults, each target's, and
-- every choice flipped from the default.
local KNOB_SETS = {
  { "defaults", {} },
  { "linux", descriptor("linux") },
  { "lwip", descriptor("lwip") },
  { "flipped", { rfc5961_rst = false, rfc5961_syn = false, rfc5961_ack = false, rfc1337 = true,
    timewait_syn = false, delayed_ack = false, rst_window = "rcv_wnd", ts_missing = "drop" } },
  { "rfc1122", { timewait_syn = "rfc1122", rst_window = "any" } },
}

-- Where each pruned case is tried: every knob set on plain numbers, and the defaults and
-- Linux's with every sequence number just below the 2^32 wrap.
local runs = {}
for _, ks in ipairs(KNOB_SETS) do runs[#runs + 1] = { name = ks[1], knobs = ks[2], base = 0 } end
for i = 1, 2 do
  runs[#runs + 1] = { name = KNOB_SETS[i][1] .. "@wrap", knobs = KNOB_SETS[i][2], base = 0xfffffff0 - 1000 }
end

-- The model's outcome of a one-step case: replies (every field the judge compares), the
-- next state and what the socket sees.
local function outcome(st, fam, spec, snap, knobs)
  local e = judge.expect({ id = "", state = st, family = fam, steps = { spec } }, snap, knobs)[1]
  local parts = { judge.show_replies(e.replies), e.state }
  for _, ev in ipairs(e.effects) do parts[#parts + 1] = ev.what .. ":" .. tostring(ev.n) end
  return table.concat(parts, " / ")
end

case("every state has a few hundred cases per family, some thousands in all", function()
  local total, line = 0, {}
  for _, st in ipairs(cases.STATES) do
    local n = #cases.enumerate { state = st, family = "inet" }
    check(n >= 100 and n <= 700, st .. ": expected 100..700 cases, got " .. n)
    eq(#cases.enumerate { state = st, family = "inet6" }, n, st .. " inet6 like inet")
    total = total + n
    line[#line + 1] = st .. "=" .. n
  end
  print("      cases per state and family: " .. table.concat(line, " "))
  print("      total: " .. total .. " per family, " .. 2 * total .. " in all")
  check(total >= 3000, "at least 3000 cases per family, got " .. total)
  eq(#cases.enumerate {}, 2 * total, "no filter: both families of every state")
end)

case("enumeration is deterministic and IDs are unique", function()
  local a, b = cases.enumerate {}, cases.enumerate {}
  eq(#a, #b, "same count twice")
  local same, seen, dup = true, {}, nil
  for i = 1, #a do
    if a[i].id ~= b[i].id then same = false end
    if seen[a[i].id] then dup = a[i].id end
    seen[a[i].id] = true
  end
  check(same, "the same IDs in the same order")
  eq(dup, nil, "a duplicate ID")
end)

case("IDs are stable and readable (pinned examples)", function()
  local ids = {}
  for _, c in ipairs(cases.enumerate {}) do ids[c.id] = c end
  for _, id in ipairs({
    "ESTABLISHED/inet/SYN+ACK:seq=rcv_nxt+1:ack=snd_nxt:len=0",
    "ESTABLISHED/inet/RST:seq=rcv_nxt+1:ack=0:len=0",
    "ESTABLISHED/inet6/ACK+data:seq=rcv_wend-1:ack=snd_una-2^20:len=mss",
    "ESTABLISHED/inet/NONE:seq=rcv_nxt:ack=snd_nxt:len=0",
    "ESTABLISHED-DATA-OUT/inet/ACK:seq=rcv_nxt:ack=snd_una+1:len=0",
    "CLOSED/inet/ACK+data:seq=1000000:ack=2000000:len=1",
    "LISTEN/inet/SYN:seq=1000000:ack=0:len=0:opt=mss1",
    "SYN-SENT/inet/SYN+ACK:seq=1000000:ack=snd_nxt:len=0",
    "TIME-WAIT/inet/RST:seq=rcv_nxt+1:ack=0:len=0>SYN:seq=rcv_nxt+1:ack=0:len=0",
    "FIN-WAIT-1/inet/ACK:seq=rcv_nxt+2^31:ack=snd_nxt:len=0",
    "CLOSE-WAIT/inet/ACK:seq=rcv_nxt:ack=snd_nxt:len=0:opt=ts-1",
  }) do
    check(ids[id] ~= nil, "case " .. id .. " exists")
  end
  local c = ids["ESTABLISHED/inet/SYN+ACK:seq=rcv_nxt+1:ack=snd_nxt:len=0"]
  eq(c.class, "SYN+ACK", "class")
  eq(c.group, "ESTABLISHED SYN+ACK", "group")
  eq(c.family, "inet", "family")
  eq(#c.steps, 1, "one step")
  local f = ids["ESTABLISHED/inet/ACK+data:seq=rcv_nxt:ack=snd_nxt:len=1>FIN+ACK:seq=rcv_nxt+1:ack=snd_nxt:len=0"]
  check(f ~= nil, "the data-then-FIN sequence exists")
  eq(f and f.class, "ACK+data>FIN+ACK", "a sequence's class")
  eq(ids["ESTABLISHED/inet/FIN+ACK+data:seq=rcv_nxt:ack=snd_nxt:len=1"].class, "FIN+ACK+data",
    "class with text")
end)

case("every case has 1..3 steps, materializes and gets an expectation", function()
  local bad, n = nil, 0
  for _, c in ipairs(cases.enumerate {}) do
    if #c.steps < 1 or #c.steps > 3 then bad = c.id end
    local ok, err = pcall(judge.expect, c, snapshot(c.state), {})
    if not ok then bad = c.id .. ": " .. tostring(err) end
    n = n + 1
    if bad then break end
  end
  eq(bad, nil, "a case that does not materialize")
  check(n > 6000, "all cases tried")
end)

case("bad arguments to enumerate name the field", function()
  raises(function() cases.enumerate { state = "ESTABLISHD" } end, "state: expected one of",
    "unknown state")
  raises(function() cases.enumerate { family = "ipv4" } end, "family: expected \"inet\"",
    "unknown family")
  raises(function() cases.enumerate() end, "expected a table", "no table")
end)

-- Every pruning rule: each pruned candidate and its representative have the same model
-- outcome, in every state, under every knob set, also across the 2^32 wrap; the
-- representative is itself kept (or pruned to one that is).
for _, rule in ipairs(cases.PRUNING) do
  case("pruning rule " .. rule.id .. " keeps an equivalent representative", function()
    local n, bad = 0, nil
    for _, st in ipairs(cases.STATES) do
      local reps, kept = {}, {}
      for _, c in ipairs(cases.enumerate { state = st, family = "inet" }) do kept[c.id] = true end
      for _, spec in ipairs(cases.candidates(st)) do
        local r, rep = cases.pruned_by(spec, st)
        if r == rule then
          n = n + 1
          local final = rep
          for _ = 1, 4 do
            local _, next_rep = cases.pruned_by(final, st)
            if not next_rep then break end
            final = next_rep
          end
          if not kept[cases.make(st, "inet", { final }).id] then
            bad = bad or ("%s: representative %s not kept"):format(st, cases.step_id(final))
          end
          for _, run in ipairs(runs) do
            local snap = snapshot(st, run.base)
            local key = run.name .. "|" .. cases.step_id(rep)
            local b = reps[key] or outcome(st, "inet", rep, snap, run.knobs)
            reps[key] = b
            local a = outcome(st, "inet", spec, snap, run.knobs)
            if a ~= b then
              bad = bad or ("%s knobs %s: %s -> %s but %s -> %s"):format(st, run.name,
                cases.step_id(spec), a, cases.step_id(rep), b)
            end
          end
        end
      end
    end
    check(n > 0, "the rule prunes something")
    eq(bad, nil, "a pruned case that the model treats differently")
    print(("      %s: %d candidates pruned; %s"):format(rule.id, n, rule.text:sub(1, 60) .. "..."))
  end)
end

case("pruning is stated: each rule has an id and a text citing the RFC", function()
  for _, r in ipairs(cases.PRUNING) do
    check(type(r.id) == "string" and #r.text > 40, "rule " .. tostring(r.id) .. " has a text")
  end
  local f = io.open(SOURCE_DIR .. "/lua/sweep/README.md")
  local readme = f and f:read("a") or ""
  if f then f:close() end
  -- S1 owns the README; once it has the section, the section must name every rule.
  local section = readme:match("\n## Pruning\n(.-)\n## ") or readme:match("\n## Pruning\n(.*)$")
  if section then
    for _, r in ipairs(cases.PRUNING) do
      has(section, "`" .. r.id .. "`", "lua/sweep/README.md \"Pruning\" names the rule")
    end
  end
end)

case("materialize: edges are absolute and wrap modulo 2^32", function()
  local snap = { state = "ESTABLISHED", rcv_nxt = 0xffffffff, rcv_wnd = 10, snd_una = 0xfffffffe,
    snd_nxt = 5, mss = 1400 }
  local s = materialize.segment({ flags = "SA", seq = { "rcv_nxt", 1 }, ack = { "snd_una", 3 },
    len = "mss" }, snap)
  eq(s.flags, "S.", "SA is the shorthand S.")
  eq(s.seq, 0, "RCV.NXT + 1 wraps to 0")
  eq(s.ack, 1, "SND.UNA + 3 wraps to 1")
  eq(s.len, 1400, "len mss is the snapshot's")
  eq(s.win, 65535, "default window")
  eq(materialize.segment({ flags = "A", seq = { "rcv_wend", 0 }, ack = { "snd_nxt", -6 } }, snap).seq,
    9, "the right edge RCV.NXT+RCV.WND wraps")
  eq(materialize.segment({ flags = "A", seq = { "rcv_nxt", 0 }, ack = { "snd_nxt", -6 } }, snap).ack,
    0xffffffff, "SND.NXT - 6 wraps below 0")
  eq(materialize.segment({ flags = "R", seq = { "rcv_nxt", 1 << 31 }, ack = { "raw", 0 } }, snap).seq,
    0x7fffffff, "2^31 away")
  eq(materialize.segment({ flags = "R", seq = { "raw", 7 }, ack = { "raw", 0 } }, snap).ack, nil,
    "ACK off and ack 0: no ack")
  eq(materialize.segment({ flags = "F", seq = { "raw", 7 }, ack = { "snd_nxt", 0 } }, snap).ack, 5,
    "ACK off, a non-zero value is kept")
  eq(materialize.segment({ flags = "UPFA", seq = { "raw", 7 }, ack = { "raw", 1 }, win = 7 }, snap).flags,
    "FP.U", "flags in the shorthand's order")
  local o = materialize.segment({ flags = "A", seq = { "raw", 1 }, ack = { "raw", 1 },
    opts = { { ts = { val = { "ts_recent", -1 } } }, { mss = 1 } } }, snap)
  eq(o.opts[1].ts.val, 999, "ts val from the fallback TS.Recent 1000")
  eq(o.opts[2].mss, 1, "mss option kept")
  snap.ts_recent, snap.ts_val = 0, 77
  o = materialize.segment({ flags = "A", seq = { "raw", 1 }, ack = { "raw", 1 },
    opts = { { ts = { val = { "ts_recent", -1 } } } } }, snap)
  eq(o.opts[1].ts.val, 0xffffffff, "TS.Recent - 1 wraps")
  eq(o.opts[1].ts.ecr, 77, "ecr echoes the target's TSval")
  local m = materialize.model_segment(o)
  eq(m.tsval, 0xffffffff, "model segment tsval")
end)

case("materialize: user errors name the field and the missing edge", function()
  local snap = { state = "LISTEN", rcv_wnd = 100 }
  raises(function() materialize.segment({ flags = "A", seq = { "rcv_nxt", 0 }, ack = { "raw", 1 } }, snap) end,
    "seq: the snapshot (state LISTEN) has no rcv_nxt", "missing edge")
  raises(function() materialize.segment({ flags = "AX", seq = { "raw", 0 }, ack = { "raw", 1 } }, snap) end,
    "flags: expected each of S F R A P U", "bad letter")
  raises(function() materialize.segment({ flags = "A", seq = { "raw", 0 } }, snap) end,
    "ack: required with the ACK bit", "ACK without ack")
  raises(function() materialize.segment({ flags = "", seq = { "raw", 0 }, len = "mss" }, snap) end,
    "len: \"mss\" needs snapshot.mss", "mss without snapshot mss")
end)

local function obs(list, st) return { replies = list, state = st } end
local function R(flags, seq, ack, f)
  local r = { flags = flags, seq = seq, ack = ack, len = 0, win = 64000, t = 0.001 }
  for k, v in pairs(f or {}) do r[k] = v end
  return r
end

local function one(st, spec, fam)
  return cases.make(st, fam or "inet", { spec })
end

case("expect: a RST at RCV.NXT resets ESTABLISHED; in the window a challenge ACK", function()
  local snap = snapshot("ESTABLISHED")
  local e = judge.expect(one("ESTABLISHED", { flags = "R", seq = { "rcv_nxt", 0 } }), snap)[1]
  eq(#e.replies, 0, "nothing back")
  eq(e.state, "CLOSED", "closed")
  eq(e.effects[1].what, "reset", "ECONNRESET")
  eq(e.window, 0.05, "quiet window")
  e = judge.expect(one("ESTABLISHED", { flags = "R", seq = { "rcv_nxt", 1 } }), snap)[1]
  eq(judge.show_replies(e.replies), ". 1001:1001(0) ack 5001", "challenge ACK")
  eq(e.replies[1].rule.id, "rst.challenge", "its rule")
  eq(e.replies[1].rule.rfc, "5961 3.2", "its RFC")
  eq(e.state, "ESTABLISHED", "still established")
end)

case("expect: steps carry over; data then FIN ends in CLOSE-WAIT; windows per knob", function()
  local c = one("ESTABLISHED", { flags = "A", seq = { "rcv_nxt", 0 }, ack = { "snd_nxt", 0 }, len = 1 })
  c.steps[2] = { flags = "FA", seq = { "rcv_nxt", 1 }, ack = { "snd_nxt", 0 } }
  local e = judge.expect(c, snapshot("ESTABLISHED"), descriptor("linux"))
  eq(e[1].replies[1].delayed, true, "the data's ACK may be delayed")
  eq(e[1].window, 0.25, "delayed: the ACK delay")
  eq(e[2].replies[1].ack, 5003, "the FIN's ACK covers data and FIN")
  eq(e[2].state, "CLOSE-WAIT", "then CLOSE-WAIT")
  eq(judge.expect(c, snapshot("ESTABLISHED"), { ack_delay = 0.2 })[1].window, 0.2, "ack_delay knob")
  eq(judge.expect(c, snapshot("ESTABLISHED"), { delayed_ack = false })[1].window, 0.05,
    "no delayed ACKs: quiet")
  eq(judge.summary(e), ". 1001:1001(0) ack 5002 (may be delayed) -> ESTABLISHED; "
    .. ". 1001:1001(0) ack 5003 -> CLOSE-WAIT", "summary line")
  raises(function() judge.expect(c, snapshot("ESTABLISHED"), { ack_delay = "x" }) end,
    "sweep.judge knob ack_delay: expected seconds", "bad timing knob")
  raises(function() judge.expect(c, snapshot("ESTABLISHED"), { rfc5961 = true }) end,
    "unknown knob", "bad model knob")
  raises(function() judge.expect(c, snapshot("LAST-ACK"), {}) end,
    "snapshot.state: expected ESTABLISHED", "snapshot of another state")
end)

case("expect: a listener's SYN,ACK has an unknown seq; a listening port reopens", function()
  local e = judge.expect(one("LISTEN", { flags = "S", seq = { "raw", 1000000 }, ack = { "raw", 0 } }),
    snapshot("LISTEN"))[1]
  eq(e.replies[1].flags, "S.", "SYN,ACK")
  eq(e.replies[1].seq, nil, "its seq is the target's choice")
  local ps = snapshot("LISTEN")
  ps.iss, ps.snd_una, ps.snd_nxt = 0, 0, 0   -- as sweep.prefix gives it: no TCB yet
  eq(judge.expect(one("LISTEN", { flags = "S", seq = { "raw", 1000000 }, ack = { "raw", 0 } }),
    ps)[1].replies[1].seq, nil, "a prefix's placeholder ISS 0 is not the listener's ISS")
  local sr = one("SYN-RECEIVED", { flags = "R", seq = { "rcv_nxt", 0 } })
  sr.steps[2] = { flags = "S", seq = { "raw", 7000 }, ack = { "raw", 0 } }
  local again = judge.expect(sr, snapshot("SYN-RECEIVED"))
  eq(again[1].state, "LISTEN", "a RST returns a passive SYN-RECEIVED to LISTEN (9293 3.10.7.4)")
  eq(again[2].replies[1].flags, "S.", "back in LISTEN: a new SYN gets a SYN,ACK")
  eq(again[2].replies[1].seq, nil, "back in LISTEN: its ISS is the target's new choice")
  eq(e.replies[1].ack, 1000001, "ack SEG.SEQ+1")
  eq(e.state, "SYN-RECEIVED", "SYN-RECEIVED")
  local c = one("ESTABLISHED", { flags = "R", seq = { "rcv_nxt", 0 } })
  c.steps[2] = { flags = "S", seq = { "rcv_nxt", 5 }, ack = { "raw", 0 } }
  local snap = snapshot("ESTABLISHED")
  eq(judge.expect(c, snap)[2].replies[1].flags, "R.", "closed port: RST,ACK")
  local tw = one("TIME-WAIT", { flags = "S", seq = { "rcv_nxt", 1 }, ack = { "raw", 0 } })
  local tws = snapshot("TIME-WAIT")
  local alone = judge.expect(tw, tws)[1]
  eq(alone.replies[1].rule.id, "syn.challenge",
    "no listener: nothing to reopen to, the SYN of a synchronized state (RFC 5961 4.2)")
  eq(alone.state, "TIME-WAIT", "no listener: TIME-WAIT stays")
  tws.listening = true
  local r = judge.expect(tw, tws)[1]
  eq(r.effects[1].what, "reopened", "a newer SYN reopens TIME-WAIT for a listener (RFC 6191)")
  eq(r.replies[1].seq, nil, "the new incarnation's ISS is the target's")
  eq((judge.compare(tw, { r }, { obs({ R("S.", 777, 5004) }, "SYN-RECEIVED") })), "agree",
    "any ISS agrees")
  snap.listening = true
  eq(judge.expect(c, snap)[2].replies[1].flags, "S.", "listening port: SYN,ACK")
end)


case("compare: SYN-SENT's SYN,ACK of a simultaneous open is an answer, its SYN a retransmission", function()
  local c = one("SYN-SENT", { flags = "S", seq = { "raw", 7000 }, ack = { "raw", 0 } })
  local e = judge.expect(c, snapshot("SYN-SENT"))
  eq(e[1].replies[1].flags, "S.", "simultaneous open: SYN,ACK (RFC 9293 3.10.7.3)")
  eq((judge.compare(c, e, { obs({ R("S.", 1000, 7001) }, "SYN-RECEIVED") })), "agree",
    "the SYN,ACK with the target's ISS is the answer")
  eq((judge.compare(c, e, { obs({ R("S", 1000, 0), R("S.", 1000, 7001) }, "SYN-RECEIVED") })),
    "agree", "a bare SYN with the ISS is the retransmission timer")
  eq((judge.compare(c, e, { obs({ R("S.", 1000, 7001), R("S.", 1000, 7001, { t = 1.01 }) },
    "SYN-RECEIVED") })), "agree", "the SYN,ACK again after the target's RTO is its timer")
  eq((judge.compare(c, e, { obs({ R("S.", 1000, 7001), R("S.", 1000, 7001, { t = 0.05 }) },
    "SYN-RECEIVED") })), "differs", "but a second SYN,ACK at once is an extra reply")
  eq((judge.compare(c, e, { obs({ R("S.", 1000, 7001), R("S.", 1000, 7002, { t = 1.01 }) },
    "SYN-RECEIVED") })), "differs", "and so is a SYN,ACK with other numbers")
  -- After it, in SYN-RECEIVED, the timer's retransmission is a SYN,ACK with the ISS.
  local c2 = { id = "SYN-SENT/inet/SYN>SYN", state = "SYN-SENT", family = "inet", steps = {
    { flags = "S", seq = { "raw", 7000 }, ack = { "raw", 0 } },
    { flags = "S", seq = { "raw", 7000 }, ack = { "raw", 0 } } } }
  local e2 = judge.expect(c2, snapshot("SYN-SENT"))
  eq(e2[2].replies[1].flags, ".", "the retransmitted SYN: a challenge ACK (RFC 5961 4.2)")
  eq((judge.compare(c2, e2, { obs({ R("S.", 1000, 7001) }, "SYN-RECEIVED"),
    obs({ R(".", 1001, 7001), R("S.", 1000, 7001) }, "SYN-RECEIVED") })), "agree",
    "the SYN,ACK with the ISS in the second step is the retransmission timer")
  eq((judge.compare(c2, e2, { obs({ R("S.", 1000, 7001) }, "SYN-RECEIVED"),
    obs({ R(".", 1001, 7001), R("S.", 1001, 7001) }, "SYN-RECEIVED") })), "differs",
    "one past the ISS is no retransmission")
end)

case("compare: agree, and each kind of difference named", function()
  local snap = snapshot("ESTABLISHED")
  local c = one("ESTABLISHED", { flags = "SA", seq = { "rcv_nxt", 1 }, ack = { "snd_nxt", 0 } })
  local e = judge.expect(c, snap)
  local v, rule, text = judge.compare(c, e, { obs({ R(".", 1001, 5001) }, "ESTABLISHED") })
  eq(v, "agree", "the challenge ACK agrees")
  eq(rule, nil, "no rule on agree")
  v, rule, text = judge.compare(c, e, { obs({ R(".", 1001, 5002) }, "ESTABLISHED") })
  eq(v, "differs", "ack off by one")
  eq(rule and rule.id, "syn.challenge", "the rule of the reply")
  has(text, "ack: expected 5001, got 5002", "text names the field")
  has(text, "step 1 of 1 (SYN+ACK:seq=rcv_nxt+1:ack=snd_nxt:len=0)", "text names the step")
  has(text, "RFC 5961 4.2", "text cites the RFC")
  has(text, "challenge ACK", "text has the sentence")
  v, rule, text = judge.compare(c, e, { obs({}, "ESTABLISHED") })
  eq(v, "differs", "missing reply")
  has(text, "seen nothing", "missing named")
  v, rule, text = judge.compare(c, e, { obs({ R(".", 1001, 5001), R("R", 1001, 0) }, "ESTABLISHED") })
  eq(v, "differs", "extra reply")
  has(text, "(extra)", "extra named")
  v, rule, text = judge.compare(c, e, { obs({ R(".", 1001, 5001) }, "CLOSED") })
  eq(v, "differs", "wrong state")
  has(text, "state: expected ESTABLISHED, seen CLOSED", "state named")
  v, rule, text = judge.compare(c, e, { obs({ R("R.", 1001, 5001) }, "ESTABLISHED") })
  has(text, "flags: expected ., got R.", "flags named")
  v = judge.compare(c, e, { obs({ R(".", 1001, 5001) }, nil) })
  eq(v, "agree", "state not observed: not compared")
  v, rule, text = judge.compare(c, e, {})
  eq(v, "error", "a step not observed is an error")
  has(text, "not observed", "error text")
  has(judge.detail(c, e, { obs({ R(".", 1001, 5002) }, "ESTABLISHED") }), "seen:     . 1001:1001(0) ack 5002",
    "detail shows the seen segment")
end)

case("compare: an extra reply to a dropped segment is a difference of the dropping rule", function()
  local c = one("ESTABLISHED", { flags = "", seq = { "rcv_nxt", 0 }, ack = { "raw", 0 } })
  local e = judge.expect(c, snapshot("ESTABLISHED"))
  eq(#e[1].replies, 0, "an ACK-less segment is dropped")
  local v, rule = judge.compare(c, e, { obs({ R(".", 1001, 5001) }, "ESTABLISHED") })
  eq(v, "differs", "an ACK back differs")
  eq(rule and rule.id, "ack.off", "the rule that dropped it")
end)

case("compare: the RST window per knob", function()
  local c = one("CLOSED", { flags = "A", seq = { "raw", 1000000 }, ack = { "raw", 2000000 } })
  local got = { obs({ R("R", 2000000, nil, { win = 1000 }) }, "CLOSED") }
  eq((judge.compare(c, judge.expect(c, snapshot("CLOSED")), got)), "differs", "window 0 expected")
  eq((judge.compare(c, judge.expect(c, snapshot("CLOSED"), { rst_window = "any" }), got)), "agree",
    "rst_window any: unchecked")
end)

case("compare: a delayed ACK may be coalesced into the next step's, or arrive late", function()
  local c = one("ESTABLISHED", { flags = "A", seq = { "rcv_nxt", 0 }, ack = { "snd_nxt", 0 }, len = 1 })
  c.steps[2] = { flags = "FA", seq = { "rcv_nxt", 1 }, ack = { "snd_nxt", 0 } }
  local e = judge.expect(c, snapshot("ESTABLISHED"))
  local fin_ack = R(".", 1001, 5003)
  eq((judge.compare(c, e, { obs({ R(".", 1001, 5002) }), obs({ fin_ack }, "CLOSE-WAIT") })), "agree",
    "both ACKs")
  eq((judge.compare(c, e, { obs({}), obs({ fin_ack }, "CLOSE-WAIT") })), "agree", "coalesced")
  eq((judge.compare(c, e, { obs({}), obs({ R(".", 1001, 5002), fin_ack }, "CLOSE-WAIT") })), "agree",
    "late")
  local v, _, text = judge.compare(c, e, { obs({}), obs({}, "CLOSE-WAIT") })
  eq(v, "differs", "never acknowledged")
  has(text, "not delayed into step 2", "says so")
  local d = one("ESTABLISHED", c.steps[1])
  eq((judge.compare(d, judge.expect(d, snapshot("ESTABLISHED")), { obs({}) })), "differs",
    "a delayed ACK missing in the last step")
end)

case("compare: the target's own retransmission is not a reply", function()
  local snap = snapshot("ESTABLISHED-DATA-OUT")
  local c = one("ESTABLISHED-DATA-OUT", { flags = "A", seq = { "rcv_nxt", 0 }, ack = { "snd_una", 1 } })
  local e = judge.expect(c, snap)
  eq(#e[1].replies, 0, "a partial ACK wants nothing")
  eq((judge.compare(c, e, { obs({ R("P.", 1002, 5001, { len = 99 }) }) })), "agree",
    "the rest of the data retransmitted")
  eq((judge.compare(c, e, { obs({ R("P.", 1101, 5001, { len = 1 }) }) })), "differs",
    "new data is not a retransmission")
end)

case("compare: a second challenge ACK may be rate-limited only when the knob says so", function()
  local c = one("ESTABLISHED", { flags = "R", seq = { "rcv_nxt", 1 }, ack = { "raw", 0 } })
  c.steps[2] = { flags = "R", seq = { "rcv_nxt", 1 }, ack = { "raw", 0 } }
  c.steps[3] = { flags = "R", seq = { "rcv_nxt", 0 }, ack = { "raw", 0 } }
  local seen = { obs({ R(".", 1001, 5001) }, "ESTABLISHED"), obs({}, "ESTABLISHED"), obs({}, "CLOSED") }
  local v, rule = judge.compare(c, judge.expect(c, snapshot("ESTABLISHED")), seen)
  eq(v, "differs", "strict: the second challenge ACK is missing")
  eq(rule and rule.id, "rst.challenge", "its rule")
  eq((judge.compare(c, judge.expect(c, snapshot("ESTABLISHED"), { ack_ratelimit = 0.5 }), seen)),
    "agree", "rate limit 0.5 s (Linux tcp_invalid_ratelimit): tolerated")
  seen[1] = obs({}, "ESTABLISHED")
  eq((judge.compare(c, judge.expect(c, snapshot("ESTABLISHED"), { ack_ratelimit = 0.5 }), seen)),
    "differs", "the first one is never rate-limited")
end)

case("compare: an ACK carried by the target's retransmission stands for the bare ACK", function()
  -- Linux, loaded: the RTO of the 100 bytes in flight fired as the FIN arrived, and the
  -- FIN's acknowledgment went out on the retransmission (P. 1001:1101(100) ack 5002).
  local snap = snapshot("ESTABLISHED-DATA-OUT")
  local c = one("ESTABLISHED-DATA-OUT", { flags = "FA", seq = { "rcv_nxt", 0 }, ack = { "snd_una", 0 } })
  local e = judge.expect(c, snap)
  eq(judge.show_replies(e[1].replies), ". 1101:1101(0) ack 5002", "the model: a bare ACK of the FIN")
  eq((judge.compare(c, e, { obs({ R("P.", 1001, 5002, { len = 100 }) }, "CLOSE-WAIT") })), "agree",
    "carried by the retransmission")
  eq((judge.compare(c, e, { obs({ R("P.", 1001, 5001, { len = 100 }) }, "CLOSE-WAIT") })), "differs",
    "a retransmission with the old ACK is not the FIN's acknowledgment")
  eq((judge.compare(c, e, { obs({ R("P.", 1001, 5002, { len = 100 }), R(".", 1101, 5002) },
    "CLOSE-WAIT") })), "agree", "both: the bare ACK is the reply, the retransmission ignored")
  -- An unacceptable segment in FIN-WAIT-1 (RCV.NXT unchanged): the FIN's retransmission
  -- carries the old RCV.NXT, which is no answer to the step.
  local u = one("FIN-WAIT-1", { flags = "A", seq = { "rcv_wend", 1 }, ack = { "snd_nxt", 0 } })
  local ue = judge.expect(u, snapshot("FIN-WAIT-1"))
  eq(judge.show_replies(ue[1].replies), ". 1002:1002(0) ack 5001", "the model: the first step's ACK")
  eq((judge.compare(u, ue, { obs({ R("F.", 1001, 5001) }, "FIN-WAIT-1") })), "differs",
    "a retransmitted FIN with the old RCV.NXT does not stand for it")
end)

case("compare: a retransmitted SYN,ACK in SYN-RECEIVED is not a reply", function()
  local c = one("SYN-RECEIVED", { flags = "", seq = { "rcv_nxt", 0 }, ack = { "raw", 0 } })
  local e = judge.expect(c, snapshot("SYN-RECEIVED"))
  eq((judge.compare(c, e, { obs({ R("S.", 1000, 5001) }, "SYN-RECEIVED") })), "agree",
    "the SYN,ACK timer fired")
end)

-- A target with options: the sysctls its labs run with set the model's knobs through the
-- descriptor's model_sysctls (RFC 1337: tcp_rfc1337=1 ignores a RST in TIME-WAIT).
case("a target's sysctl options set the model knobs its descriptor maps them to", function()
  local linux = assert(loadfile(SOURCE_DIR .. "/targets/linux/target.lua"))()
  local tk = judge.target_knobs
  eq(tk(linux, "linux").rfc1337, false, "default")
  eq(tk(linux, "linux:net.ipv4.tcp_rfc1337=1").rfc1337, true, "tcp_rfc1337=1")
  local k = tk(linux, "linux:net.ipv4.tcp_fin_timeout=7:net.ipv4.tcp_rfc1337=0")
  eq(k.rfc1337, false, "tcp_rfc1337=0 among other sysctls")
  eq(k.rfc5961_rst, true, "the descriptor's other knobs stay")
  eq(linux.model.rfc1337, false, "the descriptor itself is not changed")
  local ok, err = pcall(tk, linux, "linux:net.ipv4.tcp_rfc1337=on")
  check(not ok and tostring(err):find("net.ipv4.tcp_rfc1337: expected an integer", 1, true),
    "a value that is no integer is named: " .. tostring(err))
  local d = { model = {}, model_sysctls = { ["x.y"] = { knob = "timewait_syn",
    values = { ["0"] = false, ["2"] = "rfc6191" } } } }
  eq(tk(d, "t:x.y=2").timewait_syn, "rfc6191", "a mapping by value")
  ok, err = pcall(tk, d, "t:x.y=1")
  check(not ok and tostring(err):find('expected one of 0, 2 (model knob timewait_syn), got "1"', 1, true),
    "an unmapped value is named: " .. tostring(err))
  local c = one("TIME-WAIT", { flags = "R", seq = { "rcv_nxt", 0 }, ack = { "raw", 0 } })
  eq(judge.expect(c, snapshot("TIME-WAIT"), tk(linux, "linux:net.ipv4.tcp_rfc1337=1"))[1].state,
    "TIME-WAIT", "the judge follows it (RFC 1337 3)")
  eq(judge.expect(c, snapshot("TIME-WAIT"), tk(linux, "linux"))[1].state, "CLOSED",
    "and without it a RST ends TIME-WAIT")
end)

case("deviations: an entry with seen covers only results whose seen contains it", function()
  local D = require "sweep.deviations"
  local desc = { sweep_deviations = {
    ["LAST-ACK/*"] = { reason = "FIN retransmitted as FIN-WAIT-1", rfc = "9293 3.3.2",
      seen = "-> FIN-WAIT-1" } } }
  local function v(r) return D.classify(r, desc).verdict end
  eq(v { id = "LAST-ACK/inet/ACK:x", verdict = "differs", rule = "ack.last_ack",
    seen = "nothing -> FIN-WAIT-1" }, "deviation", "the state it names was seen")
  eq(v { id = "LAST-ACK/inet/ACK:x", verdict = "differs", rule = "ack.last_ack",
    seen = "nothing -> LAST-ACK" }, "differs", "another difference in the same cell still shows")
  eq(v { id = "CLOSING/inet/ACK:x", verdict = "differs", rule = "ack.last_ack",
    seen = "nothing -> FIN-WAIT-1" }, "differs", "the key's glob still applies")
  local ok, msg = pcall(D.classify, { id = "a", verdict = "differs" },
    { sweep_deviations = { ["x"] = { reason = "r", seen = 3 } } })
  check(not ok and msg:find('sweep_deviations["x"].seen: expected a non-empty string, got number',
    1, true), "a bad seen is refused naming the key: " .. tostring(msg))
end)

case("deviations: an error entry covers only errors whose detail carries its text", function()
  local D = require "sweep.deviations"
  local desc = { sweep_deviations = {
    ["*:seq=rcv_nxt+2^31:*"] = { reason = "lwIP aborts", rfc = "9293 3.10.7.4",
      error = 'Assertion "insane offset!" failed' },
    ["ESTABLISHED/*"] = { reason = "a plain entry", rfc = "9293" } } }
  local function v(r) return D.classify(r, desc).verdict end
  local id = "FIN-WAIT-1/inet/FIN:seq=rcv_nxt+2^31:ack=0:len=0"
  eq(v { id = id, verdict = "error", rule = "", detail = 'the target failed under this case '
    .. 'run alone (its last words: Assertion "insane offset!" failed at line 1430)' },
    "deviation", "the declared crash")
  eq(v { id = id, verdict = "error", rule = "", detail = "the agent did not answer state" },
    "error", "another error of the same case still fails the run")
  eq(v { id = "FIN-WAIT-1/inet/FIN:seq=rcv_nxt:ack=0:len=0", verdict = "error", rule = "",
    detail = 'Assertion "insane offset!" failed' }, "error", "the key's glob still applies")
  eq(v { id = id, verdict = "differs", rule = "fin.receive", detail = 'Assertion "insane offset!" failed' },
    "differs", "an error entry never covers a difference")
  eq(v { id = "ESTABLISHED/inet/ACK:x", verdict = "error", rule = "", detail = "boom" },
    "error", "a plain entry never covers an error")
  eq(v { id = "ESTABLISHED/inet/ACK:x", verdict = "differs", rule = "ack.x", detail = "" },
    "deviation", "but still covers a difference")
  local ok, msg = pcall(D.classify, { id = "a", verdict = "error" },
    { sweep_deviations = { ["x"] = { reason = "r", seen = "a", error = "b" } } })
  check(not ok and msg:find('expected one of seen and error, got both', 1, true),
    "seen and error together are refused: " .. tostring(msg))
end)

case("prefix: a retransmitted SYN|ACK or FIN is passed over, anything else is not", function()
  local P = require "sweep.prefix"
  -- A stand-in lab and connection: the queued segments come back from c:next one by one
  -- (ok when the text is the wanted one); the clock moves on at every look.
  local function run(queue, want)
    local t = 0
    local lab = { core = { now = function() t = t + 0.01; return t end } }
    local c = { info = function() return { sport = 1 } end,
      next = function(_, tpl)
        local txt = table.remove(queue, 1)
        if not txt then return nil end
        return { text = txt }, txt == tpl, "differs"
      end }
    return pcall(P.expect_past, lab, c, want, "prefix of X")
  end
  local ok, a = run({ "S. 0:0(0) ack 1 win 65535", "F. 1:1(0) ack 1" }, "F. 1:1(0) ack 1")
  check(ok and a.text == "F. 1:1(0) ack 1", "the SYN|ACK again, then the FIN: " .. tostring(a))
  ok, a = run({ "F. 1:1(0) ack 1", ". 2:2(0) ack 2" }, ". 2:2(0) ack 2")
  check(ok and a.text == ". 2:2(0) ack 2", "the FIN again, then the ACK: " .. tostring(a))
  ok, a = run({ "R. 1:1(0) ack 1" }, "F. 1:1(0) ack 1")
  check(not ok and tostring(a):find("expected F. 1:1(0) ack 1, got R. 1:1(0) ack 1", 1, true),
    "a RST is no retransmission: " .. tostring(a))
end)

-- RFC 7323 3.2/5.3: a target whose SYN offered timestamps takes TS.Recent from a crossing
-- SYN and applies PAWS after it (Linux: tcp_rcv_synsent_state_process stores ts_recent,
-- tcp_validate_incoming rejects an older TSval with a dup ACK). The model does so only
-- when the SYN-SENT snapshot says the SYN carried a TSval (issue 11 round 4e:
-- 114b299fc4eb7720, 5dfceb942f26ce69, judged without PAWS).
-- A stand-in lab for a whole prefix: every agent call succeeds (handle 3), the target's
-- segments come from `queue` one by one (a template matches the start of its text), the clock
-- moves on at every look, and info() says what `info` gives. Returns sweep.prefix.reach's
-- results, or false and the error.
local function reach_standin(state, queue, info)
  local P = require "sweep.prefix"
  local t, id = 0, 0
  local c = { info = function() return info end,
    send = function() end,
    next = function(_, tpl)
      local s = table.remove(queue, 1)
      if not s then return nil end
      return s, tpl == nil or s.text:sub(1, #tpl) == tpl, "differs"
    end }
  local core = { now = function() t = t + 0.01; return t end,
    call_async = function() id = id + 1; return id end,
    reply = function() return { ret = 3 } end,
    conn = function() return c end }
  local ok, a, b, held = pcall(P.reach, { core = core, addr = { target4 = "198.18.0.2",
    harness4 = "198.18.0.1" } }, state, "inet", { sport = 40000, tport = 80, iss = 1000 })
  if not ok and type(a) == "table" then a = a.msg end   -- reach's {msg =, held =}
  return ok, a, b, held
end

case("prefix: the SYN-SENT snapshot carries the target's SYN TSval, and PAWS follows a crossing SYN", function()
  local function run(syn)
    local ok, _, snap = reach_standin("SYN-SENT", { syn },
      { family = "inet", sport = 40000, iss = 1000, snd_nxt = 0, irs = 7000, rcv_nxt = 1 })
    check(ok, "the prefix ran: " .. tostring(_))
    return snap
  end
  local snap = run({ text = "S 0:0(0) win 64240 <mss 1460,TS val 123456 ecr 0>", win = 64240,
    ts_val = 123456, ts_val_abs = 123456 })
  eq(snap.ts_val, 123456, "the SYN's TSval")
  eq(snap.iss, 7000, "the target's ISS")
  local q = cases.RAW_SEQ
  local c = cases.make("SYN-SENT", "inet", {
    { flags = "S", seq = { "raw", q }, ack = { "raw", 0 }, len = 0,
      opts = { { ts = { val = { "ts_recent", 1 }, ecr = { "ts_val", 0 } } } } },
    { flags = "A", seq = { "raw", q + 1 }, ack = { "snd_nxt", 0 }, len = 0,
      opts = { { ts = { val = { "ts_recent", -1 }, ecr = { "ts_val", 0 } } } } } })
  local e = judge.expect(c, snap, {})
  eq(e[1].state, "SYN-RECEIVED", "the crossing SYN: a simultaneous open")
  local ids = {}
  for _, r in ipairs(e[1].rules) do ids[#ids + 1] = r.id end
  has(table.concat(ids, " "), "ts.on", "TS.Recent taken from the crossing SYN")
  eq(e[2].rules[1].id, "paws.reject", "the older TSval is rejected by PAWS")
  eq(e[2].state, "SYN-RECEIVED", "and the connection stays")
  eq(#e[2].replies, 1, "answered")
  eq(e[2].replies[1].flags, ".", "with an ACK")
  -- A SYN without timestamps: no ts_val, and the model ignores a crossing SYN's TSval.
  snap = run({ text = "S 0:0(0) win 64240 <mss 1460>", win = 64240 })
  eq(snap.ts_val, nil, "no TSval")
  e = judge.expect(c, snap, {})
  eq(e[2].state, "ESTABLISHED", "no PAWS without timestamps on the target's SYN")
end)

-- The new SYN-SENT cells as each target's descriptor classes them (RFC 7323 5.3): Linux
-- drops the old pure ACK at SEG.SEQ = IRS silently (PAWS_OLD_ACK) but dup-ACKs the one at
-- RCV.NXT; gVisor's handshake applies no PAWS at RCV.NXT.
case("deviations: PAWS after a crossing SYN, Linux's old ACK and gVisor's handshake", function()
  local D = require "sweep.deviations"
  local at = function(seq)
    return "SYN-SENT/inet/SYN:seq=1000000:ack=0:len=0:opt=ts+1>ACK:seq=" .. seq
      .. ":ack=snd_nxt:len=0:opt=ts-1"
  end
  for _, fam in ipairs({ "inet", "inet6" }) do
    local function v(target, seq)
      local desc = dofile(SOURCE_DIR .. "/targets/" .. target .. "/target.lua")
      return D.classify({ id = at(seq):gsub("/inet/", "/" .. fam .. "/"), verdict = "differs",
        rule = "paws.reject" }, desc).verdict
    end
    eq(v("linux", 1000000), "deviation", fam .. ": Linux, the old ACK at IRS")
    eq(v("linux", 1000001), "differs", fam .. ": Linux, at RCV.NXT (it sends the dup ACK)")
    eq(v("gvisor", 1000001), "deviation", fam .. ": gVisor, at RCV.NXT")
    eq(v("gvisor", 1000000), "differs", fam .. ": gVisor, at IRS (it sends the ACK)")
  end
  local ids = {}
  for _, c in ipairs(cases.enumerate { state = "SYN-SENT", family = "inet" }) do ids[c.id] = true end
  check(ids[at(1000000)] and ids[at(1000001)], "both cells are enumerated")
end)

-- The SYN|ACK again after the handshake (its RTO fired before the harness's ACK came,
-- on a loaded machine) is no answer to the send: the data is the next segment.
case("prefix: ESTABLISHED-DATA-OUT passes over a retransmitted SYN|ACK, nothing else", function()
  local info = { family = "inet", sport = 40000, iss = 1000, snd_nxt = 1, irs = 7000, rcv_nxt = 1 }
  local function q(...)
    local out = { { text = "S. 0:0(0) ack 1", win = 64240, len = 0 } }
    for _, x in ipairs({ ... }) do out[#out + 1] = x end
    return out
  end
  local data = { text = "P. 1:101(100) ack 1", win = 502, len = 100 }
  local ok, _, snap = reach_standin("ESTABLISHED-DATA-OUT", q(data), info)
  check(ok and snap.inflight == 100 and snap.rcv_wnd == 502, "the data at once: " .. tostring(_))
  ok, _, snap = reach_standin("ESTABLISHED-DATA-OUT",
    q({ text = "S. 0:0(0) ack 1 win 64240 <mss 1460>", win = 64240, len = 0 }, data), info)
  check(ok and snap.inflight == 100 and snap.rcv_wnd == 502, "the SYN|ACK again, then the data: " .. tostring(_))
  local err
  ok, err = reach_standin("ESTABLISHED-DATA-OUT", q({ text = "R. 1:1(0) ack 1", len = 0 }, data), info)
  check(not ok and tostring(err):find("expected 100 bytes from the target, got R. 1:1(0) ack 1", 1, true),
    "a RST is no retransmission: " .. tostring(err))
end)

return S.finish()
