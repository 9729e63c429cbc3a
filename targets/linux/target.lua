-- Descriptor of the built-in Linux target (targets/linux/README.md): the values tests
-- read instead of hard-coding them, and the known deviations (none: the suite's
-- expectations are the kernel's, with RFC citations where it departs from the RFC text).
-- Sweep deviations (lua/sweep/deviations.lua): Linux behaviours that depart from the text
-- of RFC 9293 3.10.7.4 as the model reads it, each read in net/ipv4/tcp_input.c or
-- tcp_minisocks.c (Linux 6.18) and keyed by case-id globs no wider than the cells the
-- behaviour governs: a state, a flag class, the edge that matters.
local sweep_deviations = {}
local function declare(states, patterns, d)
  for _, st in ipairs(states) do
    for _, p in ipairs(patterns) do sweep_deviations[st .. "/*/" .. p] = d end
  end
end
local SYNCED = { "ESTABLISHED", "ESTABLISHED-DATA-IN", "ESTABLISHED-DATA-OUT", "FIN-WAIT-1",
  "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK" }

-- tcp_rcv_state_process / tcp_rcv_established drop a segment with none of ACK, RST, SYN
-- before the sequence test, so an unacceptable one gets no ACK.
-- Evidence: ESTABLISHED/inet/NONE:seq=rcv_wend:ack=0:len=0 expected . 1:1(0) ack 1, seen nothing.
declare(SYNCED, { "NONE:seq=rcv_nxt-1:*", "NONE:seq=rcv_wend:*", "NONE:seq=rcv_wend+1:*",
  "NONE:seq=rcv_nxt+2^31:*", "FIN:seq=rcv_nxt-1:*", "FIN:seq=rcv_wend:*", "FIN:seq=rcv_wend+1:*",
  "FIN:seq=rcv_nxt+2^31:*" }, { rfc = "9293 3.10.7.4",
  reason = "an ACK-less segment is dropped before the sequence test (tcp_rcv_state_process: "
    .. "!th->ack && !th->rst && !th->syn), so the ACK the first step asks for an unacceptable "
    .. "segment (\"an acknowledgment should be sent in reply\") is not sent" })

-- tcp_sequence (and tcp_in_window for a request socket) accept a zero-length segment at
-- RCV.NXT+RCV.WND, and let a FIN reach one beyond: its ACK is processed.
-- Evidence: ESTABLISHED/inet/ACK:seq=rcv_wend:ack=snd_nxt:len=0 expected . 1:1(0) ack 1, seen nothing.
declare({ "SYN-RECEIVED", table.unpack(SYNCED) }, { "ACK:seq=rcv_wend:*", "FIN+ACK:seq=rcv_wend:*" },
  { rfc = "9293 3.10.7.4", reason = "a segment at the right edge of the window (SEG.SEQ = "
    .. "RCV.NXT+RCV.WND, no text) is taken as acceptable: the table asks SEG.SEQ < RCV.NXT+RCV.WND" })
declare({ "SYN-RECEIVED" }, { "NONE:seq=rcv_wend:*" }, { rfc = "9293 3.10.7.4",
  reason = "tcp_check_req takes a segment at the right edge as in the window, then drops it "
    .. "for the missing ACK bit without the first step's ACK" })

-- tcp_sequence tests SEG.SEQ+SEG.LEN against RCV.WUP (= RCV.NXT once acknowledged), so a
-- retransmitted FIN (ending at RCV.NXT) passes and its ACK field is processed.
-- Evidence: FIN-WAIT-1/inet/FIN+ACK:seq=rcv_nxt-1:ack=snd_nxt:len=0 expected -> FIN-WAIT-1, seen -> FIN-WAIT-2.
declare({ "FIN-WAIT-1", "CLOSING", "LAST-ACK" }, { "FIN+ACK:seq=rcv_nxt-1:*" }, {
  rfc = "9293 3.10.7.4", reason = "an old FIN that ends at RCV.NXT is acceptable (end_seq "
    .. ">= RCV.WUP) and its ACK acknowledges our FIN; the table finds it unacceptable" })

-- tcp_ack bounds RFC 5961's window by the bytes ever acknowledged (\"do not accept ACK for
-- bytes we never sent\", 2023): with none yet, SEG.ACK = SND.UNA-1 gets a challenge ACK and
-- the segment is dropped (text and FIN too).
-- Evidence: ESTABLISHED/inet/ACK:seq=rcv_nxt:ack=snd_una-1:len=0 expected nothing, seen . 1:1(0) ack 1.
declare(SYNCED, { "ACK:*:ack=snd_una-1:*", "ACK+data:*:ack=snd_una-1:*", "FIN+ACK:*:ack=snd_una-1:*",
  "FIN+ACK+data:*:ack=snd_una-1:*" }, { rfc = "5961 5.2", reason = "an ACK below SND.UNA but "
    .. "within MAX.SND.WND is dropped with an ACK when no byte was acknowledged yet "
    .. "(max_window = min(max_window, bytes_acked)); (SND.UNA - MAX.SND.WND) =< SEG.ACK is acceptable" })
-- ...and the same ACK written SND.NXT-1 where nothing is in flight (SND.NXT = SND.UNA),
-- as the fuzzer writes it (fuzz.declared maps SND.NXT-n to SND.UNA-1 for n >= 2 only,
-- since with a FIN in flight SND.NXT-1 is SND.UNA). Evidence (the final Linux round):
-- 27efa5bfc80b8bf2 ESTABLISHED-DATA-IN ACK+URG+data:seq=rcv_nxt-1:ack=snd_nxt-1:len=13
-- expected the text taken, <ACK=RCV.NXT+12>, seen . <ACK=RCV.NXT> (text dropped).
declare({ "ESTABLISHED", "ESTABLISHED-DATA-IN", "CLOSE-WAIT" }, { "ACK:*:ack=snd_nxt-1:*",
  "ACK+data:*:ack=snd_nxt-1:*", "FIN+ACK:*:ack=snd_nxt-1:*", "FIN+ACK+data:*:ack=snd_nxt-1:*" },
  sweep_deviations["ESTABLISHED/*/ACK:*:ack=snd_una-1:*"])

-- tcp_timewait_state_process answers every segment but a bare ACK or RST at RCV.NXT (and a
-- new SYN) with an ACK of RCV.NXT, also without the ACK bit, and does not take a FIN at RCV.NXT.
-- Evidence: TIME-WAIT/inet/FIN:seq=rcv_nxt:ack=0:len=0 expected nothing, seen . 2:2(0) ack 2.
declare({ "TIME-WAIT" }, { "NONE:*", "NONE+data:*", "FIN:*", "FIN+data:*", "ACK:seq=rcv_nxt+1:*",
  "ACK:seq=rcv_wend-1:*", "ACK:*:ack=snd_una-1:*", "FIN+ACK:*:ack=snd_una-1:*",
  "FIN+ACK:seq=rcv_nxt:*", "FIN+ACK+data:seq=rcv_nxt-1:*" }, { rfc = "9293 3.10.7.4",
  reason = "TIME-WAIT ACKs any segment other than a bare ACK or RST at RCV.NXT with <ACK=RCV.NXT> "
    .. "(ACK-less ones too, which the fifth step drops) and does not advance RCV.NXT over a FIN" })

-- After the peer's FIN, tcp_rcv_state_process ignores segments at or after RCV.NXT (no
-- eighth step for their FIN), but one starting below RCV.NXT goes through tcp_data_queue:
-- its FIN advances RCV.NXT, and text beyond RCV.NXT resets (LINUX_MIB_TCPABORTONDATA).
-- Evidence: CLOSE-WAIT/inet/FIN+ACK:seq=rcv_nxt:ack=snd_nxt:len=0 expected . 1:1(0) ack 3, seen nothing;
-- CLOSE-WAIT/inet/ACK+data:seq=rcv_nxt-1:ack=snd_nxt:len=mss expected nothing, seen R 1:1(0).
declare({ "CLOSE-WAIT", "CLOSING", "LAST-ACK" }, { "FIN+ACK:seq=rcv_nxt:*",
  "FIN+ACK+data:seq=rcv_nxt-1:*", "ACK+data:seq=rcv_nxt-1:*:len=mss*" }, { rfc = "9293 3.10.7.4",
  reason = "after the peer's FIN a FIN at RCV.NXT is ignored unless its segment starts below "
    .. "RCV.NXT, and text past RCV.NXT resets the connection where the seventh step ignores it" })

