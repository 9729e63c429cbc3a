-- Descriptor of the lwIP target: Debian's liblwip 2.1.3 behind a TAP device
-- (targets/lwip/README.md). params are lwIP's compiled-in values, read by tests instead
-- of Linux defaults; deviations are its known departures from the RFCs, each reported as
-- skipped with its reason -- and as a failure ("unexpected pass") the day one passes.
-- Evidence is what the matcher reported on the wire (tcpconform run --target lwip).
local RST_ACK = {
  rfc = "9293 3.10.7.1",
  reason = "lwIP sets ACK on every RST it sends (tcp_rst always carries TCP_ACK, acking "
    .. "the segment's seq) where the RFC's reset for an ACK-bearing segment is "
    .. "<SEQ=SEG.ACK><CTL=RST> without ACK",
  evidence = "R. 305419896:305419896(0) ack 0 win 65407 (expected R 305419896:305419896(0))",
}

-- Sweep deviations (lua/sweep/deviations.lua): where lwIP 2.1.3 departs from the RFC 9293
-- model, each read in src/core/tcp_in.c (STABLE-2_1_3_RELEASE) and keyed RULE@GLOB, the
-- rule of the first difference in the states (and classes or edges) the behaviour governs,
-- so that another difference in those cells still shows. The evidence is one case of
-- `tcpconform sweep --target lwip` (numbers relative to the ISNs); targets/lwip/README.md
-- "Sweep disagreements" lists every group with its counts.
local sweep_deviations = {}
local function declare(rule, states, patterns, d)
  for _, st in ipairs(states) do
    for _, p in ipairs(patterns) do
      sweep_deviations[rule .. "@" .. st .. (p == "" and "/*" or p)] = d
    end
  end
end
local SYNCED = { "ESTABLISHED", "ESTABLISHED-DATA-IN", "ESTABLISHED-DATA-OUT", "FIN-WAIT-1",
  "FIN-WAIT-2", "FIN-WAIT-2-ORPHAN", "CLOSE-WAIT", "CLOSING", "LAST-ACK" }
