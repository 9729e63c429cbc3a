-- Used by tests/selftest_targets.sh and selftest_lastwords.sh: a test that waits (on the
-- wire and in a parked accept) while the target crashes or hangs under it, then one that
-- must still pass on the next lab.
local T = require "tcpconform"
T.test("waits while the target dies", {id = "A5", rfc = "9293 3.10.7.1", timeout = 20}, function(lab)
  local l = lab.target:listen(8080)
  lab:conn{port = 9}:silence(3)
  l:accept{wait = 3}
end)
T.test("runs after it", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  local c = lab:conn{port = 9}
  c:send "S 0:0(0)"
  c:expect "R. 0:0(0) ack 1"
end)