-- tcp_sequence drops a segment that straddles the right edge while the receive queue is not
-- empty (SKB_DROP_REASON_TCP_INVALID_END_SEQUENCE) and sends a duplicate ACK.
-- Evidence: CLOSING/inet/ACK+data:seq=rcv_wend-1:ack=snd_nxt:len=mss expected nothing -> TIME-WAIT, seen . 2:2(0) ack 2 -> CLOSING.
declare({ "CLOSE-WAIT", "CLOSING", "LAST-ACK" }, { "ACK+data:seq=rcv_wend-1:*:len=mss*",
  "FIN+ACK+data:seq=rcv_wend-1:*:len=mss*" }, { rfc = "9293 3.10.7.4",
  reason = "a segment that starts in the window but ends beyond it is dropped when unread "
    .. "data waits; the table accepts it (its first octet is in the window)" })

-- tcp_check_req retransmits the SYN,ACK for a retransmitted SYN (SEG.SEQ = IRS).
-- Evidence: SYN-RECEIVED/inet/SYN:seq=rcv_nxt-1:ack=0:len=0 expected . 1:1(0) ack 1, seen S. 0:0(0) ack 1.
declare({ "SYN-RECEIVED" }, { "SYN:seq=rcv_nxt-1:*" }, { rfc = "9293 3.10.7.4",
  reason = "a retransmitted SYN is answered by a retransmission of the SYN,ACK "
    .. "<SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, not the ACK <SEQ=SND.NXT><ACK=RCV.NXT>" })

-- RST, SYN and RFC 5961, keyed RULE@PATTERN (that rule in those cases only).
-- Where Linux departs from the sweep's RFC model (lua/sweep/deviations.lua), each with
-- the sentence it breaks, the kernel code that decides, and one case as wire evidence
-- (relative numbers, from cases.jsonl).
for key, d in pairs({
    -- tcp_check_req: a SYN in the window of a request socket is an "embryonic reset":
    -- Linux sends RST and drops the request (the listener stays, so the port is LISTEN).
    -- SYN-RECEIVED/inet/SYN:seq=rcv_nxt+1:ack=0: expected nothing -> LISTEN,
    -- seen R. 0:0(0) ack 3 -> LISTEN
    ["syn.synrcvd_passive"] = {rfc = "9293 3.10.7.4",
      reason = "a SYN in the window of a passive SYN-RECEIVED is answered with RST " ..
        "(tcp_check_req); RFC 9293: \"return this connection to the LISTEN state and return\""},
    -- TIME-WAIT (tcp_timewait_state_process): a RST is taken only at RCV.NXT, any other
    -- is dropped without a challenge ACK.
    -- TIME-WAIT/inet/FIN+RST:seq=rcv_nxt+1:ack=0: expected . 2:2(0) ack 2 -> TIME-WAIT,
    -- seen nothing -> TIME-WAIT
    ["rst.challenge@TIME-WAIT/*"] = {rfc = "5961 3.2",
      reason = "TIME-WAIT drops a RST in the window that is not at RCV.NXT silently: " ..
        "\"TCP MUST send an acknowledgment (challenge ACK)\""},
    -- TIME-WAIT/inet/ACK:seq=rcv_nxt:ack=snd_nxt+1: expected . 2:2(0) ack 2, seen nothing
    ["ack.window_5961@TIME-WAIT/*"] = {rfc = "5961 5.2",
      reason = "TIME-WAIT takes a bare ACK at RCV.NXT without checking SEG.ACK: " ..
        "\"MUST be discarded and an ACK sent back\""},
    -- tcp_reset_check: after the peer's FIN (CLOSE-WAIT, CLOSING, LAST-ACK) a RST at
    -- RCV.NXT-1 resets, for peers that do not count their FIN.
    -- CLOSE-WAIT/inet/FIN+RST:seq=rcv_nxt-1:ack=0: expected nothing -> CLOSE-WAIT,
    -- seen nothing -> CLOSED
    ["seq.unacceptable_rst@CLOSE-WAIT/*:seq=rcv_nxt-1:*"] = {rfc = "9293 3.10.7.4",
      reason = "CLOSE-WAIT is reset by a RST at RCV.NXT-1 (tcp_reset_check); a RST outside " ..
        "the window: \"drop the segment and return\""},
    ["seq.unacceptable_rst@CLOSING/*:seq=rcv_nxt-1:*"] = {rfc = "9293 3.10.7.4",
      reason = "CLOSING is reset by a RST at RCV.NXT-1 (tcp_reset_check); a RST outside " ..
        "the window: \"drop the segment and return\""},
    ["seq.unacceptable_rst@LAST-ACK/*:seq=rcv_nxt-1:*"] = {rfc = "9293 3.10.7.4",
      reason = "LAST-ACK is reset by a RST at RCV.NXT-1 (tcp_reset_check); a RST outside " ..
        "the window: \"drop the segment and return\""},
    -- CLOSE-WAIT/inet/FIN+RST+ACK+data:seq=rcv_nxt-1:ack=snd_nxt:len=1: expected
    -- . 1:1(0) ack 2 -> CLOSE-WAIT, seen nothing -> CLOSED
    ["rst.challenge@CLOSE-WAIT/*:seq=rcv_nxt-1:*"] = {rfc = "5961 3.2",
      reason = "CLOSE-WAIT is reset by a RST at RCV.NXT-1 (tcp_reset_check), not " ..
        "challenged: \"TCP MUST send an acknowledgment (challenge ACK)\""},
    ["rst.challenge@CLOSING/*:seq=rcv_nxt-1:*"] = {rfc = "5961 3.2",
      reason = "CLOSING is reset by a RST at RCV.NXT-1 (tcp_reset_check), not " ..
        "challenged: \"TCP MUST send an acknowledgment (challenge ACK)\""},
    ["rst.challenge@LAST-ACK/*:seq=rcv_nxt-1:*"] = {rfc = "5961 3.2",
      reason = "LAST-ACK is reset by a RST at RCV.NXT-1 (tcp_reset_check), not " ..
        "challenged: \"TCP MUST send an acknowledgment (challenge ACK)\""},
    -- tcp_sequence accepts a segment whose end is RCV.NXT (SEG.SEQ+SEG.LEN = RCV.NXT:
    -- "before(end_seq, rcv_wup)" is false), so a RST with FIN or SYN at RCV.NXT-1 is
    -- in its window and, not at RCV.NXT, gets a challenge ACK.
    -- ESTABLISHED/inet/FIN+RST:seq=rcv_nxt-1:ack=0: expected nothing, seen . 1:1(0) ack 1
    ["seq.unacceptable_rst@*FIN+RST*:seq=rcv_nxt-1:*"] = {rfc = "9293 3.10.7.4",
      reason = "a RST|FIN ending at RCV.NXT passes Linux's sequence test and is challenged; " ..
        "unacceptable by the four cases: \"(unless the RST bit is set, if so drop the segment and return)\""},
    ["seq.unacceptable_rst@*SYN+RST*:seq=rcv_nxt-1:*"] = {rfc = "9293 3.10.7.4",
      reason = "a RST|SYN ending at RCV.NXT passes Linux's sequence test and is challenged; " ..
        "unacceptable by the four cases: \"(unless the RST bit is set, if so drop the segment and return)\""},
    -- tcp_sequence (and tcp_in_window for a request socket) accepts SEG.SEQ =
    -- RCV.NXT+RCV.WND ("after(seq, rcv_nxt + window)" is false): a RST there is challenged.
    -- SYN-RECEIVED/inet/RST:seq=rcv_wend:ack=0: expected nothing, seen . 1:1(0) ack 1
    ["seq.unacceptable_rst@*:seq=rcv_wend:*"] = {rfc = "9293 3.10.7.4",
      reason = "a RST at RCV.NXT+RCV.WND passes Linux's sequence test (right edge included) " ..
        "and is challenged: \"(unless the RST bit is set, if so drop the segment and return)\""},
    -- tcp_sequence drops a segment that ends beyond the window when the receive queue
    -- is not empty (unread data, or a FIN taken): a RST with text past the right edge
    -- is then dropped before the RST check, not challenged.
    -- ESTABLISHED-DATA-IN/inet/FIN+RST+ACK+data:seq=rcv_wend-1:ack=snd_nxt:len=mss:
    -- expected . 1:1(0) ack 101, seen nothing
    ["rst.challenge@ESTABLISHED-DATA-IN/*:seq=rcv_wend-1:*"] = {rfc = "5961 3.2",
      reason = "a RST whose text passes the right edge is dropped while data is unread " ..
        "(tcp_sequence): its SEG.SEQ is in the window, \"TCP MUST send an acknowledgment\""},
    ["rst.challenge@CLOSE-WAIT/*:seq=rcv_wend-1:*"] = {rfc = "5961 3.2",
      reason = "a RST whose text passes the right edge is dropped after a FIN was queued " ..
        "(tcp_sequence): its SEG.SEQ is in the window, \"TCP MUST send an acknowledgment\""},
    ["rst.challenge@CLOSING/*:seq=rcv_wend-1:*"] = {rfc = "5961 3.2",
      reason = "a RST whose text passes the right edge is dropped after a FIN was queued " ..
        "(tcp_sequence): its SEG.SEQ is in the window, \"TCP MUST send an acknowledgment\""},
}) do sweep_deviations[key] = d end

