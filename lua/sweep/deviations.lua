-- sweep.deviations: a target's known departures from the RFC 9293 model, declared in
-- its descriptor (targets/<name>/target.lua) as
--
--   sweep_deviations = {
--     ["rfc5961.challenge_ack"] = {reason = "...", rfc = "5961 3.2"},          -- a rule id
--     ["TIME-WAIT/*/RST*"]      = {reason = "...", rfc = "1337 F1"},           -- case ids
--     ["rst.challenge@TIME-WAIT/*"] = {reason = "...", rfc = "5961 3.2"},      -- both
--   }
--
-- Why a table of its own and not `deviations`: those name hand-written tests; these
-- name model rules and generated cases, and turn a sweep `differs` into `deviation`,
-- which does not fail the run (README "Sweeping the state machine").
--
-- A key covers a result when it equals the result's rule id (the model rule of its first
-- difference), or when it matches the case id as a glob in which '*' stands for any run
-- of characters and every other character for itself (case ids are full of '+', '-' and
-- '.', which a Lua pattern would read as magic), or, written "RULE@GLOB", when both hold
-- (a rule id in some states only: neither rule ids nor case ids contain '@'). Several
-- keys may cover one result: the
-- first in sorted order wins, so the verdict does not depend on table order.
--
-- An entry may also say `seen = "TEXT"`: it then covers only results whose `seen` (the
-- observed replies and states, "... -> FIN-WAIT-1") contains TEXT, for a behaviour that
-- shows in what the target did rather than in what was sent (gVisor turns LAST-ACK into
-- FIN-WAIT-1 when it retransmits its FIN, whatever the case's segment was).
--
-- An entry may instead say `error = "TEXT"`: it then covers results with verdict `error`
-- (and only those) whose detail contains TEXT -- a stack's own crash on a case, confirmed
-- by running the case alone (the engine attaches the target's last words then), such as
-- lwIP's assertion "insane offset!" on a FIN at RCV.NXT+2^31. Such a case proves nothing
-- about the model, but a declared crash is a known bug of the stack, not a failure of
-- the run; an undeclared error still fails it. An `error` entry matches by case id only
-- (an error has no rule).
--
-- An entry with `bug = true` is a known bug of the stack, not a deviation: a MUST of the
-- RFC it breaks (its reason quotes it), declared so that a sweep or a fuzzing campaign
-- does not report it again; the verdict is still `deviation` (it does not fail the run),
-- its reason says "known bug of the stack". `after = {GLOB...}` (the fuzzer only,
-- lua/fuzz/declared.lua): step ids of an earlier step of a program after which the stack's
-- connection is no longer the model's because of this bug, so that a finding at a later
-- step is the bug's consequence.
local M = {}

-- A glob's pieces between its '*'s, split once per pattern (the fuzzer looks up
-- thousands of ids against the same keys).
local pieces_of = setmetatable({}, {__mode = "k"})
local piece_cache = {}
local function pieces(pat)
  local parts = piece_cache[pat]
  if parts then return parts end
  parts = {}
  for piece in (pat .. "*"):gmatch("([^*]*)%*") do parts[#parts + 1] = piece end
  piece_cache[pat] = parts
  return parts
end

-- Whether glob (only '*' special) matches all of s.
local function glob(pat, s)
  local parts = pieces(pat)
  local n = #parts
  -- parts[1] must be a prefix, parts[n] a suffix, the rest in order between.
  if n == 1 then return s == pat end
  local first, last = parts[1], parts[n]
  if s:sub(1, #first) ~= first then return false end
  local pos = #first + 1
  for i = 2, n - 1 do
    local at = s:find(parts[i], pos, true)
    if not at then return false end
    pos = at + #parts[i]
  end
  return #s - pos + 1 >= #last and (last == "" or s:sub(-#last) == last)
end
M.glob = glob

-- Checks the shape of descriptor.sweep_deviations: true, or nil and a message naming
-- the key and what was expected.
function M.check(descriptor)
  local devs = descriptor and descriptor.sweep_deviations
  if devs == nil then return true end
  if type(devs) ~= "table" then
    return nil, ("sweep_deviations: expected a table, got %s"):format(type(devs))
  end
  for key, d in pairs(devs) do
    if type(key) ~= "string" or key == "" then
      return nil, ("sweep_deviations: expected a rule id or case-id pattern as key, got %s")
        :format(tostring(key))
    end
    if type(d) ~= "table" or type(d.reason) ~= "string" or d.reason == "" then
      return nil, ('sweep_deviations["%s"]: expected {reason = "...", rfc = "..."}, got %s')
        :format(key, type(d) == "table" and "no reason" or type(d))
    end
    if d.rfc ~= nil and type(d.rfc) ~= "string" then
      return nil, ('sweep_deviations["%s"].rfc: expected a string, got %s'):format(key, type(d.rfc))
    end
    for _, f in ipairs({"seen", "error"}) do
      if d[f] ~= nil and (type(d[f]) ~= "string" or d[f] == "") then
        return nil, ('sweep_deviations["%s"].%s: expected a non-empty string, got %s'):format(key,
          f, type(d[f]) == "string" and '""' or type(d[f]))
      end
    end
    if d.bug ~= nil and type(d.bug) ~= "boolean" then
      return nil, ('sweep_deviations["%s"].bug: expected a boolean, got %s'):format(key, type(d.bug))
    end
    if d.after ~= nil then
      local ok = type(d.after) == "table" and #d.after > 0
      for _, g in ipairs(type(d.after) == "table" and d.after or {}) do
        if type(g) ~= "string" or g == "" then ok = false end
      end
      if not ok then
        return nil, ('sweep_deviations["%s"].after: expected a list of step-id globs, got %s')
          :format(key, type(d.after))
      end
    end
    if d.seen ~= nil and d.error ~= nil then
      return nil, ('sweep_deviations["%s"]: expected one of seen and error, got both'):format(key)
    end
  end
  return true
end

-- The key of descriptor.sweep_deviations that covers result, and its entry; nil if none.
-- A table's keys, sorted, each with its RULE@GLOB parts and the state its glob names
-- (the text before the first '/' when the glob's literal head reaches it: "TIME-WAIT/*"
-- can only match a TIME-WAIT id), and per (state, rule) the keys that can cover such a
-- result, in the same order: the fuzzer looks up hundreds of thousands of ids, and
-- scanning every key for each was a sixth of a Linux campaign's Lua time. Made on the
-- table's first lookup: a descriptor is not changed once loaded, and code that changes
-- one's keys after a lookup (a test) calls M.forget.
local function sorted_keys(devs)
  local c = pieces_of[devs]
  if c then return c end
  c = {rule = {}, glob = {}, state = {}, plain = {}, cands = {}}
  for k in pairs(devs) do if type(k) == "string" then c[#c + 1] = k end end
  table.sort(c)
  for i, k in ipairs(c) do
    c.rule[i], c.glob[i] = k:match("^([^@]+)@(.+)$")
    local head = (c.glob[i] or k):match("^[^*]*")
    c.state[i] = head:match("^([^/]*)/")
    -- no '*' and no '/': a rule id (a case id always has a '/')
    c.plain[i] = not c.rule[i] and not k:find("[*/]")
  end
  pieces_of[devs] = c
  return c
end

-- The indices of keys that can cover a result in state st with rule `rule` (nil: none).
local function candidates(c, st, rule)
  local ck = (st or "") .. "\0" .. (rule or "")
  local l = c.cands[ck]
  if l then return l end
  l = {}
  for i, k in ipairs(c) do
    local in_state = c.state[i] == nil or c.state[i] == st
    local ok
    if c.rule[i] then ok = c.rule[i] == rule and in_state
    elseif c.plain[i] then ok = k == rule
    else ok = k == rule or in_state end
    if ok then l[#l + 1] = i end
  end
  c.cands[ck] = l
  return l
end

-- Drops what M.find keeps of descriptor's table, after its keys or entries changed.
function M.forget(descriptor)
  local devs = descriptor and descriptor.sweep_deviations
  if type(devs) == "table" then pieces_of[devs] = nil end
end

function M.find(result, descriptor)
  local devs = descriptor and descriptor.sweep_deviations
  if type(devs) ~= "table" then return nil end
  local keys = sorted_keys(devs)
  local rule = result.rule ~= "" and result.rule or nil
  local is_error = result.verdict == "error"
  local id = result.id or ""
  for _, i in ipairs(candidates(keys, id:match("^([^/]*)/"), rule)) do
    local k, r, g = keys[i], keys.rule[i], keys.glob[i]
    local d = devs[k]
    local seen_ok = type(d) ~= "table" or d.seen == nil
      or (result.seen or ""):find(d.seen, 1, true) ~= nil
    -- An error entry covers errors only, and an error only an error entry.
    local err = type(d) == "table" and d.error or nil
    if is_error or err then
      seen_ok = seen_ok and is_error and err ~= nil
        and (result.detail or ""):find(err, 1, true) ~= nil
    end
    if seen_ok and ((r and r == rule and glob(g, id))
       or (not r and (k == rule or glob(k, id)))) then
      return k, d
    end
  end
  return nil
end

-- The engine calls this on every result before emitting it: a `differs` covered by the
-- descriptor becomes `deviation`, with reason "<reason> (RFC <rfc>; declared as <key>)";
-- so does an `error` that an `error =` entry covers (the stack's declared crash). Other
-- verdicts are left alone (an `agree` is no deviation; any other error proves nothing).
-- Changes result in place and returns it. A malformed table is an error naming the key.
function M.classify(result, descriptor)
  local ok, msg = M.check(descriptor)
  if not ok then error(msg, 2) end
  if result.verdict ~= "differs" and result.verdict ~= "error" then return result end
  local key, d = M.find(result, descriptor)
  if key then
    result.verdict = "deviation"
    result.reason = ("%s%s (RFC %s; declared as %s)"):format(d.bug and "known bug of the stack: " or "",
      d.reason, d.rfc or "?", key)
  end
  return result
end

return M
