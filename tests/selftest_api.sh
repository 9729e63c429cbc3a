#!/usr/bin/env bash
# The script API against a real lab (tests/lua/api/): what must pass passes, each
# failure says what lua/README.md promises (timing early/late, every segment of the
# connection under seen:, a short stream), each script mistake is an <error> at its
# line naming the limit or the field; a test skipped in every repeat reads as skipped;
# and every test the suite ships in scripts/ (outside scripts/examples) names its
# behaviour ID.
source "$(dirname "$0")/lib_selftest.sh"
API=$SRC/tests/lua/api

run() {  # run NAME ARGS...: output in $WORK/NAME.out, JUnit in $WORK/NAME.xml
  local name=$1
  shift
  set +e
  "$TCPCONFORM" run "$@" --junit "$WORK/$name.xml" --pcap-dir - >"$WORK/$name.out" 2>&1
  echo $? >"$WORK/$name.rc"
  set -e
}

# has NAME PATTERN WHAT: the output of run NAME matches the extended regex PATTERN.
has() {
  if grep -qE -- "$2" "$WORK/$1.out"; then pass "$3"; else cat "$WORK/$1.out"; fail "$3"; fi
}

run pass "$API/pass.lua"
[ "$(cat "$WORK/pass.rc")" = 0 ] && pass "tests/lua/api/pass.lua: every test passes" ||
  { cat "$WORK/pass.out"; fail "tests/lua/api/pass.lua: exit $(cat "$WORK/pass.rc")"; }
has pass '^PASS  -    .*a test without an id runs' "a test without an id runs and is listed with -"
has pass "^PASS .*the lab's MTU is the test's mtu" "a test's mtu sets the link's MTU (the target's MSS follows)"

run fail "$API/fail.lua"
has fail 'fail.lua:7: expected: \. 1:1\(0\) ack 5' "a mismatch names the script's line"
# Bug 5: seen: starts at the connection's first segment, not after the last match.
"$PY" - "$WORK/fail.out" <<'PY' && pass "seen: lists the handshake matched before the failing expectation" || fail "seen: leaves out what matched before"
import re, sys
out = open(sys.argv[1]).read()
block = out.split("seen lists every segment", 1)[1].split("\nFAIL", 1)[0]
need = [r"harness > S 0:0\(0\)", r"target  < S\. 0:0\(0\) ack 1", r"harness > \. 1:1\(0\) ack 1",
        r"harness > P\. 1:4\(3\) ack 1", r"target  < \. 1:1\(0\) ack 4"]
sys.exit(0 if all(re.search(n, block) for n in need) else 1)
PY
has fail 'fail.lua:14: expect: P\. 1:2\(1\) ack 1 .*came 0\.[0-9]+ s after its reference, expected 0\.050 s \+/- 0\.010 s \(late\)' "a segment after its window is late"
has fail 'fail.lua:21: expect: .*expected within \[2\.000, 3\.000\] s \(early\)' "a segment before its window is early"
has fail 'fail.lua:27: expect_stream of 200 bytes: got 100 of 200 bytes within 0\.300 s' "a short stream names what came"
[ "$(grep -c '^FAIL ' "$WORK/fail.out")" = 4 ] && pass "each failure is a FAIL" || fail "not 4 FAILs"

run error "$API/error.lua"
has error 'error.lua:5: segment: the range of "P\. 1:11\(10\) ack 1" says LEN 10 but data has 3 bytes' "range and data that disagree are an error naming both"
has error 'error.lua:9: lab:sleep: seconds must be a number in 0\.\.3600, got -1' "lab:sleep(-1) is an error"
has error "error.lua:14: send: a payload of 2000 bytes does not fit the lab's MTU of 1500 bytes: at most 1460 bytes" "a payload above the MTU is an error at the script's line naming the limit"
has error 'error.lua:19: expect: no event named "nosuch"' "an unknown event name is an error"
has error 'error.lua:23: sysctl net\.ipv4\.tcp_rmem failed: EINVAL' "a value the kernel refuses is an error"
has error 'error.lua:27: bind\(70000\) failed: EINVAL \(bind: port "70000" is not an integer' "an agent's msg= is shown decoded"
has error "error.lua:32: send: a payload of 1261 bytes does not fit the lab's MTU of 1300 bytes: at most 1260 bytes" "a test's mtu is the limit"
[ "$(grep -c '^ERROR ' "$WORK/error.out")" = 7 ] && pass "each mistake is an ERROR" || fail "not 7 ERRORs"

run skip "$API/skip.lua" --repeat 3
has skip '^SKIP .*skipped every time \(.*skipped in all 3 runs\)' "a test skipped in every repeat reads as skipped"

# The shipped suite names a behaviour ID for every test (scripts/examples may name an
# RFC section only: they show the API).
"$TCPCONFORM" list scripts >"$WORK/list"
missing=$(grep -v ' scripts/examples/' "$WORK/list" | grep -E '^- ' || true)
[ -s "$WORK/list" ] && [ -z "$missing" ] && pass "every test in scripts/ outside examples/ has an id" ||
  fail "tests without an id: $missing"
finish
