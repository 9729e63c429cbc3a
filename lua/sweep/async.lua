-- sweep.async: waits that yield instead of blocking, for code running as one of the
-- engine's coroutines (sweep.engine). Each wait yields the lab time at which it wants to
-- be looked at again; the engine pumps the lab once (lab:pump_once) until the earliest
-- of those times or until something arrives, then resumes the waiting cases, which look
-- again without blocking (c:next, lab:reply(id, 0)). Every wait has a deadline, so a
-- case whose target never answers ends as an error of that case, never as a hang.
local M = {}

-- Suspends the calling case until at most `at` (lab time); earlier, as `kind` says,
-- when a segment from the target reached harness port `what` ("wire"), or when the
-- agent's reply to request id `what` was read ("agent"; without an id, when anything
-- arrived at all). No kind: only `at`.
function M.pause(at, kind, what)
  coroutine.yield(at, kind, what)
end

-- One agent request (targets/PROTOCOL.md), answered within `timeout` seconds (default
-- 2) or an error naming the request. lab: the core lab userdata.
function M.call(lab, line, timeout)
  timeout = timeout or 2.0
  local id = lab:call_async(line)
  local deadline = lab:now() + timeout
  while true do
    local r = lab:reply(id, 0)
    if r then return r end
    if lab:now() >= deadline then
      error(("the target's agent did not answer %q within %.1f s"):format(line, timeout), 0)
    end
    M.pause(deadline, "agent", id)
  end
end

-- Like call, but a reply with ret < 0 is an error naming the request and the errno name.
function M.must(lab, line, timeout)
  local r = M.call(lab, line, timeout)
  if r.ret < 0 then
    error(("%s failed: %s%s"):format(line, tostring(r.err), r.msg and (" (" .. r.msg .. ")") or ""), 0)
  end
  return r
end

-- Several requests at once (the agent answers them in order): one round trip instead of
-- one each. Every reply must be ret >= 0, else an error naming the request; returns the
-- replies in order.
function M.must_all(lab, lines, timeout)
  timeout = timeout or 2.0
  local ids = {}
  for i, line in ipairs(lines) do ids[i] = lab:call_async(line) end
  local deadline = lab:now() + timeout
  local replies = {}
  for i, id in ipairs(ids) do
    while not replies[i] do
      replies[i] = lab:reply(id, 0)
      if not replies[i] then
        if lab:now() >= deadline then
          error(("the target's agent did not answer %q within %.1f s"):format(lines[i], timeout), 0)
        end
        M.pause(deadline, "agent", id)
      end
    end
  end
  for i, r in ipairs(replies) do
    if r.ret < 0 then
      error(("%s failed: %s%s"):format(lines[i], tostring(r.err), r.msg and (" (" .. r.msg .. ")") or ""), 0)
    end
  end
  return replies
end

-- The next segment from the target on connection c before `deadline` (lab time), or nil.
-- With a template also whether it matched and why not (c:next's values).
function M.segment(lab, c, deadline, tpl)
  local port
  while true do
    local s, ok, why = c:next(tpl)
    if s then return s, ok, why end
    if lab:now() >= deadline then return nil end
    port = port or c:info().sport
    M.pause(deadline, "wire", port)
  end
end

-- The next segment must come within `within` seconds and match tpl (shorthand); else an
-- error saying what was expected and what came (or that nothing did).
function M.expect(lab, c, tpl, within, what)
  local s, ok, why = M.segment(lab, c, lab:now() + (within or 1.0), tpl)
  if not s then
    error(("%s: expected %s within %.2f s, got nothing"):format(what, tpl, within or 1.0), 0)
  end
  if not ok then
    error(("%s: expected %s, got %s (%s)"):format(what, tpl, s.text, why), 0)
  end
  return s
end

-- Lets `seconds` pass for this case only.
function M.sleep(lab, seconds)
  local at = lab:now() + seconds
  while lab:now() < at do M.pause(at) end
end

return M
