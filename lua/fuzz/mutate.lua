-- fuzz.mutate: generation and mutation of programs from a seed (issue 11 item 2). The
-- generator is splitmix64 in Lua integers (wrapping modulo 2^64); shard k of a campaign
-- draws from seed space k (its state starts at seed ~ k * golden ratio), so shards never
-- repeat each other. Seeds are the sweep's own cases (sweep.cases.enumerate, every
-- state), turned into programs; mutations change a field to an interesting value (the
-- edges of RFC 9293 3.10.7's tests: RCV.NXT +-1, the window's edges, 2^31 away,
-- SND.UNA - 2^20 ...) or a random one, insert, delete, duplicate, reorder or splice
-- steps, or cross two corpus entries. seq/ack stay edges of the connection, so a
-- mutated step still tracks it (fuzz.plan). Pure Lua, no I/O.
local cases = require "sweep.cases"
local program = require "fuzz.program"

local M = {}

local R = {}
R.__index = R

-- A generator for (seed, shard k): deterministic.
function M.rng(seed, k)
  return setmetatable({s = (seed or 0) ~ ((k or 1) * -7046029254386353131)}, R)
end

-- The next 64-bit value (splitmix64).
function R:next64()
  self.s = self.s + -7046029254386353131     -- 0x9e3779b97f4a7c15
  local z = self.s
  z = (z ~ (z >> 30)) * -4658895280553007687  -- 0xbf58476d1ce4e5b9
  z = (z ~ (z >> 27)) * -7723592293110705685  -- 0x94d049bb133111eb
  return z ~ (z >> 31)
end

