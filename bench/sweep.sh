#!/usr/bin/env bash
# The sweep's rate against the same cases run the old way, in the same run (issue 10
# item 8): bench/sweep.sh BUILD [CASES]   (needs root; prints the table's sweep rows)
#
# sweep: `tcpconform sweep --target T` over every state (its own summary line: cases and
# wall time, lab set-up and teardown included), at most BENCH_SWEEP_CASES (4000) cases.
# old way: BENCH_SWEEP_OLD (200) of those cases, every (N/200)-th of `sweep --list`, each
# emitted as a T.test (`sweep --emit`) and the lot run by `tcpconform run --jobs auto`:
# one lab per test; rate = tests / wall time. On linux and, when its agent is built, lwip.
set -euo pipefail
B=$(readlink -f "$1")
TC=$B/tcpconform
N=${BENCH_SWEEP_CASES:-4000}
OLD=${BENCH_SWEEP_OLD:-200}
tmp=$(mktemp -d /tmp/tcpconform-bench-sweep.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

rate_of() { sed -n 's/.* cases in \([0-9.]*\) s (\([0-9]*\) cases\/s).*/\2/p' "$1" | tail -1; }
now() { date +%s.%N; }

for t in linux lwip; do
  if ! "$TC" sweep --list --target "$t" --cases 1 >/dev/null 2>&1; then
    printf '%-40s %s\n' "sweep cases/s, $t" "(skipped: target not built)"
    continue
  fi
  "$TC" sweep --target "$t" --cases "$N" --seed 1 --out "$tmp/sw-$t" --junit - >"$tmp/sw-$t.out" 2>&1 || true
  sw=$(rate_of "$tmp/sw-$t.out")
  swn=$(wc -l <"$tmp/sw-$t/cases.jsonl")
  mkdir -p "$tmp/old-$t"
  "$TC" sweep --list --target "$t" >"$tmp/list-$t"
  total=$(wc -l <"$tmp/list-$t")
  step=$(( total / OLD )); [ "$step" -ge 1 ] || step=1
  i=0
  sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$tmp/list-$t" | awk -v s="$step" -v m="$OLD" 'NR % s == 0 && n++ < m' |
    while read -r id; do
      i=$((i + 1))
      "$TC" sweep --emit "$id" --target "$t" >"$tmp/old-$t/c$(printf %04d "$i").lua"
    done
  n=$(ls "$tmp/old-$t" | wc -l)
  t0=$(now)
  "$TC" run "$tmp/old-$t" --target "$t" --jobs auto --junit - --pcap-dir - >"$tmp/old-$t.out" 2>&1 || true
  wall=$(echo "$(now) - $t0" | bc)
  old=$(echo "$n / $wall" | bc -l)
  ratio=$(echo "$sw / $old" | bc -l)
  target_rate=""; [ "$t" = linux ] && target_rate=">= 1000/s: $( [ "$sw" -ge 1000 ] && echo yes || echo NO), "
  printf '%-40s %-20s %-36s %-8s %s\n' "sweep cases/s, $t ($swn cases)" "$sw cases/s" \
    "old way $(printf %.0f "$old") cases/s ($n tests, $(printf %.1f "$wall") s)" \
    "$(printf %.1fx "$ratio")" "${target_rate}>= 20x: $( [ "$(echo "$ratio >= 20" | bc)" -eq 1 ] && echo yes || echo NO)"
done
