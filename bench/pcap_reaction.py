#!/usr/bin/python3
"""Reaction latency from tcpconform's per-test pcaps (bench/reaction.lua).

    pcap_reaction.py FILE.pcap|DIR...

For every connection: t(the harness's first pure ACK after the target's SYN|ACK) -
t(that SYN|ACK), both from the capture's kernel time stamps on the harness's end of the
link. Connections whose SYN|ACK came more than once (a retransmission) are left out.
Prints "reaction n=N median_us=... p90_us=... p99_us=... max_us=...".
Reads classic pcap files (what libpcap's pcap_dump writes), Ethernet, IPv4/IPv6 + TCP.
"""
import os
import struct
import sys

HARNESS4, TARGET4 = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])
SYN, RST, ACK = 0x02, 0x04, 0x10


def frames(path):
    """(seconds, frame bytes) for each record of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit(f"{path}: not a classic pcap file (magic {magic.hex()})")
    scale = 1e-9 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1e-6
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        yield sec + frac * scale, data[off:off + caplen]
        off += caplen


def tcp_of(frame):
    """(src, dst, sport, dport, flags) of an Ethernet IPv4/IPv6 TCP frame, else None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if etype == 0x0800 and len(ip) >= 20 and ip[9] == 6:
        src, dst, tcp = ip[12:16], ip[16:20], ip[(ip[0] & 0x0F) * 4:]
    elif etype == 0x86DD and len(ip) >= 40 and ip[6] == 6:
        src, dst, tcp = ip[8:24], ip[24:40], ip[40:]
    else:
        return None
    if len(tcp) < 14:
        return None
    sport, dport = struct.unpack("!HH", tcp[:4])
    return src, dst, sport, dport, tcp[13]


def deltas(path):
    synack = {}      # connection -> time of the target's SYN|ACK
    dup = set()
    out = []
    for t, frame in frames(path):
        seg = tcp_of(frame)
        if not seg:
            continue
        src, dst, sport, dport, flags = seg
        if flags & (SYN | ACK | RST) == SYN | ACK and src != HARNESS4:
            key = (dst, dport, src, sport)     # as the harness sends it
            if key in synack:
                dup.add(key)
            synack[key] = t
        elif flags & (SYN | ACK | RST) == ACK and src != TARGET4:
            key = (src, sport, dst, dport)
            if key in synack and key not in dup:
                out.append(t - synack.pop(key))
    return out


def pcaps(args):
    for a in args:
        if os.path.isdir(a):
            for root, _, files in os.walk(a):
                yield from (os.path.join(root, f) for f in sorted(files) if f.endswith(".pcap"))
        else:
            yield a


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    d = sorted(x for p in pcaps(sys.argv[1:]) for x in deltas(p))
    if not d:
        raise SystemExit("pcap_reaction.py: no SYN|ACK -> ACK pairs found")

    def q(p):
        return d[min(len(d) - 1, int(p * len(d)))] * 1e6

    print(f"reaction n={len(d)} median_us={q(0.5):.0f} p90_us={q(0.9):.0f} "
          f"p99_us={q(0.99):.0f} max_us={d[-1] * 1e6:.0f}")


if __name__ == "__main__":
    main()