-- 1..n.
function R:int(n) return ((self:next64() >> 1) % n) + 1 end
function R:pick(t) return t[self:int(#t)] end
function R:chance(p) return (self:next64() >> 11) / 9007199254740992.0 < p end

local TWO31, TWO30, TWO20 = 1 << 31, 1 << 30, 1 << 20
M.SEQ = {{"rcv_nxt", 0}, {"rcv_nxt", -1}, {"rcv_nxt", 1}, {"rcv_wend", -1}, {"rcv_wend", 0},
  {"rcv_wend", 1}, {"rcv_nxt", TWO31}, {"rcv_nxt", -TWO20}, {"rcv_nxt", 100}}
M.ACK = {{"snd_una", -1}, {"snd_una", 0}, {"snd_una", 1}, {"snd_nxt", 0}, {"snd_nxt", 1},
  {"snd_nxt", TWO30}, {"snd_una", -TWO20}, {"snd_nxt", TWO31}}
M.FLAGS = {"A", "PA", "R", "RA", "S", "SA", "F", "FA", "FPA", "", "SF", "SR", "RF", "UA", "UPA", "SFRAPU"}
M.WINS = {0, 1, 512, 65535, 32768}
M.LENS = {0, 1, 100, "mss", 536}
M.OPTS = {{mss = 1460}, {mss = 0}, {mss = 536}, {wscale = 7}, {wscale = 14}, {wscale = 255},
  {sackok = true}, {nop = true}, {eol = true}, {ts = {val = {"raw", 1}, ecr = {"raw", 0}}},
  {raw = "0402"}, {raw = "0202"}, {raw = "08"}, {raw = "1e0401020304"}, {raw = "ff00"},
  {raw = "0200"}, {raw = "fe0401020304"}}
M.IP = {{ttl = 1}, {ttl = 0}, {tos = 3}, {tos = 0xb8}, {df = false}, {bad_csum = true}}
-- The IP layer's shape (fuzz.program's header): fragment sizes from the smallest (8: the
-- TCP header whole in the first, then 8-byte pieces) to the largest the form allows;
-- payloads only fragments carry; IPv6 extension headers, two that discard.
M.FRAGS = {8, 16, 64, 512, 1024, program.MAX_FRAG}
M.BIG_LENS = {1500, 3000, program.MAX_FRAG_LEN}
M.EXT = {{"hbh"}, {"dst"}, {"hbh", "dst"}, {"dst", "dst"}, {"hbh", "dst", "dst"},
  {"dst_discard"}, {"hbh_discard"}}
-- How often a field mutation of the IP layer changes its shape rather than a header
-- field: fragments and extension headers cost frames, and a segment that never arrives
-- costs its whole window of silence, so the campaign's rate must not notice them.
M.WIRE_RATE = 0.15
M.LOST_RATE = 0.1
-- At most this many fragments a segment: 1460 bytes in 8-byte fragments would be 183
-- frames for one step, and the link's time is the campaign's rate. A mutant's fragment
-- size doubles until its segment fits (fit_frags).
M.MAX_FRAGS = 24
M.CALLS = {{call = "send", args = {len = 100}}, {call = "send", args = {len = 3000}},
  {call = "recv", args = {max = 1000}}, {call = "shutdown", args = {how = "wr"}},
  {call = "shutdown", args = {how = "rd"}}, {call = "close", args = {}},
  {call = "setsockopt", args = {name = "so_linger", value = 1}},
  {call = "setsockopt", args = {name = "so_keepalive", value = 1}},
  {call = "setsockopt", args = {name = "tcp_nodelay", value = 1}},
  {call = "listen", args = {}}, {call = "connect", args = {}}}

-- The sweep's cases of the given states and families as programs (their steps are
-- already edges of the snapshot; the first step of each is relative to the prefix).
function M.seeds(states, families, knobs)
  local out = {}
  for _, st in ipairs(states) do
    for _, fam in ipairs(families) do
      for _, c in ipairs(cases.enumerate{state = st, family = fam, knobs = knobs}) do
        local steps = {}
        for i, s in ipairs(c.steps) do
          steps[i] = {seg = {flags = s.flags, seq = program.copy(s.seq), ack = program.copy(s.ack),
            len = s.len ~= 0 and s.len or nil, win = s.win, up = s.up, opts = program.copy(s.opts)}}
        end
        out[#out + 1] = {start = {state = st, family = fam}, steps = steps}
      end
    end
  end
  return out
end

local function rand_seg(r)
  local flags = r:pick(M.FLAGS)
  local s = {flags = flags, seq = program.copy(r:pick(M.SEQ))}
  if flags:find("A", 1, true) or r:chance(0.1) then s.ack = program.copy(r:pick(M.ACK)) end
  if r:chance(0.3) then s.len = r:pick(M.LENS) end
  return {seg = s}
end

local function fix_ack(s)
  if s.flags:find("A", 1, true) and not s.ack then s.ack = {"snd_nxt", 0} end
end

local function opt_bytes(opts)
  local n = 0
  for _, o in ipairs(opts or {}) do n = n + program.opt_bytes(o) end
  return n
end

-- The IP layer's shape of seg step s: fragments (sometimes above the MSS, in reverse,
-- or one left out) or, on inet6, extension headers.
local function mutate_wire(r, s, family)
  local ip = s.ip or {}
  s.ip = ip
  if family == "inet6" and r:chance(0.4) then
    local e = program.copy(r:pick(M.EXT))
    if (e[1] == "dst_discard" or e[1] == "hbh_discard") and not r:chance(M.LOST_RATE) then e = {"hbh", "dst"} end
    ip.ext = e
    -- Unfragmented, the headers would not fit beside an MSS-sized payload.
    if s.len == "mss" and not ip.frag then ip.frag = program.MAX_FRAG end
    return
  end
  ip.frag = r:pick(M.FRAGS)
  if r:chance(0.5) then s.len, s.data = r:pick(M.BIG_LENS), nil end
  -- Not hundreds of 8-byte fragments for one segment above the MSS: the link's time is
  -- the campaign's rate (and targets/lwip/target.lua's fragment-count keys rely on it).
  if type(s.len) == "number" and s.len > program.MAX_LEN and ip.frag < 512 then ip.frag = 512 end
  if r:chance(0.3) then ip.frag_order = "reverse" end
  if r:chance(M.LOST_RATE * 0.5) then ip.frag_drop = r:chance(0.5) and "first" or "last" end
end

