-- fuzz.program: a fuzz case as data (issue 11 item 2), its checks, its canonical text
-- and its id. A program starts in a state a sweep prefix reaches, then runs up to
-- MAX_STEPS steps:
--
--   { start = {state = "TIME-WAIT", family = "inet"},
--     steps = { {seg = {flags = "RA", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0},
--                       win = 0, up = 0, len = 0 | n | "mss", data = "<hex>",
--                       opts = { {mss = 1460} | {ts = {val = TSEDGE, ecr = TSEDGE}} |
--                                {wscale = n} | {sackok = true} | {nop = true} |
--                                {eol = true} | {raw = "<hex: kind, length, data>"} },
--                       ip = {ttl = n, tos = n, df = bool, bad_csum = true,
--                             frag = n, frag_order = "reverse", frag_drop = "first" | "last",
--                             ext = {"hbh" | "dst" | "hbh_discard" | "dst_discard", ...}}}},
--               {call = "send" | "recv" | "shutdown" | "close" | "setsockopt" |
--                       "listen" | "connect", args = {...}},
--               {delay = ms} } }
--
-- seq/ack are an edge of the connection and an offset ({"rcv_nxt", -1}, the sweep's
-- form) or {"raw", n}; edges are evaluated against the model's TCB before the step
-- (fuzz.plan), so a program keeps tracking the connection. A TSEDGE is {"ts_recent", n},
-- {"ts_val", n} or {"raw", n}.
--
-- The IP layer of a seg step (c:send's options of the same names, lua/README.md;
-- harness/packet/frame_frag.c): `frag = n` sends the segment as IP fragments of n bytes
-- (a multiple of 8, 8..MAX_FRAG; RFC 791 3.2, RFC 8200 4.5; the first fragment always
-- holds the whole TCP header), in order or with `frag_order = "reverse"` last first;
-- `frag_drop` leaves the first or the last fragment out, so the segment never arrives
-- (the model has no such step: fuzz.plan judges no further, as for bad_csum). Only a
-- fragmented segment may be longer than the link's MSS: len or data up to MAX_FRAG_LEN
-- bytes (a datagram of 4096 bytes is 3 fragments of MAX_FRAG, or 520 of 8); unfragmented
-- it stays within 1440 (the IPv6 MSS of the lab links' MTU of 1500). `ext` (inet6
-- only) lists IPv6 extension headers before TCP, 8 bytes each: "hbh" Hop-by-Hop Options
-- (first only, RFC 8200 4.3) and "dst" Destination Options, padded with PadN, which a
-- stack skips (RFC 8200 4); "hbh_discard" / "dst_discard" carry an unknown option whose
-- type's high bits 01 say "discard" (RFC 8200 4.2), so the segment never arrives either.
-- Unfragmented, the headers take room from the payload: len = "mss" is refused with
-- ext and a numeric len must fit beside them and the options.
-- Pure Lua, no I/O.
local json = require "fuzz.json"
local cases = require "sweep.cases"
local prefix = require "sweep.prefix"

local M = {}

M.MAX_STEPS = 6
M.MAX_DELAY = 200   -- ms: a delay is there to let a timer run, not to wait out a test
M.EDGES = {rcv_nxt = true, rcv_wend = true, snd_una = true, snd_nxt = true, raw = true}
-- A timestamp's value is relative to the timestamps of the connection (the sweep's cases
-- send TS.Recent +-1 and echo the target's newest TSval, sweep.cases OPTS; RFC 7323 5.3)
-- or raw; fuzz.plan resolves them through sweep.materialize with its fallback when the
-- connection negotiated none.
M.TS_EDGES = {ts_recent = true, ts_val = true, raw = true}
M.CALLS = {send = true, recv = true, shutdown = true, close = true, setsockopt = true,
  listen = true, connect = true}
M.SOCKOPTS = {so_linger = true, so_keepalive = true, tcp_nodelay = true}
local SEG_KEYS = {flags = true, seq = true, ack = true, win = true, up = true, len = true,
  data = true, opts = true, ip = true}
local IP_KEYS = {ttl = true, tos = true, df = true, bad_csum = true, frag = true,
  frag_order = true, frag_drop = true, ext = true}
M.MAX_FRAG = 1232        -- the IPv6 minimum MTU less its header and a Fragment header
M.MAX_FRAG_LEN = 4096
M.MAX_LEN = 1440         -- unfragmented: the lab links' IPv6 MSS
M.EXTS = {hbh = true, dst = true, hbh_discard = true, dst_discard = true}
M.MAX_EXT = 3
local U32 = 4294967296