local AFTER_FIN = { "CLOSE-WAIT", "CLOSING", "LAST-ACK" }
local function plus(list, ...)
  local out = { ... }
  for _, v in ipairs(list) do out[#out + 1] = v end
  return out
end
-- The step ids (sweep.cases.step_id) of segments whose text or FIN a stack takes: each
-- of heads ("", "FIN", "ACK", "FIN+ACK") with PSH and URG or not, with text or (with a
-- FIN) without, followed by tail ("FIN+ACK+PSH+data:seq=rcv_nxt:*").
local function took(heads, tail)
  local out = {}
  for _, h in ipairs(heads) do
    for _, pu in ipairs({ "", "PSH", "URG", "PSH+URG" }) do
      for _, data in ipairs({ "", "data" }) do
        local parts = {}
        for _, x in ipairs({ h, pu, data }) do if x ~= "" then parts[#parts + 1] = x end end
        local fin = h:find("FIN", 1, true)
        if fin or data ~= "" then
          if h == "" and pu == "" then table.insert(parts, 1, "NONE") end
          out[#out + 1] = table.concat(parts, "+") .. tail
        end
      end
    end
  end
  return out
end

-- tcp_rst always sets ACK (RST_ACK above). CLOSED/inet/ACK:seq=1000000:ack=2000000:len=0:
-- expected R 2000000:2000000(0), seen R. 2000000:2000000(0) ack 1000000.
declare("reset.ack", { "CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED" }, { "" }, RST_ACK)
declare("reset.ack", { "LAST-ACK" }, { "/*>*" }, RST_ACK)   -- the port closed by step 1
-- An orphan (half_duplex_close): tcp_input aborts only when text is delivered in order
-- (recv_data with TF_RXCLOSED), with tcp_rst's RST|ACK; text beyond RCV.NXT is queued and
-- acknowledged, a segment starting below RCV.NXT with a FIN aborts without a RST.
-- FIN-WAIT-2-ORPHAN/inet/ACK+data:seq=rcv_nxt+1:ack=snd_nxt:len=1: expected R 2:2(0) ->
-- CLOSED, seen . 2:2(0) ack 1 -> FIN-WAIT-2; .../ACK+PSH+data:seq=rcv_nxt:ack=snd_nxt:len=1:
-- seen R. 2:2(0) ack 2 -> CLOSED.
declare("reset.ack", { "FIN-WAIT-2-ORPHAN" }, { "" }, { rfc = "1122 4.2.2.13; 9293 3.10.7.1",
  reason = "text after CLOSE is reset with RST|ACK (tcp_rst) and only once it is in order; "
    .. "out-of-order text is acknowledged: \"if new data is received after CLOSE is called, "
    .. "its TCP SHOULD send a RST\", whose form is <SEQ=SEG.ACK><CTL=RST>" })
-- tcp_rst(..., ackno, seqno + tcplen, ...) for a segment without ACK: the sequence number
-- is the segment's ack field, also when the ACK bit is off, and TCP_TCPLEN counts SYN and
-- FIN together as one. CLOSED/inet/SYN+FIN:seq=1000000:ack=0:len=0: expected R. 0:0(0)
-- ack SEG.SEQ+2, seen ack SEG.SEQ+1; .../FIN:seq=1000000:ack=1515870810:len=0: seen
-- R. 1515870810:1515870810(0).
-- The fuzzer (README "Found by the fuzzer" W1) met it with any ack field:
-- CLOSED/inet6/FIN:seq=1000000:ack=snd_nxt-70:len=0 seen R. SEG.ACK:SEG.ACK(0) ack 1000001,
-- and after a RST closed the connection a SYN with ack=snd_nxt (FIN-WAIT-1, CLOSING): any
-- ACK-less segment to a closed port.
declare("reset.no_ack", { "CLOSED" }, { "" }, { rfc = "9293 3.10.7.1",
  reason = "the reset of an ACK-less segment takes its ack field as sequence number and counts "
    .. "SYN+FIN as one octet: \"If the ACK bit is off, sequence number zero is used, "
    .. "<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>\" (SEG.LEN counts SYN and FIN, 3.4)" })
-- tcp_process, SYN_SENT: an acceptable ACK without SYN is answered by tcp_rst and a
-- retransmitted SYN. SYN-SENT/inet/ACK:seq=1000000:ack=snd_nxt:len=0: expected nothing,
-- seen R. 1:1(0) ack 1000000, S 0:0(0).
declare("synsent.other", { "SYN-SENT" }, { "" }, { rfc = "9293 3.10.7.3",
  reason = "an acceptable ACK without SYN or RST in SYN-SENT gets a RST and the SYN again: "
    .. "\"If neither of the SYN or RST bits is set, then drop the segment and return\"" })
-- tcp_process tests a RST in SYN-SENT by ackno == snd_nxt without looking at the ACK bit.
-- SYN-SENT/inet/RST:seq=1000000:ack=snd_nxt:len=0 (ACK bit off): expected -> SYN-SENT,
-- seen -> CLOSED.
declare("synsent.rst_no_ack", { "SYN-SENT" }, { "" }, { rfc = "9293 3.10.7.3",
  reason = "a RST whose ack field equals SND.NXT resets SYN-SENT although its ACK bit is off: "
    .. "\"If the RST bit is set ... Otherwise (no ACK), drop the segment and return\"" })
-- No simultaneous open (deviations above): SYN-SENT/inet/SYN:seq=1000000:ack=0:len=0:
-- expected S. 0:0(0) ack 1000001 -> SYN-RECEIVED, seen nothing -> SYN-SENT.
declare("synsent.simultaneous", { "SYN-SENT" }, { "" }, { rfc = "9293 3.10.7.3",
  reason = "a SYN without ACK in SYN-SENT is ignored (only a SYN|ACK is processed): "
    .. "\"Otherwise, enter SYN-RECEIVED, form a SYN,ACK segment\"" })
-- tcp_process, SYN_SENT: rcv_nxt = seqno + 1 and the segment goes no further (no
-- tcp_receive): text and FIN on the SYN|ACK are lost. SYN-SENT/inet/SYN+FIN+ACK:seq=
-- 1000000:ack=snd_nxt:len=0: expected . 1:1(0) ack 1000002 -> CLOSE-WAIT, seen ack
-- 1000001 -> ESTABLISHED.
-- (the fuzzer: with URG or PSH too, SYN-SENT/inet/SYN+ACK+URG+data:seq=rcv_nxt-1:
-- ack=snd_nxt:len=1, fuzz 280936d16edaba21)
declare("synsent.established", { "SYN-SENT" }, { "/*/SYN+ACK+data:*", "/*/SYN+ACK+*data:*",
  "/*/SYN+FIN+ACK*" }, {
  rfc = "9293 3.10.7.3", reason = "text and FIN on the SYN|ACK that completes an active open "
    .. "are dropped: \"continue processing at the sixth step\"" })
-- tcp_process, SYN_RCVD: a SYN is not checked (only a retransmitted one, seqno = rcv_nxt-1,
-- gets the SYN|ACK again); a SYN|ACK's ACK is processed. SYN-RECEIVED/inet/SYN+ACK:seq=
-- rcv_nxt:ack=snd_nxt:len=0: expected nothing -> LISTEN, seen nothing -> ESTABLISHED;
-- .../SYN:seq=rcv_nxt+1:ack=0:len=0: expected -> LISTEN, seen -> SYN-RECEIVED.
declare("syn.synrcvd_passive", { "SYN-RECEIVED" }, { "" }, { rfc = "9293 3.10.7.4",
  reason = "a SYN in a passive SYN-RECEIVED is ignored, its ACK processed (a bad one reset): "
    .. "\"return this connection to the LISTEN state and return\"" })
-- lwIP has no first-step test for a segment without text: tcp_process handles its ACK
-- (SYN_RCVD -> ESTABLISHED, FIN_WAIT_1 -> FIN_WAIT_2, CLOSING -> TIME_WAIT) and
-- tcp_receive acks only an out-of-window segment that has text, or arrives in ESTABLISHED.
-- FIN-WAIT-1/inet/ACK:seq=rcv_nxt+2^31:ack=snd_nxt:len=0: expected . 2:2(0) ack 1 ->
-- FIN-WAIT-1, seen . 2:2(0) ack 1 -> FIN-WAIT-2; SYN-RECEIVED/inet/FIN:seq=rcv_nxt+2^31:
-- ack=0:len=0: expected . 1:1(0) ack 1, seen nothing.
declare("seq.unacceptable", { "SYN-RECEIVED", "FIN-WAIT-1", "CLOSE-WAIT", "CLOSING", "LAST-ACK",
  "TIME-WAIT" }, { "" }, { rfc = "9293 3.10.7.4",
  reason = "an unacceptable segment has its ACK processed, and gets no ACK unless it carries "
    .. "text: \"If an incoming segment is not acceptable, an acknowledgment should be sent in "
    .. "reply (unless the RST bit is set ...). After sending the acknowledgment, drop the "
    .. "unacceptable segment and return\"" })
-- LISTEN/inet/SYN:seq=1000000:ack=0:len=0>SYN:seq=1000000:ack=0:len=0 step 2: expected
-- . 0:0(0) ack 1000001, seen S. 0:0(0) ack 1000001 (tcp_rexmit of the SYN|ACK).
declare("seq.unacceptable", { "LISTEN" }, { "/*/SYN:*>SYN:*" }, { rfc = "9293 3.10.7.4",
  reason = "a retransmitted SYN in SYN-RECEIVED gets the SYN|ACK again, not the ACK "
    .. "<SEQ=SND.NXT><ACK=RCV.NXT> the first step sends" })
-- tcp_process: TCP_SEQ_BETWEEN(seqno, rcv_nxt, rcv_nxt + rcv_wnd) includes the right edge
-- (and, after the peer's FIN, one more: rcv_wnd is not reduced by the FIN's octet).
-- ESTABLISHED/inet/RST:seq=rcv_wend:ack=0:len=0: expected nothing, seen . 1:1(0) ack 1.
local RST_EDGE = { rfc = "9293 3.10.7.4",
  reason = "a RST at RCV.NXT+RCV.WND (after a FIN, +1 too) is taken as in the window and "
    .. "challenged: \"(unless the RST bit is set, if so drop the segment and return)\"" }
declare("seq.unacceptable_rst", plus(SYNCED, "SYN-RECEIVED"), { "/*:seq=rcv_wend:*" }, RST_EDGE)
declare("seq.unacceptable_rst", AFTER_FIN, { "/*:seq=rcv_wend+1:*" }, RST_EDGE)
-- tcp_receive takes text and FIN whatever the ACK bit (only the ACK field's processing is
-- under "if (flags & TCP_ACK)"); tcp_timewait_input acks any segment with tcplen > 0.
-- ESTABLISHED/inet/FIN:seq=rcv_nxt:ack=0:len=0: expected nothing -> ESTABLISHED, seen
-- . 1:1(0) ack 2 -> CLOSE-WAIT.
-- A stack bug (`bug`, README "Found by the fuzzer" W5): a MUST of the fifth step broken,
-- the text taken. `after`: an earlier step of a fuzzer's program that did this leaves the
-- model's RCV.NXT behind lwIP's, so a finding at a later step is this bug's consequence
-- (lua/fuzz/declared.lua; ESTABLISHED/inet/NONE+data:seq=rcv_nxt:ack=0:len=mss, then a
-- SYN at RCV.NXT: the challenge ACK acks 1460 octets the model never took).
declare("ack.off", plus(SYNCED, "TIME-WAIT"), { "" }, { rfc = "9293 3.10.7.4", bug = true,
  after = plus(took({ "", "FIN" }, ":seq=rcv_nxt:*"), table.unpack(took({ "", "FIN" }, ":seq=rcv_nxt-1:*"))),
  reason = "a segment without ACK has its text and FIN processed and acknowledged: fifth, "
    .. "\"if the ACK bit is off, drop the segment and return\"" })
-- tcp_receive: an ACK beyond snd_nxt gets tcp_send_empty_ack and the segment goes on (its
-- text is taken or queued, with a second ACK; an orphan's text resets).
-- ESTABLISHED/inet/ACK+data:seq=rcv_nxt+1:ack=snd_nxt+1:len=1: expected . 1:1(0) ack 1,
-- seen . 1:1(0) ack 1, . 1:1(0) ack 1. TIME-WAIT (tcp_timewait_input): no test of the ACK
-- field, zero-length segments unanswered: TIME-WAIT/inet/ACK:seq=rcv_nxt+1:ack=snd_nxt+1:
-- len=0 expected . 2:2(0) ack 2, seen nothing.
-- A deviation (W4), not a stack bug: the fifth step's "send an ACK, drop the segment,
-- and return" for SEG.ACK > SND.NXT carries no MUST (RFC 9293 3.10.7.4), and RFC 5961
-- 5.2's "MUST be discarded and an ACK sent back" binds only a stack that implements that
-- mitigation, a MAY (9293 MAY-12; 5961 5.2 "All TCP stacks MAY implement"): lwIP does
-- not (no MAX.SND.WND, rfc5961_ack = false below). gVisor's same behaviour is declared
-- so too (targets/gvisor ack.window_5961). `after`: a later step's finding is its
-- consequence, as for ack.off: ESTABLISHED-DATA-OUT/inet/ACK+data:seq=rcv_nxt:ack=
-- snd_nxt+2^30:len=5, then a FIN at the model's RCV.NXT is acked 5 octets beyond it.
local TOO_NEW = { rfc = "9293 3.10.7.4",
  after = plus(took({ "ACK", "FIN+ACK" }, ":seq=rcv_nxt:ack=snd_nxt+*"),
    table.unpack(took({ "ACK", "FIN+ACK" }, ":seq=rcv_nxt-1:ack=snd_nxt+*"))),
  reason = "a segment acknowledging something not yet sent is acknowledged but not dropped "
    .. "(TIME-WAIT: not acknowledged): \"If the ACK acks something not yet sent (SEG.ACK > "
    .. "SND.NXT), then send an ACK, drop the segment, and return\"" }
-- where nothing of the target's is in flight SND.UNA+n is beyond SND.NXT too (SYN-RECEIVED/
-- inet/ACK:seq=rcv_nxt:ack=snd_una+1:len=0>ACK+data:seq=rcv_nxt:ack=snd_una+1:len=1>RST at
-- the model's RCV.NXT: lwIP, one octet ahead, ignores it; fuzz 2eb05978345404d9)
local TOO_NEW_IDLE = {}
for k, v in pairs(TOO_NEW) do TOO_NEW_IDLE[k] = v end
TOO_NEW_IDLE.after = plus(TOO_NEW.after, table.unpack(took({ "ACK", "FIN+ACK" }, ":seq=rcv_nxt:ack=snd_una+*")))
local IDLE = { ESTABLISHED = true, ["ESTABLISHED-DATA-IN"] = true, ["FIN-WAIT-2"] = true,
  ["FIN-WAIT-2-ORPHAN"] = true, ["CLOSE-WAIT"] = true, ["TIME-WAIT"] = true }
for _, st in ipairs(plus(SYNCED, "TIME-WAIT")) do
  declare("ack.too_new", { st }, { "" }, IDLE[st] and TOO_NEW_IDLE or TOO_NEW)
end
-- tcp_timewait_input: "If the SYN is in the window it is an error, send a reset" (RFC 793)
-- and TIME-WAIT stays. TIME-WAIT/inet/SYN:seq=rcv_nxt+1:ack=snd_nxt:len=0: expected
-- . 2:2(0) ack 2, seen R. 2:2(0) ack 1000003.
declare("syn.challenge", { "TIME-WAIT" }, { "" }, { rfc = "5961 4.2",
  reason = "TIME-WAIT answers a SYN in the window with a RST (tcp_timewait_input): \"If the "
    .. "SYN bit is set, irrespective of the sequence number, TCP MUST send an ACK (also "
    .. "referred to as challenge ACK) to the remote peer\"" })
-- After the peer's FIN a FIN at RCV.NXT is not a new one for lwIP (tcp_receive: nothing
-- in sequence), and old text overlapping RCV.NXT is acknowledged.
-- CLOSE-WAIT/inet/FIN+ACK:seq=rcv_nxt:ack=snd_nxt:len=0: expected . 1:1(0) ack 3, seen
-- nothing; CLOSE-WAIT/inet/ACK+data:seq=rcv_nxt-1:ack=snd_nxt:len=mss: expected nothing,
-- seen . 1:1(0) ack 2.
local AFTER_FIN_D = { rfc = "9293 3.10.7.4",
  reason = "after the peer's FIN a FIN at RCV.NXT is ignored (RCV.NXT not advanced over it, "
    .. "eighth step) and text from below RCV.NXT is acknowledged where the seventh step "
    .. "says \"Ignore the segment text\"" }
declare("fin.receive", AFTER_FIN, { "" }, AFTER_FIN_D)
declare("text.ignored", AFTER_FIN, { "/*:seq=rcv_nxt-1:*" }, AFTER_FIN_D)
declare("ack.closing", { "CLOSING" }, { "/*:seq=rcv_nxt-1:*" }, AFTER_FIN_D)
-- TIME-WAIT/inet/FIN+ACK:seq=rcv_nxt:ack=snd_nxt:len=0: expected . 2:2(0) ack 3, seen ack 2.
declare("ack.time_wait", { "TIME-WAIT" }, { "" }, { rfc = "9293 3.10.7.4",
  reason = "TIME-WAIT acknowledges a FIN at RCV.NXT without advancing RCV.NXT over it "
    .. "(tcp_timewait_input acks, nothing more): \"advance RCV.NXT over the FIN\"" })

-- Found by the fuzzer (issue 11; README "Found by the fuzzer" W15): tcp_receive tests the
-- ACK field before the sequence number, so an unacceptable segment whose SEG.ACK is
-- beyond SND.NXT gets two ACKs: tcp_send_empty_ack ("Out of sequence ACK"), then the
-- unacceptable segment's tcp_ack_now. The states above already declare the first step's
-- ACK processing; these are the others. Beyond SND.NXT: snd_nxt+n, snd_una+n where
-- nothing is in flight, and the raw 2000000 and 1515870810 at any SEG.SEQ (lwIP's ISNs are
-- a counter from 6510, tcp_next_iss, far below both: 7034 after a 10-minute campaign). ESTABLISHED/inet6/ACK:seq=rcv_nxt-1:ack=snd_nxt+1073741841:
-- len=0 (fuzz 1719ff7371d02d32): expected . 6834:6834(0) ack RCV.NXT, seen it twice.
local TWO_ACKS = { rfc = "9293 3.10.7.4",
  reason = "an unacceptable segment acknowledging something not yet sent gets two ACKs (its "
    .. "ACK field is tested first): \"If an incoming segment is not acceptable, an "
    .. "acknowledgment should be sent in reply ... After sending the acknowledgment, drop "
    .. "the unacceptable segment and return\"" }
declare("seq.unacceptable", { "ESTABLISHED", "ESTABLISHED-DATA-IN", "ESTABLISHED-DATA-OUT",
  "FIN-WAIT-2", "FIN-WAIT-2-ORPHAN" }, { "/*:ack=snd_nxt+*", "/*:ack=2000000:*",
  "/*:ack=1515870810:*" }, TWO_ACKS)
declare("seq.unacceptable", { "ESTABLISHED", "ESTABLISHED-DATA-IN", "FIN-WAIT-2",
  "FIN-WAIT-2-ORPHAN" }, { "/*:ack=snd_una+*" }, TWO_ACKS)
-- With text in flight, a pure ACK below RCV.NXT after two duplicate ACKs is the third
-- duplicate to lwIP (tcp_receive reads the ACK field before the segment's sequence
-- number, as above): it fast-retransmits (RFC 5681 3.2, tcp_rexmit_fast), and the ACK
-- the segment is owed rides on that retransmission, which the judge counts as the
-- target's own segment -- no bare ACK comes. RFC 9293 3.10.7.4 drops an unacceptable
-- segment after its ACK, so its ACK field should count for nothing. Evidence (a 60 s
-- campaign, seed 3): fdeec525d3905cc9 ESTABLISHED-DATA-OUT ACK:seq=rcv_nxt:ack=snd_una
-- twice, then ACK:seq=rcv_nxt-1:ack=snd_una: expected . <ACK=RCV.NXT>, seen the data
-- again (P.+data); 4dc7d1ed41200b87 the same with URG, at rcv_nxt-2^20.
declare("seq.unacceptable", { "ESTABLISHED-DATA-OUT" }, { "/*>*>ACK*:seq=rcv_nxt-*:ack=snd_una:*" },
  { rfc = "9293 3.10.7.4; 5681 3.2", reason = "an unacceptable pure ACK is counted as a "
    .. "duplicate ACK, and the third one's fast retransmission carries the ACK it is owed, "
    .. "where 9293 says \"send an acknowledgment ... drop the unacceptable segment\"" })

-- A stack bug (README "Found by the fuzzer" W16): tcp_receive, taking in-order text that
-- covers a queued out-of-order segment with a FIN, sets FIN on the text (TCPH_SET_FLAG
-- (inseg.tcphdr, TCP_FIN)), so the peer's FIN moves to the end of the later text: the
-- octets after the FIN are delivered and the ACK acknowledges a FIN at a sequence number
-- the peer never sent it at (the invariant oracle: "a reply acknowledges 1 bytes beyond
-- what the harness sent"). ESTABLISHED/inet/FIN:seq=rcv_nxt+100:ack=0:len=0>ACK+data:
-- seq=rcv_nxt-1:ack=snd_nxt+2^30:len=mss (fuzz 4e29d5cb75ab7468): seen . 1:1(0) ack 1461
-- -> CLOSE-WAIT, the text ending at 1460 and the FIN sent at 101.
declare("invariant", { "ESTABLISHED", "ESTABLISHED-DATA-IN", "ESTABLISHED-DATA-OUT", "FIN-WAIT-1",
  "FIN-WAIT-2" }, { "/*/FIN*:seq=rcv_nxt+*>*+data:seq=rcv_nxt*" }, { rfc = "9293 3.4, 3.10.7.4",
  bug = true,
  reason = "a FIN queued out of order moves to the end of later text that covers it, whose "
    .. "octets after the FIN are taken and acknowledged with the FIN: the FIN \"occupies the "
    .. "sequence number\" it was sent at (3.4), and eighth step, a FIN \"implies PUSH for any "
    .. "segment text not yet delivered\": nothing after it is text" })

-- lwIP's own abort (README "Known gaps"): a FIN at RCV.NXT+2^31 passes tcp_receive's
-- TCP_SEQ_BETWEEN by wrap-around and fails LWIP_ASSERT("insane offset!") (tcp_in.c:1430),
-- which abort()s the process. Declared as the stack's crash (an `error` entry: only an
-- error whose detail carries these last words, on a case with that edge, is covered).
-- ESTABLISHED/inet/FIN:seq=rcv_nxt+2^31:ack=0:len=0, run alone: status 134, 'Assertion
-- "insane offset!" failed at line 1430 in ./src/core/tcp_in.c'.
sweep_deviations["*:seq=rcv_nxt+2^31:*"] = { rfc = "9293 3.10.7.4", bug = true,
  error = 'Assertion "insane offset!" failed',
  reason = "lwIP aborts on a FIN at RCV.NXT+2^31 (tcp_in.c:1430 LWIP_ASSERT \"insane offset!\"): "
    .. "\"If a segment's contents straddle the boundary between old and new, only the new "
    .. "parts are processed\" -- an unacceptable segment must be dropped, not crash the stack" }

-- IP reassembly (fuzz.program's ip.frag, ip.ext). lwIP reassembles fragments (IPv4 and
-- IPv6: both silences below were read to a cause in src/core/ipv6/ip6_frag.c and
-- src/core/ipv4/ip4_frag.c of 2.1.3), with two limits the campaign runs into:
--
-- (1) A Fragment header after a Hop-by-Hop Options header is dropped: ip6_reass() begins
-- with `if (ip6_current_header() != p->payload - IP6_HLEN) { /* ip6_frag_hdr must be in
-- the first pbuf, not chained */ drop }`, i.e. it requires the Fragment header right
-- after the IPv6 header. RFC 8200 4.5 puts the Hop-by-Hop header in the unfragmentable
-- part, before the Fragment header, and a receiver must reassemble what arrives so.
-- scripts/examples/fragments.lua, "IPv6: Hop-by-Hop, fragments, ...": expected
-- . 1:1(0) ack 3001, got nothing (Linux ACKs it; the same fragments behind a
-- Destination Options header, or none, lwIP ACKs too).
local HBH_FRAG = {rfc = "8200 4.5", bug = true,
  reason = "lwIP drops every IPv6 fragment whose Fragment header follows a Hop-by-Hop "
    .. "Options header (ip6_frag.c ip6_reass: the Fragment header must sit right after the "
    .. "IPv6 header); RFC 8200 4.5: the Hop-by-Hop header is part of the unfragmentable "
    .. "part, which precedes the Fragment header",
  evidence = "3000 bytes in 1024-byte fragments behind Hop-by-Hop: expected . 1:1(0) ack 3001, got nothing"}
sweep_deviations["*:frag=*:ext=hbh*"] = HBH_FRAG
-- (2) At most IP_REASS_MAX_PBUFS (10 in Debian's build) fragments are held for
-- reassembly; the eleventh is dropped and the datagram never completes. 1400 bytes of
-- payload arrive in 144-byte fragments (10 of them) and are ACKed, in 136-byte ones
-- (11) never, on IPv4 and IPv6 alike. RFC 1122 3.3.2 asks only that a host reassemble
-- EMTU_R >= 576 bytes and RFC 8200 5 1500 bytes, whatever the fragments' count; a cap
-- on the count is a resource limit, not a violation. Declared by the step ids whose
-- payload takes more than 10 fragments of its size (fuzz.mutate keeps payloads above
-- the MSS in fragments of 512 bytes or more and any segment in at most 24 fragments,
-- so those are the MSS-sized payloads in fragments of 64 bytes, 536 bytes in 32 and
-- 100 bytes in 8; the smaller sizes of older corpora are kept). A glob's '*' also
-- spans steps, so a case whose length and fragment size are in different steps is
-- covered too: such findings are lost, the price of a key by step id.
local MAX_FRAGS = {rfc = "1122 3.3.2",
  reason = "lwIP holds at most IP_REASS_MAX_PBUFS = 10 fragments for reassembly, so a "
    .. "segment that arrives in more never completes (RFC 1122 3.3.2 / RFC 8200 5 set a "
    .. "datagram size a host must reassemble, not a fragment count)",
  evidence = "1400 bytes in 136-byte fragments (11): expected . 1:1(0) ack 1401, got nothing; "
    .. "in 144-byte fragments (10): ACKed"}
for _, k in ipairs{"*:len=mss*:frag=8*", "*:len=mss*:frag=16*", "*:len=mss*:frag=64*",
    "*:len=536*:frag=8*", "*:len=536*:frag=16*", "*:len=536*:frag=32*", "*:len=100*:frag=8*"} do
  sweep_deviations[k] = MAX_FRAGS
end

return {
  name = "lwip",
  summary = "lwIP 2.1.3 (Debian liblwip-dev) on a TAP device",
  params = {
    -- Default tolerance of a timed expectation: every lwIP timer moves in 500 ms steps
    -- of its slow timer, so a time is known to one tick, plus scheduling.
    time_tolerance = {abs = 0.52, rel = 0.05},
    initial_rto = 3.0,      -- lwIP starts rto at 6 ticks of its 500 ms slow timer
    timer_tick = 0.5,       -- TCP_SLOW_INTERVAL: every TCP timer moves in 500 ms steps
    synack_retries = 6,     -- TCP_SYNMAXRTX
    syn_retries = 6,        -- TCP_SYNMAXRTX
    msl = 60,               -- TCP_MSL 60000 ms
  },
  -- The choices the RFCs leave open, as the RFC model's knobs (lua/model/README.md);
  -- read from lwIP 2.1.3's src/core/tcp_in.c.
  model = {
    rfc5961_rst = true,     -- tcp_process: a RST in the window but not at rcv_nxt gets
                            -- tcp_ack_now ("This follows RFC 5961 section 3.2")
    rfc5961_syn = true,     -- tcp_process: any SYN outside SYN-SENT/SYN-RECEIVED gets an ACK
                            -- (but tcp_timewait_input answers an in-window SYN with RST)
    rfc5961_ack = false,    -- tcp_receive: no MAX.SND.WND test; an old ACK is a duplicate
    rfc1337 = true,         -- tcp_timewait_input: "RFC 1337: in TIME_WAIT, ignore RST"
    timewait_syn = false,   -- tcp_timewait_input never reopens (RST in window, else ACK)
    delayed_ack = true,     -- TF_ACK_DELAY, sent by the 250 ms fast timer
    -- The judge's wait for such an ACK (sweep.judge TIMING): the fast timer fires every
    -- TCP_TMR_INTERVAL = 0.25 s, so an ACK delayed by a whole tick plus the agent's own
    -- scheduling comes just after the default 0.25 s (seen: ESTABLISHED-DATA-IN/inet/
    -- ACK+data:seq=rcv_nxt:ack=snd_una-2^20:len=1, nothing within 0.25 s); 0.4 s is
    -- still inside RFC 9293 3.8.6.3's 0.5 s bound (MUST-40).
    ack_delay = 0.4,
    rst_window = "rcv_wnd", -- tcp_rst advertises the receive window (see RST_ACK above)
    ts_missing = "accept",  -- built without timestamps (LWIP_TCP_TIMESTAMPS 0)
    -- RFC 5961 3.2 case 1 as worded: tcp_process tests SEG.SEQ alone against
    -- rcv_nxt..rcv_nxt+rcv_wnd, so a RST whose text or SYN/FIN starts below RCV.NXT is
    -- dropped, not challenged (sweep: ESTABLISHED/inet/RST+data:seq=rcv_nxt-1:ack=0:len=1)
    rst_seq_test = "seq",
    -- RFC 5681 4.2 SHOULD: tcp_receive delivers the ooseq queue once the gap is filled and
    -- then acks with tcp_ack (TF_ACK_DELAY), not tcp_ack_now
    -- (ESTABLISHED/inet/ACK+data:seq=rcv_nxt+1:...>ACK+data:seq=rcv_nxt:...: the ACK
    -- came after the 50 ms an immediate one is given)
    gap_ack = "delayed",
    -- RFC 1122 4.2.2.13: tcp_input aborts (RST) a pcb with TF_RXCLOSED that receives data
    -- ("received data although already closed -> abort (send RST)")
    half_duplex_close = true,
  },
  -- The sweep's cells where lwIP departs from the model, built above.
  sweep_deviations = sweep_deviations,
  deviations = {
    -- tcp_shutdown(shut_rx) sets TF_RXCLOSED, and tcp_input then aborts a connection
    -- whose data arrives: "received data although already closed -> abort (send RST)".
    -- TCP has no read-side close (RFC 9293 3.10.4); lwIP applies RFC 1122 4.2.2.13's
    -- RST for data after CLOSE to SHUT_RD.
    ["after shutdown(SHUT_RD), arriving data is ACKed and the connection stays up"] = {
      rfc = "9293 3.10.4",
      reason = "data after shutdown(SHUT_RD) is answered by RST (tcp_in.c: TF_RXCLOSED aborts "
        .. "the connection), as if the socket were closed",
      evidence = "expected: . 1:1(0) ack 11, got: R. 1:1(0) ack 11 win 65407",
    },
    -- tcp_in.c, SYN_SENT: only a SYN|ACK is processed; a bare SYN (the peer's, crossing
    -- ours) is not answered, so there is no simultaneous open (RFC 9293 3.4 Figure 8).
    ["SO_LINGER {on, 0} then close() in SYN-RECEIVED after a simultaneous open sends RST"] = {
      rfc = "9293 3.10.7.3",
      reason = "no simultaneous open: a SYN in SYN-SENT is not answered (\"Otherwise, enter "
        .. "SYN-RECEIVED, form a SYN,ACK segment\")",
      evidence = "expected: S. 0:0(0) ack 1, got: nothing matching within 1.000 s",
    },
    ["IPv6: Hop-by-Hop, fragments, and Destination Options in the fragmentable part"] = HBH_FRAG,
    ["bare ACK to a closed port is answered by RST (no ACK flag) with seq SEG.ACK"] = RST_ACK,
    ["IPv6: bare ACK to a closed port is answered by RST (no ACK flag) with seq SEG.ACK"] = RST_ACK,
    ["ACK to a listener is answered by RST with seq SEG.ACK"] = {
      rfc = "9293 3.10.7.2", reason = RST_ACK.reason,
      evidence = "R. 2023406814:2023406814(0) ack 0 (expected R 2023406814:2023406814(0))",
    },
    ["data sent to a target that has fully closed is answered by RST"] = {
      rfc = "9293 3.10.7.4", reason = RST_ACK.reason,
      evidence = "R. 2:2(0) ack 11 (expected R 2:2(0))",
    },
    ["SYN offering MSS, SACK, timestamps and window scale gets all four back"] = {
      rfc = "2018 2, 7323 1.3",
      reason = "Debian's lwIP is built without SACK and timestamps (both optional), so its "
        .. "SYN|ACK never carries SACK-permitted or a timestamp",
      evidence = "S. 0:0(0) ack 1 <mss 1460,nop,wscale 1>",
    },
    ["ISNs of 32 handshakes from different ports show no constant or small step"] = {
      rfc = "6528 3",
      reason = "lwIP's ISN is a counter (tcp_next_iss without LWIP_HOOK_TCP_ISN): "
        .. "consecutive connections get 6510, 6511, 6512 -- predictable",
      evidence = "ISN 6510 repeats",
    },
    ["a SYN with a higher sequence number in TIME_WAIT opens a new connection"] = {
      rfc = "1122 4.2.2.13",
      reason = "accepting a new SYN in TIME-WAIT is a MAY; lwIP answers it with an ACK "
        .. "of the old connection instead",
      evidence = ". 6512:6512(0) ack 4294867298 (expected S. 0:0(0) ack 1)",
    },
    ["SO_LINGER {on, 0} then close() sends RST, no FIN and no TIME_WAIT"] = {
      rfc = "9293 3.10.4",
      reason = "lwIP's close() with SO_LINGER {1, 0} and nothing unsent closes with a FIN "
        .. "instead of aborting the connection with RST",
      evidence = "F. 1:1(0) ack 1 (expected R. 1:1(0) ack 1)",
    },
  },
}
