-- model.state: the states of RFC 9293 3.3.2, the variables of a TCB (3.3.1) and sequence
-- arithmetic modulo 2^32 (3.4). Pure Lua 5.4 integers, no I/O.
--
-- Sequence numbers are compared the way RFC 9293 3.4 says: "all arithmetic dealing with
-- sequence numbers must be performed modulo 2^32". A window test is a distance test
-- (x - lo mod 2^32 < wnd), which is exact for any window below 2^32; an order test
-- (lt/le) is the signed 32-bit difference, as Linux's before()/after() do, and is only
-- meaningful within 2^31 of each other (RFC 7323 5.2 makes the same assumption).
local M = {}

local MOD = 1 << 32
local MASK = MOD - 1
M.MOD = MOD

M.STATES = {
  "CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
  "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
}
local IS_STATE = {}
for _, s in ipairs(M.STATES) do IS_STATE[s] = true end

-- RFC 9293 3.5.2: the synchronized states, where an unacceptable segment is answered by
-- an ACK rather than a reset.
M.SYNCHRONIZED = {
  ["ESTABLISHED"] = true, ["FIN-WAIT-1"] = true, ["FIN-WAIT-2"] = true,
  ["CLOSE-WAIT"] = true, ["CLOSING"] = true, ["LAST-ACK"] = true, ["TIME-WAIT"] = true,
}

-- States in which our FIN has been sent (it occupies SND.NXT-1, RFC 9293 3.4).
M.FIN_SENT = {
  ["FIN-WAIT-1"] = true, ["FIN-WAIT-2"] = true, ["CLOSING"] = true,
  ["LAST-ACK"] = true, ["TIME-WAIT"] = true,
}

-- States in which the user still holds the socket: a reset is signalled to it
-- ("connection reset", RFC 9293 3.10.7.4 second step).
M.USER_HOLDS = {
  ["ESTABLISHED"] = true, ["FIN-WAIT-1"] = true, ["FIN-WAIT-2"] = true, ["CLOSE-WAIT"] = true,
}

-- States in which the peer's FIN has been received: text is ignored (3.10.7.4 seventh).
M.FIN_RECEIVED = {
  ["CLOSE-WAIT"] = true, ["CLOSING"] = true, ["LAST-ACK"] = true, ["TIME-WAIT"] = true,
}

function M.is_state(s) return IS_STATE[s] == true end

-- a + n modulo 2^32.
function M.add(a, n) return (a + n) & MASK end

-- The distance from b up to a, modulo 2^32 (0 .. 2^32-1).
function M.dist(a, b) return (a - b) & MASK end

-- a - b as a signed 32-bit number.
function M.diff(a, b)
  local d = (a - b) & MASK
  if d >= (1 << 31) then d = d - MOD end
  return d
end

function M.lt(a, b) return M.diff(a, b) < 0 end
function M.le(a, b) return M.diff(a, b) <= 0 end
function M.gt(a, b) return M.diff(a, b) > 0 end
function M.ge(a, b) return M.diff(a, b) >= 0 end

-- lo =< x < lo + wnd (modulo 2^32): the receive-window test of RFC 9293 3.10.7.4.
function M.in_window(x, lo, wnd) return M.dist(x, lo) < wnd end

-- lo < x =< hi (modulo 2^32): "SND.UNA < SEG.ACK =< SND.NXT" (RFC 9293 3.10.7.4 fifth).
function M.after_upto(x, lo, hi)
  local d = M.dist(x, lo)
  return d > 0 and d <= M.dist(hi, lo)
end

-- lo =< x =< hi (modulo 2^32).
function M.within(x, lo, hi) return M.dist(x, lo) <= M.dist(hi, lo) end

-- ooo_start/ooo_stop: the one range of text held out of order (sync.lua, SHLD-31).
local SEQ_FIELDS = { "iss", "irs", "snd_una", "snd_nxt", "snd_wl1", "snd_wl2", "rcv_nxt",
  "ooo_start", "ooo_stop" }
local WND_FIELDS = { "snd_wnd", "rcv_wnd", "max_snd_wnd", "snd_mss" }

local function check_u32(t, k, where)
  local v = t[k]
  if v ~= nil and (math.type(v) ~= "integer" or v < 0 or v > MASK) then
    error(("%s.%s: expected an integer 0..4294967295, got %s"):format(where, k, tostring(v)), 3)
  end
end

-- Returns a validated copy of the TCB t, with the variables its state implies filled in
-- (SND.UNA = ISS and SND.NXT = ISS+1 while the SYN is unacknowledged, 3.10.1; SND.WL1/2
-- and MAX.SND.WND from the current values). A caller's table is never changed: every
-- step of the model works on its own copy, so a test can replay one TCB many times.
-- Raises "model tcb.FIELD: expected ..., got ..." at the caller's line on bad input.
function M.tcb(t, where)
  where = where or "model tcb"
  if type(t) ~= "table" then error(where .. ": expected a table, got " .. type(t), 2) end
  if not IS_STATE[t.state] then
    error(("%s.state: expected one of %s, got %s"):format(where, table.concat(M.STATES, ", "),
      tostring(t.state)), 2)
  end
  for _, k in ipairs(SEQ_FIELDS) do check_u32(t, k, where) end
  for _, k in ipairs(WND_FIELDS) do check_u32(t, k, where) end
  check_u32(t, "ts_recent", where)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  if c.state ~= "CLOSED" and c.state ~= "LISTEN" then
    if c.iss == nil then error(where .. ".iss: required in state " .. c.state, 2) end
    c.snd_una = c.snd_una or c.iss
    c.snd_nxt = c.snd_nxt or M.add(c.iss, 1)
    c.snd_wnd = c.snd_wnd or 0
    c.snd_wl2 = c.snd_wl2 or c.snd_una
    c.max_snd_wnd = c.max_snd_wnd or c.snd_wnd
  end
  if c.state ~= "CLOSED" and c.state ~= "LISTEN" and c.state ~= "SYN-SENT" then
    if c.rcv_nxt == nil then error(where .. ".rcv_nxt: required in state " .. c.state, 2) end
    c.irs = c.irs or M.add(c.rcv_nxt, -1)
    c.snd_wl1 = c.snd_wl1 or c.irs
  end
  c.rcv_wnd = c.rcv_wnd or 65535
  return c
end

-- A shallow copy (TCBs hold only numbers, strings and booleans).
function M.copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

return M