-- An orphaned FIN-WAIT-2 (the application closed; prefix FIN-WAIT-2-ORPHAN) is not a
-- socket on Linux but a timewait socket with tw_substate TCP_FIN_WAIT2 (tcp_rcv_state_
-- process, FIN_WAIT1: tcp_time_wait(sk, TCP_FIN_WAIT2, tmo) when tcp_fin_timeout is
-- below TCP_TIMEWAIT_LEN). tcp_timewait_state_process "just repeats the checks" in a
-- shorter form: tcp_in_window, then RST -> kill, SYN at or after rcv_nxt -> TCP_TW_RST,
-- no test of the ACK field, new data -> TCP_TW_RST. The RFC 5961 mitigations Linux applies
-- to full sockets (tcp_validate_incoming, tcp_ack) are missing there.
local TW_FW2 = "Linux's orphaned FIN-WAIT-2 is a timewait socket (tcp_timewait_state_process, "
  .. "tw_substate TCP_FIN_WAIT2), which "
local RST_IN_ORPHAN = {
  rfc = "5961 3.2",
  -- FIN-WAIT-2-ORPHAN/inet/RST:seq=rcv_nxt+1:ack=0:len=0: expected . 2:2(0) ack 1 ->
  --   FIN-WAIT-2, seen nothing -> CLOSED;  .../RST:seq=rcv_wend+1:ack=0:len=0: expected
  --   nothing, seen . 2:2(0) ack 1
  reason = TW_FW2 .. "kills the connection on any RST that passes tcp_in_window (RFC 5961 3.2 "
    .. "step 3: not exactly RCV.NXT, TCP MUST send a challenge ACK) and answers one outside "
    .. "the window with an ACK (step 1 and 9293 3.10.7.4: silently drop; a SHOULD there)",
}
local SYN_IN_ORPHAN = {
  rfc = "5961 4.2",
  -- FIN-WAIT-2-ORPHAN/inet/SYN:seq=rcv_nxt:ack=0:len=0: expected . 2:2(0) ack 1 ->
  --   FIN-WAIT-2, seen R. 0:0(0) ack 2 -> CLOSED (RFC 793's reset)
  reason = TW_FW2 .. "answers a SYN at or after rcv_nxt with a RST and drops the connection, "
    .. "and one overlapping rcv_nxt like any other segment, where RFC 5961 4.2 says: if the "
    .. "SYN bit is set, irrespective of the sequence number, TCP MUST send an ACK (challenge "
    .. "ACK)",
}
local ACK_IN_ORPHAN = {
  rfc = "5961 5.2",
  -- FIN-WAIT-2-ORPHAN/inet/ACK:seq=rcv_nxt:ack=snd_nxt+1:len=0: expected . 2:2(0) ack 1,
  --   seen nothing;  .../ACK+data:seq=rcv_nxt:ack=snd_una-2^20:len=1: expected . 2:2(0)
  --   ack 1 -> FIN-WAIT-2, seen R 4293918722:4293918722(0) -> CLOSED
  reason = TW_FW2 .. "never tests SEG.ACK: an ACK beyond SND.NXT or below SND.UNA - "
    .. "MAX.SND.WND is taken (dropped if bare, its text reset), where RFC 5961 5.2 says all "
    .. "other segments MUST be discarded and an ACK sent back",
}
local EDGE_IN_ORPHAN = {
  rfc = "9293 3.10.7.4",
  -- FIN-WAIT-2-ORPHAN/inet/ACK:seq=rcv_wend:ack=snd_nxt:len=0: expected . 2:2(0) ack 1,
  --   seen nothing
  reason = TW_FW2 .. "takes a zero-length segment at SEG.SEQ = RCV.NXT+RCV.WND as in the "
    .. "window (tcp_in_window: seq == e_win && seq == end_seq), where the acceptability "
    .. "table's RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND refuses it and an acknowledgment "
    .. "should be sent",
}
local ORPHAN_FW2 = {
  ["FIN-WAIT-2-ORPHAN/*RST*"] = RST_IN_ORPHAN,
  ["FIN-WAIT-2-ORPHAN/*/SYN:*"] = SYN_IN_ORPHAN,
  ["FIN-WAIT-2-ORPHAN/*/SYN+ACK*"] = SYN_IN_ORPHAN,
  ["FIN-WAIT-2-ORPHAN/*/SYN+data*"] = SYN_IN_ORPHAN,
  ["FIN-WAIT-2-ORPHAN/*/SYN+FIN:*"] = SYN_IN_ORPHAN,
  ["FIN-WAIT-2-ORPHAN/*/SYN+FIN+ACK*"] = SYN_IN_ORPHAN,
  ["FIN-WAIT-2-ORPHAN/*/SYN+FIN+data*"] = SYN_IN_ORPHAN,
  ["FIN-WAIT-2-ORPHAN/*:ack=snd_nxt+*"] = ACK_IN_ORPHAN,
  ["FIN-WAIT-2-ORPHAN/*:ack=snd_una-2^20*"] = ACK_IN_ORPHAN,
  ["FIN-WAIT-2-ORPHAN/*/ACK:seq=rcv_wend:*"] = EDGE_IN_ORPHAN,
  ["FIN-WAIT-2-ORPHAN/*/NONE:seq=rcv_wend:*"] = EDGE_IN_ORPHAN,
}
for key, d in pairs(ORPHAN_FW2) do sweep_deviations[key] = d end

-- tcp_rcv_state_process, LISTEN: "if (th->fin) goto discard" before conn_request, so a
-- SYN carrying FIN opens nothing. RFC 9293 3.10.7.2: "If the SYN bit is set ... <SEQ=ISS>
-- <ACK=RCV.NXT><CTL=SYN,ACK> is sent ... any other incoming control or data (combined with
-- SYN) will be processed in the SYN-RECEIVED state".
-- Evidence: LISTEN/inet/SYN+FIN:seq=1000000:ack=0:len=0 expected S. 0:0(0) ack 1000001 ->
-- SYN-RECEIVED, seen nothing -> LISTEN.
sweep_deviations["listen.syn@LISTEN/*/SYN+FIN*"] = { rfc = "9293 3.10.7.2",
  reason = "a SYN that carries FIN is dropped in LISTEN (tcp_rcv_state_process: th->fin -> "
    .. "discard); the RFC answers any SYN with <CTL=SYN,ACK> and processes the rest in "
    .. "SYN-RECEIVED" }
-- The same retransmitted SYN as SYN-RECEIVED's above, reached from LISTEN by a first SYN.
-- Evidence: LISTEN/inet/SYN:seq=1000000:ack=0:len=0>SYN:seq=1000000:ack=0:len=0, step 2
-- expected . 0:0(0) ack 1000001, seen S. 0:0(0) ack 1000001.
sweep_deviations["seq.unacceptable@LISTEN/*/SYN:*>SYN:*"] = { rfc = "9293 3.10.7.4",
  reason = "a retransmitted SYN in SYN-RECEIVED is answered by a retransmission of the SYN,ACK "
    .. "(tcp_check_req), not the ACK <SEQ=SND.NXT><ACK=RCV.NXT> the first step sends" }
-- tcp_rcv_synsent_state_process completes the handshake, sends the ACK and returns -1;
-- tcp_rcv_state_process then does only "step6 onward by hand" for URG and frees the
-- segment: its text and FIN are never processed. RFC 9293 3.10.7.3: "If there are other
-- controls or text in the segment, then continue processing at the sixth step".
-- Evidence: SYN-SENT/inet/SYN+FIN+ACK:seq=1000000:ack=snd_nxt:len=0 expected . 1:1(0) ack
-- 1000002 -> CLOSE-WAIT, seen . 1:1(0) ack 1000001 -> ESTABLISHED.
sweep_deviations["synsent.established@SYN-SENT/*/SYN+ACK+data:*"] = { rfc = "9293 3.10.7.3",
  reason = "text on the SYN,ACK that completes an active open is dropped (only URG is "
    .. "processed after tcp_rcv_synsent_state_process); \"continue processing at the sixth step\"" }
sweep_deviations["synsent.established@SYN-SENT/*/SYN+FIN+ACK*"] = { rfc = "9293 3.10.7.3",
  reason = "a FIN on the SYN,ACK that completes an active open is ignored (only URG is "
    .. "processed after tcp_rcv_synsent_state_process); \"continue processing at the sixth step\"" }
-- With data unread or in flight, an ACK+data segment at RCV.NXT whose SEG.ACK is 2^20
-- below SND.UNA (outside MAX.SND.WND) has its text delivered; ESTABLISHED without data
-- agrees with the model. Probably the header-prediction fast path of tcp_rcv_established,
-- which queues the text before tcp_ack and ignores tcp_ack's verdict (not confirmed by
-- a kernel trace). RFC 5961 5.2: "all other segments MUST be discarded and an ACK sent".
-- Evidence: ESTABLISHED-DATA-IN/inet/ACK+data:seq=rcv_nxt:ack=snd_una-2^20:len=1 expected
-- . 1:1(0) ack 101 -> ESTABLISHED, seen . 1:1(0) ack 102 -> ESTABLISHED.
for _, st in ipairs({ "ESTABLISHED-DATA-IN", "ESTABLISHED-DATA-OUT" }) do
  sweep_deviations["ack.window_5961@" .. st .. "/*/ACK+data:seq=rcv_nxt:ack=snd_una-2^20:*"] = {
    rfc = "5961 5.2", reason = "text whose SEG.ACK is below SND.UNA - MAX.SND.WND is delivered "
      .. "(with data unread or in flight); \"all other segments MUST be discarded and an ACK "
      .. "sent back\"" }
