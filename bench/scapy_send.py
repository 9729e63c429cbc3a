#!/usr/bin/python3
"""Scapy peer for bench/inject_rate: sendp() of distinct crafted SYNs on one link.

    scapy_send.py DEV DST_MAC COUNT SECONDS

Every frame is crafted inside the send loop (Scapy builds the bytes and both checksums
when it sends): the IP ID, source port and sequence number change per frame, as in
inject_rate's own loops. Stops at COUNT frames or SECONDS, whichever comes first, and
prints "scapy sent=N secs=S pps=P" (its own count and time, after the import).
Run it only inside a network namespace made for the benchmark.
"""
import sys
import time

from scapy.all import IP, TCP, Ether, conf, sendp  # noqa: E402  (slow import, not timed)


def frames(dst_mac, count, deadline, sent):
    """Distinct SYNs 198.18.0.1 -> 198.18.0.2:80 until count or the deadline."""
    for i in range(count):
        if i % 256 == 0 and time.monotonic() >= deadline:
            return
        sent[0] = i + 1
        yield (Ether(src="02:74:63:00:00:01", dst=dst_mac)
               / IP(src="198.18.0.1", dst="198.18.0.2", id=i & 0xFFFF, flags="DF", ttl=64)
               / TCP(sport=1024 + i % 64000, dport=80, flags="S",
                     seq=(0x10000000 + i * 7919) & 0xFFFFFFFF, window=65535))


def main():
    dev, dst_mac, count, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    if not 1 <= count <= 100_000_000 or not 0.01 <= seconds <= 60:
        sys.exit("scapy_send.py: COUNT 1..100000000, SECONDS 0.01..60")
    conf.verb = 0
    sent = [0]
    t0 = time.monotonic()
    try:
        # one socket for the whole generator: sendp opens it once per call
        sendp(frames(dst_mac, count, t0 + seconds, sent), iface=dev, verbose=False)
    except KeyboardInterrupt:  # inject_rate's time bound got there first
        pass
    secs = time.monotonic() - t0
    print(f"scapy sent={sent[0]} secs={secs:.4f} pps={sent[0] / secs:.0f}")


if __name__ == "__main__":
    main()
