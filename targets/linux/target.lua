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
  deviations = {},
}
