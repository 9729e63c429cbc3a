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

T.test("socket surface: O_NONBLOCK, MSG_PEEK, MSG_DONTWAIT, MSG_MORE, getsockopt",
  {rfc = "9293 3.10.3"}, function(lab)
    local c, s = T.established(lab, 8207)
    T.eq(s:set_nonblocking(true), 0, "set_nonblocking(true)")
    T.eq(select(2, s:recv(10)), "EAGAIN", "recv() on an empty non-blocking socket")
    T.eq(s:set_nonblocking(false), 0, "set_nonblocking(false)")
    T.eq(select(2, s:recv(10, {dontwait = true})), "EAGAIN", "recv(MSG_DONTWAIT)")
    c:send{"P. 1:4(3) ack 1", data = "abc"}
    c:await ". 1:1(0) ack 4"
    T.eq(s:recv(10, {peek = true}), "abc", "recv(MSG_PEEK)")
    T.eq(s:recv(10), "abc", "recv() after the peek")
    T.eq(s:send("ab", {more = true}), 2, "send(MSG_MORE)")
    c:silence(0.1)
    T.eq(s:send("cd"), 2, "send() after MSG_MORE")
    c:expect "p. 1:5(4) ack 4"
    c:send ". 4:4(0) ack 5"
    T.eq(s:getsockopt("so_error"), 0, "SO_ERROR")
    T.eq(s:getsockopt("tcp_maxseg"), 1460, "TCP_MAXSEG")
    T.check(s:getsockopt("so_rcvbuf") > 0, "SO_RCVBUF")
    T.eq(s:setsockopt("tcp_nodelay", true), 0, "setsockopt(TCP_NODELAY)")
    T.eq(s:getsockopt("tcp_nodelay"), 1, "TCP_NODELAY")
    T.eq(s:setsockopt("tcp_user_timeout", 1500), 0, "setsockopt(TCP_USER_TIMEOUT)")
    T.eq(s:getsockopt("tcp_user_timeout"), 1500, "TCP_USER_TIMEOUT")
    local info = s:getsockopt("tcp_info")
    T.eq(info.state, "ESTABLISHED", "tcp_info state")
    T.eq(info.snd_mss, 1460, "tcp_info snd_mss")
  end)

T.test("a lingering close is an operation that returns when the FIN is acknowledged",
  {rfc = "9293 3.6"}, function(lab)
    local c, s = T.established(lab, 8208)
    T.eq(s:setsockopt("so_linger", 1, 5), 0, "SO_LINGER {1, 5}")
    local op = s:close_async()
    c:expect "F. 1:1(0) ack 1"
    c:silence(0.1)
    T.check(not op:done(), "close() returned before its FIN was acknowledged")
    c:send(". 1:1(0) ack 2", {name = "ack"})
    T.eq(op:wait(), 0, "close()")
    T.range(op.t - lab:event("ack"), 0, 0.5, "close() returned after our ACK (s)")
  end)
