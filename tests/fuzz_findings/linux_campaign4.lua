-- The model findings of issue 11's fourth round of Linux-only campaigns (lua/fuzz/README.md
-- "Campaigns", round 4), with round 3's declarations in place.
return {
  -- 60 s, seed 1 (the coverage measurement): the crossing SYN,ACK is ACKed (declared).
  {sig = "d6d16403cd46ae6b", rule = "ack.window_update", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_una", 0}, flags = "SF", seq = {"raw", 1000000}}}, {seg = {ack = {"snd_nxt", 0}, flags = "SA", seq = {"rcv_nxt", -1}}}}}},
  -- 600 s, seed 4: a retransmitted SYN with URG is answered with the SYN,ACK (the sweep's
  -- LISTEN/*/SYN:*>SYN:*, found now through the program's nearest case).
  {sig = "1a46e7f87c738f79", rule = "seq.unacceptable", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet6", state = "LISTEN"}, steps = {{seg = {ack = {"raw", 0}, flags = "S", seq = {"raw", 1000000}}}, {seg = {ack = {"raw", 0}, flags = "SU", seq = {"raw", 1000000}, up = 1}}}}},
  -- 60 s, --state SYN-RECEIVED, seed 1: after a RST (back to LISTEN) and a new SYN, an
  -- ACK of the model's SND.NXT guessed the target's new ISN (fuzz.plan, fixed: not judged).
  {sig = "cfbf10b2bcc2b807", rule = "fin.receive", state = "SYN-RECEIVED", step = 3, p = {start = {family = "inet", state = "SYN-RECEIVED"}, steps = {{seg = {ack = {"raw", 0}, flags = "R", seq = {"rcv_nxt", 0}}}, {seg = {ack = {"raw", 0}, flags = "S", seq = {"rcv_nxt", 0}}}, {seg = {ack = {"snd_nxt", 0}, flags = "FPA", seq = {"rcv_nxt", 0}}}}}},
  {sig = "89daf9891f8e8526", rule = "text.deliver", state = "SYN-RECEIVED", step = 3, p = {start = {family = "inet", state = "SYN-RECEIVED"}, steps = {{seg = {ack = {"raw", 0}, flags = "R", seq = {"rcv_nxt", 0}}}, {seg = {ack = {"raw", 0}, flags = "S", seq = {"rcv_nxt", 0}}}, {seg = {ack = {"snd_nxt", 0}, data = "1804283c1a77aa661fccd2", flags = "FPA", seq = {"rcv_nxt", 0}}}}}},
  -- 600 s, seed 4: after a simultaneous open, a crossing SYN,ACK with text and FIN is
  -- challenged; a one-octet RST ending at RCV.NXT is challenged (both declared).
  {sig = "80389984a9988ba1", rule = "text.deliver", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_nxt", 0}, flags = "SF", seq = {"rcv_nxt", 0}}}, {seg = {ack = {"snd_nxt", 0}, data = "574c15", flags = "SFA", seq = {"rcv_nxt", -1}}}}}},
  {sig = "cb403903f871adfc", rule = "seq.unacceptable_rst", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {flags = "S", seq = {"rcv_nxt", 0}}}, {seg = {ack = {"snd_nxt", 0}, flags = "R", len = 1, seq = {"rcv_nxt", -1}}}}}},
  -- 600 s, seed 5: the challenge ACK of a SYN after a zero-window simultaneous open
  -- carries SND.UNA+SND.WND (declared, as round 2's L11).
  {sig = "1be4ba2963b2f979", rule = "syn.challenge", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_nxt", 0}, flags = "S", seq = {"rcv_nxt", 0}, win = 0}}, {seg = {ack = {"snd_nxt", 0}, flags = "S", seq = {"rcv_nxt", 0}}}}}},
  -- 600 s, seed 5: the crossing SYN,ACK, bare and with text and FIN, its SEG.ACK as
  -- SND.UNA+1 (declared with the ones above).
  {sig = "2b5e33500594e56b", rule = "ack.window_update", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {ack = {"raw", 0}, flags = "SF", seq = {"raw", 1000000}}}, {seg = {ack = {"snd_una", 1}, flags = "SA", seq = {"rcv_nxt", -1}}}}}},
  {sig = "caa8d4856f4a352d", rule = "text.deliver", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {flags = "SF", seq = {"rcv_nxt", 0}}}, {seg = {ack = {"snd_una", 1}, flags = "SFA", len = 1, seq = {"rcv_nxt", -1}}}}}},
  {sig = "5bcf6d706cf08114", rule = "syn.challenge", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {ack = {"raw", 0}, flags = "S", seq = {"rcv_nxt", 0}, win = 0}}, {seg = {ack = {"snd_una", -1}, flags = "SFA", len = 1, seq = {"rcv_nxt", -1}}}}}},
  -- 600 s, seed 6: text with SEG.ACK 2^31+68 past SND.NXT (far below SND.UNA) delivered
  -- with data in flight, the sweep's declared snd_una-2^20 cell (fuzz.declared now maps
  -- it so); text below RCV.NXT after the peer's FIN at a raw number resets (declared).
  {sig = "7bffbc43db6afa90", rule = "ack.window_5961", state = "ESTABLISHED", step = 2, p = {start = {family = "inet", state = "ESTABLISHED-DATA-IN"}, steps = {{seg = {flags = "SF", seq = {"rcv_nxt", 0}}}, {seg = {ack = {"snd_nxt", 2147483716}, flags = "PA", len = 1, seq = {"rcv_nxt", 0}}}}}},
  {sig = "549e6e4198abe759", rule = "text.ignored", state = "CLOSE-WAIT", step = 3, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_nxt", 0}, flags = "SA", seq = {"raw", 1000000}}}, {seg = {ack = {"snd_nxt", 0}, flags = "FA", seq = {"raw", 1000001}}}, {seg = {ack = {"snd_nxt", 0}, data = "a81ed7081cec506e44", flags = "FA", seq = {"raw", 1000001}}}}}},
  -- 600 s, seed 6, continued: the same far-below SEG.ACK with data in flight; the
  -- zero-window simultaneous open's challenge ACK after a SYN+FIN; a RST at the raw
  -- number that is RCV.NXT-1 in CLOSE-WAIT resets (tcp_reset_check, the sweep's cell).
  {sig = "ff5b6c801ac67cf2", rule = "ack.window_5961", state = "ESTABLISHED-DATA-OUT", step = 1, p = {start = {family = "inet", state = "ESTABLISHED-DATA-OUT"}, steps = {{seg = {ack = {"snd_nxt", 2147483673}, flags = "A", len = "mss", seq = {"rcv_nxt", 0}}}}}},
  {sig = "ed943104ccc63e5a", rule = "syn.challenge", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"raw", 0}, flags = "SF", seq = {"raw", 1000000}, win = 0}}, {seg = {ack = {"raw", 0}, flags = "SF", len = "mss", seq = {"raw", 1000000}}}}}},
  {sig = "e0859a6970d3232e", rule = "rst.challenge", state = "CLOSE-WAIT", step = 3, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_nxt", 0}, flags = "SA", seq = {"raw", 1000000}}}, {seg = {ack = {"snd_nxt", 0}, flags = "FA", seq = {"raw", 1000001}}}, {seg = {ack = {"snd_nxt", 0}, data = "eaa40a570c637b1a9c95e409fa35", flags = "R", seq = {"raw", 1000001}}}}}},
  {sig = "509e669ea0e83369", rule = "rst.challenge", state = "CLOSE-WAIT", step = 3, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_nxt", 0}, flags = "SA", seq = {"raw", 1000000}}}, {seg = {ack = {"snd_nxt", 0}, flags = "FA", seq = {"raw", 1000001}}}, {seg = {ack = {"snd_nxt", 0}, data = "eaa40a570c637b1a9c95e409fa35", flags = "SR", seq = {"raw", 1000001}}}}}},
  -- 600 s, seed 7: the zero-window simultaneous open's ACK again (declared).
  {sig = "bde9c9e275ebb9c8", rule = "seq.unacceptable", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"raw", 0}, flags = "SF", seq = {"rcv_nxt", 0}, win = 0}}, {seg = {ack = {"raw", 0}, flags = "SF", len = "mss", seq = {"rcv_nxt", -1048576}}}}}},
  -- 600 s, seed 8: the crossing SYN,ACK with URG (declared).
  {sig = "5094ddc13a2266af", rule = "urg.signal", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {flags = "S", seq = {"rcv_nxt", 0}}}, {seg = {ack = {"snd_nxt", 0}, flags = "SAU", seq = {"rcv_nxt", -1}, up = 1}}}}},
  -- 600 s, seed 8, re-created (the signatures match; the family is not known): after a
  -- simultaneous open whose SYNs carried timestamps, TSval 1 is older than the TS.Recent
  -- (999) Linux took from the crossing SYN. Judged without PAWS while the SYN-SENT
  -- snapshot had no ts_val (sweep.prefix, fixed): now PAWS rejects them with the dup ACK
  -- Linux sent, and the old pure ACK at SEG.SEQ = IRS (found as seq.unacceptable, now
  -- paws.reject) is Linux's silent old-ACK drop (declared, PAWS_OLD_ACK).
  {sig = "114b299fc4eb7720", rule = "reset.ack", state = "SYN-RECEIVED", step = 2, agrees = {rule = "paws.reject", replies = "."}, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"raw", 0}, flags = "SF", opts = {{ts = {ecr = {"raw", 0}, val = {"ts_recent", -1}}}}, seq = {"raw", 1000000}}}, {seg = {ack = {"raw", 0}, flags = "AU", opts = {{mss = 1460}, {ts = {ecr = {"raw", 0}, val = {"raw", 1}}}}, seq = {"raw", 1000001}, up = 1}}}}},
  {sig = "5dfceb942f26ce69", rule = "reset.ack", state = "SYN-RECEIVED", step = 2, agrees = {rule = "paws.reject", replies = "."}, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"raw", 0}, flags = "SF", opts = {{ts = {ecr = {"raw", 0}, val = {"ts_recent", -1}}}}, seq = {"raw", 1000000}}}, {seg = {ack = {"raw", 0}, data = "aa", flags = "AU", opts = {{mss = 1460}, {ts = {ecr = {"raw", 0}, val = {"raw", 1}}}}, seq = {"raw", 1000001}, up = 1}}}}},
  {sig = "cb6110f61022069c", rule = "paws.reject", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"raw", 0}, flags = "SF", opts = {{ts = {ecr = {"raw", 0}, val = {"ts_recent", -1}}}}, seq = {"raw", 1000000}}}, {seg = {ack = {"snd_nxt", 0}, flags = "AU", opts = {{mss = 1460}, {ts = {ecr = {"raw", 0}, val = {"raw", 1}}}}, seq = {"raw", 1000000}, up = 1}}}}},
  -- round 5 (the final 600 s, seed 8, --jobs auto): one octet at RCV.NXT-1 with ACK after
  -- a simultaneous open: its ACK is processed (declared with END_AT_NXT).
  {sig = "941d23c3c6197746", rule = "seq.unacceptable", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {ack = {"raw", 0}, flags = "S", seq = {"raw", 1000000}}}, {seg = {ack = {"snd_nxt", 0}, flags = "A", len = 1, seq = {"rcv_nxt", -1}}}}}},
  -- round 6 (the same, after round 5's decisions): text below SND.UNA's ACK, written
  -- SND.NXT-1 with nothing in flight: RFC 5961 5.2 bounded by bytes acked (L4, declared).
  {sig = "27efa5bfc80b8bf2", rule = "text.deliver", state = "ESTABLISHED-DATA-IN", step = 1, p = {start = {family = "inet6", state = "ESTABLISHED-DATA-IN"}, steps = {{seg = {ack = {"snd_nxt", -1}, data = "26ce6107ef8648bd9fb3cf7fa7", flags = "AU", seq = {"rcv_nxt", -1}, up = 1}}}}},
}
