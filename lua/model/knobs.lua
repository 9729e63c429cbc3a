-- model.knobs: where the RFCs leave a stack a choice (MAY, SHOULD, an optional RFC), the
-- model takes a named knob instead of guessing. A target descriptor sets them in its
-- `model = {...}` table (targets/*/target.lua); the defaults are the RFCs' recommended
-- behaviour. Each knob carries the citation of the choice it makes.
local M = {}

-- name -> {default, allowed values, rfc, what it decides}
M.DEFS = {
  rfc5961_rst = {
    default = true, values = { true, false }, rfc = "5961 3.2; 9293 3.10.7.4",
    what = "a RST in the window but not at RCV.NXT gets a challenge ACK (else it resets)",
  },
  rfc5961_syn = {
    default = true, values = { true, false }, rfc = "5961 4.2; 9293 3.10.7.4",
    what = "a SYN in a synchronized state gets a challenge ACK (else: in window -> RST)",
  },
  rfc5961_ack = {
    default = true, values = { true, false }, rfc = "5961 5.2; 9293 3.10.7.4 (MAY-12)",
    what = "an ACK below SND.UNA - MAX.SND.WND is discarded with an ACK (else ignored as a "
      .. "duplicate and the text processed)",
  },
  rfc1337 = {
    default = false, values = { true, false }, rfc = "1337 3 (informational)",
    what = "TIME-WAIT ignores RST (else an acceptable RST closes it, 9293 3.10.7.4)",
  },
  timewait_syn = {
    default = "rfc6191", values = { false, "rfc1122", "rfc6191", "seq_or_ts" },
    rfc = "9293 3.10.7.4, 6191 2, 1122 4.2.2.13 (MAY)",
    what = "a new SYN in TIME-WAIT opens a new connection: never (false); when SEG.SEQ > "
      .. "RCV.NXT (rfc1122); when TSval > TS.Recent with timestamps, else by sequence "
      .. "(rfc6191); when either holds (seq_or_ts)",
  },
  delayed_ack = {
    default = true, values = { true, false }, rfc = "9293 3.8.6.3 (SHLD-18), 1122 4.2.3.2",
    what = "the ACK of in-order data may be delayed (< 0.5 s); a FIN or out-of-order data "
      .. "is acknowledged at once either way",
  },
  rst_window = {
    default = "zero", values = { "zero", "rcv_wnd", "any" }, rfc = "9293 3.10.7.1",
    what = "the window field of a RST the stack sends: the RFC gives none (its forms carry "
      .. "none), so 0, the receive window, or not checked (any)",
  },
  half_duplex_close = {
    default = false, values = { true, false }, rfc = "1122 4.2.2.13 (MAY, then SHOULD)",
    what = "after the application's CLOSE (tcb.closed), text arriving is answered by a RST "
      .. "and the connection dropped (else it is acknowledged as in any FIN-WAIT state)",
  },
  ooo_hold = {
    default = true, values = { true, false }, rfc = "9293 3.10.7.4 (SHOULD, SHLD-31)",
    what = "text beyond RCV.NXT in the window is held (one range) and delivered, with an "
      .. "immediate ACK (RFC 5681 4.2), once the gap before it is filled; else it is dropped",
  },
  rst_seq_test = {
    default = "segment", values = { "segment", "seq" }, rfc = "5961 3.2; 9293 3.10.7.4",
    what = "which part of a RST the window test reads: the segment, as the first step's four "
      .. "cases do (a RST whose text or SYN/FIN reaches into the window is challenged), or "
      .. "SEG.SEQ alone, as RFC 5961 3.2 case 1 words it (\"the sequence number is outside the "
      .. "current receive window\": silently dropped)",
  },
  gap_ack = {
    default = "immediate", values = { "immediate", "delayed" }, rfc = "5681 4.2 (SHOULD)",
    what = "the ACK of a segment that fills the gap before held text: sent at once (RFC 5681 "
      .. "4.2 SHOULD), or delayed like any in-order text (delayed_ack)",
  },
  ts_missing = {
    default = "accept", values = { "accept", "drop" }, rfc = "7323 3.2 (SHOULD)",
    what = "a non-RST segment without TSopt on a connection that negotiated timestamps is "
      .. "dropped silently (drop) or processed (accept)",
  },
}

local function allowed(def, v)
  for _, a in ipairs(def.values) do if a == v then return true end end
  return false
end

local function show(v)
  if type(v) == "string" then return ("%q"):format(v) end
  return tostring(v)
end

-- Returns a full knob table: the defaults, overridden by t (nil for none). An unknown
-- name or a value outside the knob's list raises "model knob NAME: expected one of ...,
-- got ..." at the caller's caller (the descriptor or test that passed it), so a typo in
-- a descriptor cannot silently leave a default in force.
--
-- The same table t, unchanged since it was last resolved, gives the same result table
-- (model.arrive resolves its knobs on every segment: a fuzzing campaign's millions); the
-- result is shared, so a caller must not change it (the model does not), and a caller
-- that changes t after resolving it gets a fresh result.
local memo = setmetatable({}, {__mode = "k"})

local function unchanged(m, t)
  local n = 0
  for name, v in pairs(t) do
    if m.input[name] ~= v then return false end
    n = n + 1
  end
  return n == m.n
end

function M.resolve(t, where)
  local m = t ~= nil and memo[t]
  if m and unchanged(m, t) then return m.out end
  where = where or "model knob"
  if t ~= nil and type(t) ~= "table" then
    error(("%s: expected a table of knobs, got %s"):format(where, type(t)), 3)
  end
  local k = {}
  for name, def in pairs(M.DEFS) do k[name] = def.default end
  for name, v in pairs(t or {}) do
    local def = M.DEFS[name]
    if not def then
      local names = {}
      for n in pairs(M.DEFS) do names[#names + 1] = n end
      table.sort(names)
      error(("%s %s: unknown knob (known: %s)"):format(where, tostring(name),
        table.concat(names, ", ")), 3)
    end
    if not allowed(def, v) then
      local vals = {}
      for _, a in ipairs(def.values) do vals[#vals + 1] = show(a) end
      error(("%s %s: expected one of %s, got %s"):format(where, name, table.concat(vals, ", "),
        show(v)), 3)
    end
    k[name] = v
  end
  if t ~= nil then
    local input, n = {}, 0
    for name, v in pairs(t) do input[name] = v; n = n + 1 end
    memo[t] = {input = input, n = n, out = k}
  end
  return k
end

return M