end

-- PAWS (RFC 7323 5.3 R1) rejects a segment whose TSval is older than TS.Recent: "Send an
-- acknowledgment in reply ... and drop the segment". tcp_validate_incoming does so, but
-- tcp_disordered_ack_check classes a pure ACK (no text, SYN or FIN) below RCV.NXT as an
-- old ACK (SKB_DROP_REASON_TCP_RFC7323_PAWS_ACK, counted as TcpExt PAWSOldAck; in the
-- 6.18 the labs run) and discards it with no dup ACK ("Old ACK are common"). R1 has no
-- MUST and 9293 3.10.7.4 says "should" for that ACK: a reading, not a bug. A full socket: a
-- request socket (tcp_check_req) and TIME-WAIT (tcp_timewait_state_process) do send it.
-- Evidence: SYN-SENT/inet/SYN:seq=1000000:ack=0:len=0:opt=ts+1>ACK:seq=1000000:ack=snd_nxt:
-- len=0:opt=ts-1 expected . 1:1(0) ack 1 -> SYN-RECEIVED, seen nothing -> SYN-RECEIVED
-- (at seq=1000001, RCV.NXT, the dup ACK comes: the cell beside it agrees).
local PAWS_OLD_ACK = { rfc = "7323 5.3", reason = "a pure ACK below RCV.NXT whose TSval "
  .. "fails PAWS is dropped silently (tcp_disordered_ack_check: an old ACK), where R1 says "
  .. "\"Send an acknowledgment in reply as specified in RFC 793 page 69, and drop the segment\"" }
sweep_deviations["paws.reject@SYN-SENT/*/SYN:seq=1000000:ack=0:len=0:opt=ts+1>ACK:seq=1000000:"
  .. "ack=snd_nxt:len=0:opt=ts-1"] = PAWS_OLD_ACK

-- ---- found by the fuzzer (issue 11; lua/fuzz/README.md "Campaigns") ----
-- Linux behaviours the sweep's cells do not reach, from the model findings of a 600 s
-- Linux-only campaign (`tcpconform fuzz --target linux --seconds 600`); each key's
-- evidence is a finding's signature and minimised step (all of them are in
-- tests/fuzz_findings/linux_campaign.lua, which tests/fuzz_spec.lua checks against this).
local FUZZ = {}
-- tcp_check_req tests SEG.ACK before the sequence number: an ACK other than ISS+1 sends
-- the segment to the listener, which answers <SEQ=SEG.ACK><CTL=RST> (a RST it drops),
-- whatever SEG.SEQ is. Evidence: c6daa76281887de7, SYN-RECEIVED
-- FIN+ACK:seq=rcv_wend+1:ack=snd_una-1 expected . <ACK=RCV.NXT>, seen R <SEQ=SEG.ACK>;
-- 0920b5af8483b5f4 SYN+FIN+ACK+URG:seq=rcv_nxt-2^20:ack=snd_nxt+1, seen R.
local ACK_FIRST = { rfc = "9293 3.10.7.4", reason = "a request socket (tcp_check_req) checks "
  .. "SEG.ACK before SEG.SEQ: an unacceptable ACK is reset by the listener even when the "
  .. "sequence number is unacceptable, where the first step says \"If an incoming segment "
  .. "is not acceptable, an acknowledgment should be sent in reply\" and checks the ACK "
  .. "field only in the fifth step" }
