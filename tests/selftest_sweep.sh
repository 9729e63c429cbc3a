#!/usr/bin/env bash
# tcpconform sweep: usage errors (exit 2, a message naming the option), --list (JSON
# lines, the target named with its options, shards that partition the cases), target
# options applied in every lab (also for `tcpconform run`), and a short real sweep
# (--state ESTABLISHED --cases 50) whose reports are checked -- skipped with a SKIP line
# while the engine is the stand-in (its results carry "stub":true).
source "$(dirname "$0")/lib_selftest.sh"

# expect_usage NAME PATTERN ARGS...: exit 2, and stderr's first line matches PATTERN.
expect_usage() {
  local name=$1 pattern=$2
  shift 2
  set +e
  "$TCPCONFORM" "$@" >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  set -e
  if [ $rc -eq 2 ] && head -1 "$WORK/err" | grep -qE -- "$pattern"; then
    pass "$name: exit 2, \"$(head -1 "$WORK/err")\""
  else
    fail "$name: exit $rc, stderr: $(cat "$WORK/err")"
  fi
}

expect_usage "sweep: unknown option" 'sweep: unknown option "--bogus"' sweep --bogus
expect_usage "sweep: option without value" 'sweep: option --state needs a value' sweep --state
expect_usage "sweep: unknown state" '--state: expected one of CLOSED, LISTEN, .*TIME-WAIT; got "ESTABLISH"' sweep --state ESTABLISH
expect_usage "sweep: bad family" '--family: expected inet or inet6, got "ipx"' sweep --family ipx
expect_usage "sweep: bad jobs" '--jobs: expected 1..256, got "0"' sweep --jobs 0
expect_usage "sweep: bad shard" '--shard: expected K/N with 1 <= K <= N, got "3/2"' sweep --shard 3/2
expect_usage "sweep: bad cases" '--cases: expected 1..1000000000, got "-5"' sweep --cases -5
expect_usage "sweep: bad seconds" '--seconds: expected seconds in \(0, 86400\], got "0"' sweep --seconds 0
expect_usage "sweep: a path" 'sweep: unexpected argument "scripts"' sweep scripts
expect_usage "sweep: unknown target" 'unknown target "bsd"' sweep --target linux,bsd
expect_usage "sweep: target twice" '--target: "linux" given twice' sweep --target linux,linux
expect_usage "target option outside net." 'option "kernel.hostname": name "kernel.hostname" is not under net\.' sweep --target linux:kernel.hostname=x
expect_usage "target option without value" 'option "net.ipv4.tcp_rfc1337": expected sysctl=value' run --target linux:net.ipv4.tcp_rfc1337 scripts
expect_usage "target with an empty option list" "target linux:: no option after ':'" run --target linux: scripts
"$TCPCONFORM" sweep --help | grep -q -- "--state S" && pass "sweep --help" || fail "sweep --help"
"$TCPCONFORM" --help | grep -q "tcpconform sweep" && pass "--help names sweep" || fail "--help names sweep"

# --list: one JSON object a line, each naming its target as given (with its options).
"$TCPCONFORM" sweep --list --target linux,linux:net.ipv4.tcp_rfc1337=1 >"$WORK/list"
if "$PY" - "$WORK/list" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    for k in ("target", "id", "state", "family", "class", "group", "steps"):
        assert k in r, (k, r)
    by.setdefault(r["target"], []).append(r["id"])
assert set(by) == {"linux", "linux:net.ipv4.tcp_rfc1337=1"}, set(by)
assert by["linux"] == by["linux:net.ipv4.tcp_rfc1337=1"], "the same cases on both"
assert len(by["linux"]) == len(set(by["linux"])), "case ids are unique"
PY
then pass "--list: JSON lines naming each target with its options, $(wc -l <"$WORK/list") lines"
else fail "--list"; fi
"$TCPCONFORM" sweep --list --state ESTABLISHED --family inet6 >"$WORK/est"
if [ -s "$WORK/est" ] && ! grep -v '"state":"ESTABLISHED"' "$WORK/est" | grep -q . &&
   ! grep -v '"family":"inet6"' "$WORK/est" | grep -q .; then
  pass "--list --state ESTABLISHED --family inet6: only those ($(wc -l <"$WORK/est"))"
