-- Descriptor of the built-in Linux target (targets/linux/README.md): the values tests
-- read instead of hard-coding them, and the known deviations (none: the suite's
-- expectations are the kernel's, with RFC citations where it departs from the RFC text).
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

return {
  name = "linux",
  summary = "the Linux kernel's TCP stack in a network namespace",
  params = {
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
  -- Sweep cells where Linux departs from the model (lua/sweep/deviations.lua); keys are
  -- case-id globs, narrow to one state and one class of segment.
  sweep_deviations = ORPHAN_FW2,
}
