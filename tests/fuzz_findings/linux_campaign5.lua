-- The model findings of a 60 s Linux campaign in SYN-SENT after the SYN-SENT snapshot
-- took the target's SYN TSval (`tcpconform fuzz --target linux --state SYN-SENT
-- --seconds 60 --seed 8`; lua/fuzz/README.md round 4e): each minimised program, checked
-- by tests/fuzz_spec.lua as declared in targets/linux/target.lua.
return {
  -- a zero-window simultaneous open: the ACK of any later segment carries <SEQ=ISS>
  -- (tcp_acceptable_seq), a RST's challenge ACK and an unacceptable ACK's too
  {sig = "b95a99ce4851dcd7", rule = "rst.challenge", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_una", 0}, flags = "SF", seq = {"rcv_nxt", 0}, win = 0}}, {seg = {flags = "R", seq = {"rcv_nxt", 1}}}}}},
  {sig = "5904e13753c01344", rule = "rst.challenge", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_una", 0}, flags = "SF", seq = {"rcv_nxt", 0}, win = 0}}, {seg = {data = "ee9cee40532f3f201d76f0dd", flags = "R", seq = {"rcv_nxt", 1}}}}}},
  {sig = "97b0853372622cf2", rule = "rst.challenge", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_nxt", 0}, flags = "SF", seq = {"rcv_nxt", 0}, win = 0}}, {seg = {flags = "R", len = 536, seq = {"rcv_nxt", -1}}}}}},
  {sig = "632310aa56626fd5", rule = "seq.unacceptable", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_nxt", 0}, flags = "SF", seq = {"rcv_nxt", 0}, win = 0}}, {seg = {ack = {"snd_nxt", 0}, flags = "A", seq = {"raw", 1000000}}}}}},
  {sig = "afb0d964a88646ec", rule = "seq.unacceptable", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_una", 0}, flags = "S", seq = {"rcv_nxt", 0}, win = 0}}, {seg = {ack = {"snd_nxt", 0}, flags = "A", len = 1, seq = {"raw", 1000000}}}}}},
  -- PAWS after a crossing SYN with TS: a pure ACK at a raw SEG.SEQ below RCV.NXT is an
  -- old ACK to Linux, dropped without the dup ACK (PAWS_OLD_ACK)
  {sig = "e991586d71d0d73d", rule = "paws.reject", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"raw", 0}, flags = "S", opts = {{ts = {ecr = {"ts_val", 0}, val = {"ts_recent", 1}}}}, seq = {"rcv_nxt", 100}}}, {seg = {ack = {"snd_una", 0}, flags = "A", opts = {{ts = {ecr = {"ts_val", 0}, val = {"ts_recent", -1}}}}, seq = {"raw", 1000001}}}}}},
  {sig = "ba17e5e2569b54ca", rule = "paws.reject", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"raw", 0}, flags = "S", opts = {{ts = {ecr = {"ts_val", 0}, val = {"ts_recent", 1}}}}, seq = {"rcv_nxt", 100}}}, {seg = {ack = {"snd_una", -81}, flags = "A", opts = {{ts = {ecr = {"ts_val", 0}, val = {"ts_recent", -1}}}}, seq = {"raw", 1000001}}}}}},
}