for _, a in ipairs({ "snd_una*", "snd_nxt+*", "snd_nxt-*", "0:*", "1*", "2*", "3*", "4*",
    "5*", "6*", "7*", "8*", "9*" }) do
  FUZZ["seq.unacceptable@SYN-RECEIVED/*ACK*:ack=" .. a] = ACK_FIRST
  FUZZ["rst.challenge@SYN-RECEIVED/*ACK*:ack=" .. a] = ACK_FIRST
end
-- The orphaned FIN-WAIT-2 (a timewait socket) never tests SEG.ACK, whatever its offset.
-- Evidence: 99d982f0d02f56c7 FIN-WAIT-2-ORPHAN ACK+URG:seq=rcv_nxt:ack=snd_una-n expected
-- . <ACK=RCV.NXT>, seen nothing.
FUZZ["ack.window_5961@FIN-WAIT-2-ORPHAN/*"] = ACK_IN_ORPHAN
-- An ACK-less segment at a raw (unacceptable) sequence number, with or without text, is
-- dropped without the ACK the first step asks, as the sweep's ACK-less cells declare.
-- Evidence: fe830b55b2feb5f1 ESTABLISHED-DATA-OUT NONE+data:seq=1000000 seen nothing;
-- de99a7ff2cbca537 LAST-ACK FIN:seq=1000000 seen nothing.
local NO_ACK = { rfc = "9293 3.10.7.4", reason = "an ACK-less segment is dropped before "
  .. "the sequence test (tcp_rcv_state_process: !th->ack && !th->rst && !th->syn), so the "
  .. "ACK the first step asks for an unacceptable segment (\"an acknowledgment should be "
  .. "sent in reply\") is not sent" }
for _, st in ipairs(SYNCED) do
  for _, f in ipairs({ "NONE", "NONE+data", "FIN", "FIN+data" }) do
    for d = 0, 9 do FUZZ["seq.unacceptable@" .. st .. "/*/" .. f .. ":seq=" .. d .. "*"] = NO_ACK end
  end