local function bad(where, msg) error(("fuzz program %s: %s"):format(where, msg), 0) end

local function int_in(v, lo, hi) return math.type(v) == "integer" and v >= lo and v <= hi end

local function check_edge(e, where, edges)
  edges = edges or M.EDGES
  if type(e) ~= "table" or not edges[e[1]] or not int_in(e[2] or 0, -U32, U32) then
    local names = {}
    for k in pairs(edges) do names[#names + 1] = k end
    table.sort(names)
    bad(where, ("expected {EDGE, offset} with EDGE one of %s, got %s"):format(
      table.concat(names, ", "), type(e) == "table" and json.encode(e) or tostring(e)))
  end
end

local function check_hex(s, where, maxbytes)
  if type(s) ~= "string" or #s % 2 ~= 0 or s:find("[^%x]") or #s // 2 > maxbytes then
    bad(where, ("expected an even number of hex digits (at most %d bytes), got %s")
      :format(maxbytes, tostring(s)))
  end
end

local function check_opt(o, where)
  if type(o) ~= "table" then bad(where, "expected an option table") end
  local k = next(o)
  if k == nil or next(o, k) ~= nil then bad(where, "expected exactly one option key") end
  if k == "mss" then
    if not int_in(o.mss, 0, 65535) then bad(where .. ".mss", "expected 0..65535") end
  elseif k == "wscale" then
    if not int_in(o.wscale, 0, 255) then bad(where .. ".wscale", "expected 0..255") end
  elseif k == "ts" then
    if type(o.ts) ~= "table" then bad(where .. ".ts", "expected {val =, ecr =}") end
    check_edge(o.ts.val, where .. ".ts.val", M.TS_EDGES)
    check_edge(o.ts.ecr or {"raw", 0}, where .. ".ts.ecr", M.TS_EDGES)
  elseif k == "sackok" or k == "nop" or k == "eol" then
    if o[k] ~= true then bad(where .. "." .. k, "expected true") end
  elseif k == "raw" then
    check_hex(o.raw, where .. ".raw", 40)
    if #o.raw < 2 then bad(where .. ".raw", "expected at least the kind byte") end
  else
    bad(where, ("unknown option %q (mss, wscale, ts, sackok, nop, eol, raw)"):format(k))
  end
end

-- The bytes option o takes on the wire (RFC 9293 3.2; RFC 7323 2.2, 3.2; RFC 2018 2).
function M.opt_bytes(o)
  if o.mss then return 4 elseif o.wscale then return 3 elseif o.ts then return 10
  elseif o.sackok then return 2 elseif o.raw then return #o.raw // 2 end
  return 1
end

-- The ip table of a seg step (the header comment says what each key does).
local function check_ip(ip, where, family)
  if type(ip) ~= "table" then bad(where, "expected a table") end
  for k in pairs(ip) do
    if not IP_KEYS[k] then
      bad(where, ("unknown field %q (ttl, tos, df, bad_csum, frag, frag_order, frag_drop, ext)")
        :format(tostring(k)))
    end
  end
  if ip.ttl ~= nil and not int_in(ip.ttl, 0, 255) then bad(where .. ".ttl", "expected 0..255") end
  if ip.tos ~= nil and not int_in(ip.tos, 0, 255) then bad(where .. ".tos", "expected 0..255") end
  if ip.df ~= nil and type(ip.df) ~= "boolean" then bad(where .. ".df", "expected a boolean") end
  if ip.bad_csum ~= nil and ip.bad_csum ~= true then bad(where .. ".bad_csum", "expected true") end
  if ip.frag ~= nil and not (int_in(ip.frag, 8, M.MAX_FRAG) and ip.frag % 8 == 0) then
    bad(where .. ".frag", ("expected a multiple of 8 in 8..%d (RFC 791 3.1, RFC 8200 4.5), got %s")
      :format(M.MAX_FRAG, tostring(ip.frag)))
  end
  if ip.frag_order ~= nil and ip.frag_order ~= "reverse" then
    bad(where .. ".frag_order", ("expected \"reverse\" (in order is the default), got %s"):format(tostring(ip.frag_order)))
  end
  if ip.frag_drop ~= nil and ip.frag_drop ~= "first" and ip.frag_drop ~= "last" then
    bad(where .. ".frag_drop", ("expected \"first\" or \"last\", got %s"):format(tostring(ip.frag_drop)))
  end
  if (ip.frag_order or ip.frag_drop) and not ip.frag then
    bad(where .. (ip.frag_order and ".frag_order" or ".frag_drop"), "expected frag = n with it, got no frag")
  end
  if ip.ext ~= nil then
    if family ~= "inet6" then
      bad(where .. ".ext", ("expected IPv6 extension headers on an inet6 program only, got family %s"):format(tostring(family)))
    end
    if type(ip.ext) ~= "table" or #ip.ext < 1 or #ip.ext > M.MAX_EXT then
      bad(where .. ".ext", ("expected a list of 1..%d header names"):format(M.MAX_EXT))
    end
    for i, e in ipairs(ip.ext) do
      if not M.EXTS[e] then
        bad(("%s.ext[%d]"):format(where, i), ("expected hbh, dst, hbh_discard or dst_discard, got %s"):format(tostring(e)))
      end
      -- RFC 8200 4.3: the Hop-by-Hop header only immediately after the IPv6 header.
      if i > 1 and e:sub(1, 3) == "hbh" then
        bad(("%s.ext[%d]"):format(where, i), ("expected a Hop-by-Hop header only first (RFC 8200 4.3), got %s at %d"):format(e, i))
      end
    end
  end
end

-- Whether a seg step's segment never reaches TCP on purpose: a fragment left out, or an
-- extension header whose option says "discard" (RFC 8200 4.2).
function M.lost(s)
  local ip = s.ip
  if not ip then return false end
  if ip.frag_drop then return true end
  for _, e in ipairs(ip.ext or {}) do
    if e == "hbh_discard" or e == "dst_discard" then return true end
  end
  return false
end

local function check_seg(s, where, family)
  if type(s) ~= "table" then bad(where, "expected a table") end
  for k in pairs(s) do
    if not SEG_KEYS[k] then bad(where, ("unknown field %q"):format(tostring(k))) end
  end
  if type(s.flags) ~= "string" or s.flags:find("[^SFRAPU]") then
    bad(where .. ".flags", ("expected letters of S F R A P U, got %s"):format(tostring(s.flags)))
  end
  for ch in s.flags:gmatch(".") do
    local _, n = s.flags:gsub(ch, "")
    if n > 1 then bad(where .. ".flags", ("%q twice in %q"):format(ch, s.flags)) end
  end
  check_edge(s.seq, where .. ".seq")
  if s.ack ~= nil then check_edge(s.ack, where .. ".ack")
  elseif s.flags:find("A", 1, true) then bad(where .. ".ack", "required with the ACK bit") end
  if s.win ~= nil and not int_in(s.win, 0, 65535) then bad(where .. ".win", "expected 0..65535") end
  if s.up ~= nil and not int_in(s.up, 0, 65535) then bad(where .. ".up", "expected 0..65535") end
  if s.ip ~= nil then check_ip(s.ip, where .. ".ip", family) end
  local frag = s.ip and s.ip.frag
  -- Above the MSS only as fragments: a frame must fit the link (lua/README.md, c:send).
  local maxlen = frag and M.MAX_FRAG_LEN or M.MAX_LEN
  if s.len ~= nil and s.len ~= "mss" and not int_in(s.len, 0, maxlen) then
    bad(where .. ".len", ("expected 0..%d or \"mss\"%s, got %s"):format(maxlen,
      frag and "" or (" (up to %d with ip.frag)"):format(M.MAX_FRAG_LEN), tostring(s.len)))
  end
  if s.data ~= nil then
    check_hex(s.data, where .. ".data", maxlen)
    if s.len ~= nil then bad(where, "len and data are exclusive") end
  end
  if s.opts ~= nil then
    if type(s.opts) ~= "table" or #s.opts > 12 then bad(where .. ".opts", "expected a list (at most 12)") end
    local bytes = 0
    for i, o in ipairs(s.opts) do
      check_opt(o, ("%s.opts[%d]"):format(where, i))
      bytes = bytes + M.opt_bytes(o)
    end
    -- RFC 9293 3.1: the data offset counts 32-bit words, at most 15: 40 bytes of options.
    if bytes > 40 then bad(where .. ".opts", ("%d bytes of options, at most 40 fit"):format(bytes)) end
  end
  -- Unfragmented extension headers share the frame with the payload: 8 bytes each, and
  -- the options padded to 4 (RFC 9293 3.1), behind the lab links' IPv6 MSS.
  local ext = s.ip and s.ip.ext
  if ext and not frag then
    if s.len == "mss" then
      bad(where .. ".len", "expected a number with ip.ext and no ip.frag (the headers take room from the MSS), got \"mss\"")
    end
    local obytes = 0
    for _, o in ipairs(s.opts or {}) do obytes = obytes + M.opt_bytes(o) end
    local room = M.MAX_LEN - 8 * #ext - (obytes + 3) // 4 * 4
    local len = s.data and #s.data // 2 or s.len or 0
    if len > room then
      bad(where .. ".len", ("expected at most %d bytes beside %d extension headers and %d option bytes, got %d (or add ip.frag)")
        :format(room, #ext, obytes, len))
    end
  end
end

local function check_call(st, where)
  local a = st.args or {}
  if type(a) ~= "table" then bad(where .. ".args", "expected a table") end
  local c = st.call
  if not M.CALLS[c] then
    bad(where .. ".call", ("expected one of send, recv, shutdown, close, setsockopt, listen, "
      .. "connect, got %s"):format(tostring(c)))
  end
  if c == "send" and not int_in(a.len or 1, 1, 65536) then bad(where .. ".args.len", "expected 1..65536") end
  if c == "recv" and not int_in(a.max or 1, 1, 65536) then bad(where .. ".args.max", "expected 1..65536") end
  if c == "shutdown" and not (a.how == "rd" or a.how == "wr" or a.how == "rdwr") then
    bad(where .. ".args.how", "expected rd, wr or rdwr")
  end
  if c == "setsockopt" then
    if not M.SOCKOPTS[a.name] then bad(where .. ".args.name", "expected so_linger, so_keepalive or tcp_nodelay") end
    if not int_in(a.value, 0, 1) then bad(where .. ".args.value", "expected 0 or 1") end
  end
end

-- Raises "fuzz program FIELD: ..." naming the first field that is wrong; returns p.
function M.check(p)
  if type(p) ~= "table" then bad("", "expected a table, got " .. type(p)) end
  if type(p.start) ~= "table" or not prefix.agent_state(p.start.state) then
    bad("start.state", ("expected a sweep state, got %s"):format(
      tostring(type(p.start) == "table" and p.start.state)))
  end
  if p.start.family ~= "inet" and p.start.family ~= "inet6" then
    bad("start.family", ("expected inet or inet6, got %s"):format(tostring(p.start.family)))
  end
  if type(p.steps) ~= "table" or #p.steps < 1 or #p.steps > M.MAX_STEPS then
    bad("steps", ("expected 1..%d steps"):format(M.MAX_STEPS))
  end
  for i, st in ipairs(p.steps) do
    local where = ("steps[%d]"):format(i)
    if type(st) ~= "table" then bad(where, "expected a table") end
    if st.seg ~= nil then check_seg(st.seg, where .. ".seg", p.start.family)
    elseif st.call ~= nil then check_call(st, where)
    elseif st.delay ~= nil then
      if not int_in(st.delay, 1, M.MAX_DELAY) then bad(where .. ".delay", ("expected 1..%d ms"):format(M.MAX_DELAY)) end
    else
      bad(where, "expected one of seg, call, delay")
    end
  end
  return p
end

-- A deep copy (programs are mutated on copies only).
function M.copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = M.copy(x) end
  return t
end

-- The canonical JSON text (sorted keys): equal programs, equal texts.
function M.encode(p)
  return json.encode(p)
end

-- The program of a JSON text (a corpus file, a finding's case), checked.
function M.decode(text)
  local ok, v = pcall(json.decode, text)
  if not ok then error("fuzz program: " .. tostring(v), 0) end
  return M.check(v)
end

-- 64-bit FNV-1a of a string as 16 hex digits (Lua integers wrap modulo 2^64).
function M.hash(s)
  local h, P = -3750763034362895579, 1099511628211   -- 0xcbf29ce484222325, the FNV prime
  local byte, n = string.byte, #s
  local i = 1
  -- Eight bytes a call, no table: this runs over every program's text.
  while i + 7 <= n do
    local b1, b2, b3, b4, b5, b6, b7, b8 = byte(s, i, i + 7)
    h = (((((((((((((((h ~ b1) * P) ~ b2) * P) ~ b3) * P) ~ b4) * P) ~ b5) * P) ~ b6) * P)
      ~ b7) * P) ~ b8) * P
    i = i + 8
  end
  for j = i, n do h = (h ~ byte(s, j)) * P end
  return ("%016x"):format(h)
end

-- The stable id of a program: the hash of its canonical text.
-- Programs are never changed once made (mutation and minimisation work on copies), so
-- a program's id and a step's event class are computed once (weak tables: a campaign
-- makes millions of programs).
local ids = setmetatable({}, {__mode = "k"})
-- The text the last id was computed from, for M.text: the corpus names an entry by its
-- id and writes its text just after (one encoding, not two).
local last_p, last_text
function M.id(p)
  local id = ids[p]
  if not id then
    local text = M.encode(p)
    id = M.hash(text)
    ids[p] = id
    last_p, last_text = p, text
  end
  return id
end

-- M.encode(p), from M.id's last encoding when that was p's.
function M.text(p)
  if p == last_p then return last_text end
  return M.encode(p)
end

-- The sweep's form of a seg step (sweep.cases.step_id / step_class), options reduced to
-- the ones the sweep names.
local function sweep_spec(s)
  local o
  for _, x in ipairs(s.opts or {}) do
    if x.mss or x.ts then o = o or {}; o[#o + 1] = x end
  end
  return {flags = s.flags, seq = s.seq, ack = s.ack, len = s.data and #s.data // 2 or s.len,
    up = s.up, opts = o}
end
M.sweep_spec = sweep_spec

-- "RST+ACK:seq=rcv_nxt:ack=snd_nxt:len=0" (the sweep's step id, so the targets'
-- sweep_deviations globs apply), then what the sweep does not vary: ":xopt=raw1e,wscale",
-- ":ip=ttl1", ":csum=bad"; "call:shutdown(wr)", "delay:20".
function M.step_id(st)
  if st.delay then return "delay:" .. st.delay end
  if st.call then
    local a = st.args or {}
    local arg = a.how or a.name or (a.len and tostring(a.len)) or ""
    return ("call:%s(%s)"):format(st.call, arg)
  end
  local s = st.seg
  local id = cases.step_id(sweep_spec(s))
  local x = {}
  for _, o in ipairs(s.opts or {}) do
    if o.raw then x[#x + 1] = "raw" .. o.raw:sub(1, 2)
    elseif not (o.mss or o.ts) then x[#x + 1] = next(o) end
  end
  if #x > 0 then id = id .. ":xopt=" .. table.concat(x, ",") end
  local ip = s.ip or {}
  if ip.ttl then id = id .. ":ttl=" .. ip.ttl end
  if ip.tos then id = id .. ":tos=" .. ip.tos end
  if ip.df == false then id = id .. ":nodf" end
  if ip.bad_csum then id = id .. ":csum=bad" end
  -- The IP layer's shape: ":frag=16", ":frag=16:rev", ":frag=16:drop=last", ":ext=hbh,dst".
  if ip.frag then id = id .. ":frag=" .. ip.frag end
  if ip.frag_order == "reverse" then id = id .. ":rev" end
  if ip.frag_drop then id = id .. ":drop=" .. ip.frag_drop end
  if ip.ext then id = id .. ":ext=" .. table.concat(ip.ext, ",") end
  -- A window below what a prefix has in flight (100 bytes) changes what the target may
  -- send (RFC 9293 3.8.6.2.1: within the offered window): the id says so, so a
  -- deviation can name it.
  if s.win and s.win < 100 then id = id .. ":win=" .. s.win end
  return id
end

local function edge_class(e)
  if not e then return "0" end
  if e[1] == "raw" then return "raw" end
  local o = e[2] or 0
  local c = o == 0 and "" or o == 1 and "+1" or o == -1 and "-1" or o > 0 and "+n" or "-n"
  return e[1] .. c
end

-- The event class of a step, coarser than its id (offsets other than 0 and +-1 are one
-- class), for signatures and coverage: "RST+ACK:rcv_nxt:snd_nxt", "call:close".
local classes = setmetatable({}, {__mode = "k"})
local event_class
function M.event_class(st)
  local c = classes[st]
  if not c then c = event_class(st); classes[st] = c end
  return c
end

function event_class(st)
  if st.delay then return "delay" end
  if st.call then return "call:" .. st.call end
  local s = st.seg
  local c = cases.step_class(sweep_spec(s)) .. ":" .. edge_class(s.seq) .. ":" .. edge_class(s.ack)
  if s.ip and s.ip.bad_csum then c = c .. ":csum" end
  -- Fragmented, behind extension headers, or never arriving: new classes, so a case that
  -- first does one of these is new coverage.
  if s.ip and s.ip.frag then c = c .. ":frag" end
  if s.ip and s.ip.ext then c = c .. ":ext" end
  if M.lost(s) then c = c .. ":lost" end
  for _, o in ipairs(s.opts or {}) do
    if o.raw then c = c .. ":rawopt" break end
  end
  return c
end

-- "TIME-WAIT/inet/RST+ACK:...>call:close": the program as the sweep names its cases.
function M.case_id(p, upto)
  local ids = {}
  for i = 1, math.min(upto or #p.steps, #p.steps) do ids[i] = M.step_id(p.steps[i]) end
  return p.start.state .. "/" .. p.start.family .. "/" .. table.concat(ids, ">")
end

return M
