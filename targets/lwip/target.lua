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

return {
  name = "lwip",
  summary = "lwIP 2.1.3 (Debian liblwip-dev) on a TAP device",
  params = {
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
  deviations = {
    -- tcp_in.c, SYN_SENT: only a SYN|ACK is processed; a bare SYN (the peer's, crossing
    -- ours) is not answered, so there is no simultaneous open (RFC 9293 3.4 Figure 8).
    ["SO_LINGER {on, 0} then close() in SYN-RECEIVED after a simultaneous open sends RST"] = {
      rfc = "9293 3.10.7.3",
      reason = "no simultaneous open: a SYN in SYN-SENT is not answered (\"Otherwise, enter "
        .. "SYN-RECEIVED, form a SYN,ACK segment\")",
      evidence = "expected: S. 0:0(0) ack 1, got: nothing matching within 1.000 s",
    },
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
