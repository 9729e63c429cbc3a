-- The script API's corners that must work (tests/selftest_api.sh): each test passes.
local T = require "tcpconform"

T.test("a test without an id runs (id is optional)", {rfc = "9293 3.10.7.1"}, function(lab)
  local c = lab:conn{port = 9}
  c:send "S 0:0(0) win 65535"
  c:expect "R. 0:0(0) ack 1"
end)

T.test("send(\"\") is one send() of zero bytes and returns 0", {rfc = "9293 3.10.2"}, function(lab)
  local c, s = T.established(lab, 8201)
  T.eq(s:send(""), 0, "send(\"\")")
  c:silence(0.1)
end)

T.test("a payload above the MTU goes out in pieces with split = true", {rfc = "9293 3.7.1"},
  function(lab)
    local c, s = T.established(lab, 8202)
    local data = ("0123456789"):rep(300)
    local _, n = c:send({"P. 1:3001(3000) ack 1", data = data}, {split = true})
    T.eq(n, 3, "segments sent")
    c:await(". 1:1(0) ack 3001")
    T.eq(s:recv(3000, {waitall = true}), data, "recv(3000, MSG_WAITALL)")
  end)

T.test("p matches a data segment with or without PSH", {rfc = "9293 3.9.1"}, function(lab)
  local c, s = T.established(lab, 8203)
  s:send("abc")
  c:expect "p. 1:4(3) ack 1"
end)

T.test("a multi-value sysctl takes spaces, commas or a list", {rfc = "9293 3.8.6"}, function(lab)
  lab:sysctl("net.ipv4.tcp_rmem", "4096 131072 1048576")
  T.eq(lab:sysctl("net.ipv4.tcp_rmem"):gsub("%s+", ","), "4096,131072,1048576", "spaces")
  lab:sysctl("net.ipv4.tcp_rmem", {4096, 65536, 1048576})
  T.eq(lab:sysctl("net.ipv4.tcp_rmem"):gsub("%s+", ","), "4096,65536,1048576", "a list")
end)

T.test("events: named, previous, a segment's t and an op's t", {rfc = "9293 3.10.7"},
  function(lab)
    local c, s = T.established(lab, 8204)
    local t0 = lab:mark("start")
    T.eq(lab:event("start"), t0, "lab:event")
    local op = s:recv_async(10, {wait = 3, name = "read"})
    local sent = c:send({"P. 1:4(3) ack 1", data = "xyz"}, {name = "data"})
    T.eq(lab:event("data"), sent, "a send's time")
    local a = c:await(". 1:1(0) ack 4", {after = "data", range = {0, 0.5}})
    T.range(a.t, sent, sent + 0.5, "the ACK's time")
    T.eq(op:wait(), "xyz", "recv")
    T.eq(lab:event("read"), op.t, "an op's time is its event")
    T.check(op.t >= sent, "recv returned after the data was sent")
  end)

T.test("c:info() gives iss/irs absolute and snd_nxt/rcv_nxt relative", {rfc = "9293 3.3.1"},
  function(lab)
    local c = T.established(lab, 8205)
    local i = c:info()
    T.eq(i.snd_nxt, 1, "snd_nxt (relative)")
    T.eq(i.rcv_nxt, 1, "rcv_nxt (relative)")
    T.eq(i.snd_nxt_abs, (i.iss + 1) % 2^32, "snd_nxt_abs")
    T.eq(i.rcv_nxt_abs, (i.irs + 1) % 2^32, "rcv_nxt_abs")
  end)

T.test("the lab's MTU is the test's mtu (the SYN|ACK's MSS follows it)",
  {rfc = "9293 3.7.1", mtu = 1400}, function(lab)
    T.eq(lab.addr.mtu, 1400, "lab.addr.mtu")
    lab.target:listen(8206)
    local c = lab:conn{port = 8206}
    T.eq(c:info().max_payload, 1360, "max_payload")
    c:send "S 0:0(0) win 65535 <mss 1460>"
    c:expect "S. 0:0(0) ack 1 <mss 1360>"
  end)
