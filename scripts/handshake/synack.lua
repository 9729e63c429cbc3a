-- A listener's answer to a SYN and the three-way handshake (BEHAVIOURS.md A9, B1;
-- RFC 9293 3.5 and 3.10.7.2, RFC 7323 1.3 and 3.2, RFC 2018 2).
local T = require "tcpconform"

local PORT = 8080

T.test("SYN without options gets SYN|ACK acking ISN+1 with only an MSS of 1460",
  {id = "A9", rfc = "9293 3.10.7.2", tags = {"handshake", "options"}},
  function(lab)
    lab.target:listen(PORT)
    local c = lab:conn{port = PORT}
    c:send "S 0:0(0) win 65535 <>"
    -- The target sends its own MSS (1500-byte link - 40) and, since the SYN offered no
    -- window scale, SACK or timestamps, none of those (RFC 7323 1.3, RFC 2018 2).
    c:expect "S. 0:0(0) ack 1 <mss 1460>"
  end)

T.test("SYN offering MSS, SACK, timestamps and window scale gets all four back",
  {id = "A9", rfc = "9293 3.10.7.2", tags = {"handshake", "options"}},
  function(lab)
    lab.target:listen(PORT)
    local c = lab:conn{port = PORT}
    c:send "S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>"
    -- RFC 7323 3.2: the SYN|ACK's TSecr echoes our TSval; the target's own window scale
    -- depends on its buffer sizes, so any value is accepted.
    local sa = c:expect "S. 0:0(0) ack 1 <mss 1460,sackOK,TS val * ecr 100,nop,wscale *>"
    T.range(sa.wscale, 0, 14, "SYN|ACK window scale (RFC 7323 2.3: at most 14)")
  end)

-- IPv6: the MSS a 1500-byte link allows is 1500 - 40 (IPv6 header) - 20 (TCP) = 1440.
local MSS = {inet = 1460, inet6 = 1440}

for _, family in ipairs{"inet", "inet6"} do
  local v6 = family == "inet6" and "IPv6: " or ""
  local tags = family == "inet6" and {"handshake", "state", "ipv6"} or {"handshake", "state"}
  local mss = ("<mss %d>"):format(MSS[family])

  T.test(v6 .. "handshake: SYN_RECV until the final ACK, then ESTABLISHED and accept() returns",
    {id = "B1", rfc = "9293 3.5", tags = tags},
    function(lab)
      local l = lab.target:listen(PORT, {family = family})
      local c = lab:conn{port = PORT, family = family}
      c:send("S 0:0(0) win 65535 " .. mss)
      c:expect("S. 0:0(0) ack 1 " .. mss)
      lab.target:expect_state(c, "SYN_RECV", "target state after SYN|ACK")
      -- Nothing to accept before the handshake completes.
      local none, err = l:accept{wait = 0.2}
      T.eq(none, nil, "accept() before the final ACK")
      T.eq(err, "TIMEOUT", "accept() before the final ACK")
      c:send ". 1:1(0) ack 1"
      local s, aerr = l:accept()
      T.check(s, "accept() after the final ACK failed: " .. tostring(aerr))
      lab.target:expect_state(c, "ESTABLISHED", "target state after the final ACK")
      c:silence(0.2)
    end)
end

T.test("IPv6: SYN without options gets SYN|ACK acking ISN+1 with only an MSS of 1440",
  {id = "A9", rfc = "9293 3.10.7.2", tags = {"handshake", "options", "ipv6"}},
  function(lab)
    lab.target:listen(PORT, {family = "inet6"})
    local c = lab:conn{port = PORT, family = "inet6"}
    c:send "S 0:0(0) win 65535 <>"
    c:expect "S. 0:0(0) ack 1 <mss 1440>"
  end)
