-- model.rules: every rule the model applies, by id, with the RFC section and the
-- (shortened) sentence it enforces. A result lists the rules it applied in order, so a
-- finding can say which sentence a stack broke. Kept in one table so the citations can
-- be read, and reviewed, beside the RFC.
local R = {}

local function rule(id, rfc, text) R[id] = { id = id, rfc = rfc, text = text } end

-- RFC 9293 3.10.7.1: CLOSED
rule("closed.rst", "9293 3.10.7.1", "An incoming segment containing a RST is discarded.")
rule("closed.reset", "9293 3.10.7.1",
  "An incoming segment not containing a RST causes a RST to be sent in response.")
rule("reset.no_ack", "9293 3.10.7.1",
  "If the ACK bit is off, sequence number zero is used, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>")
rule("reset.ack", "9293 3.10.7.1", "If the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>")

-- RFC 9293 3.10.7.2: LISTEN
rule("listen.rst", "9293 3.10.7.2", "An incoming RST should be ignored.")
rule("listen.ack", "9293 3.10.7.2",
  "An acceptable reset segment should be formed for any arriving ACK-bearing segment: "
    .. "<SEQ=SEG.ACK><CTL=RST>")
rule("listen.syn", "9293 3.10.7.2",
  "Set RCV.NXT to SEG.SEQ+1, IRS is set to SEG.SEQ; <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> "
    .. "is sent; SND.NXT is set to ISS+1 and SND.UNA to ISS; the state is SYN-RECEIVED.")
rule("listen.syn_text", "9293 3.10.7.2",
  "Any other control or text should be queued for processing later.")
rule("listen.other", "9293 3.10.7.2",
  "Any other control or text-bearing segment (not containing SYN) must have an ACK; "
    .. "drop the segment and return.")

-- Options at connection set-up
rule("mss.default", "9293 3.7.1",
  "If an MSS Option is not received at connection setup, TCP implementations MUST assume "
    .. "a default send MSS of 536 (576 - 40) for IPv4 or 1220 (1280 - 60) for IPv6.")
rule("mss.option", "9293 3.7.1", "The send MSS is the MSS option the peer sent on its SYN.")
rule("ts.on", "7323 3.2",
  "TSopt is in play once both <SYN> and <SYN,ACK> contain TSopt.")
rule("ts.ignored", "7323 3.2",
  "If a TSopt is received on a connection where TSopt was not negotiated in the initial "
    .. "three-way handshake, the TSopt MUST be ignored and the packet processed normally.")
rule("ts.missing", "7323 3.2",
  "If a non-<RST> segment is received without a TSopt, a TCP SHOULD silently drop the segment.")

-- RFC 9293 3.10.7.3: SYN-SENT
rule("synsent.bad_ack", "9293 3.10.7.3",
  "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset <SEQ=SEG.ACK><CTL=RST>.")
rule("synsent.bad_ack_rst", "9293 3.10.7.3",
  "... unless the RST bit is set, if so drop the segment and return.")
rule("synsent.rst", "9293 3.10.7.3",
  "If the ACK was acceptable, then signal to the user \"error: connection reset\", drop "
    .. "the segment, enter CLOSED state, delete TCB, and return.")
rule("synsent.rst_no_ack", "9293 3.10.7.3", "Otherwise (no ACK), drop the segment and return.")
rule("synsent.established", "9293 3.10.7.3",
  "If SND.UNA > ISS (our SYN has been ACKed), change the connection state to ESTABLISHED, "
    .. "form an ACK segment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and send it.")
rule("synsent.simultaneous", "9293 3.10.7.3",
  "Otherwise, enter SYN-RECEIVED, form a SYN,ACK segment <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> "
    .. "and send it.")
rule("synsent.text", "9293 3.10.7.3",
  "If there are other controls or text in the segment, then continue processing at the "
    .. "sixth step under Section 3.10.7.4.")
rule("synsent.other", "9293 3.10.7.3",
  "If neither of the SYN or RST bits is set, then drop the segment and return.")

-- RFC 9293 3.10.7.4 first: sequence number (and RFC 7323 5.3 PAWS before it)
rule("paws.reject", "7323 5.3",
  "R1) If SEG.TSval < TS.Recent, treat the arriving segment as not acceptable: send an "
    .. "acknowledgment in reply and drop the segment.")
rule("paws.rst", "7323 5.3",
  "RST segments are acceptable regardless of their timestamp.")
rule("paws.update", "7323 5.3",
  "R3) If SEG.TSval >= TS.Recent and SEG.SEQ =< Last.ACK.sent, then record its timestamp "
    .. "in TS.Recent.")
rule("seq.acceptable", "9293 3.10.7.4",
  "There are four cases for the acceptability test for an incoming segment.")
