-- IP fragments and IPv6 extension headers from the harness (c:send's frag, frag_order,
-- frag_drop and ext options, lua/README.md; built by harness/packet/frame_frag.c).
--
-- A receiver reassembles a datagram from its fragments in any order (RFC 791 3.2 for
-- IPv4; RFC 8200 4.5 for IPv6, whose Fragment header carries offset, M and
-- identification) and hands TCP the whole segment: its checksum, computed over the
-- whole segment, verifies only then. A segment is then not limited by the link's MTU,
-- only by the datagram's length. IPv6 extension headers a node does not act on are
-- skipped (RFC 8200 4: Hop-by-Hop and Destination Options padded with PadN, 4.2); an
-- option whose type's two high bits are 01 makes the node discard the packet (4.2).
local T = require "tcpconform"

local PORT = 8080

-- 3000 bytes: more than one segment may carry on the lab's 1500-byte link.
local DATA = {}
for i = 1, 3000 do DATA[i] = string.char(0x41 + i % 26) end
DATA = table.concat(DATA)

for _, family in ipairs{"inet", "inet6"} do
  local v6 = family == "inet6" and "IPv6: " or ""
  local frag_rfc = family == "inet6" and "8200 4.5" or "791 3.2"
  -- A fragment must fit the link: 1232 bytes of fragmentable part is what the IPv6
  -- minimum MTU leaves (1280 - 40 - 8); IPv4 takes the same for symmetry.
  local FRAG = 1232

  -- 24 bytes of TCP header go in the first fragment whole (RFC 8200 4.5 requires it of
  -- an IPv6 sender), the 100 data bytes in 16-byte fragments after it. Without TCP Fast
  -- Open the SYN's data is not acknowledged (RFC 9293 3.10.7.2).
  T.test(v6 .. "a SYN carrying data, in 16-byte fragments in order, is answered by SYN|ACK",
    {rfc = frag_rfc, tags = {"ip", "fragments"}},
    function(lab)
      lab.target:listen(PORT, {family = family})
      local c = lab:conn{port = PORT, family = family}
      local _, n = c:send({"S 0:100(100) win 65535 <mss 1460>"}, {frag = 16})
      T.eq(n, 1, "segments sent")
      c:expect "S. 0:0(0) ack 1 <mss *>"
    end)

  T.test(v6 .. "a SYN carrying data, in 16-byte fragments last first, is answered by SYN|ACK",
    {rfc = frag_rfc, tags = {"ip", "fragments"}},
    function(lab)
      lab.target:listen(PORT, {family = family})
      local c = lab:conn{port = PORT, family = family}
      c:send({"S 0:100(100) win 65535 <mss 1460>"}, {frag = 16, frag_order = "reverse"})
      c:expect "S. 0:0(0) ack 1 <mss *>"
    end)

  T.test(v6 .. "a 3000-byte segment in 1232-byte fragments in order is ACKed in full and delivered",
    {rfc = frag_rfc, tags = {"ip", "fragments"}},
    function(lab)
      local c, s = T.established(lab, PORT, {family = family})
      c:send({"P. 1:3001(3000) ack 1", data = DATA}, {frag = FRAG})
      c:expect ". 1:1(0) ack 3001"
      T.eq(s:recv(4000, {wait = 1}), DATA, "the 3000 bytes recv() returns")
    end)

  T.test(v6 .. "a 3000-byte segment in 1232-byte fragments last first is ACKed in full and delivered",
    {rfc = frag_rfc, tags = {"ip", "fragments"}},
    function(lab)
      local c, s = T.established(lab, PORT, {family = family})
      c:send({"P. 1:3001(3000) ack 1", data = DATA}, {frag = FRAG, frag_order = "reverse"})
      c:expect ". 1:1(0) ack 3001"
      T.eq(s:recv(4000, {wait = 1}), DATA, "the 3000 bytes recv() returns")
    end)

  T.test(v6 .. "a segment whose last fragment never comes is never delivered",
    {rfc = frag_rfc, tags = {"ip", "fragments"}},
    function(lab)
      local c = T.established(lab, PORT, {family = family})
      c:send({"P. 1:3001(3000) ack 1", data = DATA}, {frag = FRAG, frag_drop = "last"})
      c:silence(0.3)
      lab.target:expect_state(c, "ESTABLISHED", "after the incomplete datagram")
    end)

  T.test(v6 .. "without frag, a segment longer than the link's MTU is refused naming frag",
    {rfc = frag_rfc, tags = {"ip", "fragments"}},
    function(lab)
      local c = T.established(lab, PORT, {family = family})
      local ok, err = pcall(c.send, c, {"P. 1:3001(3000) ack 1", data = DATA})
      T.check(not ok and tostring(err):find("{frag = N}", 1, true),
        "error names frag: " .. tostring(err))
    end)
end

T.test("IPv6: Hop-by-Hop and Destination Options headers before TCP are skipped",
  {rfc = "8200 4", tags = {"ip", "ipv6", "ext"}},
  function(lab)
    lab.target:listen(PORT, {family = "inet6"})
    local c = lab:conn{port = PORT, family = "inet6"}
    c:send("S 0:0(0) win 65535 <mss 1460>", {ext = "hbh,dst"})
    c:expect "S. 0:0(0) ack 1 <mss *>"
  end)

T.test("IPv6: Hop-by-Hop, fragments, and Destination Options in the fragmentable part",
  {rfc = "8200 4.5", tags = {"ip", "ipv6", "ext", "fragments"}},
  function(lab)
    local c, s = T.established(lab, PORT, {family = "inet6"})
    c:send({"P. 1:3001(3000) ack 1", data = DATA}, {frag = 1024, ext = {"hbh", "dst"}})
    c:expect ". 1:1(0) ack 3001"
    T.eq(s:recv(4000, {wait = 1}), DATA, "the 3000 bytes recv() returns")
  end)

T.test("IPv6: an unknown destination option of type 01xxxxxx discards the segment",
  {rfc = "8200 4.2", tags = {"ip", "ipv6", "ext"}},
  function(lab)
    lab.target:listen(PORT, {family = "inet6"})
    local c = lab:conn{port = PORT, family = "inet6"}
    c:send("S 0:0(0) win 65535 <mss 1460>", {ext = "dst_discard"})
    c:silence(0.3)
  end)
