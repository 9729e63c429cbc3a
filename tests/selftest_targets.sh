#!/usr/bin/env bash
# The second real stack: the suite against lwIP (built-in target), the same agent through
# the generic exec: path with identical verdicts, a behaviour-by-target matrix, and a
# target that crashes or hangs mid-test (that test errors with a clear reason, the run
# goes on, nothing is left behind).
source "$(dirname "$0")/lib_selftest.sh"

LWIP="$(dirname "$TCPCONFORM")/targets/lwip/tcpconform-lwip"
if [ ! -x "$LWIP" ]; then
  fail "lwIP agent $LWIP not built (liblwip-dev missing?)"
  finish
fi

# verdicts FILE: "suite|test|status" per testcase, status pass/failure/error/skipped.
verdicts() {
  "$PY" - "$1" <<'PY'
import sys
from junitparser import JUnitXml
for s in JUnitXml.fromfile(sys.argv[1]):
    for c in s:
        kinds = [type(r).__name__.lower() for r in c.result]
        st = kinds[0] if kinds else "pass"
        print(f"{c.classname}|{c.name}|{st}")
PY
}

# --- the suite against lwIP ---
set +e
"$TCPCONFORM" run scripts --target lwip --exclude-tag slow --junit "$WORK/lwip.xml" \
  --pcap-dir "$WORK/pcap" >"$WORK/lwip.log" 2>&1
rc=$?
set -e
[ $rc -eq 0 ] && pass "suite on lwip: every difference is a known deviation or a missing capability (exit 0)" ||
  { grep -E '^(FAIL|ERROR)' -A4 "$WORK/lwip.log"; fail "suite on lwip: exit $rc"; }
validate_junit "$WORK/lwip.xml" && pass "lwip JUnit valid" || fail "lwip JUnit invalid"
dev=$(grep -c 'message="known deviation of lwip' "$WORK/lwip.xml" || true)
cap=$(grep -c 'message="target lwip lacks capability' "$WORK/lwip.xml" || true)
passed=$(verdicts "$WORK/lwip.xml" | grep -c '|pass$' || true)
[ "$dev" -ge 5 ] && [ "$cap" -ge 5 ] && [ "$passed" -ge 25 ] &&
  pass "lwip: $passed passed, $dev known deviations (with reason and RFC), $cap skipped for a missing capability" ||
  fail "lwip: $passed passed, $dev deviations, $cap capability skips"

# --- the same agent through the generic path ---
set +e
"$TCPCONFORM" run scripts --target "exec:$LWIP" --descriptor targets/lwip/target.lua \
  --exclude-tag slow --junit "$WORK/exec.xml" --pcap-dir - >"$WORK/exec.log" 2>&1
rc=$?
set -e
[ $rc -eq 0 ] && pass "suite on exec:tcpconform-lwip: exit 0" || fail "suite on exec: exit $rc"
# Messages name the target differently (lwip / exec); the verdicts must be the same.
if cmp -s <(verdicts "$WORK/lwip.xml") <(verdicts "$WORK/exec.xml"); then
  pass "generic exec: target gives the same verdict as the built-in lwip target for all $(verdicts "$WORK/exec.xml" | wc -l) tests"
else
  diff <(verdicts "$WORK/lwip.xml") <(verdicts "$WORK/exec.xml") | head -20
  fail "generic and built-in lwip verdicts differ"
fi

# --- two targets: the matrix ---
set +e
"$TCPCONFORM" run scripts/rst scripts/handshake/synack.lua --target linux,lwip \
  --junit "$WORK/m/junit.xml" --pcap-dir "$WORK/m/pcap" >"$WORK/m.log" 2>&1
rc=$?
set -e
[ $rc -eq 0 ] && [ -s "$WORK/m/matrix.md" ] && [ -s "$WORK/m/matrix.html" ] &&
  pass "--target linux,lwip writes matrix.md and matrix.html beside the JUnit file" ||
  { grep -E '^(FAIL|ERROR)' -A6 "$WORK/m.log"; fail "matrix: exit $rc, files: $(ls "$WORK/m" 2>/dev/null | tr '\n' ' ')"; }
grep -q '| linux | lwip |' "$WORK/m/matrix.md" && grep -qE '\| pass \| deviation( \[pcap\]\([^)]*\))? \|$' "$WORK/m/matrix.md" &&
  pass "matrix.md has a column per target and shows lwip's deviations" || fail "matrix.md content"
validate_junit "$WORK/m/junit.xml" && pass "two-target JUnit valid" || fail "two-target JUnit invalid"

# --- a target that crashes, and one that hangs, mid-test ---
mkdir -p "$WORK/s"
cp "$SRC/tests/lua/target_dies.lua" "$WORK/s/waits.lua"
# A crash reads as the target's exit: "died from signal", "exited with status" (the shell
# around the agent) or "closed its control channel", whichever the harness sees first.
for how in "SEGV:died from signal\\|exited with status\\|closed its control channel" "STOP:did not answer"; do
  sig=${how%%:*}
  want=${how#*:}
  # The agent greets, answers ARP, then gets SIGSEGV (crash) or SIGSTOP (hang) after 1 s.
  cmd="$LWIP & p=\$!; sleep 1; kill -$sig \$p; wait"
  set +e
  "$TCPCONFORM" run "$WORK/s/waits.lua" --jobs 1 --target "exec:$cmd" --junit - --pcap-dir - \
    >"$WORK/$sig.log" 2>&1
  rc=$?
  set -e
  if [ $rc -eq 1 ] && grep -q "^ERROR .*waits while the target dies" "$WORK/$sig.log" &&
     grep -q "$want" "$WORK/$sig.log" && grep -q "^PASS .*runs after it" "$WORK/$sig.log"; then
    pass "target $sig mid-test: that test errors ($(grep -o "$want" "$WORK/$sig.log" | head -1)), the next one passes"
  else
    cat "$WORK/$sig.log"
    fail "target $sig mid-test: exit $rc"
  fi
done

# --- a stack that leaves a process outside its process group (setsid: not killed with
# the group) still leaves nothing behind: the target is PID 1 of its own PID namespace ---
set +e
"$TCPCONFORM" run scripts/rst/closed_port.lua --filter "SYN to a closed port" --jobs 1 \
  --target "exec:setsid sleep 313.25 & exec $LWIP" --descriptor targets/lwip/target.lua \
  --junit - --pcap-dir - >"$WORK/setsid.log" 2>&1
rc=$?
set -e
stray=$(pgrep -f "sleep 313.25" || true)
if [ $rc -eq 0 ] && grep -q "^PASS" "$WORK/setsid.log" && [ -z "$stray" ]; then
  pass "a process the stack left outside its group (setsid) is gone after the run"
else
  cat "$WORK/setsid.log"
  fail "setsid stray: exit $rc, left: $stray"
  [ -z "$stray" ] || kill $stray
fi

# --- nothing left behind by any of it ---
sleep 0.5
left=$(pgrep -f -- "tcpconform-lwip" | while read -r p; do
  tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | grep -q -- "$LWIP" && echo "$p"; done || true)
[ -z "$left" ] && pass "no lwIP agent process left" || fail "lwIP agents left: $left"
finish
