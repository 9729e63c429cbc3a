return {
  name = "gvisor",
  summary = "gVisor netstack (Debian golang-gvisor-gvisor-dev, snapshot 2022-12-19) on a TAP device",
  params = {},
  deviations = {},
}