end
-- tcp_sequence tests SEG.SEQ+SEG.LEN against RCV.WUP: one byte at RCV.NXT-1 (it ends at
-- RCV.NXT) passes; with RST it is challenged, without its ACK is processed.
-- Evidence (F1's campaign): ESTABLISHED RST+ACK+data:seq=rcv_nxt-1:len=1 expected
-- nothing, seen . <ACK=RCV.NXT>; 9e709722a2ca03cf CLOSING ACK+PSH+data:seq=rcv_nxt-1:
-- ack=snd_nxt:len=1 expected . -> CLOSING, seen nothing -> TIME-WAIT.
local END_AT_NXT = { rfc = "9293 3.10.7.4", reason = "a segment whose only octet is "
  .. "RCV.NXT-1 passes Linux's sequence test (end_seq >= RCV.WUP), where the table asks "
  .. "RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND: its RST is challenged, its ACK "
  .. "processed, instead of \"an acknowledgment should be sent in reply (unless the RST "
  .. "bit is set, if so drop the segment and return)\"" }
for _, st in ipairs(SYNCED) do
  for _, tail in ipairs({ ":len=1", ":len=1:*" }) do
    FUZZ["seq.unacceptable_rst@" .. st .. "/*RST*:seq=rcv_nxt-1:*" .. tail] = END_AT_NXT
    FUZZ["seq.unacceptable@" .. st .. "/*ACK*data:seq=rcv_nxt-1:*" .. tail] = END_AT_NXT
  end
end
-- After the peer's FIN, text that starts in the window and passes its right edge is
-- dropped with a duplicate ACK (the sweep's rcv_wend-1/len=mss cells), at any offset
-- and length. Evidence: 4ac20399f331449f CLOSE-WAIT FIN+ACK+PSH+data:seq=rcv_wend-1:
-- len=536 expected nothing, seen . <ACK=RCV.NXT>; 8af9cad8786c845e CLOSE-WAIT
-- ACK+data:seq=rcv_wend-509:len=mss.
local STRADDLE = { rfc = "9293 3.10.7.4", reason = "a segment that starts in the window "
  .. "but ends beyond it is dropped when unread data or a FIN is queued "
  .. "(tcp_sequence); the table accepts it (its first octet is in the window)" }
for _, st in ipairs({ "CLOSE-WAIT", "CLOSING", "LAST-ACK" }) do
  FUZZ[st .. "/*/*ACK*+data:seq=rcv_wend-*"] = STRADDLE
end
-- After the peer's FIN, text that starts below RCV.NXT and runs past it resets (the
-- sweep's rcv_nxt-1/len=mss cells), with URG or FIN too and at any length.
-- Evidence: 5c57602b97861da6 CLOSE-WAIT ACK+URG+data:seq=rcv_nxt-1:len=536 expected
-- nothing, seen R; 6f075469776ab3e4 CLOSING ACK+data:seq=rcv_nxt-117:len=mss, seen R.
local AFTER_FIN = sweep_deviations["CLOSE-WAIT/*/ACK+data:seq=rcv_nxt-1:*:len=mss*"]
for _, st in ipairs({ "CLOSE-WAIT", "CLOSING", "LAST-ACK" }) do
  FUZZ[st .. "/*/*ACK*+data:seq=rcv_nxt-*"] = AFTER_FIN
end
-- (Round 4: also at a raw number that is RCV.NXT-1, fuzz.declared's lookup by the edge.
-- Evidence: 549e6e4198abe759 SYN-SENT SYN+ACK:seq=1000000>FIN+ACK:seq=1000001
-- >FIN+ACK+data:seq=1000001:len=9 expected nothing -> CLOSE-WAIT, seen R.)
-- TIME-WAIT ACKs a bare ACK anywhere in the window but RCV.NXT (the sweep's rcv_nxt+1
-- and rcv_wend-1 cells). Evidence: 6afe346d5ac6048a TIME-WAIT ACK:seq=rcv_nxt+697
-- expected nothing, seen . <ACK=RCV.NXT>.
FUZZ["TIME-WAIT/*/ACK:seq=rcv_nxt+*"] = sweep_deviations["TIME-WAIT/*/ACK:seq=rcv_nxt+1:*"]
-- After a simultaneous open (SYN-SENT, then the peer's SYN: a full socket in SYN_RECV,
-- tcp_rcv_state_process): an ACK-less segment is dropped without the first step's ACK
-- (as in the synchronized states), and SEG.ACK = SND.UNA is taken (tcp_ack: only an ACK
-- before SND.UNA is old) and completes the handshake.
-- Evidence: 12934e5f75609ebd SYN-SENT SYN+FIN>FIN+data:seq=rcv_nxt-1049535 expected
-- . <ACK=RCV.NXT>, seen nothing; f1569896cab9b579 SYN-SENT SYN>FIN+ACK:seq=rcv_wend-1:
-- ack=snd_una expected R <SEQ=SEG.ACK>, seen . -> ESTABLISHED.
for _, f in ipairs({ "NONE", "FIN" }) do
  FUZZ["seq.unacceptable@SYN-SENT/*SYN*>" .. f .. "*"] = NO_ACK
end
FUZZ["reset.ack@SYN-SENT/*SYN*>*ACK*:ack=snd_una:*"] = { rfc = "9293 3.10.7.4",
  reason = "after a simultaneous open SEG.ACK = SND.UNA is acceptable (tcp_ack refuses only "
    .. "an ACK before SND.UNA or after SND.NXT) and enters ESTABLISHED, where the fifth "
    .. "step asks \"If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED\" and else "
    .. "\"form a reset segment <SEQ=SEG.ACK><CTL=RST>\"" }
-- Round 4. The crossing SYN,ACK of a simultaneous open (SEG.SEQ = IRS, SEG.ACK = SND.NXT)
-- is passed by tcp_validate_incoming and establishes the connection, and its SYN octet,
-- below RCV.NXT, is acknowledged at once as a duplicate (tcp_data_queue), where the model
-- follows RFC 9293 3.5's Figure 7: no segment after the crossing SYN,ACKs. Evidence:
-- d6d16403cd46ae6b SYN-SENT SYN+FIN:seq=1000000>SYN+ACK:seq=rcv_nxt-1:ack=snd_nxt
-- expected nothing -> ESTABLISHED, seen . <ACK=RCV.NXT> -> ESTABLISHED (the same after a
-- plain SYN; 2b5e33500594e56b: SEG.ACK written as SND.UNA+1, the same number).
local CROSSING_ACKS = { "snd_nxt", "snd_una+1" }
local CROSSING = {
  rfc = "9293 3.5", reason = "the crossing SYN,ACK is acknowledged as the duplicate its "
    .. "SYN is (\"If an incoming segment is not acceptable, an acknowledgment should be "
    .. "sent in reply\", 3.10.7.4) while it also establishes the connection; Figure 7 of "
    .. "3.5 (Simultaneous Connection Synchronization) shows no segment after it" }
-- (4e: 5094ddc13a2266af the same with URG, judged at rule urg.signal.)
for _, a in ipairs(CROSSING_ACKS) do
  for _, r in ipairs({ "ack.window_update", "urg.signal" }) do
    FUZZ[r .. "@SYN-SENT/*/SYN*>SYN+ACK*:seq=rcv_nxt-1:ack=" .. a .. ":*"] = CROSSING
  end
end
-- Round 4. Only a bare crossing SYN,ACK is taken so (tcp_validate_incoming: SEG.LEN = 1);
-- one with text or a FIN is a SYN in SYN-RECEIVED and gets a challenge ACK, nothing of
-- it taken, where the model trims its SYN and takes the rest. Evidence:
-- 80389984a9988ba1 SYN-SENT SYN+FIN:seq=rcv_nxt>SYN+FIN+ACK+data:seq=rcv_nxt-1:
-- ack=snd_nxt:len=3 expected . <ACK=RCV.NXT+4> -> CLOSE-WAIT, seen . <ACK=RCV.NXT>;
-- caa8d4856f4a352d the same with ack=snd_una+1 and len=1.
local CROSSING_TEXT = { rfc = "5961 4.2", reason = "a crossing SYN,ACK with text or FIN is "
  .. "challenged as a SYN (\"If the SYN bit is set, irrespective of the sequence number, TCP "
  .. "endpoints MUST send a 'challenge ACK'\", RFC 9293 3.10.7.4 fourth) instead of taken "
  .. "as 3.5's crossing SYN,ACK with its text and FIN" }
for _, r in ipairs({ "text.deliver", "fin.receive" }) do
  for _, a in ipairs(CROSSING_ACKS) do
    FUZZ[r .. "@SYN-SENT/*/SYN*>SYN+*:seq=rcv_nxt-1:ack=" .. a .. ":*"] = CROSSING_TEXT
  end
end
-- A retransmitted SYN after a simultaneous open whose SYN offered a zero window: the
-- challenge ACK's sequence number is SND.UNA+SND.WND (tcp_acceptable_seq keeps it in
-- the peer's window), not SND.NXT. Evidence: fe2a9b80d1972760 SYN-SENT SYN(win 0)>SYN
-- expected . <SEQ=SND.NXT>, seen . <SEQ=ISS>. (The step id carries no window: the key
-- covers the retransmitted SYN after a simultaneous open.)
FUZZ["seq.unacceptable@SYN-SENT/*/SYN:*:win=0*>SYN:*"] = { rfc = "9293 3.10.7.4",
  reason = "an ACK into a zero send window carries <SEQ=SND.UNA+SND.WND> "
    .. "(tcp_acceptable_seq), where the first step's is <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>" }
-- ...and so does the challenge ACK of any later SYN there (round 4). Evidence:
-- 1be4ba2963b2f979 SYN-SENT SYN(win 0)>SYN:seq=rcv_nxt expected . <SEQ=SND.NXT>, seen
-- . <SEQ=ISS>; 5bcf6d706cf08114 SYN(win 0)>SYN+FIN+ACK+data:seq=rcv_nxt-1:ack=snd_una-1;
-- ed943104ccc63e5a SYN+FIN(win 0)>SYN+FIN+data:seq=1000000:len=mss.
-- Round 4d: any later segment's ACK after such a SYN (the first step's too).
-- bde9c9e275ebb9c8 SYN+FIN(win 0)>SYN+FIN+data:seq=rcv_nxt-2^20 seen . <SEQ=ISS>.
for _, r in ipairs({ "syn.challenge", "seq.unacceptable" }) do
  FUZZ[r .. "@SYN-SENT/*/SYN*:win=0*>SYN*"] = FUZZ["seq.unacceptable@SYN-SENT/*/SYN:*:win=0*>SYN:*"]
end
-- A 60 s --state SYN-SENT campaign (after the SYN-SENT snapshot's ts_val): the same ACK
-- answering any later segment there, a RST's challenge ACK too. Evidence:
-- b95a99ce4851dcd7 SYN+FIN(win 0)>RST:seq=rcv_nxt+1 expected . <SEQ=SND.NXT>, seen
-- . <SEQ=ISS>; 632310aa56626fd5 SYN+FIN(win 0)>ACK:seq=1000000:ack=snd_nxt.
-- Round 7 (issue 11, the final 600 s round): the PAWS dup ACK there too. Evidence:
-- e4133b45b275f37f SYN(win 0, TS)>ACK+data:seq=rcv_nxt+2^31(TS older) expected
-- . <SEQ=SND.NXT>, seen . <SEQ=ISS>.
for _, r in ipairs({ "syn.challenge", "seq.unacceptable", "rst.challenge", "paws.reject" }) do
  FUZZ[r .. "@SYN-SENT/*/SYN*:win=0*>*"] = FUZZ["seq.unacceptable@SYN-SENT/*/SYN:*:win=0*>SYN:*"]
end
-- A request socket (passive SYN-RECEIVED) takes an in-window RST not at RCV.NXT as the
-- end of the embryonic connection (tcp_check_req: embryonic_reset), no challenge ACK.
-- Evidence: 6113a567ae299b9c LISTEN SYN>SYN+RST:seq=rcv_wend-1 expected . <ACK=RCV.NXT>,
-- seen nothing.
FUZZ["rst.challenge@LISTEN/*>*RST*"] = { rfc = "5961 3.2", reason = "a request socket "
  .. "drops itself on any RST in the window (tcp_check_req, embryonic_reset): \"If the RST "
  .. "bit is set and the sequence number ... does not exactly match the next expected "
  .. "sequence value, ... TCP MUST send an acknowledgment (challenge ACK)\"" }
-- RFC 5961 5.2 as Linux bounds it by the bytes acknowledged (the sweep's snd_una-1
-- cells): in FIN-WAIT-2 one octet (our FIN) is, so SEG.ACK below SND.UNA-1 drops text
-- with a challenge ACK. Evidence: 182af724906ab805 FIN-WAIT-2 ACK+data:seq=rcv_nxt:
-- ack=snd_nxt-79:len=3 expected . <ACK=RCV.NXT+3>, seen . <ACK=RCV.NXT>.
local BYTES_ACKED = { rfc = "5961 5.2", reason = "an ACK below SND.UNA but within MAX.SND.WND "
  .. "is dropped with an ACK when it is below what was acknowledged (max_window = "
  .. "min(max_window, bytes_acked)); (SND.UNA - MAX.SND.WND) =< SEG.ACK is acceptable" }
FUZZ["text.deliver@FIN-WAIT-2/*:ack=snd_nxt-*"] = BYTES_ACKED
FUZZ["text.deliver@FIN-WAIT-2/*:ack=snd_una-*"] = BYTES_ACKED
-- Text whose SEG.ACK is below SND.UNA-2^20 is delivered with data in flight (the sweep's
-- ACK+data cell; the PSH variant). Evidence: 4d7f0e37e2ca1d90 ESTABLISHED-DATA-OUT
-- ACK+PSH+data:seq=rcv_nxt:ack=snd_una-2^20:len=100.
for _, st in ipairs({ "ESTABLISHED-DATA-IN", "ESTABLISHED-DATA-OUT" }) do
  FUZZ["ack.window_5961@" .. st .. "/*/ACK+PSH+data:seq=rcv_nxt:ack=snd_una-2^20:*"] =
    sweep_deviations["ack.window_5961@" .. st .. "/*/ACK+data:seq=rcv_nxt:ack=snd_una-2^20:*"]
end
-- The same after a simultaneous open at the sweep's raw IRS (1000000): a RST|FIN at
-- SEG.SEQ = IRS ends at RCV.NXT. Evidence: 8046ffcc5bd795d4 SYN-SENT SYN+FIN:seq=1000000
-- >FIN+RST+ACK:seq=1000000 expected nothing, seen . <ACK=RCV.NXT>.
FUZZ["seq.unacceptable_rst@SYN-SENT/*:seq=1000000:*>*RST*:seq=1000000:*"] = END_AT_NXT
-- ...and at SEG.SEQ = RCV.NXT-1 with one octet after a simultaneous open at any IRS.
-- Evidence (round 4): cb403903f871adfc SYN-SENT SYN:seq=rcv_nxt>RST+data:seq=rcv_nxt-1:
-- ack=snd_nxt:len=1 expected nothing, seen . <ACK=RCV.NXT>.
for _, tail in ipairs({ ":len=1", ":len=1:*" }) do
  FUZZ["seq.unacceptable_rst@SYN-SENT/*/SYN*>*RST*:seq=rcv_nxt-1:*" .. tail] = END_AT_NXT
  -- ...and without RST its ACK is processed: SYN-RECEIVED of a simultaneous open (a full
  -- socket, tcp_rcv_state_process) goes to ESTABLISHED. Evidence (round 5, seed 8):
  -- 941d23c3c6197746 SYN-SENT SYN:seq=1000000>ACK+data:seq=rcv_nxt-1:ack=snd_nxt:len=1
  -- expected . <ACK=RCV.NXT> -> SYN-RECEIVED, seen nothing -> ESTABLISHED.
  FUZZ["seq.unacceptable@SYN-SENT/*/SYN*>*ACK*data:seq=rcv_nxt-1:*" .. tail] = END_AT_NXT
end
-- TIME-WAIT does not take a FIN behind an old octet either (the sweep's
-- FIN+ACK+data:seq=rcv_nxt-1 cell), with PSH or URG too. Evidence: ab55871d32466375
-- TIME-WAIT FIN+ACK+PSH+data:seq=rcv_nxt-1:len=1 expected . <ACK=RCV.NXT+1>, seen
-- . <ACK=RCV.NXT>.
FUZZ["TIME-WAIT/*/FIN+ACK*+data:seq=rcv_nxt-1:*"] = sweep_deviations["TIME-WAIT/*/FIN+ACK+data:seq=rcv_nxt-1:*"]
-- A challenge ACK while the peer's window is smaller than what is in flight carries
-- <SEQ=SND.UNA+SND.WND> (tcp_acceptable_seq), as after a zero-window SYN above.
-- Evidence: 305c51e877d25058 ESTABLISHED-DATA-OUT ACK(win 1)>FIN+RST+data:seq=rcv_nxt+1
-- expected . <SEQ=SND.NXT>, seen . <SEQ=SND.UNA+1>. (No window in step ids: the key is
-- that minimised case's.)
-- ...and any ACK of a program that offers a window below the 100 bytes in flight.
-- Evidence: 11a6e6868f1df6c2 ESTABLISHED-DATA-OUT ACK+data:seq=rcv_nxt+100:ack=snd_una+11:
-- len=536:win=1 expected . <SEQ=SND.NXT>, seen . <SEQ=SND.UNA+1>.
-- (Round 3: and with our FIN in flight. Evidence: e0078220cbe7fe9b FIN-WAIT-1
-- FIN+ACK+data:seq=rcv_nxt:ack=snd_una:len=1:win=0 expected . <SEQ=SND.NXT>, seen
-- . <SEQ=SND.UNA>.)
for _, st in ipairs({ "ESTABLISHED-DATA-OUT", "FIN-WAIT-1", "CLOSING", "LAST-ACK" }) do
  FUZZ[st .. "/*:win=*"] = FUZZ["seq.unacceptable@SYN-SENT/*/SYN:*:win=0*>SYN:*"]
end
-- Text whose SEG.ACK is a raw number (most often far below SND.UNA-MAX.SND.WND) is
-- delivered with data in flight, as the sweep's snd_una-2^20 cell declares.
-- Evidence: 57b3281c3806931b ESTABLISHED-DATA-OUT ACK+data:seq=rcv_nxt:ack=0:len=10
-- expected . <ACK=RCV.NXT>, seen . <ACK=RCV.NXT+10>.
for _, st in ipairs({ "ESTABLISHED-DATA-IN", "ESTABLISHED-DATA-OUT" }) do
  for d = 0, 9 do
    FUZZ["ack.window_5961@" .. st .. "/*/ACK*+data:seq=rcv_nxt:ack=" .. d .. "*"] =
      sweep_deviations["ack.window_5961@" .. st .. "/*/ACK+data:seq=rcv_nxt:ack=snd_una-2^20:*"]
  end
end
-- Round 3. The SYN,ACK's text is dropped with URG or PSH too (the sweep's
-- SYN+ACK+data cell). Evidence: cb9fe5b328bf2d09 SYN-SENT SYN+ACK+URG+data:len=4
-- expected . <ACK=RCV.NXT+4>, seen . <ACK=RCV.NXT>.
FUZZ["synsent.established@SYN-SENT/*/SYN+ACK+*data:*"] =
  sweep_deviations["synsent.established@SYN-SENT/*/SYN+ACK+data:*"]
-- A RST whose text ends at RCV.NXT (SEG.SEQ = RCV.NXT-n, n octets) passes tcp_sequence
-- and is challenged, at any n the fuzzer sends (its text is at most 16 octets, or len).
-- Evidence: b74b743946bde31b ESTABLISHED RST+data:seq=rcv_nxt-9:len=9 expected
-- nothing, seen . <ACK=RCV.NXT>.
for _, st in ipairs(SYNCED) do
  for n = 2, 16 do
    for _, tail in ipairs({ ":len=" .. n, ":len=" .. n .. ":*" }) do
      FUZZ["seq.unacceptable_rst@" .. st .. "/*RST*:seq=rcv_nxt-" .. n .. ":*" .. tail] = END_AT_NXT
    end
  end
end
-- Round 4e: a pure ACK (URG and PSH add no octet) below RCV.NXT failing PAWS after a
-- simultaneous open whose SYNs carried timestamps, and in the synchronized states: the
-- old ACK that tcp_disordered_ack_check drops silently (PAWS_OLD_ACK above). Evidence:
-- cb6110f61022069c SYN-SENT SYN+FIN(TS 999)>ACK+URG:seq=1000000(IRS):ack=snd_nxt TSval 1
-- expected . <ACK=RCV.NXT>, seen nothing.
-- At a raw SEG.SEQ after a SYN written from RCV.NXT the ACK is dropped so when the number
-- falls below RCV.NXT (half the harness's ISNs), else answered. Evidence:
-- e991586d71d0d73d SYN:seq=rcv_nxt+100(TS 1001)>ACK:seq=1000001:ack=snd_una(TS 999)
-- expected . <ACK=RCV.NXT>, seen nothing. (Not after a raw SYN: the sweep's cell at
-- seq=1000001 is RCV.NXT, where Linux sends the dup ACK.)
-- Round 7: also at RCV.NXT+2^31, which Linux's before() (a signed 32-bit difference)
-- counts as below RCV.NXT. Evidence: 5d6a5d7213882dec, dc777dfcd6fee784 SYN-SENT
-- SYN(TS)>ACK[+PSH]:seq=rcv_nxt+2^31:ack=snd_nxt(TS older) expected . <ACK=RCV.NXT>,
-- seen nothing.
local RAW = { "rcv_nxt+2^31:*" }
for d = 0, 9 do RAW[#RAW + 1] = tostring(d) .. "*" end
for _, f in ipairs({ "", "+PSH", "+URG", "+PSH+URG" }) do
  for _, tail in ipairs({ ":len=0", ":len=0:*" }) do
    FUZZ["paws.reject@SYN-SENT/*>ACK" .. f .. ":seq=rcv_nxt-*" .. tail] = PAWS_OLD_ACK
    FUZZ["paws.reject@SYN-SENT/*>ACK" .. f .. ":seq=rcv_nxt+2^31:*" .. tail] = PAWS_OLD_ACK
    for _, q in ipairs(RAW) do
      FUZZ["paws.reject@SYN-SENT/*/SYN*:seq=rcv_nxt*>ACK" .. f .. ":seq=" .. q .. tail] = PAWS_OLD_ACK
    end
    for _, st in ipairs(SYNCED) do
      for _, q in ipairs({ "rcv_nxt-*", table.unpack(RAW) }) do
        FUZZ["paws.reject@" .. st .. "/*/ACK" .. f .. ":seq=" .. q .. tail] = PAWS_OLD_ACK
      end
    end
  end
end
-- Round 7: after a simultaneous open (a full socket in SYN_RECV), a segment without ACK,
-- RST or SYN is discarded before anything else is checked (tcp_rcv_state_process: "if
-- (!th->ack && !th->rst && !th->syn) goto discard", ahead of tcp_validate_incoming's
-- PAWS), so one failing PAWS gets no dup ACK. RFC 9293 3.10.7.4 checks the sequence
-- number (and RFC 7323 5.3 PAWS) first and the ACK bit fifth; the outcome differs only
-- in that ACK, which R1 asks without a MUST. A request socket (passive SYN-RECEIVED,
-- tcp_check_req) checks PAWS first and sends it. Evidence: 2ec0784a9ac62f46 SYN-SENT
-- SYN(TS)>NONE:seq=1000001(TS older), cbb1010e762119fd ...>FIN:seq=1000001,
-- 360d2298402500b9 ...>FIN:seq=1000000:ack=0: expected . <ACK=RCV.NXT>, seen nothing.
local NO_ACK_FIRST = { rfc = "7323 5.3; 9293 3.10.7.4", reason = "after a simultaneous "
  .. "open a segment without ACK is dropped before the PAWS test (tcp_rcv_state_process), "
  .. "where R1 says \"Send an acknowledgment in reply ... and drop the segment\"" }
for _, f in ipairs({ "NONE", "FIN", "FIN+PSH", "FIN+URG", "FIN+PSH+URG", "PSH", "PSH+URG", "URG" }) do
  FUZZ["paws.reject@SYN-SENT/*>" .. f .. ":*"] = NO_ACK_FIRST
  FUZZ["paws.reject@SYN-SENT/*>" .. f .. "+data:*"] = NO_ACK_FIRST
end
for key, d in pairs(FUZZ) do sweep_deviations[key] = d end
-- ---- end of the fuzzer's block ----

return {
  name = "linux",
  summary = "the Linux kernel's TCP stack in a network namespace",
  params = {
    -- Default tolerance of a timed expectation ({at = s}): abs + rel * s seconds. The
    -- timer wheel fires a timer late by up to 1/8 of its timeout (kernel/time/timer.c,
    -- LVL_CLK_SHIFT 3: each level's granularity is 12.5 % of its range), plus a 4 ms
    -- jiffy (HZ 250) and the harness's scheduling on a busy machine.
    time_tolerance = {abs = 0.02, rel = 0.125},
    -- RFC 6298 2.1 initial RTO (TCP_TIMEOUT_INIT), seconds
    initial_rto = 1.0,
    -- granularity of the stack's TCP timers, seconds (jiffies: 1-4 ms)
    timer_tick = 0.004,
    -- defaults of a fresh network namespace
    synack_retries = 5,
    syn_retries = 6,
    fin_timeout = 60,
    msl = 60,
  },
  -- The choices the RFCs leave open, as the RFC model's knobs (lua/model/README.md).
  model = {
    rfc5961_rst = true,     -- RFC 5961 3.2: tcp_validate_incoming sends a challenge ACK
    rfc5961_syn = true,     -- RFC 5961 4.2: challenge ACK for a SYN in a synchronized state
    rfc5961_ack = true,     -- RFC 5961 5.2: tcp_ack drops SEG.ACK < SND.UNA - max_window
    rfc1337 = false,        -- net.ipv4.tcp_rfc1337 defaults to 0: a RST ends TIME-WAIT
    -- RFC 6191 / 1122 4.2.2.13: tcp_timewait_state_process takes a SYN that is after
    -- RCV.NXT, or whose TSval is newer than TS.Recent
    timewait_syn = "seq_or_ts",
    delayed_ack = true,     -- RFC 9293 3.8.6.3 (after the quick-ack start of a connection)
    rst_window = "zero",    -- tcp_v4_send_reset: window 0
    ts_missing = "accept",  -- RFC 7323 3.2 SHOULD drop; Linux processes the segment
    -- RFC 1122 4.2.2.13 (MAY a half-duplex close; then SHOULD RST new data): an orphaned
    -- FIN-WAIT-2 is a timewait socket (tcp_time_wait(sk, TCP_FIN_WAIT2, ...) once
    -- tcp_fin_timeout is below TCP_TIMEWAIT_LEN), whose tcp_timewait_state_process
    -- answers new data, or a FIN that does not end at rcv_nxt + 1, with TCP_TW_RST
    half_duplex_close = true,
  },
  -- Sysctls of a target with options ("linux:net.ipv4.tcp_rfc1337=1") that set a model
  -- knob (lua/sweep/engine.lua M.knobs): tcp_rfc1337=1 makes tcp_timewait_state_process
  -- ignore a RST in TIME-WAIT (RFC 1337 section 3, remedy R1).
  model_sysctls = { ["net.ipv4.tcp_rfc1337"] = "rfc1337" },
  deviations = {},
  -- Sweep cells where Linux departs from the model (lua/sweep/deviations.lua), built
  -- above: case-id globs narrow to one state and one class of segment, or RULE@PATTERN.
  sweep_deviations = sweep_deviations,
}
