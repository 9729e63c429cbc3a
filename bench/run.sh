#!/usr/bin/env bash
# Benchmarks, each measured against a peer in the same run.
#   bench/run.sh [ROUNDS]   (default 200; needs root; builds with tests/setup-debian.sh)
#
# lab: tcpconform's lab (fork + unshare + netlink veth + agent greeting) against what a
# shell harness would do for the same lab with iproute2: `ip netns add`, `ip link add
# veth ... netns`, addresses and links up, `ip netns del`. The peer runs inside a private
# mount+network namespace (unshare -m -n), so it never touches the host's /run/netns.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-200}
bash tests/setup-debian.sh >/dev/null
echo "== one lab, create + destroy, $rounds rounds"
./build/lab_cost "$rounds" | tee /tmp/tcpconform-bench-lab.$$
ours=$(awk '/create\+destroy/ {print $4}' /tmp/tcpconform-bench-lab.$$)
rm -f /tmp/tcpconform-bench-lab.$$
peer=$(unshare -m -n bash -c '
  mount --make-rprivate / 2>/dev/null || true
  mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns
  times=()
  for i in $(seq '"$rounds"'); do
    t0=$(date +%s%N)
    ip netns add b$i
    ip link add h$i type veth peer name t0 netns b$i
    ip link set h$i up
    ip -n b$i link set lo up
    ip -n b$i addr add 198.18.0.2/24 dev t0
    ip -n b$i link set t0 up
    ip netns del b$i
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf "%s\n" "${times[@]}" | sort -n | awk "{a[NR]=\$1} END {printf \"%.3f\", a[int(NR/2)+1]/1000}"
')
echo "iproute2 peer      median $(printf '%7.3f' "$peer") ms   (ip netns add, veth, addresses, links up, netns del: no capture socket, no agent; $rounds rounds)"
awk -v o="$ours" -v p="$peer" 'BEGIN {printf "ratio              tcpconform lab is %.1fx %s than the iproute2 peer\n", (p > o ? p / o : o / p), (p > o ? "cheaper" : "dearer")}'
