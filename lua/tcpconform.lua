-- tcpconform: the library every test script requires (compiled into the binary).
--
--   local T = require "tcpconform"
--   T.test("SYN to a closed port gets RST|ACK", {id = "A1", rfc = "9293 3.10.7.1"},
--     function(lab)
--       local c = lab:conn{port = 9}
--       c:send "S 0:0(0) win 65535"
--       c:expect "R. 0:0(0) ack 1"
--     end)
--
-- Lua decides, C does the packets: what lives here is pure logic over the primitives of
-- tcpconform.core (lab, connection, agent calls). See lua/README.md for the whole API.
local core = require "tcpconform.core"

local M = {}
local registered = {}
-- The test whose body runs now (nil between tests), and how many checks it has made:
-- a test must check something (M._run).
local running, checks = nil, 0

-- Counts one check of the running test: an expectation on the wire, a silence, a
-- state expectation or an assertion.
local function checked() checks = checks + 1 end

local function where(level)
  local info = debug.getinfo(level + 1, "Sl")
  return info and (info.short_src .. ":" .. info.currentline) or "?"
end

local function check_meta(name, meta, level)
  if type(meta) ~= "table" then
    error(("test %q: second argument must be a table of metadata {id=, rfc=, tags=}, got %s")
      :format(name, type(meta)), level + 1)
  end
  local allowed = {id = true, rfc = true, tags = true, timeout = true, description = true,
    mtu = true}
  for k in pairs(meta) do
    if not allowed[k] then
      error(("test %q: unknown metadata field %q (known: id, rfc, tags, timeout, mtu, description)")
        :format(name, tostring(k)), level + 1)
    end
  end
  -- id is optional: a user's own test need not invent a behaviour ID (the shipped suite
  -- names one for every test: tests/selftest_suite_ids.sh checks it).
  if meta.id ~= nil and (type(meta.id) ~= "string" or meta.id == "") then
    error(("test %q: id must be a non-empty string (a behaviour ID from BEHAVIOURS.md, "
      .. "e.g. \"A1\"), got %s"):format(name, type(meta.id)), level + 1)
  end
  for _, field in ipairs{"rfc"} do
    if type(meta[field]) ~= "string" or meta[field] == "" then
      error(("test %q is missing required field '%s' (%s)"):format(name, field,
        field == "id" and "behaviour ID from BEHAVIOURS.md, e.g. \"A1\""
                       or "RFC section, e.g. \"9293 3.10.7.1\""), level + 1)
    end
  end
  if meta.tags ~= nil then
    if type(meta.tags) ~= "table" then
      error(("test %q: tags must be a list of strings"):format(name), level + 1)
    end
    for _, t in ipairs(meta.tags) do
      if type(t) ~= "string" then
        error(("test %q: tags must be a list of strings"):format(name), level + 1)
      end
    end
  end
  if meta.mtu ~= nil and (math.type(meta.mtu) ~= "integer" or meta.mtu < 1280 or meta.mtu > 1500) then
    error(("test %q: mtu must be a whole number of bytes in 1280..1500 (the lab link's MTU), got %s")
      :format(name, tostring(meta.mtu)), level + 1)
  end
  if meta.timeout ~= nil and (type(meta.timeout) ~= "number" or meta.timeout <= 0) then
    error(("test %q: timeout must be a positive number of seconds"):format(name), level + 1)
  end
end

-- Declares a test. name: what the test pins down; meta: {id = "A1", rfc = "9293 3.10.7.1",
-- tags = {...}, timeout = seconds}; fn(lab): the test body.
function M.test(name, meta, fn)
  if running then
    error(("T.test called while test %q runs: declare tests at the top level of the script")
      :format(running.name), 2)
  end
  if type(name) ~= "string" or name == "" then
    error("T.test: first argument must be the test's name (a non-empty string)", 2)
  end
  check_meta(name, meta, 2)
  if type(fn) ~= "function" then
    error(("test %q: third argument must be the test function"):format(name), 2)
  end
  for _, t in ipairs(registered) do
    if t.name == name then
      error(("test %q is declared twice (first at %s)"):format(name, t.where), 2)
    end
  end
  registered[#registered + 1] = {
    name = name, id = meta.id or "-", rfc = meta.rfc, tags = meta.tags or {},
    timeout = meta.timeout, mtu = meta.mtu, fn = fn, where = where(2),
  }