rule("seq.unacceptable", "9293 3.10.7.4",
  "If an incoming segment is not acceptable, an acknowledgment should be sent in reply: "
    .. "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.")
rule("seq.unacceptable_rst", "9293 3.10.7.4",
  "... (unless the RST bit is set, if so drop the segment and return).")
rule("seq.zero_window", "9293 3.10.7.4",
  "If the RCV.WND is zero, no segments will be acceptable, but special allowance should be "
    .. "made to accept valid ACKs, URGs, and RSTs.")
rule("seq.simultaneous_synack", "9293 3.5",
  "Simultaneous Connection Synchronization: the SYN,ACK that crosses ours takes "
    .. "SYN-RECEIVED to ESTABLISHED.")

-- second: RST
rule("rst.outside", "5961 3.2",
  "1) If the RST bit is set and the sequence number is outside the current receive "
    .. "window, silently drop the segment.")
rule("rst.exact", "5961 3.2",
  "2) If the RST bit is set and the sequence number exactly matches the next expected "
    .. "sequence number (RCV.NXT), then TCP MUST reset the connection.")
rule("rst.challenge", "5961 3.2",
  "3) If the RST bit is set and the sequence number does not exactly match the next "
    .. "expected sequence value, yet is within the current receive window, TCP MUST send an "
    .. "acknowledgment (challenge ACK).")
rule("rst.in_window", "9293 3.10.7.4",
  "(without RFC 5961) a RST is valid if its sequence number is in the window.")
rule("rst.synrcvd_passive", "9293 3.10.7.4",
  "If this connection was initiated with a passive OPEN, then return this connection to "
    .. "LISTEN state and return. The user need not be informed.")
rule("rst.synrcvd_active", "9293 3.10.7.4",
  "If this connection was initiated with an active OPEN, then the connection was refused; "
    .. "signal the user \"connection refused\".")
rule("rst.reset", "9293 3.10.7.4",
  "ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT: users should receive an unsolicited "
    .. "general \"connection reset\" signal. Enter the CLOSED state.")
rule("rst.closing", "9293 3.10.7.4",
  "CLOSING, LAST-ACK, TIME-WAIT: If the RST bit is set, then enter the CLOSED state, "
    .. "delete the TCB, and return.")
rule("rst.timewait_1337", "1337 3",
  "Fix: ignore RST segments in TIME-WAIT state (TIME-WAIT assassination hazard H1).")

-- fourth: SYN
rule("syn.synrcvd_passive", "9293 3.10.7.4",
  "SYN-RECEIVED: if the connection was initiated with a passive OPEN, then return this "
    .. "connection to the LISTEN state and return.")
rule("syn.challenge", "5961 4.2",
  "If the SYN bit is set, irrespective of the sequence number, TCP MUST send an ACK "
    .. "(challenge ACK) to the remote peer and drop the segment.")
rule("syn.in_window", "9293 3.10.7.4",
  "(RFC 793 behaviour) If the SYN is in the window it is an error: send a reset, signal "
    .. "\"connection reset\", enter the CLOSED state.")
rule("syn.timewait_new", "6191 2",
  "TIME-WAIT: a new connection can be accepted if the SYN is newer than the old "
    .. "connection (timestamps per RFC 6191, else SEG.SEQ > RCV.NXT per RFC 1122 4.2.2.13).")

-- fifth: ACK
rule("ack.off", "9293 3.10.7.4", "If the ACK bit is off, drop the segment and return.")
rule("ack.window_5961", "5961 5.2",
  "The ACK value is acceptable only if (SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT; "
    .. "all other segments MUST be discarded and an ACK sent back.")
rule("ack.synrcvd_ok", "9293 3.10.7.4",
  "SYN-RECEIVED: If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED state; "
    .. "SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK.")
rule("ack.synrcvd_bad", "9293 3.10.7.4",
  "If the segment acknowledgment is not acceptable, form a reset segment "
    .. "<SEQ=SEG.ACK><CTL=RST> and send it.")
rule("ack.new", "9293 3.10.7.4", "If SND.UNA < SEG.ACK =< SND.NXT, then set SND.UNA <- SEG.ACK.")
rule("ack.duplicate", "9293 3.10.7.4",
  "If the ACK is a duplicate (SEG.ACK =< SND.UNA), it can be ignored.")
rule("ack.too_new", "9293 3.10.7.4",
  "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then send an ACK, drop the "
    .. "segment, and return.")
rule("ack.window_update", "9293 3.10.7.4",
  "If (SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK)), set "
    .. "SND.WND <- SEG.WND, set SND.WL1 <- SEG.SEQ, and set SND.WL2 <- SEG.ACK.")
rule("ack.fin_wait_2", "9293 3.10.7.4",
  "FIN-WAIT-1: if the FIN segment is now acknowledged, then enter FIN-WAIT-2.")
