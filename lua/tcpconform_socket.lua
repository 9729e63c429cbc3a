-- tcpconform_socket: the target's socket API over the agent protocol
-- (targets/PROTOCOL.md): lab.target, its sockets, and operations -- calls that may
-- block, started now and waited for later while the script drives the wire. Part of
-- the library (lua/tcpconform.lua requires it); see lua/README.md, "The target's socket
-- API".
local core = require "tcpconform.core"

local S = {}

local DEFAULT_WAIT = 2.0
-- A reply may come this long after the agent's own wait ran out (scheduling, a busy
-- machine): past it the agent is taken to be stuck.
local REPLY_MARGIN = 2.0

local Target = {}
Target.__index = Target
local Socket = {}
Socket.__index = Socket
Socket.__tostring = function(s) return ("socket %d"):format(s.h) end
local Op = {}
Op.__index = Op
Op.__tostring = function(o) return "operation " .. o.what end
S.Target, S.Socket, S.Op = Target, Socket, Op

-- The library's hooks: set by tcpconform.lua (checked: count a check; event: note the
-- time of an event of lab `lab`, named or not).
S.hooks = {checked = function() end, event = function() end}

-- msg= comes decoded (PROTOCOL.md 4.2, agent_reply_parse): spaces and underscores as sent.
local function reply_error(r)
  if r.err == nil then return nil end
  return r.err .. (r.msg and (" (" .. r.msg .. ")") or "")
end
S.reply_error = reply_error

local function ms(s) return math.floor(s * 1000 + 0.5) end

-- One agent call; blocking verbs pass wait= so the agent gives up before we do.
function Target:call(line, wait)
  return self.core:call(line, wait or DEFAULT_WAIT)
end

local function must(r, what, level)
  if r.ret < 0 then
    error(("%s failed: %s"):format(what, reply_error(r)), (level or 1) + 1)
  end
  return r
end

-- True when the target's agent announced capability `cap` ("sysctl", "state", "hold",
-- "msg_more", "tcp_info", "cork", ...).
function Target:has(cap)
  for c in (self.caps or ""):gmatch("[^,]+") do
    if c == cap then return true end
  end
  return false
end

-- Skips the test unless the target has capability `cap`; `why` says what it is for.
function Target:need(cap, why)
  if not self:has(cap) then
    core.skip(("target %s lacks capability \"%s\"%s"):format(self.name or self.stack or "?",
      cap, why and (" (" .. why .. ")") or ""))
  end
end

-- True when the agent takes socket option `name` (its greeting's sockopts= list; an
-- agent that sends no list is taken at its word until it answers ENOSYS).
function Target:has_sockopt(name)
  if not self.sockopts or self.sockopts == "" then return true end
  for o in self.sockopts:gmatch("[^,]+") do
    if o == name then return true end
  end
  return false
end

local function skip_option(target, name, r)
  core.skip(("target %s lacks socket option %s%s"):format(target.name or target.stack or "?",
    name, r and (" (" .. reply_error(r) .. ")") or ""))
end