end

-- ---- assertions: a failed one is a test failure (JUnit <failure>), not an error ----

function M.fail(msg, level)
  core.fail(tostring(msg), (level or 1) + 1)
end

-- The test cannot run on this target (JUnit <skipped> with the reason): for what a
-- target lacks, never for what it does wrong.
function M.skip(reason)
  core.skip(tostring(reason))
end

local function show(v)
  return type(v) == "string" and ("%q"):format(v) or tostring(v)
end

function M.check(cond, msg)
  checked()
  if not cond then core.fail(msg or "check failed", 2) end
  return cond
end

function M.eq(actual, expected, what)
  checked()
  if actual ~= expected then
    core.fail(("%s: expected %s, got %s"):format(what or "value", show(expected), show(actual)), 2)
  end
  return actual
end

-- |actual - expected| <= tol
function M.near(actual, expected, tol, what)
  checked()
  if type(actual) ~= "number" or math.abs(actual - expected) > tol then
    core.fail(("%s: expected %s +/- %s, got %s"):format(what or "value", show(expected),
      show(tol), show(actual)), 2)
  end
  return actual
end

function M.range(actual, lo, hi, what)
  checked()
  if type(actual) ~= "number" or actual < lo or actual > hi then
    core.fail(("%s: expected within [%s, %s], got %s"):format(what or "value", show(lo),
      show(hi), show(actual)), 2)
  end
  return actual
end

-- ---- the target's socket API (lua/tcpconform_socket.lua), time and streams
-- (lua/tcpconform_time.lua) ----

local sock = require "tcpconform_socket"
local time = require "tcpconform_time"
local Target = sock.Target
sock.hooks.checked = checked
sock.hooks.event = function(target, t, name) time.note(target.lab, t, name) end

-- ---- the lab object handed to a test ----

local Lab = {}
Lab.__index = Lab

function Lab:conn(opts)
  local c = self.core:conn(opts)
  time.lab_of[c] = self
  return c
end
function Lab:now() return self.core:now() end
function Lab:sleep(s)
  if type(s) ~= "number" or s ~= s or s < 0 or s > 3600 then
    time.oops(("lab:sleep: seconds must be a number in 0..3600, got %s"):format(tostring(s)))
  end
  return self.core:pump(s)
end
-- lab:mark(name) -> now, as an event named `name` (for {after = name}); lab:event(name)
-- -> the time of a named event.
function Lab:mark(name)
  local t = self:now()
  time.note(self, t, name)
  return t
end
function Lab:event(name) return time.time_of(self, name, "lab:event") end
function Lab:log(...)
  local parts = {}
  for i, v in ipairs{...} do parts[i] = tostring(v) end
  self.core:log(table.concat(parts, " "))
end
-- Per-netns sysctl in this lab's target (Linux target only).
function Lab:sysctl(name, value) return self.target:sysctl(name, value) end

-- The harness does the three-way handshake itself; returns the connection, the SYN|ACK
-- segment and the accepted target socket when `listener` is given.
local conn_methods = core.conn_methods

-- expect, await, silence and expect_stream are the connection's checks: each call
-- counts; send, expect and await take the timing options (lua/tcpconform_time.lua).
time.install(conn_methods, checked)

function conn_methods:handshake(opts)
  opts = opts or {}
  self:send(opts.syn or "S 0:0(0) win 65535 <mss 1460>")
  local synack = self:expect("S. 0:0(0) ack 1", {within = opts.within or 1})
  self:send(". 1:1(0) ack 1")
  return synack
