-- Failures the API must report, each with what tests/selftest_api.sh looks for.
local T = require "tcpconform"

T.test("seen lists every segment of the connection", {rfc = "9293 3.10.7"}, function(lab)
  local c = T.established(lab, 8211)
  c:send {"P. 1:4(3) ack 1", data = "abc"}
  c:expect ". 1:1(0) ack 5"
end)

T.test("a late segment is late", {rfc = "6298 5.5"}, function(lab)
  local c, s = T.established(lab, 8212)
  s:send("x")
  c:expect("P. 1:2(1) ack 1", {name = "first"})
  c:expect("P. 1:2(1) ack 1", {after = "first", at = 0.05, tol = 0.01})
end)

T.test("an early segment is early", {rfc = "6298 5.5"}, function(lab)
  local c, s = T.established(lab, 8213)
  s:send("x")
  c:expect("P. 1:2(1) ack 1", {name = "first"})
  c:expect("P. 1:2(1) ack 1", {after = "first", range = {2, 3}})
end)

T.test("a stream that is short fails naming the count", {rfc = "9293 3.10.7.4"}, function(lab)
  local c, s = T.established(lab, 8214)
  s:send(100)
  c:expect_stream(200, {within = 0.3})
end)
