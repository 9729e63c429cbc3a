#!/usr/bin/env bash
# Benchmarks, each measured against a peer in the same run; one table at the end.
#   bench/run.sh [ROUNDS]   (default 200 lab rounds; needs root)
# Environment: BENCH_BUILD=DIR  build there with cmake instead of tests/setup-debian.sh's
#              build/; BENCH_REPEAT (3) rounds of every injection sender, BENCH_SECONDS (1)
#              and BENCH_COUNT (2000000) bound each sender, BENCH_RSS_MAX (1000) tests.
#
# lab: tcpconform's lab (fork + unshare + netlink veth + agent greeting) against what a
# shell harness would do for the same lab with iproute2: `ip netns add`, `ip link add
# veth ... netns`, addresses and links up, `ip netns del`. The peer runs inside a private
# mount+network namespace (unshare -m -n), so it never touches the host's /run/netns.
#
# inject: distinct, correctly checksummed SYNs (IP ID, source port and seq change per
# segment) on one veth link, in a network namespace this script makes (unshare -n; it
# re-runs itself there with --inject-ns). The far end bx1 sits in a second namespace of
# its own, up, with a MAC that is not the frames' destination, so it counts every frame
# (rx_packets, read from /proc/PID/net/dev) and drops it at the first IP check: the same
# small cost for every sender. Senders, in turn, BENCH_REPEAT rounds, each stopping at
# BENCH_COUNT frames or BENCH_SECONDS: ours (frame_build_tcp + wire_send, sockets as in a
# lab: a scripted c:send), flood (frame_tmpl stamps + wire_send: the bulk path of
# c:flood), the floor (bare AF_PACKET sendto of one prebuilt frame), hping3 --flood (raw IP
# socket; rate from bx0's tx counter over the window it sends), Scapy sendp() of frames
# crafted in the loop, and `--fix ...` variants of ours and flood that put a number on
# each remaining cost: nocapout (the capture's copy of our own frames), mmsg (one
# sendmmsg() per 64 frames; bench/inject_rate.c says what each one changes). Medians over
# the rounds.
#
# reaction: bench/reaction.lua does 1000 handshakes; bench/pcap_reaction.py takes
# t(our final ACK) - t(their SYN|ACK) from the pcaps. Peer: packetimpact's ~3 ms (a
# reference figure; it cannot run here).
#
# rss: peak RSS (GNU time's "Maximum resident set size": the largest of the harness and
# its reaped workers and targets) of full runs of generated suites of 10, 100 and
# BENCH_RSS_MAX cheap tests (A1 against a closed port) in scripts of 10 tests, JUnit and
# pcaps written; and of one script holding all BENCH_RSS_MAX tests.
#
# sweep: `tcpconform sweep` cases/s on linux and lwip against the same cases emitted as
# T.tests and run one lab each (bench/sweep.sh).
#
# fuzz: `tcpconform fuzz` cases/s and coverage in BENCH_FUZZ_SECONDS (60) on linux, lwip
# and linux,lwip against the campaign's corpus entries emitted as T.tests and run one
# lab each (bench/fuzz_campaign.sh).
#
# jobs: the suite (scripts/ --exclude-tag slow) with --jobs auto: wall time against the
# sum of the test times and the longest test, when `tcpconform run --help` has --jobs.
set -euo pipefail
cd "$(dirname "$0")/.."

