#!/usr/bin/env bash
# A target's last words: what a stack prints on stdout/stderr before it crashes, hangs or
# fails to start is in that test's ERROR (console and JUnit), and the run goes on. A
# message the agent sends (msg=, PROTOCOL.md 4.2) reaches the user as text, unescaped.
source "$(dirname "$0")/lib_selftest.sh"

mkdir -p "$WORK/s"
cat >"$WORK/s/two.lua" <<'EOF2'
local T = require "tcpconform"
T.test("first of two", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  local c = lab:conn{port = 9}
  c:send "S 0:0(0)"
  c:expect "R. 0:0(0) ack 1"
end)
T.test("second of two", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  local c = lab:conn{port = 9}
  c:send "S 0:0(0)"
  c:expect "R. 0:0(0) ack 1"
end)
EOF2
# Greets properly (PROTOCOL.md 2), says something, then dies of an assertion: the shell
# around it (PID 1 of the target's namespace) exits 128+6.
cat >"$WORK/crash.sh" <<'EOF2'
echo "0 0 - hello=tcpconform-agent version=1 stack=sh caps=" >&"$TCPCONFORM_CTL_FD"
echo "stack: starting"
echo "assertion failed: pcb->state" >&2
kill -ABRT $$
EOF2
# Cannot start, and says why in a failed greeting whose msg has a space, an underscore
# and a backslash.
cat >"$WORK/nostart.sh" <<'EOF2'
printf '%s\n' '0 -1 EIO msg=cannot_open\_the\_tap_C:\\dev' >&"$TCPCONFORM_CTL_FD"
EOF2

# run NAME TARGET: runs two.lua against TARGET; console in NAME.log, JUnit in NAME.xml.
run() {
  set +e
  timeout 120 "$TCPCONFORM" run "$WORK/s/two.lua" --jobs 1 --target "$2" \
    --junit "$WORK/$1.xml" --pcap-dir - >"$WORK/$1.log" 2>&1
  rc=$?
  set -e
}
both_errored() {
  [ "$(grep -c '^ERROR' "$WORK/$1.log")" -eq 2 ] && [ "$(grep -c '<error ' "$WORK/$1.xml")" -eq 2 ]
}

# --- a crash: its status and its last words, in the console and in the JUnit message ---
run crash "exec:sh $WORK/crash.sh; exit \$?"
# The one-line message carries the line that says why (the assertion); the whole output,
# the line before it included, follows in the detail.
want="exited with status 134; its last words: assertion failed: pcb->state"
if [ $rc -eq 1 ] && both_errored crash && grep -q "$want" "$WORK/crash.log" &&
   grep -q "^stack: starting" "$WORK/crash.xml" &&
   grep -q "message=\"lab set-up failed: the target (exec) $(echo "$want" | sed 's/>/\&gt;/')" "$WORK/crash.xml" &&
   validate_junit "$WORK/crash.xml"; then
  pass "crashing target: \"$want\", console and JUnit, and the second test still ran"
else
  cat "$WORK/crash.log"
  fail "crashing target: exit $rc"
fi

# --- a target that fails to start: the shell's complaint ---
run missing "exec:$WORK/no-such-agent --flag"
want="exited with status 127; its last words: .*no-such-agent: not found"
if [ $rc -eq 1 ] && both_errored missing && grep -q "$want" "$WORK/missing.log" &&
   grep -q "$want" "$WORK/missing.xml"; then
  pass "target that does not exist: \"$(grep -o "$want" "$WORK/missing.log" | head -1)\""
else
  cat "$WORK/missing.log"
  fail "missing target: exit $rc"
fi

# --- a failed greeting: its msg unescaped ---
run nostart "exec:sh $WORK/nostart.sh"
want='failed to start: cannot open_the_tap C:\dev'
if [ $rc -eq 1 ] && both_errored nostart && grep -qF "$want" "$WORK/nostart.log"; then
  pass "failed greeting shows its msg as text: \"$want\""
else
  cat "$WORK/nostart.log"
  fail "failed greeting: exit $rc"
fi

# --- a crash mid-test (the lwIP agent, killed with SIGABRT after a word on stderr) ---
LWIP="$(dirname "$TCPCONFORM")/targets/lwip/tcpconform-lwip"
if [ -x "$LWIP" ]; then
  cp "$SRC/tests/lua/target_dies.lua" "$WORK/s/waits.lua"
  set +e
  timeout 120 "$TCPCONFORM" run "$WORK/s/waits.lua" --jobs 1 \
    --target "exec:$LWIP & p=\$!; sleep 1; echo 'lwip: assertion failed: pcb->state' >&2; kill -ABRT \$p; wait \$p" \
    --junit "$WORK/mid.xml" --pcap-dir - >"$WORK/mid.log" 2>&1
  rc=$?
  set -e
  want="its last words: lwip: assertion failed: pcb->state"
  if [ $rc -eq 1 ] && grep -q "^ERROR .*waits while the target dies" "$WORK/mid.log" &&
     grep -q "$want" "$WORK/mid.log" && grep -q "^PASS .*runs after it" "$WORK/mid.log"; then
    pass "crash mid-test: \"$(grep -o "the target.*$want" "$WORK/mid.log" | head -1)\", the next test passes"
  else
    cat "$WORK/mid.log"
    fail "crash mid-test: exit $rc"
  fi
fi
finish
