-- sweep.cases: the event classes of the sweep, per state (issue 10): every combination
-- of SYN, FIN, RST and ACK (PSH and URG where they change the outcome), times sequence
-- numbers at the edges that matter, ack numbers at theirs, no payload, one byte or a full
-- MSS, with and without options; plus short sequences of 2-3 events. A case is data:
--   { id =, state =, family =, class =, group =, steps = {spec, ...} }
-- (a step spec is sweep.materialize's input). Cases that the model provably treats alike
-- are pruned by the rules in PRUNING below (lua/sweep/README.md "Pruning"); each rule
-- names its representative, and tests/sweep_spec.lua runs the model on every pruned case
-- and its representative and checks they have the same outcome. Pure Lua, no I/O.
local accept = require "model.accept"
local mstate = require "model.state"

local M = {}

-- The states of the sweep: the model's names plus variants the prefixes reach.
M.STATES = {
  "CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "ESTABLISHED-DATA-IN",
  "ESTABLISHED-DATA-OUT", "FIN-WAIT-1", "FIN-WAIT-2", "FIN-WAIT-2-ORPHAN", "CLOSE-WAIT",
  "CLOSING", "LAST-ACK", "TIME-WAIT",
}
M.FAMILIES = { "inet", "inet6" }

-- A variant's model state (the model has no notion of unread data or an orphan).
M.MODEL_STATE = {
  ["ESTABLISHED-DATA-IN"] = "ESTABLISHED", ["ESTABLISHED-DATA-OUT"] = "ESTABLISHED",
  ["FIN-WAIT-2-ORPHAN"] = "FIN-WAIT-2",
}
function M.model_state(s) return M.MODEL_STATE[s] or s end

local TWO31, TWO30, TWO20 = 1 << 31, 1 << 30, 1 << 20

-- Without a TCB (CLOSED, LISTEN) there are no edges: one raw value each. Fixed values
-- keep IDs stable; SYN-SENT has no RCV.NXT either (the harness's ISN is its own choice).
M.RAW_SEQ, M.RAW_ACK = 1000000, 2000000
local RAW_NONZERO = 0x5a5a5a5a

-- Sequence edges of RFC 9293 3.10.7.4's acceptability test: RCV.NXT, just below it,
-- inside the window, the last byte in it, its right edge, beyond, and 2^31 away (the far
-- side of the sequence space, RFC 9293 3.4 / 7323 5.2).
local SEQ_EDGES = {
  { "rcv_nxt", 0 }, { "rcv_nxt", -1 }, { "rcv_nxt", 1 }, { "rcv_wend", -1 },
  { "rcv_wend", 0 }, { "rcv_wend", 1 }, { "rcv_nxt", TWO31 },
}

-- States whose SND.UNA differs from SND.NXT (a SYN, data or FIN in flight), and the one
-- with data in flight (an ack strictly between the two exists).
local INFLIGHT = { ["SYN-SENT"] = true, ["SYN-RECEIVED"] = true, ["ESTABLISHED-DATA-OUT"] = true,
  ["FIN-WAIT-1"] = true, ["CLOSING"] = true, ["LAST-ACK"] = true }
local DATA_OUT = { ["ESTABLISHED-DATA-OUT"] = true }

-- Ack edges of 3.10.7.4 fifth step and RFC 5961 5.2: below SND.UNA, SND.UNA, between,
-- SND.NXT, beyond, far beyond (2^30), and below SND.UNA - MAX.SND.WND (2^20 back: beyond
-- any unscaled window). Only the edges distinct in the state are listed: with nothing in
-- flight SND.UNA = SND.NXT, so "snd_una" would repeat "snd_nxt".
local function ack_edges(st)
  local e = { { "snd_una", -1 } }
  if INFLIGHT[st] then e[#e + 1] = { "snd_una", 0 } end
  if DATA_OUT[st] then e[#e + 1] = { "snd_una", 1 } end
  for _, x in ipairs({ { "snd_nxt", 0 }, { "snd_nxt", 1 }, { "snd_nxt", TWO30 },
    { "snd_una", -TWO20 } }) do e[#e + 1] = x end
  return e
end

local UNSYNC = { CLOSED = true, LISTEN = true, ["SYN-SENT"] = true }
local NO_TCB = { CLOSED = true, LISTEN = true }

-- The 16 combinations of SYN, FIN, RST, ACK in a fixed order.
local BASE_FLAGS = {}
for m = 0, 15 do
  local f = ""
  if m & 1 ~= 0 then f = f .. "S" end
  if m & 2 ~= 0 then f = f .. "F" end
  if m & 4 ~= 0 then f = f .. "R" end
  if m & 8 ~= 0 then f = f .. "A" end
  BASE_FLAGS[#BASE_FLAGS + 1] = f
end
local LENS = { 0, 1, "mss" }

local NAMES = { { "S", "SYN" }, { "F", "FIN" }, { "R", "RST" }, { "A", "ACK" }, { "P", "PSH" },
  { "U", "URG" } }

-- "SYN+ACK", "FIN+ACK+data", "NONE": the class of one step.
function M.step_class(spec)
  local parts = {}
  for _, n in ipairs(NAMES) do
    if spec.flags:find(n[1], 1, true) then parts[#parts + 1] = n[2] end
  end
  if #parts == 0 then parts[1] = "NONE" end
  if spec.len ~= nil and spec.len ~= 0 then parts[#parts + 1] = "data" end
  return table.concat(parts, "+")
end

local function show_off(n)
  if n == 0 then return "" end
  local a, sign = math.abs(n), n < 0 and "-" or "+"
  for k = 16, 31 do if a == 1 << k then return sign .. "2^" .. k end end
  return sign .. a
end

local function show_edge(e)
  if e[1] == "raw" then return tostring(e[2]) end
  return e[1] .. show_off(e[2] or 0)
end

local function show_opts(opts)
  local out = {}
  for _, o in ipairs(opts or {}) do
    if o.mss then out[#out + 1] = "mss" .. o.mss end
    if o.ts then out[#out + 1] = "ts" .. show_off(o.ts.val[2] or 0) end
  end
  return table.concat(out, ",")
end

-- "SYN+ACK:seq=rcv_nxt+1:ack=snd_nxt:len=0[:opt=ts+1]": one step, readable and stable.
function M.step_id(spec)
  local s = ("%s:seq=%s:ack=%s:len=%s"):format(M.step_class(spec), show_edge(spec.seq),
    spec.ack and show_edge(spec.ack) or "0", tostring(spec.len or 0))
  if spec.opts then s = s .. ":opt=" .. show_opts(spec.opts) end
  if spec.up then s = s .. ":up=" .. spec.up end
  return s
end

-- A case from its steps: id "STATE/FAMILY/STEP[>STEP...]", class the step classes
-- joined by ">", group state .. " " .. class.
function M.make(st, family, steps)
  local ids, classes = {}, {}
  for i, s in ipairs(steps) do ids[i], classes[i] = M.step_id(s), M.step_class(s) end
  local class = table.concat(classes, ">")
  return { id = st .. "/" .. family .. "/" .. table.concat(ids, ">"), state = st,
    family = family, class = class, group = st .. " " .. class, steps = steps }
end

local function has(spec, letter) return spec.flags:find(letter, 1, true) ~= nil end
local function same_edge(a, b) return a[1] == b[1] and (a[2] or 0) == (b[2] or 0) end
local function copy(spec)
  local c = {}
  for k, v in pairs(spec) do c[k] = v end
  return c
end

-- Whether a single-step segment passes RFC 9293 3.10.7.4's sequence test, decided by the
-- model's own test (model.accept.seq) on a TCB with the edges' relations: RCV.NXT, and a
-- window wider than a full MSS, as every prefix leaves it (the outcome of the test on
-- these edges is the same for any RCV.WND > MSS + 2).
local CANON = { rcv_nxt = 1000, rcv_wnd = 20000, mss = 1460 }
function M.acceptable(spec)
  local seq = (spec.seq[1] == "rcv_wend" and CANON.rcv_nxt + CANON.rcv_wnd or CANON.rcv_nxt)
  seq = mstate.add(seq, spec.seq[2] or 0)
  local len = spec.len == "mss" and CANON.mss or (spec.len or 0)
  local seglen = len + (has(spec, "S") and 1 or 0) + (has(spec, "F") and 1 or 0)
  return (accept.seq(CANON, { seq = seq, seglen = seglen }))
end

local ACK_ZERO = { "raw", 0 }

-- The ack field of an ACK-less segment that is not zero: SND.NXT where there is one (the
-- value a stack that reads the field regardless would act on), else a fixed pattern.
local function nonzero_ack(st)
  if NO_TCB[st] then return { "raw", RAW_NONZERO } end
  return { "snd_nxt", 0 }
end

-- The pruning rules, in the order they are tried. Each: id, the text (also in
-- lua/sweep/README.md "Pruning"), and rep(spec, st) -> the representative spec when the
-- rule prunes spec in state st, else nil. The representative differs only in the field
-- the rule says is irrelevant, and tests/sweep_spec.lua checks the model's outcome is
-- the same for both under every target's knobs.
M.PRUNING = {
  {
    id = "ack_off",
    text = "ACK off: the model never reads SEG.ACK (RFC 9293 3.10.7: the field is only "
      .. "significant with ACK set). Keep ack=0 always and one non-zero value with no "
      .. "payload; any other value is represented by ack=0.",
    rep = function(spec, st)
      if has(spec, "A") then return nil end
      if same_edge(spec.ack, ACK_ZERO) then return nil end
      if same_edge(spec.ack, nonzero_ack(st)) and (spec.len or 0) == 0 then return nil end
      local r = copy(spec); r.ack = ACK_ZERO
      return r
    end,
  },
  {
    id = "unacceptable",
    text = "Synchronized states and SYN-RECEIVED: a segment failing the sequence test "
      .. "(3.10.7.4 first step) is answered by <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (or "
      .. "dropped, a RST) before its ACK field or text is read. Keep ack=snd_nxt and the "
      .. "smallest payload that fails at that seq.",
    rep = function(spec, st)
      if UNSYNC[st] or M.acceptable(spec) then return nil end
      local r = copy(spec)
      if has(spec, "A") then r.ack = { "snd_nxt", 0 } end
      for _, l in ipairs(LENS) do
        local t = copy(r); t.len = l
        if not M.acceptable(t) then r.len = l break end
      end
      if same_edge(r.ack, spec.ack) and r.len == spec.len then return nil end
      return r
    end,
  },
  {
    id = "rst_ack",
    text = "Synchronized states and SYN-RECEIVED: an acceptable RST is handled at the "
      .. "second step (RFC 5961 3.2 / 9293 3.10.7.4), before SEG.ACK is read. Keep "
      .. "ack=snd_nxt.",
    rep = function(spec, st)
      if UNSYNC[st] or not has(spec, "R") or not has(spec, "A") then return nil end
      if same_edge(spec.ack, { "snd_nxt", 0 }) then return nil end
      local r = copy(spec); r.ack = { "snd_nxt", 0 }
      return r
    end,
  },
}

-- The first rule that prunes spec in state st: rule, representative; nil if kept.
function M.pruned_by(spec, st)
  for _, rule in ipairs(M.PRUNING) do
    local r = rule.rep(spec, st)
    if r then return rule, r end
  end
  return nil
end

-- The full product of one-step segments for a state, before pruning: flags x seq x
-- ack x len. Without a TCB the sequence and ack axes have a single raw value.
function M.candidates(st)
  local seqs, acks
  if UNSYNC[st] then seqs = { { "raw", M.RAW_SEQ } } else seqs = SEQ_EDGES end
  if NO_TCB[st] then acks = { { "raw", M.RAW_ACK } } else acks = ack_edges(st) end
  local acks_off = { ACK_ZERO, nonzero_ack(st) }
  for _, a in ipairs(acks) do
    local dup = false
    for _, b in ipairs(acks_off) do dup = dup or same_edge(a, b) end
    if not dup then acks_off[#acks_off + 1] = a end
  end
  local out = {}
  for _, f in ipairs(BASE_FLAGS) do
    for _, seq in ipairs(seqs) do
      for _, a in ipairs(f:find("A", 1, true) and acks or acks_off) do
        for _, len in ipairs(LENS) do
          out[#out + 1] = { flags = f, seq = seq, ack = a, len = len }
        end
      end
    end
  end
  return out
end

-- The centre of a state: the segment a well-behaved peer would send next.
local function centre(st, flags, len)
  local seq = UNSYNC[st] and { "raw", M.RAW_SEQ } or { "rcv_nxt", 0 }
  local ack
  if not flags:find("A", 1, true) then ack = ACK_ZERO
  elseif NO_TCB[st] then ack = { "raw", M.RAW_ACK }
  else ack = { "snd_nxt", 0 } end
  return { flags = flags, seq = seq, ack = ack, len = len }
end

-- Options, at the centre only (coverage, not equivalence): a timestamp newer than
-- TS.Recent, one older (PAWS, RFC 7323 5.3), and an MSS option of 1 (on a non-SYN the
-- option is meaningless, RFC 9293 3.7.1: "only sent in the initial connection request").
local OPTS = {
  { { ts = { val = { "ts_recent", 1 }, ecr = { "ts_val", 0 } } } },
  { { ts = { val = { "ts_recent", -1 }, ecr = { "ts_val", 0 } } } },
  { { mss = 1 } },
}

-- PSH and URG change nothing in the model but PSH is what data usually carries; URG
-- signals urgent data (3.10.7.4 sixth step): at the centre, with and without text.
local function psh_urg(st)
  local out = {}
  for _, v in ipairs({ { "AP", 1 }, { "AP", "mss" }, { "AU", 1 }, { "AU", 0 } }) do
    local s = centre(st, v[1], v[2])
    if v[1]:find("U", 1, true) then s.up = 1 end
    out[#out + 1] = s
  end
  return out
end

local function S(flags, seq, ack, len) return { flags = flags, seq = seq, ack = ack, len = len or 0 } end
local NXT, UNA = { "snd_nxt", 0 }, { "snd_una", 0 }
local function R(n) return { "rcv_nxt", n } end

-- Sequences of 2-3 events where the first leaves the connection in a state, or with a
-- reply, that makes the next one matter (numbers are relative to the snapshot before the
-- case: a later step's rcv_nxt+1 is the byte after the first step's one byte).
local function sequences(st)
  local out = {}
  if st == "CLOSED" then return out end
  if st == "LISTEN" then
    local q, a = M.RAW_SEQ, { "raw", M.RAW_ACK }
    out[#out + 1] = { S("S", { "raw", q }, ACK_ZERO), S("R", { "raw", q + 1 }, ACK_ZERO) }
    out[#out + 1] = { S("S", { "raw", q }, ACK_ZERO), S("S", { "raw", q }, ACK_ZERO) }
    out[#out + 1] = { S("S", { "raw", q }, ACK_ZERO), S("A", { "raw", q + 1 }, a) }
    return out
  end
  if st == "SYN-SENT" then
    local q = M.RAW_SEQ
    out[#out + 1] = { S("S", { "raw", q }, ACK_ZERO), S("A", { "raw", q + 1 }, NXT) }
    out[#out + 1] = { S("A", { "raw", q }, UNA), S("SA", { "raw", q }, NXT) }
    out[#out + 1] = { S("SA", { "raw", q }, NXT), S("FA", { "raw", q + 1 }, NXT) }
    -- A crossing SYN with a timestamp, then an ACK whose TSval is older: after a SYN
    -- that offered timestamps the target holds TS.Recent and PAWS rejects the ACK (RFC
    -- 7323 5.3 R1: "send an acknowledgment ... and drop the segment"); a target whose
    -- SYN offered none ignores both TSvals (3.2) and the ACK completes the open. The
    -- same ACK at SEG.SEQ = IRS, below RCV.NXT: an old duplicate by both tests.
    for _, seq in ipairs({ q + 1, q }) do
      local syn, ack = S("S", { "raw", q }, ACK_ZERO), S("A", { "raw", seq }, NXT)
      syn.opts, ack.opts = OPTS[1], OPTS[2]
      out[#out + 1] = { syn, ack }
    end
    return out
  end
  -- An in-window RST gets a challenge ACK; the exact one that follows resets (5961 3.2).
  out[#out + 1] = { S("R", R(1), ACK_ZERO), S("R", R(0), ACK_ZERO) }
  out[#out + 1] = { S("R", R(1), ACK_ZERO), S("R", R(1), ACK_ZERO), S("R", R(0), ACK_ZERO) }
  -- A SYN gets a challenge ACK; a RST at the RCV.NXT it announced then resets (5961 4.2).
  out[#out + 1] = { S("S", R(0), ACK_ZERO), S("R", R(0), ACK_ZERO) }
  -- Data then FIN, in order; out of order then the hole filled; FIN then data after it;
  -- a FIN retransmitted.
  out[#out + 1] = { S("A", R(0), NXT, 1), S("FA", R(1), NXT) }
  out[#out + 1] = { S("A", R(1), NXT, 1), S("A", R(0), NXT, 1) }
  out[#out + 1] = { S("FA", R(0), NXT), S("A", R(1), NXT, 1) }
  out[#out + 1] = { S("FA", R(0), NXT), S("FA", R(0), NXT) }
  -- An old ACK (RFC 5961 5.2 discards it with an ACK), then a good one.
  out[#out + 1] = { S("A", R(0), { "snd_una", -TWO20 }), S("A", R(0), NXT) }
  if st == "TIME-WAIT" then
    -- A SYN after a challenge ACK: the RST is challenged (or ignored, RFC 1337), then
    -- a new SYN may reopen (RFC 6191 2 / 1122 4.2.2.13).
    out[#out + 1] = { S("R", R(1), ACK_ZERO), S("S", R(1), ACK_ZERO) }
    out[#out + 1] = { S("SA", R(0), NXT), S("S", R(1), ACK_ZERO) }
  end
  if DATA_OUT[st] then
    out[#out + 1] = { S("A", R(0), { "snd_una", 1 }), S("A", R(0), NXT) }
  end
  return out
end

local function check_args(a)
  if type(a) ~= "table" then error("sweep.cases.enumerate: expected a table {state=, family=, knobs=}", 3) end
  local known = {}
  for _, s in ipairs(M.STATES) do known[s] = true end
  if a.state ~= nil and not known[a.state] then
    error(("sweep.cases.enumerate state: expected one of %s, got %s"):format(
      table.concat(M.STATES, ", "), tostring(a.state)), 3)
  end
  if a.family ~= nil and a.family ~= "inet" and a.family ~= "inet6" then
    error(("sweep.cases.enumerate family: expected \"inet\" or \"inet6\", got %s"):format(
      tostring(a.family)), 3)
  end
end

-- The one-step cases kept for a state (the candidates no pruning rule removes), then
-- options, PSH/URG and the sequences.
local function state_steps(st)
  local out = {}
  for _, spec in ipairs(M.candidates(st)) do
    if not M.pruned_by(spec, st) then out[#out + 1] = { spec } end
  end
  for _, f in ipairs(BASE_FLAGS) do
    for _, o in ipairs(OPTS) do
      local s = centre(st, f, 0)
      s.opts = o
      out[#out + 1] = { s }
    end
  end
  for _, s in ipairs(psh_urg(st)) do out[#out + 1] = { s } end
  for _, seq in ipairs(sequences(st)) do out[#out + 1] = seq end
  return out
end

-- Returns the cases for a.state (nil: every state) and a.family (nil: both), in a fixed
-- order: states in M.STATES order, families inet then inet6, then the order above. The
-- cases do not depend on a.knobs: every pruning rule holds under every knob value the
-- tests try (tests/sweep_spec.lua), so the same IDs exist on every target.
function M.enumerate(a)
  check_args(a)
  local out = {}
  for _, st in ipairs(M.STATES) do
    if a.state == nil or a.state == st then
      local steps = state_steps(st)
      for _, fam in ipairs(M.FAMILIES) do
        if a.family == nil or a.family == fam then
          for _, s in ipairs(steps) do out[#out + 1] = M.make(st, fam, s) end
        end
      end
    end
  end
  return out
end

return M