-- Waits (polling the agent) until the target reports `state` for connection c, within
-- `within` seconds (default 1): a stack may process a segment a moment after it crossed
-- the wire (lwIP does so on its own thread). A failure lists the states seen.
function Target:expect_state(c, state, what, within)
  S.hooks.checked()
  local deadline = self.core:now() + (within or 1.0)
  local seen, last = {}, nil
  while true do
    local st = self:state(c)
    if st ~= last then seen[#seen + 1] = st; last = st end
    if st == state then return st end
    if self.core:now() >= deadline then
      core.fail(("%s: expected state %s, got %s (seen: %s)"):format(what or "target state",
        state, st, table.concat(seen, " -> ")), 2)
    end
    self.core:pump(0.005)
  end
end

function Target:socket(family)
  family = family or "inet"
  local r = must(self:call("socket " .. family), "socket(" .. family .. ")", 2)
  return setmetatable({target = self, h = r.ret, family = family}, Socket)
end

local function addr_of(target, family)
  return family == "inet6" and target.addr6 or target.addr4
end

-- socket + SO_REUSEADDR + bind + listen, raising on any failure (these are set-up steps).
function Target:listen(port, opts)
  opts = opts or {}
  local s = self:socket(opts.family)
  must(s:call_("setsockopt %d so_reuseaddr 1"), "setsockopt(SO_REUSEADDR)", 2)
  must(s:call_("bind %d " .. addr_of(self, s.family) .. " " .. tostring(port)),
    "bind(" .. tostring(port) .. ")", 2)
  must(s:call_("listen %d " .. tostring(opts.backlog or 16)), "listen", 2)
  s.port = port
  return s
end

-- The target's TCP state for connection c (a harness connection) as the agent reports
-- it: "ESTABLISHED", "TIME_WAIT", ..., or "CLOSED" when the target has no such socket.
function Target:state(c)
  local i = c:info()
  local fam = i.family
  local r = must(self:call(("state %s %d %s %d"):format(addr_of(self, fam), i.dport,
    fam == "inet6" and self.harness6 or self.harness4, i.sport)), "state", 2)
  return r.state, r
end

-- Reads (or writes, then reads) a per-namespace setting. A target that has no such
-- setting (ENOENT) or cannot take that value (EOPNOTSUPP: a choice its stack lacks,
-- e.g. netstack cannot turn SYN cookies off) cannot run the test: it is skipped with
-- the agent's reason (PROTOCOL.md 6.6), not failed -- the behaviour the test selects
-- does not exist there. Any other error (EINVAL, EPERM) is the test's own mistake.
-- A multi-field value is a list or a string with its fields joined by spaces or commas:
-- {4096, 65536, 1048576} or "4096 65536 1048576" (the protocol carries commas).
function Target:sysctl(name, value)
  self:need("sysctl", "per-namespace setting " .. name)
  if type(value) == "table" then
    local parts = {}
    for i, v in ipairs(value) do parts[i] = tostring(v) end
    value = table.concat(parts, ",")
  elseif value ~= nil then
    value = tostring(value):gsub("^%s+", ""):gsub("%s+$", ""):gsub("%s+", ",")
  end
  local what = "sysctl " .. name .. (value ~= nil and (" " .. value) or "")
  local r = self:call(what)
  if r.err == "ENOENT" or r.err == "EOPNOTSUPP" then
    local lacks = r.err == "ENOENT" and ("has no setting " .. name)
      or ("cannot set " .. name .. " to " .. tostring(value))
    core.skip(("target %s %s (sysctl: %s)"):format(self.name or self.stack or "?", lacks,
      reply_error(r)))
  end
  return must(r, "sysctl " .. name, 2).value
end

-- ---- operations ----

-- An operation: the request is on its way to the agent; op:wait([t]) collects what it
-- returned (the values of the synchronous call), op.t is when it returned (the harness's
-- receive time of the reply, not the time the script asked), op:done() polls.
local function start(sock, line, wait, parse, what, name)
  local lab = sock.target.core
  local id = lab:call_async(line)
  return setmetatable({sock = sock, lab = lab, id = id, wait_s = wait, parse = parse,
    what = what, name = name}, Op)
end

local function finish(op, r)
  op.reply, op.t = r, r.t
  op.result = table.pack(op.parse(op.sock, r))
  S.hooks.event(op.sock.target, r.t, op.name)
end

-- op:wait([t]) -> the call's values ("TIMEOUT" when nothing came within t seconds: the
-- call is still pending and can be waited for again). Without t, waits for as long as
-- the call's own wait plus a margin; an agent silent past that is an error.
function Op:wait(t)
  if not self.result then
    local r = self.lab:reply(self.id, t or (self.wait_s + REPLY_MARGIN))
    if not r then
      if t then return nil, "TIMEOUT" end
      error(("%s: the target's agent did not answer within %.1f s"):format(self.what,
        self.wait_s + REPLY_MARGIN), 2)
    end
    finish(self, r)
  end
  return table.unpack(self.result, 1, self.result.n)
end

-- op:done() -> true once the call has returned (never waits).
function Op:done()
  if self.result then return true end
  local r = self.lab:reply(self.id, 0)
  if r then finish(self, r) end
  return self.result ~= nil
end

function Socket:call_(fmt, wait)
  return self.target:call(fmt:format(self.h), wait)
end

local function ret_err(_, r)
  if r.ret < 0 then return nil, r.err, r end
  return r.ret, nil, r
end

local function new_socket(sock, r)
  if r.ret < 0 then return nil, r.err, r end
  return setmetatable({target = sock.target, h = r.ret, family = sock.family}, Socket), nil, r
end

local function data_of(_, r)
  if r.ret < 0 then return nil, r.err, r end
  return core.unhex(r.data or ""), nil, r
end

