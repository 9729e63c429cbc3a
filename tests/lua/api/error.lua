-- Script mistakes: each an <error> at the script's line (tests/selftest_api.sh).
local T = require "tcpconform"

T.test("range and data disagree", {rfc = "9293 3.1"}, function(lab)
  lab:conn{port = 9}:send{"P. 1:11(10) ack 1", data = "abc"}
end)

T.test("sleep -1", {rfc = "9293 3.1"}, function(lab)
  lab:sleep(-1)
end)

T.test("payload above the MTU", {rfc = "9293 3.7.1"}, function(lab)
  local c = T.established(lab, 8221)
  c:send{". 1:2001(2000) ack 1", data = ("x"):rep(2000)}
end)

T.test("unknown event", {rfc = "9293 3.1"}, function(lab)
  local c = T.established(lab, 8222)
  c:expect(". 1:1(0) ack 1", {after = "nosuch", at = 1})
end)

T.test("bad sysctl value", {rfc = "9293 3.1"}, function(lab)
  lab:sysctl("net.ipv4.tcp_rmem", "1 2 x")
end)

T.test("agent message decoded", {rfc = "9293 3.1"}, function(lab)
  lab.target:listen(70000)
end)

T.test("payload above a smaller MTU", {rfc = "9293 3.7.1", mtu = 1300}, function(lab)
  local c = T.established(lab, 8223)
  c:send{". 1:1262(1261) ack 1", data = ("x"):rep(1261)}
end)
