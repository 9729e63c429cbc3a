-- sweep.emit: any sweep case as a ready T.test script (issue 10 item 7). The script
-- reproduces the case with the public API only (lua/README.md: lab:conn, c:send,
-- c:expect, c:silence, lab.target, T.established): the state's prefix written out as
-- text, then each step sent and the model's expected replies and state checked. It
-- fails on a target that disagrees with the model and passes on one that agrees.
--
-- The numbers: at run time the script knows H (the harness's ISN), TG (the target's ISN)
-- and W (the window the target advertised last in the prefix); every number of a step
-- and of its expected replies is a constant plus some of these. Which ones is found by
-- running sweep.materialize and sweep.judge on four snapshots that move H, TG and W
-- apart: a number that moves with one of them is written as an expression of it. So the
-- script carries the model's answer without carrying the model (and emit repeats none of
-- the judge's logic). Pure Lua, no I/O: C writes the text (harness/script/sweep.c).
local cases = require "sweep.cases"
local judge = require "sweep.judge"
local observe = require "sweep.observe"

local M = {}

local U32 = 4294967296
local PORT, SPORT = 5001, 40000
-- The window the base snapshot assumes; any value above a full MSS gives the same
-- outcome, as every edge of sweep.cases is relative to the window's edges.
local W0 = 65535

-- Per state: the prefix as script text (it leaves `c`, and `W` the target's last
-- window), and what the harness's connection has counted by then (c:info()'s snd_nxt and
-- rcv_nxt, relative), mirroring sweep.prefix's `how` (acked, unread, inflight, orphan).
local EST = "  local c, sock, l, sa = T.established(lab, PORT, {family = FAMILY})\n" ..
  "  l:close()  -- the sweep closes the listener after accept (sweep.prefix)\n"
local FIN = "  local f = c:expect \"F. 1:1(0) ack 1\"\n"
local P = {
  CLOSED = {text = "  local c = lab:conn{port = PORT, family = FAMILY}\n  local W = 65535\n",
    hs = 0, hr = 0, notcb = true},
  LISTEN = {text = "  lab.target:listen(PORT, {family = FAMILY})\n" ..
    "  local c = lab:conn{port = PORT, family = FAMILY}\n  local W = 65535\n",
    hs = 0, hr = 0, notcb = true},
  ["SYN-RECEIVED"] = {text = "  lab.target:listen(PORT, {family = FAMILY})\n" ..
    "  local c = lab:conn{port = PORT, family = FAMILY}\n" ..
    "  c:send \"S 0:0(0) win 65535 <mss 1460>\"\n" ..
    "  local W = c:expect(\"S. 0:0(0) ack 1\").win\n", hs = 1, hr = 1, acked = 0},
  ["SYN-SENT"] = {text = "  local s = lab.target:socket(FAMILY)\n" ..
    "  s:bind(PORT)\n  local c = lab:conn{port = PORT, sport = SPORT, family = FAMILY}\n" ..
    "  local op = s:connect_async(FAMILY == \"inet6\" and lab.addr.harness6 or lab.addr.harness4, SPORT, 3)\n" ..
    "  local W = c:expect(\"S 0:0(0)\").win\n", hs = 0, hr = 1, acked = -1},
  ESTABLISHED = {text = EST .. "  local W = sa.win\n", hs = 1, hr = 1, acked = 1},
  ["ESTABLISHED-DATA-IN"] = {text = EST .. "  c:send{\"P. 1:1(0) ack 1\", len = 100}\n" ..
    "  local W = c:expect(\". 1:1(0) ack 101\").win  -- 100 bytes left unread\n",
    hs = 101, hr = 1, acked = 1, unread = 100},
  ["ESTABLISHED-DATA-OUT"] = {text = EST .. "  sock:send(100)\n" ..
    "  local W = c:expect(\"P. 1:101(100) ack 1\").win  -- left unacknowledged\n",
    hs = 1, hr = 101, acked = 1, inflight = 100},
  ["FIN-WAIT-1"] = {text = EST .. "  sock:shutdown(\"wr\")\n" .. FIN .. "  local W = f.win\n",
    hs = 1, hr = 2, acked = 1},
  ["FIN-WAIT-2"] = {text = EST .. "  sock:shutdown(\"wr\")\n" .. FIN ..
    "  c:send \". 1:1(0) ack 2\"\n  local W = f.win\n", hs = 1, hr = 2, acked = 2},
  ["FIN-WAIT-2-ORPHAN"] = {text = EST .. "  sock:close()\n" .. FIN ..
    "  c:send \". 1:1(0) ack 2\"\n  local W = f.win\n", hs = 1, hr = 2, acked = 2, orphan = true},
  ["CLOSE-WAIT"] = {text = EST .. "  c:send \"F. 1:1(0) ack 1\"\n" ..
    "  local W = c:expect(\". 1:1(0) ack 2\").win\n", hs = 2, hr = 1, acked = 1},
  ["LAST-ACK"] = {text = EST .. "  c:send \"F. 1:1(0) ack 1\"\n  c:expect \". 1:1(0) ack 2\"\n" ..
    "  sock:close()\n  local W = c:expect(\"F. 1:1(0) ack 2\").win\n", hs = 2, hr = 2,
    acked = 1, orphan = true},
  CLOSING = {text = EST .. "  sock:shutdown(\"wr\")\n" .. FIN .. "  c:send \"F. 1:1(0) ack 1\"\n" ..
    "  local W = c:expect(\". 2:2(0) ack 2\").win\n", hs = 2, hr = 2, acked = 1},
  ["TIME-WAIT"] = {text = EST .. "  sock:close()\n" .. FIN .. "  c:send \"F. 1:1(0) ack 2\"\n" ..
    "  local W = c:expect(\". 2:2(0) ack 2\").win\n", hs = 2, hr = 2, acked = 2, orphan = true},
}
M.prefixes = P

