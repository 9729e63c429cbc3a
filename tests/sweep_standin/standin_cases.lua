-- A stand-in for sweep.cases (S2's), for the engine's own tests only: three hand-made
-- cases per state (a bare ACK, an RST at RCV.NXT, a SYN at RCV.NXT), deterministic.
local M = {}

local events = {
  {class = "ACK", steps = {{flags = "A", seq = {"rcv_nxt", 0}, ack = {"snd_nxt", 0}, len = 0}}},
  {class = "RST", steps = {{flags = "R", seq = {"rcv_nxt", 0}, len = 0}}},
  {class = "SYN", steps = {{flags = "S", seq = {"rcv_nxt", 0}, len = 0}}},
}

function M.enumerate(q)
  local out = {}
  for _, e in ipairs(events) do
    out[#out + 1] = {id = ("%s/%s/%s"):format(q.state, q.family, e.class), state = q.state,
      family = q.family, class = e.class, group = q.state .. " " .. e.class, steps = e.steps}
  end
  return out
end

return M
