-- tcpconform_time: events and their times, timed expectations, and stream expectations
-- on the connection object (lua/README.md, "Time" and "Streams"). Part of the library:
-- tcpconform.lua installs these over the C connection methods.
--
-- Every event has a lab time: a send's (when the frame went out), a matched segment's
-- (its capture time stamp), a call's return (when its reply came off the agent's
-- channel). An expectation may say when its segment must come, relative to the previous
-- event or a named one; the default tolerance is the target's (params.time_tolerance),
-- because what is "on time" depends on the stack's timer granularity, not on ours.
local core = require "tcpconform.core"

local E = {}

-- A script mistake, reported at the script's line (the first frame outside lua/).
local function oops(msg)
  local k = 2
  while true do
    local info = debug.getinfo(k, "S")
    if not info then k = 1; break end
    if info.what ~= "C" and info.source:sub(1, 5) ~= "@lua/" then break end
    k = k + 1
  end
  error(msg, k)
end
E.oops = oops

-- ---- events ----

-- The Lua lab of each connection (weak: a connection does not keep its lab alive).
local lab_of = setmetatable({}, {__mode = "k"})
E.lab_of = lab_of

-- Notes an event of `lab` at lab time t: it becomes the previous event, and `name` (when
-- given) names it for a later {after = name}.
function E.note(lab, t, name)
  if not lab or type(t) ~= "number" then return end
  lab._last = t
  if name ~= nil then
    if type(name) ~= "string" or name == "" then
      oops(("name: an event's name must be a non-empty string, got %s"):format(tostring(name)))
    end
    lab._events[name] = t
  end
end