end

-- An ESTABLISHED connection to a listener on the target: listen(port), the harness's
-- handshake, accept(). Returns the connection, the accepted socket, the listener and the
-- SYN|ACK. opts: {family=, backlog=, syn=} (syn: the harness's SYN in shorthand).
function M.established(lab, port, opts)
  opts = opts or {}
  local l = lab.target:listen(port, {family = opts.family, backlog = opts.backlog})
  local c = lab:conn{port = port, family = opts.family}
  local synack = c:handshake{syn = opts.syn}
  local s, err = l:accept()
  if not s then
    error(("accept() after the handshake failed: %s"):format(tostring(err)), 2)
  end
  return c, s, l, synack
end

-- The descriptor of the lab's target: targets/<name>/target.lua (compiled in), or the
-- file given with --descriptor. Unknown targets get an empty one.
local function descriptor(name, path)
  local d
  if path and path ~= "" then
    local chunk, err = loadfile(path, "t")
    if not chunk then error("descriptor " .. path .. ": " .. err, 0) end
    d = chunk()
  else
    -- Only a target with no built-in descriptor (exec:) gets an empty one: a descriptor
    -- that fails to load is an error, or its deviations would silently stop applying.
    local ok, mod = pcall(require, "target." .. name)
    if not ok then
      local missing = ("module 'target.%s' not found"):format(name)
      if tostring(mod):find(missing, 1, true) ~= 1 then
        error("descriptor of target " .. name .. ": " .. tostring(mod), 0)
      end
      mod = {}
    end
    d = mod
  end
  if type(d) ~= "table" then error("descriptor of target " .. name .. " is not a table", 0) end
  d.params = d.params or {}
  d.deviations = d.deviations or {}
  return d
end

-- The sweep reads the same descriptors (its knobs: the `model` table).
M._descriptor = descriptor

-- The final verdict of a test on this target: a failure or error that the target's
-- descriptor lists as a known deviation is reported as skipped with the reason (and
-- true as a third value: the matrix shows it as a deviation, not a skip); a listed test
-- that passes fails, so the list stays true.
function M._judge(lab, test, status, msg)
  local dev = lab.target.descriptor.deviations[test.name]
  if not dev then return status, msg end
  local why = ("known deviation of %s: %s (RFC %s)"):format(lab.target.name, dev.reason or "?",
    dev.rfc or "?")
  if status == "pass" then
    return "fail", ("unexpected pass -- remove the deviation from the %s descriptor: %s")
      :format(lab.target.name, why)
  end
  if status == "skip" then return status, msg end
  return "skip", why .. "; this run: " .. (msg or ""):gsub("\n.*", ""), true
end

function M._lab(core_lab, descriptor_path)
  local a = core_lab:addresses()
  local target = setmetatable({core = core_lab, addr4 = a.target4, addr6 = a.target6,
    harness4 = a.harness4, harness6 = a.harness6, caps = a.caps, stack = a.stack,
    sockopts = a.sockopts, name = a.target}, Target)
  target.descriptor = descriptor(a.target, descriptor_path)
  target.params = target.descriptor.params
  local lab = setmetatable({core = core_lab, target = target, addr = a, _events = {},
    _last = nil}, Lab)
  target.lab = lab
  return lab
end

-- Runs a test's body. A body that returns having checked nothing -- no expect, await,
-- silence, expect_state or assertion -- proves nothing, so it is an error; one that
-- fails, errors or skips first keeps its own verdict (its error passes through).
function M._run(test, lab)
  running, checks = test, 0
  local _ <close> = setmetatable({}, {__close = function() running = nil end})
  test.fn(lab)
  if checks == 0 then
    error(("%s: the test checked nothing: its body made no expectation (expect/await), "
      .. "silence, state expectation (expect_state) or assertion (T.check/eq/near/range)")
      :format(test.where), 0)
  end
end

function M._tests() return registered end

return M
