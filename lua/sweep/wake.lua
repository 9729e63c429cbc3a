-- sweep.wake: a scheduler's round over the cases in flight on one lab (sweep.engine's
-- Lab:schedule, fuzz.exec's stream): how long its one pump may wait, and which cases may
-- go on after it -- those whose time came, whose port got a segment, whose agent reply
-- was read -- so that a round resumes only the cases something happened to, not all of
-- them. A case is {wake = lab time, kind = "wire" | "agent" | nil, port = harness port
-- or request id, over = true once ended} (sweep.async's pause). Pure Lua: the lab is
-- only asked for its news (lab:agent_news).
local M = {}

-- Agent replies read since the last look (lab:agent_news): {[id] = true}, nil (none) or
-- true (too many to tell: any may have come), merged with `into` (the same forms).
function M.news(core, into)
  local n = core:agent_news()
  if into == nil then return n end
  if n == nil then return into end
  if into == true or n == true then return true end
  for id in pairs(n) do into[id] = true end
  return into
end

-- The deadline of a round's pump over the cases `running` ({wake, kind, port, over}):
-- their earliest wake-up, at most `cap` seconds away; at most 5 ms while a case waits on
-- the agent without naming its request (the lab cannot say whose reply came); now when
-- replies are already waiting to be seen (`pending`: read by the cases' own looks, which
-- pump the lab -- pump_once would not count them as news and sleep on).
function M.pump_deadline(core, running, cap, pending)
  local now = core:now()
  if pending then return now end
  local wake = math.huge
  for _, r in ipairs(running) do
    if not r.over then
      if r.wake < wake then wake = r.wake end
      if r.kind == "agent" and r.port == nil and cap > 0.005 then cap = 0.005 end
    end
  end
  return math.min(wake, now + cap)
end

-- Whether case r may go on after a round: its time came, a segment reached its port
-- (`ports`, lab:inbound_ports) or its agent reply was read (`replies`, news()).
function M.due(r, now, ports, replies)
  if now >= r.wake then return true end
  if r.kind == "wire" then return ports ~= nil and ports[r.port] ~= nil end
  if r.kind == "agent" then
    return r.port == nil or replies == true or (replies ~= nil and replies[r.port] ~= nil)
  end
  return false
end

return M
