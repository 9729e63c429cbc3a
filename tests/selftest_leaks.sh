#!/usr/bin/env bash
# Nothing outlives a run: no network namespace, no link, no process and no temporary
# file after a green run, a failing run, a script with a Lua error, Ctrl-C mid-test and
# kill -9 of the harness mid-test (also with a stack that left a process outside its
# process group).
source "$(dirname "$0")/lib_selftest.sh"

mkdir -p "$WORK/s" "$WORK/out"
cat >"$WORK/s/green.lua" <<'EOF'
local T = require "tcpconform"
T.test("green", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  local c = lab:conn{port = 9}
  c:send "S 0:0(0)"
  c:expect "R. 0:0(0) ack 1"
end)
EOF
sed 's/ack 1"/ack 2"/' "$WORK/s/green.lua" >"$WORK/s/failing.lua"
cat >"$WORK/s/luaerror.lua" <<'EOF'
local T = require "tcpconform"
T.test("lua error", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  lab.target:listen(8080)
  local x = nil
  return x.field
end)
EOF
# A test that waits long enough to be interrupted while its lab is up.
cat >"$WORK/s/slow.lua" <<'EOF'
local T = require "tcpconform"
T.test("slow", {id = "A5", rfc = "9293 3.10.7.1"}, function(lab)
  lab.target:listen(8080)
  local c = lab:conn{port = 9}
  c:send "R 0:0(0)"
  c:silence(30)
end)
EOF

# Network namespaces held by processes of this self-test's runs (other work on the
# machine may create namespaces meanwhile; a namespace of ours can only outlive our
# processes through a process that still has our command line).
netns_set() {
  lsns -t net -n -o NS,PID 2>/dev/null | while read -r ns pid; do
    if tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -q -- "$WORK/s"; then echo "$ns"; fi
  done | sort -u
}
links() { ip -o link show | awk -F': ' '{print $2}' | sort; }
ours() { pgrep -f -- "$WORK/s" || true; }

before_ns=$(netns_set)
before_links=$(links)

# check_clean NAME: waits (bounded) for our processes to be gone, then compares.
check_clean() {
  local name=$1 i
  for i in $(seq 50); do [ -z "$(ours)" ] && break; sleep 0.1; done
  local procs; procs=$(ours)
  local new_ns; new_ns=$(comm -13 <(echo "$before_ns") <(netns_set))
  local new_links; new_links=$(comm -13 <(echo "$before_links") <(links))
  local tmp; tmp=$(find "$WORK/out" -name '*.tmp*' 2>/dev/null)
  if [ -z "$procs$new_ns$new_links$tmp" ]; then
    pass "$name: no process, namespace, link or temporary file left"
  else
    fail "$name: left procs=[$procs] netns=[$new_ns] links=[$new_links] tmp=[$tmp]"
  fi
}

run() { "$TCPCONFORM" run "$WORK/s/$1.lua" --junit "$WORK/out/$1.xml" --pcap-dir "$WORK/out/pcap" >"$WORK/out/$1.log" 2>&1; }

set +e
run green; rc=$?; [ $rc -eq 0 ] || fail "green run exit $rc"; check_clean "green run"
run failing; rc=$?; [ $rc -eq 1 ] || fail "failing run exit $rc"; check_clean "failing run"
run luaerror; rc=$?; [ $rc -eq 1 ] || fail "Lua error run exit $rc"; check_clean "Lua error run"
set -e

# wait_lab: until the harness has forked its target (two processes of ours), bounded.
wait_lab() {
  local i
  for i in $(seq 100); do
    [ "$(ours | wc -l)" -ge 2 ] && return 0
    sleep 0.05
  done
  return 1
}

# Ctrl-C: SIGINT to the whole process group, as a terminal sends it.
setsid "$TCPCONFORM" run "$WORK/s/slow.lua" --junit "$WORK/out/int.xml" --pcap-dir "$WORK/out/pcap" \
  >"$WORK/out/int.log" 2>&1 &
pid=$!
wait_lab || fail "Ctrl-C: lab never came up"
sleep 0.3
# The checks can see a live lab: otherwise check_clean would prove nothing.
live=$(comm -13 <(echo "$before_ns") <(netns_set) | wc -l)
[ "$live" -ge 2 ] && pass "a live lab shows $live new namespaces (harness + target)" ||
  fail "a live lab's namespaces are not visible ($live)"
kill -INT -- "-$pid"
set +e; wait "$pid"; rc=$?; set -e
[ $rc -eq 130 ] && pass "Ctrl-C: exit 130" || { cat "$WORK/out/int.log"; fail "Ctrl-C: exit $rc"; }
grep -q "interrupted" "$WORK/out/int.log" && pass "Ctrl-C: says interrupted" || fail "Ctrl-C: no message"
validate_junit "$WORK/out/int.xml" && pass "Ctrl-C: JUnit written and valid" || fail "Ctrl-C: JUnit"
check_clean "Ctrl-C mid-test"

# kill -9 of the harness alone: its targets must die with it (PR_SET_PDEATHSIG).
"$TCPCONFORM" run "$WORK/s/slow.lua" --junit "$WORK/out/kill.xml" --pcap-dir "$WORK/out/pcap" \
  >"$WORK/out/kill.log" 2>&1 &
pid=$!
wait_lab || fail "kill -9: lab never came up"
sleep 0.3
kill -9 "$pid"
set +e; wait "$pid" 2>/dev/null; set -e
check_clean "kill -9 mid-test"

# kill -9 of the harness while the stack under test has left a process outside its
# process group (setsid): the target is PID 1 of a PID namespace of its own, and the
# kernel kills what is left in it when that dies.
LWIP="$(dirname "$TCPCONFORM")/targets/lwip/tcpconform-lwip"
if [ -x "$LWIP" ]; then
  "$TCPCONFORM" run "$WORK/s/slow.lua" --target "exec:setsid sleep 317.25 & exec $LWIP" \
    --junit "$WORK/out/kill2.xml" --pcap-dir - >"$WORK/out/kill2.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do pgrep -f "^sleep 317.25" >/dev/null && break; sleep 0.05; done
  if pgrep -f "^sleep 317.25" >/dev/null; then
    sleep 0.3
    kill -9 "$pid"
    set +e; wait "$pid" 2>/dev/null; set -e
    for _ in $(seq 50); do pgrep -f "^sleep 317.25" >/dev/null || break; sleep 0.1; done
    stray=$(pgrep -f "^sleep 317.25" || true)
    [ -z "$stray" ] && pass "kill -9 mid-test: a process the stack started with setsid is gone too" ||
      { fail "kill -9 mid-test: the stack's setsid process $stray outlived the harness"; kill $stray; }
  else
    kill -9 "$pid" 2>/dev/null || true
    fail "kill -9 with a setsid stack: the stray never started"; cat "$WORK/out/kill2.log"
  fi
  check_clean "kill -9 mid-test, stack with a setsid process"
fi
finish