else fail "--list --state --family: $(head -3 "$WORK/est")"; fi
"$TCPCONFORM" sweep --list >"$WORK/all"
"$TCPCONFORM" sweep --list --shard 1/2 >"$WORK/s1"
"$TCPCONFORM" sweep --list --shard 2/2 >"$WORK/s2"
if [ "$(sort "$WORK/s1" "$WORK/s2" | uniq -d | wc -l)" -eq 0 ] &&
   cmp -s <(sort "$WORK/all") <(sort "$WORK/s1" "$WORK/s2"); then
  pass "--shard 1/2 and 2/2 are disjoint and together the whole list"
else fail "--shard 1/2 + 2/2 != the whole list"; fi

# Target options reach every lab: a test reading the sysctl sees the option's value
# (and the namespace default without the option).
mkdir -p "$WORK/s"
cat >"$WORK/s/opt.lua" <<'EOF2'
local T = require "tcpconform"
T.test("the target option set tcp_rfc1337", {id = "X1", rfc = "1337 F1"}, function(lab)
  T.eq(lab:sysctl("net.ipv4.tcp_rfc1337"), "1", "tcp_rfc1337")
end)
EOF2
set +e
"$TCPCONFORM" run "$WORK/s" --target linux:net.ipv4.tcp_rfc1337=1 --junit - --pcap-dir - >"$WORK/o1" 2>&1
rc1=$?
"$TCPCONFORM" run "$WORK/s" --target linux --junit - --pcap-dir - >"$WORK/o2" 2>&1
rc2=$?
set -e
[ $rc1 -eq 0 ] && pass "run --target linux:net.ipv4.tcp_rfc1337=1: the lab has it" ||
  fail "option not applied (exit $rc1): $(cat "$WORK/o1")"
[ $rc2 -eq 1 ] && pass "run --target linux: the lab has the default" ||
  fail "without the option (exit $rc2): $(cat "$WORK/o2")"
if "$TCPCONFORM" sweep --list --target lwip >/dev/null 2>&1; then
  set +e
  "$TCPCONFORM" run "$WORK/s" --target lwip:net.ipv4.tcp_rfc1337=1 --junit - --pcap-dir - >"$WORK/o3" 2>&1
  set -e
  grep -q "target lwip:net.ipv4.tcp_rfc1337=1: its options need the agent's sysctl capability" "$WORK/o3" &&
    pass "lwip with options: a clear error (no sysctl capability)" ||
    fail "lwip with options: $(cat "$WORK/o3")"
else
  echo "SKIP lwip with options: the lwIP agent is not built"
fi

# A short real sweep, with its reports.
set +e
"$TCPCONFORM" sweep --state ESTABLISHED --cases 50 --seed 7 --jobs 2 --out "$WORK/sw" >"$WORK/sw.out" 2>&1
rc=$?
set -e
if [ $rc -eq 2 ] || [ ! -s "$WORK/sw/cases.jsonl" ] || [ ! -s "$WORK/sw/index.html" ]; then
  fail "sweep --state ESTABLISHED --cases 50: exit $rc: $(cat "$WORK/sw.out")"
elif grep -q '"stub":true' "$WORK/sw/cases.jsonl"; then
  echo "SKIP the real sweep: script_sweep_run is the stand-in engine (its results carry \"stub\":true)"
else
  n=$(wc -l <"$WORK/sw/cases.jsonl")
  [ "$n" -eq 50 ] && pass "50 cases run" || fail "--cases 50 ran $n"
  grep -v '"state":"ESTABLISHED"' "$WORK/sw/cases.jsonl" | grep -q . &&
    fail "a case outside ESTABLISHED" || pass "every case in ESTABLISHED"
  validate_junit "$WORK/sw/junit.xml" && pass "JUnit valid" || fail "JUnit invalid"
  grep -q 'ESTABLISHED' "$WORK/sw/index.html" && pass "index.html has the ESTABLISHED row" ||
    fail "index.html"
  grep -q "^  ESTABLISHED " "$WORK/sw.out" && pass "summary row for ESTABLISHED" ||
    fail "summary: $(cat "$WORK/sw.out")"
  case $rc in
    0) pass "exit 0: no undeclared disagreement" ;;
    1) echo "note: exit 1: undeclared disagreements or errors (see $WORK/sw/index.html)" ;;
  esac
fi
finish
