-- Descriptor of the built-in Linux target (targets/linux/README.md): the values tests
-- read instead of hard-coding them, and the known deviations (none: the suite's
-- expectations are the kernel's, with RFC citations where it departs from the RFC text).
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
  deviations = {},
}
