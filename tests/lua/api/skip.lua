local T = require "tcpconform"
T.test("skipped every time", {rfc = "9293 3.1"}, function(lab) T.skip("on purpose") end)