-- One field of a seg step to an interesting or random value.
local function mutate_field(r, s, family)
  local k = r:int(10)
  if k == 1 then s.flags = r:pick(M.FLAGS); fix_ack(s)
  elseif k == 2 then s.seq = program.copy(r:pick(M.SEQ))
  elseif k == 3 then s.seq = {s.seq[1], (s.seq[2] or 0) + r:int(2001) - 1001}
  elseif k == 4 then s.ack = program.copy(r:pick(M.ACK)); if r:chance(0.3) then s.ack[2] = s.ack[2] + r:int(201) - 101 end
  elseif k == 5 then s.win = r:chance(0.5) and r:pick(M.WINS) or (r:int(65536) - 1)
  elseif k == 6 then s.len = r:pick(M.LENS); s.data = nil; if s.len == 0 then s.len = nil end
  elseif k == 7 then
    s.opts = s.opts or {}
    local o = program.copy(r:pick(M.OPTS))
    if opt_bytes(s.opts) + program.opt_bytes(o) <= 40 then s.opts[#s.opts + 1] = o end
  elseif k == 8 then
    if r:chance(M.WIRE_RATE) then mutate_wire(r, s, family) else s.ip = program.copy(r:pick(M.IP)) end
  elseif k == 9 then
    s.up = r:chance(0.5) and (r:int(65536) - 1) or 1
    if not s.flags:find("U", 1, true) and r:chance(0.7) then s.flags = s.flags .. "U" end
  else
    local n = r:int(16)
    local b = {}
    for i = 1, n do b[i] = ("%02x"):format(r:int(256) - 1) end
    s.data, s.len = table.concat(b), nil
  end
end

-- Raises the fragment size of q's fragmented steps until each takes at most
-- M.MAX_FRAGS fragments (its payload, "mss" as 1460, and up to 60 header bytes).
local function fit_frags(q)
  for _, st in ipairs(q.steps) do
    local s = st.seg
    local ip = s and s.ip
    if ip and ip.frag then
      local n = (s.len == "mss" and 1460 or s.len or (s.data and #s.data // 2) or 0) + 60
      while n > ip.frag * M.MAX_FRAGS and ip.frag * 2 <= program.MAX_FRAG do ip.frag = ip.frag * 2 end
    end
  end
end

-- A mutant of program p (a copy; p is not changed), `other` an entry to cross with.
function M.mutate(r, p, other)
  local q = program.copy(p)
  local steps = q.steps
  local rounds = r:int(3)
  for _ = 1, rounds do
    local k = r:int(10)
    local i = r:int(#steps)
    if k <= 4 and steps[i].seg then mutate_field(r, steps[i].seg, q.start.family)
    elseif k == 5 and #steps < program.MAX_STEPS then
      table.insert(steps, r:int(#steps + 1), r:chance(0.8) and rand_seg(r) or
        (r:chance(0.7) and program.copy(r:pick(M.CALLS)) or {delay = r:pick{5, 20, 50}}))
    elseif k == 6 and #steps > 1 then table.remove(steps, i)
    elseif k == 7 and #steps < program.MAX_STEPS then table.insert(steps, i, program.copy(steps[i]))
    elseif k == 8 and #steps > 1 then
      local j = r:int(#steps)
      steps[i], steps[j] = steps[j], steps[i]
    elseif k == 9 and other then
      -- splice: the head of p, the tail of other
      local j = r:int(#other.steps)
      local out = {}
      for x = 1, i do out[#out + 1] = steps[x] end
      for x = j, #other.steps do
        if #out < program.MAX_STEPS then out[#out + 1] = program.copy(other.steps[x]) end
      end
      q.steps, steps = out, out
    elseif k == 10 and other then
      -- cross: other's steps from p's start
      q.steps = program.copy(other.steps)
      steps = q.steps
    elseif steps[i].seg then
      mutate_field(r, steps[i].seg, q.start.family)
    end
  end
  fit_frags(q)
  local ok = pcall(program.check, q)
  if not ok then return program.copy(p) end
  return q
end

return M
