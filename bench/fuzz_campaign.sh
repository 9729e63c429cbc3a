#!/usr/bin/env bash
# The fuzzer's rate against the same cases run the old way, in the same run (issue 11
# item 8): bench/fuzz_campaign.sh BUILD [SECONDS]   (needs root; prints the fuzz rows)
#
# campaign: `tcpconform fuzz --target T --seconds SECONDS --seed 1 --jobs auto` (default
# 60 s; as a user runs it for the best rate: one worker per CPU, the default; every oracle
# on: the model, invariants and liveness on one target, also the differential on
# linux,lwip), its cases/s over the whole campaign (findings' confirmation and counter
# attribution included, not only the streaming), the coverage it reached from an empty
# corpus (stats.json), the CPU it took per run of a case (user+sys of the tool, its
# workers and their agents, /usr/bin/time, over stats.json's execs) and the load average
# before and after: the machine may be shared, and a rate under load is not the tool's. old way: BENCH_FUZZ_OLD (200) of the corpus entries that campaign kept,
# each emitted as a T.test (`fuzz --emit`) and the lot run by `tcpconform run --jobs
# auto`: one lab per test; rate = tests / wall time. Targets: linux, and lwip and
# linux,lwip when the lwIP agent is built. The target of the issue: >= 2000 cases/s on
# linux.
set -euo pipefail
B=$(readlink -f "$1")
TC=$B/tcpconform
SECS=${2:-60}
OLD=${BENCH_FUZZ_OLD:-200}
tmp=$(mktemp -d /tmp/tcpconform-bench-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
stat_of() { "${PY:-python3}" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

for t in linux lwip linux,lwip; do
  name=${t//,/+}
  # A target that resolves gets as far as reading the (empty) case.
  said=$("$TC" fuzz --emit /dev/null --target "$t" 2>&1 || true)
  if ! grep -q "json" <<<"$said"; then
    printf '%-34s %s\n' "fuzz cases/s, $t" "(skipped: target not built)"
    continue
  fi
  out=$tmp/$name
  load0=$(cut -d' ' -f1 /proc/loadavg)
  timed=()
  [ -x /usr/bin/time ] && timed=(/usr/bin/time -f "%U %S" -o "$out.cpu")
  "${timed[@]}" "$TC" fuzz --target "$t" --seconds "$SECS" --seed 1 --jobs auto --out "$out" \
    --junit - >"$out.log" 2>&1 || true
  load1=$(cut -d' ' -f1 /proc/loadavg)
  execs=$(stat_of "$out/stats.json" execs)
  cpu="?"
  # time's last line (a campaign with findings exits 1: time says so on a line before)
  [ -s "$out.cpu" ] && cpu=$(tail -n 1 "$out.cpu" |
    awk -v e="$execs" '{ printf "%.2f", ($1 + $2) * 1000 / (e > 0 ? e : 1) }')
  cases=$(stat_of "$out/stats.json" cases)
  rate=$(stat_of "$out/stats.json" cases_per_s)
  cov=$(stat_of "$out/stats.json" coverage)
  findings=$(stat_of "$out/stats.json" findings_total)
  # The old way: OLD corpus entries, evenly spread, one T.test each, one lab per test.
  total=$(ls "$out/corpus" | wc -l)
  step=$(( total / OLD )); [ "$step" -ge 1 ] || step=1
  ls "$out/corpus" | awk -v s="$step" -v m="$OLD" 'NR % s == 0 && n++ < m' |
    sed "s|^|$out/corpus/|" >"$tmp/pick"
  mkdir -p "$tmp/old-$name"
  # A case the core cannot turn into a script is said on stderr and left out.
  xargs "$TC" fuzz --target "$t" --out "$tmp/old-$name" --emit <"$tmp/pick" >/dev/null \
    2>"$tmp/emit-$name.err" || true
  n=$(ls "$tmp/old-$name/emit" | wc -l)
  bad=$(grep -c "fuzz --emit" "$tmp/emit-$name.err" || true)
  t0=$(now)
  "$TC" run "$tmp/old-$name/emit" --target "$t" --jobs auto --junit - --pcap-dir - \
    >"$tmp/old-$name.out" 2>&1 || true
  wall=$(echo "$(now) - $t0" | bc)
  old=$(echo "$n / $wall" | bc -l)
  ratio=$(echo "$rate / $old" | bc -l)
  goal=""; [ "$t" = linux ] && goal="  >= 2000/s: $( [ "$(echo "$rate >= 2000" | bc)" -eq 1 ] && echo yes || echo NO)"
  printf '%-34s %-32s %-34s %-40s %-7s %s\n' "fuzz cases/s, $t" \
    "$(printf %.0f "$rate") cases/s ($cases in ${SECS} s)" \
    "$cpu ms CPU/run, load $load0->$load1" \
    "old way $(printf %.0f "$old") cases/s ($n tests, $(printf %.1f "$wall") s${bad:+, $bad not emitted})" \
    "$(printf %.1fx "$ratio")" "coverage $cov in ${SECS} s, $findings findings$goal"
done
