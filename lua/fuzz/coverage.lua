-- fuzz.coverage: the feedback (issue 11 item 4) and the corpus. Coverage is the set of
-- (target, state, event class, reply class, next state) transitions seen -- new on every
-- stack without a recompiled target (TCP-Fuzz's state-transition coverage, with the
-- event abstracted to what RFC 9293 3.10.7's checks read: M.event_class) -- plus, on
-- Linux, the namespace's Tcp/TcpExt
-- counters (lab:counters(), /proc/<pid>/net/snmp and netstat) that a batch moved for
-- the first time. A program that adds coverage joins the corpus; with a corpus
-- directory each entry is one JSON file "<id>.json", written to a temporary name and
-- renamed (atomic: a campaign killed half-way leaves no half entry), and read back at
-- the start of the next run.
local program = require "fuzz.program"
local oracles = require "fuzz.oracles"

local M = {}
M.__index = M

function M.new(dir, io_fns)
  return setmetatable({seen = {}, n = 0, counters = {}, ncounters = 0, entries = {}, ids = {},
    dir = dir, listdir = io_fns and io_fns.listdir}, M)
end

-- The event class of a step for coverage: what the segment-arrival checks of RFC 9293
-- 3.10.7 look at, in their order, and nothing else.
--   control: RST (3.10.7.4 second: nothing after it is read but the ACK bit, which
--     SYN-SENT checks first) -- else SYN with ACK, FIN and text -- else ACK, FIN, text;
--   seq: its place against the receive window -- "nxt" (= RCV.NXT), "old" (below),
--     "in" (inside the window, past RCV.NXT), "beyond" (at or past its right edge),
--     "raw" (a number not tied to the connection);
--   ack (only with the ACK bit; 3.10.7.4 fifth): "old" (below SND.UNA), "una", "in"
--     (between SND.UNA and SND.NXT), "nxt", "ahead" (past SND.NXT), "raw";
--   a bad checksum is one class (the segment never reaches TCP); calls and delays keep
--     their names.
-- Left out: PSH, URG, options, window, payload length, TTL/TOS: what they change shows
-- in the reply class or the next state, so a case that varies only them is new coverage
-- exactly when the stack did something new. (program.event_class, finer, is the
-- signatures' class: round 1's 88,102 corpus entries in 600 s were mostly such variants.)
local SEQ = {rcv_nxt = {[0] = "nxt", ["+"] = "in", ["-"] = "old"},
  rcv_wend = {[0] = "beyond", ["+"] = "beyond", ["-"] = "in"}}
local ACK = {snd_una = {[0] = "una", ["+"] = "in", ["-"] = "old"},
  snd_nxt = {[0] = "nxt", ["+"] = "ahead", ["-"] = "in"}}
local function edge(e, map)
  if not e then return "0" end
  local m = map[e[1]]
  if not m then return e[1] end   -- "raw"
  local o = e[2] or 0
  return m[o == 0 and 0 or o > 0 and "+" or "-"]
end
local function has(flags, ch) return flags:find(ch, 1, true) ~= nil end
local classes = setmetatable({}, {__mode = "k"})
function M.event_class(st)
  local c = classes[st]
  if c then return c end
  if st.delay then c = "delay"
  elseif st.call then c = "call:" .. st.call
  elseif st.seg.ip and st.seg.ip.bad_csum then c = "csum"
  else
    local s = st.seg
    local f, parts = s.flags or "", {}
    local text = (s.data and #s.data > 0) or (s.len ~= nil and s.len ~= 0)
    if has(f, "R") then
      parts[1] = "RST"
      if has(f, "A") then parts[2] = "ACK" end
    else
      if has(f, "S") then parts[#parts + 1] = "SYN" end
      if has(f, "A") then parts[#parts + 1] = "ACK" end
      if has(f, "F") then parts[#parts + 1] = "FIN" end
      if text then parts[#parts + 1] = "data" end
    end
    c = (#parts > 0 and table.concat(parts, "+") or "NONE") .. ":" .. edge(s.seq, SEQ) ..
      ":" .. (has(f, "A") and edge(s.ack, ACK) or "-")
  end
  classes[st] = c
  return c
end

-- The transitions of one result on target `name`: how many are new.
function M:add_result(name, res)
  if res.error or not res.snap then return 0 end
  local new = 0
  local prev = res.program.start.state
  for i, o in ipairs(res.steps) do
    local key = table.concat({name, prev, M.event_class(res.program.steps[i]),
      oracles.reply_class(o), tostring(o.state)}, "|")
    if not self.seen[key] then
      self.seen[key] = true
      self.n = self.n + 1
      new = new + 1
    end
    prev = o.state
  end
  return new
end

-- Counters that moved between two readings (tables name -> value) and never moved
-- before: their names (now counted as seen).
function M:add_counters(name, before, after)
  local moved = {}
  if not before or not after then return moved end
  for k, v in pairs(after) do
    local key = name .. "|" .. k
    if before[k] and v ~= before[k] and not self.counters[key] then
      self.counters[key] = true
      self.ncounters = self.ncounters + 1
      moved[#moved + 1] = k
    end
  end
  table.sort(moved)
  return moved
end

-- Adds p to the corpus (once per id); writes its file when there is a directory.
-- Returns the id and the path ("" without a directory), or nil if it was there.
function M:add(p)
  local id = program.id(p)
  if self.ids[id] then return nil end
  self.ids[id] = true
  self.entries[#self.entries + 1] = p
  local path = ""
  if self.dir then
    path = ("%s/%s.json"):format(self.dir, id)
    local tmp = path .. ".tmp"
    local f = assert(io.open(tmp, "w"))
    f:write(program.text(p), "\n")
    f:close()
    assert(os.rename(tmp, path))
  end
  return id, path
end

-- Reads every "*.json" of the corpus directory: entries are added without being
-- written again. A file that is not a program is an error naming it and the field.
function M:load()
  if not self.dir or not self.listdir then return 0 end
  local n = 0
  local names = self.listdir(self.dir)
  table.sort(names)
  for _, f in ipairs(names) do
    if f:match("%.json$") then
      local path = self.dir .. "/" .. f
      local h = assert(io.open(path, "r"))
      local text = h:read("a")
      h:close()
      local ok, p = pcall(program.decode, text)
      if not ok then error(("%s: %s"):format(path, p), 0) end
      local id = program.id(p)
      if not self.ids[id] then
        self.ids[id] = true
        self.entries[#self.entries + 1] = p
        n = n + 1
      end
    end
  end
  return n
end

return M
