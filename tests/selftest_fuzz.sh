#!/usr/bin/env bash
# tcpconform fuzz: usage errors (exit 2, a message naming the option); a short campaign
# on linux (--cases bounded) writes stats.json, index.html and a schema-valid JUnit whose
# failures are its new findings, and its exit status says whether there was one; a rerun
# into the same OUT resumes from the corpus (entries at start, the engine's first corpus
# count > 0); Ctrl-C and kill -9 mid-campaign keep every finding already reported (each
# directory complete: finding.json, case.json, minimised.json, test.lua) and leave no
# process, namespace or link; a finding already in OUT is known, not new, in a later run;
# --emit turns a finding's minimised case into a T.test.
source "$(dirname "$0")/lib_selftest.sh"

expect_usage "unknown option" 'fuzz: unknown option "--bogus"' fuzz --bogus
expect_usage "option without value" 'fuzz: option --seconds needs a value' fuzz --seconds
expect_usage "bad seconds" '--seconds: expected seconds in \(0, 604800\], got "0"' fuzz --seconds 0
expect_usage "bad cases" '--cases: expected 1..1000000000, got "many"' fuzz --cases many
expect_usage "bad jobs" '--jobs: expected auto or 1..256, got "0"' fuzz --jobs 0
expect_usage "bad shard" '--shard: expected K/N with 1 <= K <= N, got "0/4"' fuzz --shard 0/4
expect_usage "bad seed" '--seed: expected 0..18446744073709551615, got "-1"' fuzz --seed -1
expect_usage "bad state" '--state: expected one of CLOSED, .*; got "TIMEWAIT"' fuzz --state TIMEWAIT
expect_usage "bad family" '--family: expected inet or inet6, got "ipx"' fuzz --family ipx
expect_usage "a path" 'fuzz: unexpected argument "scripts"' fuzz scripts
expect_usage "unknown target" 'unknown target "bsd"' fuzz --target linux,bsd
expect_usage "--merge without DIR" 'fuzz --merge out: expected at least one DIR' fuzz --merge out
expect_usage "--merge with a campaign option" 'fuzz --merge: --seconds is an option of a campaign' fuzz --merge out --seconds 5 a
expect_usage "--merge of no campaign" 'fuzz --merge: .*/nothing is no campaign' fuzz --merge "$WORK/m" "$WORK/nothing"
"$TCPCONFORM" fuzz --help | grep -q -- "--merge OUT DIR" && pass "fuzz --help" || fail "fuzz --help"
"$TCPCONFORM" --help | grep -q "tcpconform fuzz" && pass "--help names fuzz" || fail "--help names fuzz"

# stats_check OUT RC: stats.json has the totals, and RC is 1 exactly when it counts a new
# finding; the JUnit is schema-valid with one failure per new finding.
stats_check() {
  "$PY" - "$1/stats.json" "$2" "$1/junit.xml" ${3:+"$3"} <<'PY'
import json, sys, xml.etree.ElementTree as ET
s = json.load(open(sys.argv[1])); rc = int(sys.argv[2])
for k in ("seed", "cases", "execs", "corpus", "coverage", "findings", "new_findings",
          "suppressed", "corpus_at_start", "first_corpus", "workers"):
    assert k in s, k
assert s["cases"] > 0 and s["coverage"] > 0, s
# --cases N is exact over the campaign (the stream had its width in flight: 200 ran 512)
assert len(sys.argv) < 5 or s["cases"] == int(sys.argv[4]), (s["cases"], sys.argv[4])
assert rc == (1 if s["new_findings"] else 0), (rc, s["new_findings"])
fails = sum(int(ts.get("failures")) for ts in ET.parse(sys.argv[3]).getroot().iter("testsuite"))
assert fails == s["new_findings"], (fails, s["new_findings"])
print(s["cases"], s["coverage"], s["new_findings"], s["corpus_at_start"], s["first_corpus"])
PY
}
run_fuzz() {
  set +e
  "$TCPCONFORM" fuzz "$@" >"$WORK/run.out" 2>&1
  local rc=$?
  set -e
  echo "$rc"
}
rc=$(run_fuzz --cases 200 --seed 3 --out "$WORK/a")
if facts=$(stats_check "$WORK/a" "$rc" 200) && validate_junit "$WORK/a/junit.xml" &&
   [ -s "$WORK/a/index.html" ]; then
  pass "--cases 200 on linux: exit $rc; cases, coverage, new findings: $facts; JUnit valid"
else cat "$WORK/run.out"; fail "--cases 200: exit $rc, $facts"; fi
rc=$(run_fuzz --cases 200 --seed 4 --out "$WORK/a")
if facts=$(stats_check "$WORK/a" "$rc" 200) &&
   "$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["corpus_at_start"] > 0 and s["first_corpus"] >= s["corpus_at_start"], s' "$WORK/a/stats.json"; then
  pass "a rerun into the same OUT resumes from the corpus (cases, coverage, new, at start, engine's first: $facts)"
else cat "$WORK/run.out"; fail "rerun: exit $rc, $facts"; fi

# A campaign that finds something at once: tcp_rfc1337 0 and 1 differ in TIME-WAIT.
CAMPAIGN=(fuzz --target linux,linux:net.ipv4.tcp_rfc1337=1 --state TIME-WAIT --family inet
  --seconds 60 --seed 1)