-- The snapshot sweep.prefix would take (its `snapshot`) for harness ISN h, target ISN
-- tg and window w.
local function snapshot(state, h, tg, w)
  local p = P[state]
  local s = {state = state, irs = h, rcv_nxt = (h + p.hs) % U32, snd_wnd = 65535, mss = 1460,
    unread = p.unread or 0, inflight = p.inflight or 0, orphan = p.orphan or false, rcv_wnd = w}
  if p.notcb then
    s.iss, s.snd_una, s.snd_nxt = 0, 0, 0
  else
    s.iss, s.snd_nxt = tg, (tg + p.hr) % U32
    s.snd_una = p.acked >= 0 and (tg + p.acked) % U32 or tg
  end
  -- SYN-SENT: the prefix records the TSval of the target's SYN, and the model then takes
  -- TS.Recent from a crossing SYN and applies PAWS after it (RFC 7323 3.2, 5.3). A script
  -- assumes the SYN offers timestamps, as Linux's and gVisor's do (lwIP's does not, and it
  -- has no simultaneous open); 0 keeps the echoed TSecr what it was (materialize's fallback).
  if state == "SYN-SENT" then s.ts_val = 0 end
  return s
end

-- The four runs: the base, then H, TG and W moved by amounts no case's offsets reach.
local SHIFT = {H = 0x10000000, TG = 0x20000000, W = 1000}
local function runs(case, knobs)
  local out = {}
  for _, k in ipairs{"base", "H", "TG", "W"} do
    local h = k == "H" and SHIFT.H or 0
    local tg = k == "TG" and SHIFT.TG or 0
    local w = W0 - (k == "W" and SHIFT.W or 0)
    out[k] = judge.expect(case, snapshot(case.state, h, tg, w), knobs)
  end
  return out
end

-- The expression of a number given its value in each run, or an error when it does not
-- move as a constant plus H, TG and W would.
local function expr(v, what)
  if v.base == nil then return nil end
  local terms, off = {}, v.base
  local dh, dt = (v.H - v.base) % U32, (v.TG - v.base) % U32
  local dw = (v.base - v.W) % U32
  if dh == SHIFT.H then terms[#terms + 1] = "H" elseif dh ~= 0 then error(what .. ": moves with H oddly", 0) end
  if dt == SHIFT.TG then terms[#terms + 1] = "TG" elseif dt ~= 0 then error(what .. ": moves with TG oddly", 0) end
  if dw == SHIFT.W then terms[#terms + 1] = "W"; off = (off - W0) % U32
  elseif dw ~= 0 then error(what .. ": moves with W oddly", 0) end
  if #terms == 0 then return tostring(off) end
  if off >= U32 // 2 then off = off - U32 end
  if off ~= 0 then terms[#terms + 1] = tostring(off) end
  return "u32(" .. table.concat(terms, " + "):gsub("%+ %-", "- ") .. ")"
end

local function field(r, get)
  local v = {}
  for k, e in pairs(r) do v[k] = get(e) end
  return v
end

-- The Lua literal of a string.
local function q(s) return ("%q"):format(s) end

-- The agent's name of a model state (PROTOCOL.md 6.5): SYN-RECEIVED -> SYN_RECV.
local function agent_state(s)
  if s == "SYN-RECEIVED" then return "SYN_RECV" end
  return (s:gsub("-", "_"))
end

-- One step's text: the segment sent, each expected reply, the silence, the state.
local function step_text(out, i, r, case)
  local e = r.base[i]
  local get = function(f) return field(r, function(x) return f(x[i]) end) end
  local s = e.sent
  local parts = {q(observe.flags(s.flags) ~= "" and observe.flags(s.flags) or "."),
    "seq = " .. expr(get(function(x) return x.sent.seq end), "step seq"), "seq_abs = true"}
  if s.ack then
    parts[#parts + 1] = "ack = " .. expr(get(function(x) return x.sent.ack end), "step ack")
    parts[#parts + 1] = "ack_abs = true"
  end
  parts[#parts + 1] = "win = " .. (s.win or 65535)
  if (s.len or 0) > 0 then parts[#parts + 1] = "len = " .. s.len end
  for _, o in ipairs(s.opts or {}) do
    if o.mss then parts[#parts + 1] = "mss = " .. o.mss end
    if o.ts then parts[#parts + 1] = ("ts = {val = %d, ecr = %d}"):format(o.ts.val, o.ts.ecr) end
  end
  out[#out + 1] = ("  -- step %d: %s"):format(i, cases.step_id and cases.step_id(case.steps[i]) or "")
  for _, ru in ipairs(e.rules) do
    out[#out + 1] = ("  --   %s (RFC %s): %s"):format(ru.id, ru.rfc, (ru.sentence or ""):gsub("\n", " "))
  end
  out[#out + 1] = "  c:send{" .. table.concat(parts, ", ") .. "}"
  for j, x in ipairs(e.replies) do
    local g = function(f) return field(r, function(y) return f(y[i].replies[j]) end) end
    local rp = {q(x.flags)}
    local seq = expr(g(function(y) return y.seq end), "reply seq")
    if seq then rp[#rp + 1] = "seq = " .. seq; rp[#rp + 1] = "seq_abs = true" end
    if x.flags:find(".", 1, true) then
      rp[#rp + 1] = "ack = " .. expr(g(function(y) return y.ack end), "reply ack")
      rp[#rp + 1] = "ack_abs = true"
    end
    rp[#rp + 1] = "len = " .. (x.len or 0)
    if x.win then rp[#rp + 1] = "win = " .. x.win end
    out[#out + 1] = ("  c:expect({%s}, {within = %g})%s"):format(table.concat(rp, ", "),
      e.window, x.delayed and "  -- may be delayed (RFC 9293 3.8.6.3)" or "")
  end
  out[#out + 1] = ("  c:silence(%g)"):format(e.window)
  -- A listener's 4-tuple has no connection while the model stays in LISTEN.
  local st = e.state == "LISTEN" and "CLOSED" or agent_state(e.state)
  out[#out + 1] = ("  lab.target:expect_state(c, %s, %s)"):format(q(st),
    q(("after step %d (model: %s)"):format(i, e.state)))
end

-- The case of this id among the sweep's cases (its state and family are in the id).
local function find(id, knobs)
  local st, fam = tostring(id):match("^([^/]+)/([^/]+)/")
  if st and P[st] then
    for _, c in ipairs(cases.enumerate{state = st, family = fam, knobs = knobs}) do
      if c.id == id then return c end
    end
  end
  error(("sweep --emit: no case %q (expected an id as `tcpconform sweep --list` prints, "
    .. "e.g. \"ESTABLISHED/inet/RST:seq=rcv_nxt+1:ack=snd_nxt:len=0\")"):format(tostring(id)), 0)
end

-- Returns the text of a T.test script reproducing case `id` under knobs (the target's
-- model knobs). The test's name is its state, family and class with the id; its id is
-- "SWEEP" and its rfc that of the last rule the model applied. Raises naming the id.
function M.script(id, knobs)
  local case = find(id, knobs)
  local r = runs(case, knobs)
  local last
  for _, e in ipairs(r.base) do last = e.rules[#e.rules] or last end
  local out = {
    "-- Generated by `tcpconform sweep --emit` from sweep case",
    "--   " .. case.id,
    "-- The prefix brings a fresh connection into " .. case.state .. "; then each step's",
    "-- segment, and the RFC 9293 model's replies and state (lua/model/).",
    "local T = require \"tcpconform\"",
    "",
    "local PORT, SPORT, FAMILY = " .. PORT .. ", " .. SPORT .. ", " .. q(case.family),
    "local function u32(n) return n % 4294967296 end",
    "",
    ("T.test(%s,"):format(q(("sweep %s %s %s: %s"):format(case.state, case.family, case.class, case.id))),
    ("  {id = \"SWEEP\", rfc = %s, tags = {\"sweep\"}},"):format(q(last and last.rfc or "9293 3.10.7")),
    "  function(lab)",
    P[case.state].text:gsub("\n$", ""),
    "  local i = c:info()",
    "  local H, TG = i.iss, i.irs or 0  -- the ISNs: harness's, target's",
  }
  for i = 1, #case.steps do step_text(out, i, r, case) end
  out[#out + 1] = "  end)"
  return table.concat(out, "\n") .. "\n"
end

-- The entry of `tcpconform sweep --emit ID` (harness/script/sweep.c): emit(text).
function M.main(opts, emit)
  local d = require("tcpconform")._descriptor(opts.target_name or "linux", opts.descriptor)
  emit(M.script(opts.emit, d.model or {}))
end

-- For the fuzzer's T.test scripts (lua/fuzz/script.lua): the same prefixes, snapshots and
-- expressions of H, TG and W, unchanged.
M.internal = {snapshot = snapshot, expr = expr, SHIFT = SHIFT, W0 = W0, agent_state = agent_state}

return M