-- The time of a reference: nil (the previous event), a number (a lab time), a name, or
-- anything with a field t (a segment, an operation, a flood's result).
function E.time_of(lab, ref, what)
  if ref == nil then
    if not lab._last then oops(what .. ": there is no previous event to be timed after") end
    return lab._last
  end
  if type(ref) == "number" then return ref end
  if type(ref) == "string" then
    local t = lab._events[ref]
    if not t then
      local names = {}
      for k in pairs(lab._events) do names[#names + 1] = k end
      table.sort(names)
      oops(("%s: no event named %q (named so far: %s)"):format(what, ref,
        #names > 0 and table.concat(names, ", ") or "none"))
    end
    return t
  end
  if type(ref) == "table" and type(ref.t) == "number" then return ref.t end
  if type(ref) == "table" and getmetatable(ref) and ref.wait then
    oops(what .. ": after = an operation that has not returned yet (wait for it first)")
  end
  oops(("%s: after must be an event name, a lab time, or a segment or operation "
    .. "(something with a time t), got %s"):format(what, type(ref)))
end

-- The tolerance of a point in time `at` seconds after its reference: the target's
-- params.time_tolerance, {abs = s, rel = fraction} (abs + rel * at) or a number.
function E.tolerance(lab, at)
  local tt = lab.target.params.time_tolerance
  if type(tt) == "number" then return tt end
  if type(tt) == "table" then return (tt.abs or 0) + (tt.rel or 0) * math.abs(at) end
  return 0.025 + 0.1 * math.abs(at)   -- a target whose descriptor says nothing
end

-- ---- timed expectations ----

-- Splits an expectation's options into the C wait's ({within = s}) and the timing.
-- Returns the C options, the window [lo, hi] (lab times) or nil, and the name.
local function timing(lab, opts, what)
  if opts == nil then return nil, nil, nil end
  if type(opts) ~= "table" then oops(what .. ": options must be a table") end
  local known = {within = true, after = true, at = true, tol = true, range = true, name = true}
  for k in pairs(opts) do
    if not known[k] then
      oops(("%s: unknown option %q (known: after, at, name, range, tol, within)")
        :format(what, tostring(k)))
    end
  end
  if opts.at == nil and opts.range == nil then
    if opts.after ~= nil or opts.tol ~= nil then
      oops(what .. ": after/tol say when only with at = s or range = {lo, hi}")
    end
    return opts.within and {within = opts.within} or nil, nil, opts.name
  end
  if opts.at ~= nil and opts.range ~= nil then oops(what .. ": give at or range, not both") end
  if opts.within ~= nil then oops(what .. ": give within or at/range, not both") end
  local ref = E.time_of(lab, opts.after, what)
  local lo, hi, desc
  if opts.at ~= nil then
    if type(opts.at) ~= "number" or opts.at < 0 then
      oops(("%s: at must be a number of seconds >= 0, got %s"):format(what, tostring(opts.at)))
    end
    local tol = opts.tol or E.tolerance(lab, opts.at)
    if type(tol) ~= "number" or tol < 0 then oops(what .. ": tol must be a number >= 0") end
    lo, hi = ref + opts.at - tol, ref + opts.at + tol
    desc = ("%.3f s +/- %.3f s"):format(opts.at, tol)
  else
    local r = opts.range
    if type(r) ~= "table" or type(r[1]) ~= "number" or type(r[2]) ~= "number" or r[1] > r[2] then
      oops(what .. ": range must be {lo, hi} in seconds with lo <= hi")
    end
    lo, hi = ref + r[1], ref + r[2]
    desc = ("within [%.3f, %.3f] s"):format(r[1], r[2])
  end
  -- Wait past hi by as much again (at least 0.25 s), so a late segment is reported as
  -- late, with its time, rather than as missing.
  local grace = math.max(0.25, hi - lo)
  local within = math.max(0, hi + grace - lab:now())
  return {within = within}, {lo = lo, hi = hi, ref = ref, desc = desc}, opts.name
end

-- The capture's time stamps and the harness's clock are read apart: a window's edges
-- allow this much.
local CLOCK_SLACK = 0.001

local function check_window(seg, win, what)
  if not win then return end
  if seg.t < win.lo - CLOCK_SLACK or seg.t > win.hi + CLOCK_SLACK then
    core.fail(("%s: %s came %.3f s after its reference, expected %s (%s)")
      :format(what, seg.text, seg.t - win.ref, win.desc, seg.t < win.lo and "early" or "late"), 2)
  end
end

-- Installs the timed forms of send/expect/await and expect_stream on the connection
-- methods; `checked` counts a check of the running test.
function E.install(conn_methods, checked)
  local raw_send = conn_methods.send
  -- c:send(seg[, {split = true, name = "x", frag = 64, ...}]) -> the time it went out
  -- (an event). The options but name go to the C side, which checks them.
  local SEND_OPTS = {name = true, split = true, frag = true, frag_order = true,
    frag_drop = true, ext = true}
  conn_methods.send = function(c, seg, opts)
    local name, copts = nil, nil
    if opts ~= nil then
      if type(opts) ~= "table" then oops("send: options must be a table {split =, name =}") end
      copts = {}
      for k, v in pairs(opts) do
        if not SEND_OPTS[k] then
          oops(("send: unknown option %q (known: ext, frag, frag_drop, frag_order, name, split)")
            :format(tostring(k)))
        end
        if k ~= "name" then copts[k] = v end
      end
      name = opts.name
    end
    local t, n = raw_send(c, seg, copts)
    E.note(lab_of[c], t, name)
    return t, n
  end
  for _, verb in ipairs{"expect", "await"} do
    local raw = conn_methods[verb]
    conn_methods[verb] = function(c, seg, opts)
      checked()
      local lab = lab_of[c]
      local copts, win, name
      if lab then copts, win, name = timing(lab, opts, verb) else copts = opts end
      local got = raw(c, seg, copts)
      check_window(got, win, verb)
      E.note(lab, got.t, name)
      return got
    end
  end
  local raw_silence = conn_methods.silence
  conn_methods.silence = function(...)
    checked()
    return raw_silence(...)
  end
  conn_methods.expect_stream = function(c, what, opts)
    checked()
    return E.stream(c, what, opts)
  end
end

-- ---- stream expectations ----

local ACK_MODES = {each = true, every_other = true, none = true}

local function stream_fail(desc, segs, msg)
  local lines = {}
  for i, s in ipairs(segs) do lines[i] = ("    %8.3f  target  < %s"):format(s.t, s.text) end
  core.fail(("expect_stream %s: %s\n  segments of the stream:\n%s"):format(desc, msg,
    #lines > 0 and table.concat(lines, "\n") or "    (none)"), 3)
end

-- c:expect_stream(n or bytes, {within =, ack =, win =, name =}): the next n bytes of the
-- target's stream (or exactly these bytes), in any segmentation and with PSH either way,
-- each segment in order from RCV.NXT; the harness ACKs as `ack` says. A pure ACK or a
-- retransmission of what already came passes; a gap, RST, SYN or FIN before the end, or
-- a segment that runs past the end, fails. Returns {len =, data =, segments =, t =}.
function E.stream(c, what, opts)
  opts = opts or {}
  local lab = lab_of[c]
  if type(opts) ~= "table" then oops("expect_stream: options must be a table") end
  for k in pairs(opts) do
    if k ~= "within" and k ~= "ack" and k ~= "win" and k ~= "name" then
      oops(("expect_stream: unknown option %q (known: ack, name, win, within)"):format(tostring(k)))
    end
  end
  local want, n
  if type(what) == "string" then want, n = what, #what
  elseif type(what) == "number" and what >= 1 and what == math.floor(what) then n = what
  else oops("expect_stream: expected a byte count >= 1 or the bytes (a string)") end
  local ack = opts.ack or "each"
  if not ACK_MODES[ack] then
    oops(("expect_stream: ack must be \"each\", \"every_other\" or \"none\", got %s")
      :format(tostring(ack)))
  end
  local within = opts.within or 5
  if type(within) ~= "number" or within < 0 or within > 3600 then
    oops("expect_stream: within must be 0..3600 seconds")
  end
  local ackseg = {".", win = opts.win or 65535}
  local desc = ("of %d bytes"):format(n)
  local info = c:info()
  if info.irs == nil then oops("expect_stream: the target has not sent its SYN yet") end
  local base = info.rcv_nxt
  local deadline = lab:now() + within
  local got, parts, segs, unacked = 0, {}, {}, 0
  while got < n do
    local s = c:next()
    if not s then
      if lab:now() >= deadline then
        stream_fail(desc, segs, ("got %d of %d bytes within %.3f s"):format(got, n, within))
      end
      lab.core:pump_once(deadline)
    else
      segs[#segs + 1] = s
      local off = (s.seq - base) % 4294967296
      if s.flags:find("R", 1, true) then stream_fail(desc, segs, "RST before the end") end
      if s.flags:find("S", 1, true) then stream_fail(desc, segs, "a SYN in the stream") end
      if s.len > 0 then
        if off > got and off < 2147483648 then
          stream_fail(desc, segs, ("a gap: segment at byte %d, expected byte %d next"):format(off, got))
        end
        local skip = off <= got and got - off or s.len   -- a retransmission overlaps
        if skip < s.len then
          local new = s.data:sub(skip + 1)
          if got + #new > n then
            stream_fail(desc, segs, ("the segment runs %d bytes past the end of the %d expected")
              :format(got + #new - n, n))
          end
          if want and new ~= want:sub(got + 1, got + #new) then
            local i = 1
            while new:byte(i) == want:byte(got + i) do i = i + 1 end
            stream_fail(desc, segs, ("data: first difference at byte %d: expected 0x%02x, got 0x%02x")
              :format(got + i - 1, want:byte(got + i), new:byte(i)))
          end
          parts[#parts + 1] = new
          got = got + #new
          unacked = unacked + 1
          if ack == "each" or (ack == "every_other" and (unacked >= 2 or got == n)) then
            c:send(ackseg)
            unacked = 0
          end
        end
      end
      if s.flags:find("F", 1, true) and got < n then
        stream_fail(desc, segs, ("FIN after %d of %d bytes"):format(got, n))
      end
    end
  end
  local last = segs[#segs]
  local r = {len = got, data = table.concat(parts), segments = segs, t = last.t,
    first_t = segs[1].t}
  E.note(lab, r.t, opts.name)
  return r
end

return E