rule("ack.closing", "9293 3.10.7.4",
  "CLOSING: if the ACK acknowledges our FIN, then enter the TIME-WAIT state; otherwise, "
    .. "ignore the segment.")
rule("ack.last_ack", "9293 3.10.7.4",
  "LAST-ACK: If our FIN is now acknowledged, delete the TCB, enter the CLOSED state, and return.")
rule("ack.time_wait", "9293 3.10.7.4",
  "TIME-WAIT: The only thing that can arrive in this state is a retransmission of the "
    .. "remote FIN. Acknowledge it, and restart the 2 MSL timeout.")

-- sixth: URG; seventh: text; eighth: FIN
rule("urg.signal", "9293 3.10.7.4",
  "If the URG bit is set, RCV.UP <- max(RCV.UP,SEG.UP), and signal the user that the remote "
    .. "side has urgent data.")
rule("urg.ignored", "9293 3.10.7.4",
  "CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: This should not occur since a FIN has been "
    .. "received from the remote side. Ignore the URG.")
rule("text.deliver", "9293 3.10.7.4",
  "Once the TCP endpoint takes responsibility for the data, it advances RCV.NXT over the "
    .. "data accepted; send an acknowledgment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.")
rule("text.delayed_ack", "9293 3.8.6.3",
  "A TCP SHOULD implement a delayed ACK, but an ACK should not be excessively delayed; "
    .. "the delay MUST be less than 0.5 seconds.")
rule("text.out_of_order", "5681 4.2",
  "Out-of-order data segments SHOULD be acknowledged immediately.")
rule("text.held", "9293 3.10.7.4",
  "Segments with higher beginning sequence numbers SHOULD be held for later processing.")
rule("text.reassembled", "5681 4.2",
  "A TCP receiver SHOULD send an immediate ACK when the incoming segment fills in all or "
    .. "part of a gap in the sequence space.")
rule("text.after_close", "1122 4.2.2.13",
  "If such a host issues a CLOSE call while received data is still pending in TCP, or if "
    .. "new data is received after CLOSE is called, its TCP SHOULD send a RST to show that "
    .. "data was lost.")
rule("text.ignored", "9293 3.10.7.4",
  "CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: This should not occur since a FIN has been "
    .. "received from the remote side. Ignore the segment text.")
rule("fin.receive", "9293 3.10.7.4",
  "If the FIN bit is set, signal the user \"connection closing\", advance RCV.NXT over the "
    .. "FIN, and send an acknowledgment for the FIN.")
rule("fin.close_wait", "9293 3.10.7.4", "SYN-RECEIVED, ESTABLISHED: Enter the CLOSE-WAIT state.")
rule("fin.fin_wait_1", "9293 3.10.7.4",
  "FIN-WAIT-1: If our FIN has been ACKed (perhaps in this segment), then enter TIME-WAIT; "
    .. "otherwise, enter the CLOSING state.")
rule("fin.fin_wait_2", "9293 3.10.7.4", "FIN-WAIT-2: Enter the TIME-WAIT state.")
rule("fin.remain", "9293 3.10.7.4",
  "CLOSE-WAIT, CLOSING, LAST-ACK: remain in the state; TIME-WAIT: remain and restart the "
    .. "2 MSL time-wait timeout.")
rule("fin.out_of_order", "5681 4.2",
  "A TCP receiver SHOULD send an immediate duplicate ACK when an out-of-order segment "
    .. "arrives (a FIN beyond RCV.NXT occupies sequence space, RFC 9293 3.4).")

-- User calls (RFC 9293 3.10.1, 3.10.2, 3.10.4)
rule("user.open_active", "9293 3.10.1",
  "A SYN segment of the form <SEQ=ISS><CTL=SYN> is sent. Set SND.UNA to ISS, SND.NXT to "
    .. "ISS+1, enter SYN-SENT state.")
rule("user.open_passive", "9293 3.10.1", "Passive OPEN: enter the LISTEN state.")
rule("user.send", "9293 3.10.2",
  "ESTABLISHED, CLOSE-WAIT: segmentize the buffer and send it with a piggybacked "
    .. "acknowledgment (acknowledgment value = RCV.NXT).")
rule("user.close", "9293 3.10.4",
  "ESTABLISHED, SYN-RECEIVED: form a FIN segment and send it, enter FIN-WAIT-1; "
    .. "CLOSE-WAIT: send a FIN segment, enter LAST-ACK.")
rule("user.close_unsync", "9293 3.10.4",
  "LISTEN, SYN-SENT: delete the TCB, enter CLOSED state, and return.")

-- Returns the rule with this id; an unknown id is a bug in the model, raised as such.
function R.get(id)
  local r = R[id]
  if type(r) ~= "table" then error("model: no rule " .. tostring(id), 2) end
  return r
end

return R
