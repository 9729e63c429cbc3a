-- fuzz.backlog: the new findings waiting to be processed (confirmed, minimised, re-run
-- alone per target with a pcap, their test verified: ~4.5 s each on the loaded machine),
-- and the share of the campaign's time that processing may take. A campaign that finds
-- signatures faster than it can process them keeps fuzzing: processing waits while it
-- has had its share (as counter attribution does, fuzz.attribution), and what is still
-- waiting when the campaign ends is reported as found -- unconfirmed, unminimised, with
-- the outputs and test of the run that raised it (`"processed": false`, README
-- "Contract") -- so every distinct signature is reported and none is hidden by a cap.
-- Pure Lua, no I/O.
local M = {}
M.__index = M

-- share: the most processing may take of the campaign's time so far (0..1).
function M.new(share)
  return setmetatable({items = {}, head = 1, tail = 0, spent = 0, share = share}, M)
end

function M:add(item)
  self.tail = self.tail + 1
  self.items[self.tail] = item
end

function M:count() return self.tail - self.head + 1 end

-- Whether processing may take the next item at campaign time `now`: one is waiting and
-- processing has not had more than its share (the first finding is always processed,
-- unless the share is 0: then none is, and every finding is reported as found -- what a
-- test of the end-of-campaign confirmation needs, fuzz_spec).
function M:ready(now)
  return self.share > 0 and self:count() > 0 and self.spent <= self.share * now
end

-- The oldest waiting item (nil if none), taken off the backlog.
function M:take()
  if self:count() == 0 then return nil end
  local it = self.items[self.head]
  self.items[self.head] = nil
  self.head = self.head + 1
  return it
end

-- Processing took `seconds`.
function M:charge(seconds) self.spent = self.spent + seconds end

-- Everything still waiting, oldest first; the backlog is empty afterwards.
function M:drain()
  local out = {}
  while self:count() > 0 do out[#out + 1] = self:take() end
  return out
end

return M