-- The options of a blocking call: wait= and the flags `known` allows, each flag checked
-- against the agent's capabilities (a flag it lacks skips the test with the reason).
local FLAG_CAP = {more = "msg_more", dontwait = "msg_dontwait"}
-- Returns the wait (seconds), the line's options (" wait=N" only when the script gave
-- one: without it the agent's default applies, 2 s, or none on an O_NONBLOCK handle,
-- PROTOCOL.md 5) and the event's name.
local function call_opts(sock, opts, what, known)
  local wait, flags, name, given = DEFAULT_WAIT, {}, nil, false
  if opts == nil then return wait, "", nil end
  if type(opts) ~= "table" then
    error(("%s: options must be a table {wait =, ...}, got %s"):format(what, type(opts)), 4)
  end
  for k, v in pairs(opts) do
    if k == "wait" then
      if type(v) ~= "number" or v < 0 or v > 600 then
        error(("%s: wait must be 0..600 seconds, got %s"):format(what, tostring(v)), 4)
      end
      wait, given = v, true
    elseif k == "name" then
      name = v
    elseif known[k] then
      if v then
        if FLAG_CAP[k] then sock.target:need(FLAG_CAP[k], what .. " with " .. k) end
        flags[#flags + 1] = k
      end
    else
      local list = {"wait", "name"}
      for f in pairs(known) do list[#list + 1] = f end
      table.sort(list)
      error(("%s: unknown option %q (known: %s)"):format(what, tostring(k),
        table.concat(list, ", ")), 4)
    end
  end
  table.sort(flags)
  return wait, (given and (" wait=" .. ms(wait)) or "") ..
    (#flags > 0 and (" " .. table.concat(flags, " ")) or ""), name
end

local SEND_FLAGS = {more = true, dontwait = true, oob = true}
local RECV_FLAGS = {peek = true, waitall = true, dontwait = true, oob = true}
local NO_FLAGS = {}

-- The request line of each blocking call, and how its reply reads.
local starters = {}

function starters.accept(sock, opts)
  local wait, flags, name = call_opts(sock, opts, "accept", NO_FLAGS)
  return ("accept %d%s"):format(sock.h, flags), wait, new_socket, name
end

-- send(data or n): one request, one send() of all of it (PROTOCOL.md 6.3); "" is a
-- send of zero bytes, written len=0 (an empty hex field would be no argument at all).
function starters.send(sock, data, opts)
  local wait, flags, name = call_opts(sock, opts, "send", SEND_FLAGS)
  local arg
  if type(data) == "number" then
    if data < 0 or data ~= math.floor(data) then
      error(("send: a length must be a whole number >= 0, got %s"):format(data), 3)
    end
    arg = ("len=%d"):format(data)
  elseif type(data) == "string" then
    arg = data == "" and "len=0" or core.hex(data)
  else
    error(("send: expected bytes (a string) or a length, got %s"):format(type(data)), 3)
  end
  return ("send %d %s%s"):format(sock.h, arg, flags), wait, ret_err, name
end

function starters.recv(sock, max, opts)
  if type(max) == "table" and opts == nil then max, opts = nil, max end
  local wait, flags, name = call_opts(sock, opts, "recv", RECV_FLAGS)
  return ("recv %d %d%s"):format(sock.h, max or 65536, flags), wait, data_of, name
end

function starters.connect(sock, addr, port, opts)
  if type(opts) == "number" then opts = {wait = opts} end
  opts = opts or {}
  local wait, w, name = call_opts(sock, {wait = opts.wait or 30, name = opts.name}, "connect",
    NO_FLAGS)
  return ("connect %d %s %d%s"):format(sock.h, addr, port, w), wait, ret_err, name
end

-- close: answered when close(2) returns -- later than at once with SO_LINGER on, when
-- the stack waits for the peer's ACK of its FIN (RFC 9293 3.6).
function starters.close(sock, opts)
  local wait, w, name = call_opts(sock, opts, "close", NO_FLAGS)
  return ("close %d%s"):format(sock.h, w), math.max(wait, 60), ret_err, name
end

function starters.shutdown(sock, how, opts)
  local _, _, name = call_opts(sock, opts, "shutdown", NO_FLAGS)
  how = how or "wr"
  if how ~= "rd" and how ~= "wr" and how ~= "rdwr" then
    error(("shutdown: how must be \"rd\", \"wr\" or \"rdwr\", got %s"):format(tostring(how)), 3)
  end
  return ("shutdown %d %s"):format(sock.h, how), DEFAULT_WAIT, ret_err, name
end

-- sock:start(verb, ...) -> an operation (verbs: accept, send, recv, connect, close,
-- shutdown, with the arguments of the synchronous call).
function Socket:start(verb, ...)
  local st = starters[verb]
  if not st then
    error(("start: unknown operation %q (accept, send, recv, connect, close, shutdown)")
      :format(tostring(verb)), 2)
  end
  local line, wait, parse, name = st(self, ...)
  return start(self, line, wait, parse, verb .. " on socket " .. self.h, name)
end

for verb in pairs(starters) do
  Socket[verb .. "_async"] = function(self, ...) return self:start(verb, ...) end
  -- The synchronous call: started and waited for at once.
  Socket[verb] = function(self, ...)
    local op = self:start(verb, ...)
    return op:wait()
  end
end

-- connect_async(addr, port[, wait]) keeps its old form: a number is the wait.

function Socket:bind(port, addr)
  return ret_err(nil, self:call_("bind %d " .. (addr or addr_of(self.target, self.family)) ..
    " " .. tostring(port)))
end

function Socket:listen(backlog)
  return ret_err(nil, self:call_("listen %d " .. tostring(backlog or 16)))
end

-- hold(): the socket moves to a process of its own (the agent keeps only a handle);
-- kill(): that process is killed with SIGKILL, as `kill -9` would (BEHAVIOURS.md C16).
-- Needs the agent capability "hold".
function Socket:hold()
  self.target:need("hold", "a socket held by a process that can be killed")
  return ret_err(nil, self:call_("hold %d"))
end

function Socket:kill() return ret_err(nil, self:call_("kill %d")) end

-- Options that stand for a capability of their own (PROTOCOL.md 2).
local OPT_CAP = {tcp_cork = "cork", tcp_user_timeout = "user_timeout",
  tcp_defer_accept = "defer_accept", tcp_syncnt = "syncnt", tcp_info = "tcp_info",
  o_nonblock = "nonblock"}

local function check_opt(sock, name, what)
  if type(name) ~= "string" or not name:match("^[%w_]+$") then
    error(("%s: option name must be a word such as \"tcp_nodelay\", got %s")
      :format(what, tostring(name)), 3)
  end
  name = name:lower()
  -- An agent that lists its options (sockopts=) announces these caps with them; an older
  -- one is tried, and its ENOSYS skips.
  local listed = sock.target.sockopts and sock.target.sockopts ~= ""
  if listed and OPT_CAP[name] then sock.target:need(OPT_CAP[name], what .. " " .. name) end
  if not sock.target:has_sockopt(name) then skip_option(sock.target, name) end
  if not listed and (name == "tcp_info" or name == "o_nonblock") then
    sock.target:need(OPT_CAP[name], what .. " " .. name)
  end
  return name
end

function Socket:setsockopt(name, ...)
  name = check_opt(self, name, "setsockopt")
  local args = {}
  for i, v in ipairs{...} do
    if type(v) == "boolean" then v = v and 1 or 0 end
    args[i] = tostring(v)
  end
  local r = self:call_("setsockopt %d " .. name .. " " .. table.concat(args, " "))
  if r.err == "ENOSYS" then skip_option(self.target, name, r) end
  return ret_err(nil, r)
end

-- sock:set_nonblocking(on): O_NONBLOCK, so a blocking call without wait= answers at
-- once (EAGAIN) as a non-blocking socket's would.
function Socket:set_nonblocking(on)
  return self:setsockopt("o_nonblock", on == false and 0 or 1)
end

-- A tcp_info reply as a table: numbers where the value is one.
local function info_table(r)
  local t = {}
  for k, v in pairs(r) do
    if k ~= "ret" and k ~= "err" and k ~= "t" then t[k] = tonumber(v) or v end
  end
  return t
end

-- sock:getsockopt(name) -> the value (a number; so_error: 0 or an errname; so_linger:
-- on, secs; tcp_info: a table {state =, rto_us =, snd_mss =, ...}), or nil, errname.
function Socket:getsockopt(name)
  name = check_opt(self, name, "getsockopt")
  local r = self:call_("getsockopt %d " .. name)
  if r.err == "ENOSYS" then skip_option(self.target, name, r) end
  if r.ret < 0 then return nil, r.err, r end
  if name == "tcp_info" then return info_table(r), nil, r end
  if name == "so_error" then   -- 0, or the pending error's name ("ECONNRESET")
    return (r.value == "-" or r.value == "0" or r.value == nil) and 0 or r.value, nil, r
  end
  if name == "so_linger" then
    local on, secs = (r.value or ""):match("^(%-?%d+),(%-?%d+)$")
    return tonumber(on), tonumber(secs), r
  end
  return tonumber(r.value) or r.value, nil, r
end

S.must, S.addr_of = must, addr_of
return S
