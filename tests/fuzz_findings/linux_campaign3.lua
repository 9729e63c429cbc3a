-- The model findings of a third 600 s Linux-only campaign (seed 1397352821), with the
-- second round of declarations in place (lua/fuzz/README.md "Campaigns").
return {
  {sig = "5074ecde4e5a2e80", rule = "seq.unacceptable", state = "SYN-RECEIVED", step = 2, p = {start = {family = "inet", state = "LISTEN"}, steps = {{seg = {ack = {"snd_nxt", 0}, flags = "S", seq = {"raw", 1000000}}}, {seg = {ack = {"snd_nxt", 0}, flags = "S", seq = {"raw", 1000000}}}}}},
  {sig = "94b1b6f04160eb69", rule = "synsent.established", state = "SYN-SENT", step = 1, p = {start = {family = "inet6", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_nxt", 0}, data = "090df8a1b48f4354fb5a613563b9392f", flags = "SAU", seq = {"raw", 1000000}, up = 38285}}}}},
  {sig = "b74b743946bde31b", rule = "seq.unacceptable_rst", state = "ESTABLISHED", step = 1, p = {start = {family = "inet", state = "ESTABLISHED"}, steps = {{seg = {ack = {"raw", 0}, data = "4b82bba83a2201cf68", flags = "R", seq = {"rcv_nxt", -9}}}}}},
  {sig = "cb9fe5b328bf2d09", rule = "synsent.established", state = "SYN-SENT", step = 1, p = {start = {family = "inet", state = "SYN-SENT"}, steps = {{seg = {ack = {"snd_nxt", 0}, data = "1b5e8339", flags = "SAU", seq = {"rcv_nxt", 0}, up = 62917}}}}},
  {sig = "e0078220cbe7fe9b", rule = "text.deliver", state = "FIN-WAIT-1", step = 1, p = {start = {family = "inet6", state = "FIN-WAIT-1"}, steps = {{seg = {ack = {"snd_una", 0}, flags = "FA", len = 1, seq = {"rcv_nxt", 0}, win = 0}}}}},
}
