-- Reaction latency (bench/run.sh): many three-way handshakes, each one the harness's
-- SYN, the target's SYN|ACK and the harness's final ACK. bench/pcap_reaction.py reads
-- the per-test pcaps and takes, per handshake, t(our ACK) - t(their SYN|ACK): how long
-- the harness takes from a target segment's arrival to its scripted answer on the wire
-- (capture, decode, match, back into Lua, encode, inject), both times stamped by the
-- kernel on the harness's end of the link.
--
-- Not a conformance test: run it only from bench/run.sh (tcpconform run bench/reaction.lua).
local T = require "tcpconform"

local ROUNDS, PER_ROUND = 4, 250   -- 1000 handshakes, over four labs
local PORT = 8080

for round = 1, ROUNDS do
  T.test(("reaction latency: %d handshakes, round %d"):format(PER_ROUND, round),
    {id = "B1", rfc = "9293 3.5", tags = {"bench"}},
    function(lab)
      -- the accept queue must hold every connection: nothing accepts them
      lab.target:listen(PORT, {backlog = 2 * PER_ROUND})
      for _ = 1, PER_ROUND do
        lab:conn{port = PORT}:handshake()
      end
    end)
end