# ---- inject, inside the namespace unshare -n made: bench/run.sh --inject-ns BUILD OUT
inject_ns() {
  local B=$1 out=$2 T=${BENCH_SECONDS:-1} N=${BENCH_COUNT:-2000000} R=${BENCH_REPEAT:-3}
  local dst=02:74:63:00:00:02 tpid="" holder tmo
  tmo=$(awk -v t="$T" 'BEGIN {print int(t) + 6}')   # hping3's own time bound (backstop)
  # Only this namespace's and the far end's sysctls: no kernel IPv6 chatter on the link.
  sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  unshare -n -f --kill-child=SIGKILL sh -c 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1; exec sleep 900' &
  holder=$!
  for _ in $(seq 100); do tpid=$(pgrep -P "$holder" sleep || true); [ -n "$tpid" ] && break; sleep 0.02; done
  [ -n "$tpid" ] || { echo "inject: far-end namespace did not start" >&2; return 1; }
  # unshare -f ignores SIGTERM while it waits: end the namespace by its sleep (ours)
  trap 'kill '"$tpid"' 2>/dev/null || true' EXIT
  ip link set lo up
  ip link add bx0 address 02:74:63:00:00:01 type veth peer name bx1 address 02:74:63:00:00:fe netns "$tpid"
  ip link set bx0 up
  nsenter -t "$tpid" -n ip link set bx1 up
  # hping3 sends through the kernel's IP layer: it needs an address and a neighbour
  ip addr add 198.18.0.1/24 dev bx0
  ip neigh replace 198.18.0.2 lladdr "$dst" dev bx0 nud permanent
  rx() { sed 's/:/ /' "/proc/$tpid/net/dev" | awk '$1 == "bx1" {print $3}'; }
  local senders=(
    "floor|$B/inject_rate floor --dev bx0 --count $N --seconds $T"
    "ours|$B/inject_rate ours --dev bx0 --count $N --seconds $T"
    "flood|$B/inject_rate flood --dev bx0 --count $N --seconds $T"
    "hping3|$B/inject_rate exec --dev bx0 --count $N --seconds $T -- timeout -s INT $tmo hping3 --flood -S -p 80 -I bx0 198.18.0.2"
    "scapy|$B/inject_rate exec --dev bx0 --count $N --seconds $T -- /usr/bin/python3 bench/scapy_send.py bx0 $dst $N $T"
    "build|$B/inject_rate build --dev bx0 --count $N --seconds $T"
    "ours+nocapout|$B/inject_rate ours --dev bx0 --count $N --seconds $T --fix nocapout"
    "flood+mmsg|$B/inject_rate flood --dev bx0 --count $N --seconds $T --fix mmsg"
    "flood+mmsg,nocapout|$B/inject_rate flood --dev bx0 --count $N --seconds $T --fix mmsg,nocapout"
  )
  : > "$out"
  for r in $(seq "$R"); do
    for s in "${senders[@]}"; do
      local name=${s%%|*} cmd=${s#*|} a b log
      a=$(rx)
      log=$($cmd 2>&1) || { echo "inject: $name failed: $log" >&2; return 1; }
      b=$(rx)
      # sender side: ours/floor count and time themselves; hping3/scapy are measured on
      # bx0's tx counter (inject_rate exec) and report their own count too
      local pps sent own
      pps=$(sed -n 's/^inject .* pps=\([0-9]*\).*/\1/p' <<<"$log")
      sent=$(sed -n 's/^inject .* sent=\([0-9]*\).*/\1/p' <<<"$log")
      own=$(sed -n -e 's/^\([0-9]*\) packets transmitted.*/\1/p' -e 's/^scapy sent=\([0-9]*\).*/\1/p' <<<"$log")
      echo "$r $name $pps $sent ${own:--} $((b - a))" >> "$out"
      echo "  round $r  $(printf '%-30s' "$name") $(printf '%9s' "$pps") pps   sent $sent  own-count ${own:--}  peer rx $((b - a))"
    done
  done
  # An outside check of the encoder: capture 200 of our segments on the far end and let
  # tshark verify both checksums and count distinct (port, seq) pairs.
  nsenter -t "$tpid" -n timeout 10 tshark -q -i bx1 -c 200 -w /tmp/tcpconform-bench-ck.pcap 2>/dev/null &
  local tsh=$!
  sleep 2
  "$B/inject_rate" ours --dev bx0 --count 200 --seconds 1 >/dev/null
  wait "$tsh" || true
  local good distinct
  good=$(tshark -r /tmp/tcpconform-bench-ck.pcap -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
         -Y 'tcp.checksum.status == 1 && ip.checksum.status == 1' 2>/dev/null | wc -l)
  distinct=$(tshark -r /tmp/tcpconform-bench-ck.pcap -T fields -e tcp.srcport -e tcp.seq_raw 2>/dev/null | sort -u | wc -l)
  echo "checksum $good $distinct" >> "$out"
  rm -f /tmp/tcpconform-bench-ck.pcap
}

if [ "${1:-}" = "--inject-ns" ]; then
  inject_ns "$2" "$3"
  exit
fi
# an expansion error aborts the whole `if` above and carries on here: never fall through
[ "${1:-}" = "--inject-ns" ] && exit 1

rounds=${1:-200}
if [ -n "${BENCH_BUILD:-}" ]; then
  bash tests/setup-debian.sh >/dev/null 2>&1 || true   # the packages; its build/ may lag
  cmake -S . -B "$BENCH_BUILD" >/dev/null
  # others' half-written files can break a shared tree for a moment: one retry
  cmake --build "$BENCH_BUILD" -j "$(nproc)" >/dev/null || { sleep 60; cmake --build "$BENCH_BUILD" -j "$(nproc)" >/dev/null; }
  B=$BENCH_BUILD
else
  bash tests/setup-debian.sh >/dev/null
  B=build
fi
for p in hping3 python3-scapy time; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done
tmp=$(mktemp -d /tmp/tcpconform-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# ---- lab
echo "== one lab, create + destroy, $rounds rounds"
"$B/lab_cost" "$rounds" | tee "$tmp/lab"
ours=$(awk '/create\+destroy/ {print $4}' "$tmp/lab")
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

# ---- inject
echo "== crafted-segment injection, ${BENCH_REPEAT:-3} rounds of each sender (<= ${BENCH_COUNT:-2000000} frames, <= ${BENCH_SECONDS:-1} s each)"
unshare -n bash "$0" --inject-ns "$(realpath "$B")" "$tmp/inject"
med() { awk -v n="$1" '$2 == n {print $3}' "$tmp/inject" | sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : 0)}'; }
xcheck() { # sender-side count vs the far end's rx_packets, all rounds of one sender
  awk -v n="$1" '$2 == n {s += ($5 == "-" ? $4 : $5); r += $6} END {printf "%d/%d", s, r}' "$tmp/inject"; }

# ---- reaction
echo "== reaction latency (their SYN|ACK -> our final ACK), bench/reaction.lua"
jobs_opt=()
"$B/tcpconform" run --help 2>&1 | grep -q -- '--jobs' && jobs_opt=(--jobs 1)
"$B/tcpconform" run bench/reaction.lua "${jobs_opt[@]}" --junit - --pcap-dir "$tmp/rpcap" | grep -v '^ ' || true
/usr/bin/python3 bench/pcap_reaction.py "$tmp/rpcap" | tee "$tmp/reaction"
rfield() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$tmp/reaction"; }

# ---- rss
# A suite of N tests as suites are written: N/10 scripts of 10 tests each (ours have 1 to
# 10). Each worker loads the one script its test is in, so a single script of N tests
# also measures that script's own Lua state, N closures in every worker: shown apart.
rss_max=${BENCH_RSS_MAX:-1000}
gen_script() {   # gen_script FILE PREFIX COUNT
  cat > "$1" <<EOF
local T = require "tcpconform"
for i = 1, $3 do
  T.test("cheap test $2" .. i .. ": SYN to a closed port is answered by RST|ACK",
    {id = "A1", rfc = "9293 3.10.7.1", tags = {"bench"}},
    function(lab)
      local c = lab:conn{port = 9}
      c:send "S 0:0(0) win 65535 <mss 1460>"
      c:expect "R. 0:0(0) ack 1 win 0"
    end)
end
EOF
}
peak_rss() {   # peak_rss NAME PATH: a full run, JUnit and pcaps written
  /usr/bin/time -v -o "$tmp/time_$1" "$B/tcpconform" run "$2" --junit "$tmp/j_$1.xml" \
    --pcap-dir "$tmp/pcap_$1" > "$tmp/out_$1" 2>&1 || true
  rm -rf "$tmp/pcap_$1"
  awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$tmp/time_$1"
}
for n in 10 100 "$rss_max"; do
  mkdir -p "$tmp/suite_$n"
  for f in $(seq 1 $(( (n + 9) / 10 ))); do gen_script "$tmp/suite_$n/s$f.lua" "$f." 10; done
  rss=$(peak_rss "$n" "$tmp/suite_$n")
  summary=$(grep -E '^[0-9]+ passed' "$tmp/out_$n" | tail -1)
  echo "rss $n tests: $rss kB  ($summary)" | tee -a "$tmp/rss"
done
gen_script "$tmp/one_$rss_max.lua" "" "$rss_max"
rss_one=$(peak_rss "one" "$tmp/one_$rss_max.lua")
echo "rss one script of $rss_max tests: $rss_one kB" | tee -a "$tmp/rss_one"

# ---- jobs
if "$B/tcpconform" run --help 2>&1 | grep -q -- '--jobs'; then
  echo "== suite: scripts --exclude-tag slow --jobs auto"
  "$B/tcpconform" run scripts --exclude-tag slow --jobs auto --junit - --pcap-dir - > "$tmp/suite" 2>&1 || true
  tail -3 "$tmp/suite"
fi

# ---- the table
kpps() { awk -v v="$1" 'BEGIN {printf "%.0fk pps", v / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0 ? "%.2fx" : "-"), a / b}'; }
nsf() { awk -v v="$1" 'BEGIN {printf (v > 0 ? "%.0f ns" : "-"), 1e9 / v}'; }
ours_pps=$(med ours); floor_pps=$(med floor); hping_pps=$(med hping3); scapy_pps=$(med scapy)
build_pps=$(med build)
r_oh=$(ratio "$ours_pps" "$hping_pps"); r_of=$(ratio "$ours_pps" "$floor_pps")
ck=$(awk '$1 == "checksum" {printf "%d/200 right checksums (tshark), %d distinct (port, seq)", $2, $3}' "$tmp/inject")
verdict() { awk -v r="${1%x}" -v t="$2" 'BEGIN {print (r >= t ? "met" : "MISSED")}'; }
echo
echo "============================================================================================================================"
printf '%-40s %-20s %-36s %-8s %s\n' "measurement" "tcpconform" "peer (same run)" "ratio" "target"
echo "----------------------------------------------------------------------------------------------------------------------------"
printf '%-40s %-20s %-36s %-8s %s\n' "lab create+destroy (median)" "$ours ms" "iproute2 $peer ms" \
  "$(ratio "$peer" "$ours")" "peer/ours: > 1x is cheaper"
printf '%-40s %-20s %-36s %-8s %s\n' "inject distinct SYNs (median of ${BENCH_REPEAT:-3})" "$(kpps "$ours_pps")" \
  "hping3 --flood $(kpps "$hping_pps")" "$r_oh" ">= 4x  $(verdict "$r_oh" 4)"
printf '%-40s %-20s %-36s %-8s %s\n' "" "" "floor (bare sendto) $(kpps "$floor_pps")" "$r_of" ">= 0.9x $(verdict "$r_of" 0.9)"
printf '%-40s %-20s %-36s %-8s %s\n' "" "" "scapy sendp $(kpps "$scapy_pps")" "$(ratio "$ours_pps" "$scapy_pps")" ""
flood_pps=$(med flood)
r_fh=$(ratio "$flood_pps" "$hping_pps"); r_ff=$(ratio "$flood_pps" "$floor_pps")
printf '%-40s %-20s %-36s %-8s %s\n' "inject, c:flood path (frame_tmpl)" "$(kpps "$flood_pps")" \
  "hping3 --flood $(kpps "$hping_pps")" "$r_fh" ">= 4x  $(verdict "$r_fh" 4)"
printf '%-40s %-20s %-36s %-8s %s\n' "" "" "floor (bare sendto) $(kpps "$floor_pps")" "$r_ff" ">= 0.9x $(verdict "$r_ff" 0.9)"
printf '%-40s %s\n' "  sent/peer-rx cross-check" "ours $(xcheck ours)  flood $(xcheck flood)  floor $(xcheck floor)  hping3 $(xcheck hping3)  scapy $(xcheck scapy)"
printf '%-40s %s\n' "  encoder check" "$ck"
printf '%-40s %s\n' "  per frame: floor / ours" "$(nsf "$floor_pps") / $(nsf "$ours_pps"); encoder alone (build) $(nsf "$build_pps")"
for f in ours+nocapout flood+mmsg flood+mmsg,nocapout; do
  v=$(med "$f")
  printf '%-40s %-20s %-36s %-8s %s\n' "  ${f%%+*} --fix ${f#*+}" "$(kpps "$v")" "$(nsf "$v")/frame (bench-only changes)" "$(ratio "$v" "$floor_pps")" \
    "vs floor; $(ratio "$v" "$hping_pps") vs hping3"
done
printf '%-40s %-20s %-36s %-8s %s\n' "reaction SYN|ACK -> ACK (n=$(rfield n))" "median $(rfield median_us) us" \
  "packetimpact ~3000 us (reference)" "$(ratio 3000 "$(rfield median_us)")" "median < 100 us $(awk -v m="$(rfield median_us)" 'BEGIN {print (m < 100 ? "met" : "MISSED")}')"
printf '%-40s %-20s\n' "" "p90 $(rfield p90_us) us, p99 $(rfield p99_us) us, max $(rfield max_us) us"
rss_line=$(awk '{printf "%s%s: %.1f MB", (NR > 1 ? ", " : ""), $2, $4 / 1024}' "$tmp/rss")
rss_first=$(awk 'NR == 1 {print $4}' "$tmp/rss"); rss_last=$(awk 'END {print $4}' "$tmp/rss")
printf '%-40s %-20s %-36s %-8s %s\n' "peak RSS, full run of N tests" "$rss_line" "" \
  "$(ratio "$rss_last" "$rss_first")" "flat: $(awk -v a="$rss_first" -v b="$rss_last" 'BEGIN {print (b <= a * 1.25 ? "yes" : "NO")}')"
printf '%-40s %-20s\n' "  (N/10 scripts of 10 tests)" "one script of ${rss_max} tests: $(awk '{printf "%.1f MB", $7 / 1024}' "$tmp/rss_one")"
if [ -s "$tmp/suite" ]; then
  wall=$(sed -n 's/.*wall time \([0-9.]*\)s.*/\1/p' "$tmp/suite" | tail -1)
  jobs=$(sed -n 's/.*, \([0-9]*\) jobs, wall time.*/\1/p' "$tmp/suite" | tail -1)
  sum=$(grep -E '^(PASS|FAIL|ERROR|SKIP)' "$tmp/suite" | sed -n 's/.*(\([0-9.]*\)s)$/\1/p' | awk '{s += $1} END {printf "%.2f", s}')
  longest=$(grep -E '^(PASS|FAIL|ERROR|SKIP)' "$tmp/suite" | sed -n 's/.*(\([0-9.]*\)s)$/\1/p' | sort -g | tail -1)
  tests=$(grep -E '^[0-9]+ passed' "$tmp/suite" | tail -1)
  printf '%-40s %-20s %-36s %-8s %s\n' "suite --jobs auto ($jobs jobs)" "wall ${wall}s" "sum ${sum}s, longest ${longest}s" \
    "$(ratio "$sum" "$wall")" "speed-up; $tests"
else
  printf '%-40s %-20s %s\n' "suite --jobs auto" "(placeholder)" "tcpconform run has no --jobs yet"
fi
bash bench/sweep.sh "$B"   # the sweep against one lab per case (bench/sweep.sh)
bash bench/fuzz_campaign.sh "$B" "${BENCH_FUZZ_SECONDS:-60}"   # the fuzzer, likewise
echo "============================================================================================================================"