# mid_campaign SIGNAL OUT: started, the signal once a finding is on disk; its exit status.
mid_campaign() {
  "$TCPCONFORM" "${CAMPAIGN[@]}" --out "$2" >"$WORK/mid.out" 2>&1 &
  local pid=$! i
  for i in $(seq 600); do
    ls "$2"/findings/*/finding.json >/dev/null 2>&1 && break
    sleep 0.1
  done
  kill -"$1" "$pid"
  set +e
  wait "$pid"
  local r=$?
  set -e
  echo "$r"
}
# complete OUT: every finding directory holds its four files, finding.json parses.
complete() {
  local d n=0
  for d in "$1"/findings/*/; do
    [ -f "$d/finding.json" ] || continue
    for f in case.json minimised.json test.lua; do [ -s "$d/$f" ] || return 1; done
    "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$d/finding.json" || return 1
    n=$((n + 1))
  done
  [ $n -gt 0 ] && echo $n
}
leaks_baseline "$WORK/int"
rci=$(mid_campaign INT "$WORK/int")
if [ "$rci" -eq 130 ] && n=$(complete "$WORK/int") && [ -s "$WORK/int/index.html" ] &&
   validate_junit "$WORK/int/junit.xml" && grep -q '"interrupted": true' "$WORK/int/stats.json"; then
  pass "Ctrl-C mid-campaign: exit 130, $n finding(s) complete on disk, reports written"
else tail -5 "$WORK/mid.out"; fail "Ctrl-C: exit $rci, $(ls "$WORK/int" 2>&1)"; fi
leaks_check "Ctrl-C mid-campaign"
# --emit: a finding's minimised case as a T.test (no lab); a file that is no program is a
# usage-level error naming the file.
min=$(ls "$WORK"/int/findings/*/minimised.json | head -1)
if "$TCPCONFORM" fuzz --emit "$min" --target linux,linux:net.ipv4.tcp_rfc1337=1 >"$WORK/emit.lua" &&
   grep -q '^local T = require "tcpconform"' "$WORK/emit.lua" && grep -q 'T.test(' "$WORK/emit.lua"; then
  pass "--emit: a finding's minimised.json as a T.test script"
else fail "--emit $min: $(head -3 "$WORK/emit.lua")"; fi
expect_usage "--emit of no program" "fuzz --emit: /etc/hostname: " fuzz --emit /etc/hostname
! grep -q "stack traceback" "$WORK/err" && pass "--emit error without a Lua traceback" || fail "--emit: a traceback"
leaks_baseline "$WORK/kill"
rck=$(mid_campaign KILL "$WORK/kill")
if [ "$rck" -eq 137 ] && n=$(complete "$WORK/kill"); then
  pass "kill -9 mid-campaign: the harness died (137), $n finding(s) complete on disk"
else fail "kill -9: exit $rck, $(ls "$WORK/kill/findings" 2>&1)"; fi
leaks_check "kill -9 mid-campaign"

# Across runs: the same campaign again into the Ctrl-C run's OUT (with a corpus of its
# own) finds the same signature first; it is known (said so, skipped in JUnit), not new,
# not processed again by the engine (its stats count it known), and its files are
# untouched.
before=$(cd "$WORK/int/findings" && ls -d */ | tr -d / | sort)
stamp=$(for d in $before; do stat -c %Y "$WORK/int/findings/$d/finding.json"; done)
leaks_baseline "$WORK/int"
"$TCPCONFORM" "${CAMPAIGN[@]}" --out "$WORK/int" --corpus "$WORK/int-corpus" >"$WORK/again.out" 2>&1 &
pid=$!
for i in $(seq 600); do grep -q '^known finding ' "$WORK/again.out" && break; sleep 0.1; done
kill -INT "$pid"
set +e; wait "$pid"; rca=$?; set -e
if grep -q '^known finding ' "$WORK/again.out" && "$PY" - "$WORK/int" "$before" <<'PY' &&
import json, sys, xml.etree.ElementTree as ET
out, before = sys.argv[1], sys.argv[2].split()
cases = list(ET.parse(out + "/junit.xml").getroot().iter("testcase"))
skipped = {c.get("name").split()[0] for c in cases if c.find("skipped") is not None}
failed = {c.get("name").split()[0] for c in cases if c.find("failure") is not None}
assert set(before) <= skipped, (before, skipped)
assert not (set(before) & failed), failed
# the engine had the store's list (fuzz_opts.known): a known signature counted as seen,
# not processed again (no finding of this run counted for it)
workers = [w for w in json.load(open(out + "/stats.json"))["workers"] if w]
assert sum(w.get("known", 0) for w in workers) >= 1, workers
PY
   [ "$stamp" = "$(for d in $before; do stat -c %Y "$WORK/int/findings/$d/finding.json"; done)" ]; then
  pass "a later run into the same OUT: \"$(grep -m1 '^known finding' "$WORK/again.out")\"; skipped in JUnit, files untouched (exit $rca)"
else cat "$WORK/again.out"; fail "known findings across runs (exit $rca)"; fi
leaks_check "the later run"
finish
