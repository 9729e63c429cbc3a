#!/usr/bin/env bash
# The runner: --shard splits are disjoint and cover the suite; the console order does not
# depend on --jobs; --repeat reports a test that both passes and fails as FLAKY; a test
# that waits past its time limit is stopped on time, and a worker that cannot stop is
# killed with a message that says where it was; --tag / --exclude-tag select; a script
# that builds strings without bound stops at --memory-limit as its test's ERROR, with the
# worker's peak RSS bounded by the limit, and the run goes on.
source "$(dirname "$0")/lib_selftest.sh"

# --- shards: disjoint, and together the whole suite (for several N) ---
"$TCPCONFORM" list scripts | sort >"$WORK/all"
total=$(wc -l <"$WORK/all")
[ "$total" -ge 20 ] && pass "list: $total tests" || fail "list: only $total tests"
for n in 2 3 7; do
  : >"$WORK/union"
  ok=1
  for k in $(seq "$n"); do
    "$TCPCONFORM" list scripts --shard "$k/$n" | sort >"$WORK/s$k"
    [ -s "$WORK/s$k" ] || ok=0
    cat "$WORK/s$k" >>"$WORK/union"
  done
  sort "$WORK/union" >"$WORK/union.sorted"
  dups=$(uniq -d "$WORK/union.sorted" | wc -l)
  if [ $ok = 1 ] && [ "$dups" -eq 0 ] && cmp -s "$WORK/union.sorted" "$WORK/all"; then
    pass "--shard K/$n: $n non-empty, disjoint parts covering all $total tests"
  else
    fail "--shard K/$n: dups=$dups, union differs or a part is empty"
  fi
done
"$TCPCONFORM" list scripts --shard 2/3 >"$WORK/a"
"$TCPCONFORM" list scripts --shard 2/3 >"$WORK/b"
cmp -s "$WORK/a" "$WORK/b" && pass "--shard is stable between runs" || fail "--shard unstable"

# --- tags ---
slow=$("$TCPCONFORM" list scripts --tag slow | wc -l)
rest=$("$TCPCONFORM" list scripts --exclude-tag slow | wc -l)
[ "$slow" -ge 1 ] && [ $((slow + rest)) -eq "$total" ] &&
  pass "--tag slow ($slow) and --exclude-tag slow ($rest) partition the suite" ||
  fail "tags: slow=$slow rest=$rest total=$total"

# --- the console order is the plan order, whatever --jobs ---
names() { grep -E '^(PASS|FAIL|ERROR|FLAKY)' "$1" | sed -E 's/ \([0-9.]+s.*//'; }
"$TCPCONFORM" run scripts/rst scripts/handshake/synack.lua --jobs 1 --junit "$WORK/j1.xml" \
  --pcap-dir - >"$WORK/o1" 2>&1 || { grep -E '^(FAIL|ERROR)' -A12 "$WORK/o1"; fail "--jobs 1 run failed"; }
"$TCPCONFORM" run scripts/rst scripts/handshake/synack.lua --jobs 8 --junit "$WORK/j8.xml" \
  --pcap-dir - >"$WORK/o8" 2>&1 || { grep -E '^(FAIL|ERROR)' -A12 "$WORK/o8"; fail "--jobs 8 run failed"; }
if cmp -s <(names "$WORK/o1") <(names "$WORK/o8") && [ "$(names "$WORK/o1" | wc -l)" -ge 10 ]; then
  pass "console lines in the same order with --jobs 1 and --jobs 8"
else
  fail "console order differs between --jobs 1 and --jobs 8"
fi
strip() { sed -E 's/time="[0-9.]+"//g; s/name="seed" value="[0-9]+"//; s/name="jobs" value="[0-9]+"//' "$1"; }
cmp -s <(strip "$WORK/j1.xml") <(strip "$WORK/j8.xml") &&
  pass "JUnit identical (but times, seed, jobs) with --jobs 1 and --jobs 8" || fail "JUnit differs by --jobs"

# --- flaky: passes on one run, fails on the next ---
mkdir -p "$WORK/flaky"
cat >"$WORK/flaky/f.lua" <<EOF
local T = require "tcpconform"
T.test("alternates", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  local c = lab:conn{port = 9}
  c:send "S 0:0(0)"
  local marker = "$WORK/flaky/marker"
  local f = io.open(marker)
  if f then
    f:close()
    os.remove(marker)
    c:expect "R. 0:0(0) ack 2"   -- wrong on purpose: this run fails
  else
    io.open(marker, "w"):close()
    c:expect "R. 0:0(0) ack 1"
  end
end)
EOF
set +e
"$TCPCONFORM" run "$WORK/flaky" --repeat 4 --jobs 1 --junit "$WORK/jf.xml" --pcap-dir - >"$WORK/of" 2>&1
rc=$?
set -e
if [ $rc -eq 1 ] && grep -q '^FLAKY .*alternates (.*2/4 runs passed)' "$WORK/of" &&
   grep -q 'message="flaky: passed 2 of 4 runs' "$WORK/jf.xml"; then
  pass "--repeat 4: a test passing 2 of 4 runs is FLAKY (exit 1, JUnit says so)"
else
  cat "$WORK/of"
  fail "--repeat: flaky not detected (exit $rc)"
fi
validate_junit "$WORK/jf.xml" && pass "flaky JUnit valid" || fail "flaky JUnit invalid"

# --- a test blocked in a long wait ends at its time limit ---
cat >"$WORK/flaky/g.lua" <<'EOF'
local T = require "tcpconform"
T.test("waits too long", {id = "A5", rfc = "9293 3.10.7.1", timeout = 1}, function(lab)
  lab:conn{port = 9}:silence(100)
end)
EOF
start=$(date +%s%N)
set +e
"$TCPCONFORM" run "$WORK/flaky/g.lua" --junit - --pcap-dir - >"$WORK/og" 2>&1
rc=$?
set -e
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ $rc -eq 1 ] && grep -q "g.lua:3: test exceeded its time limit" "$WORK/og" && [ "$ms" -lt 5000 ]; then
  pass "a 1 s time limit stops a 100 s wait (whole run ${ms} ms)"
else
  cat "$WORK/og"
  fail "time limit: exit $rc after ${ms} ms"
fi

# --- a worker that cannot stop (stopped by SIGSTOP: the Lua hook never runs) is killed
# at its limit plus the grace, and the message says what it was doing and where its
# processes waited; the run goes on and leaves nothing behind ---
cat >"$WORK/flaky/h.lua" <<'EOF'
local T = require "tcpconform"
T.test("worker frozen", {id = "A5", rfc = "9293 3.10.7.1", timeout = 2}, function(lab)
  lab:conn{port = 9}:silence(60)
end)
T.test("runs after it", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  local c = lab:conn{port = 9}
  c:send "S 0:0(0)"
  c:expect "R. 0:0(0) ack 1"
end)
EOF
"$TCPCONFORM" run "$WORK/flaky/h.lua" --jobs 1 --junit "$WORK/jh.xml" --pcap-dir - >"$WORK/oh" 2>&1 &
pid=$!
worker=""
for _ in $(seq 100); do   # the worker, once its lab (a child of its own) is up
  worker=$(pgrep -P "$pid" | head -1 || true)
  [ -n "$worker" ] && [ -n "$(pgrep -P "$worker" || true)" ] && break
  sleep 0.05
done
sleep 0.3
[ -n "$worker" ] && kill -STOP "$worker"
set +e; wait "$pid"; rc=$?; set -e
if [ $rc -eq 1 ] && grep -q "^ERROR .*worker frozen" "$WORK/oh" &&
   grep -q "killed after [0-9]* s while running the test" "$WORK/oh" &&
   grep -q "^PASS .*runs after it" "$WORK/oh" && grep -q "(tcpconform) state T" "$WORK/jh.xml"; then
  pass "a frozen worker: killed at its limit + grace, 'while running the test', kernel state in JUnit; the next test passes"
else
  cat "$WORK/oh"
  fail "frozen worker: exit $rc"
fi
left=$(pgrep -f -- "$WORK/flaky/h.lua" || true)
[ -z "$left" ] && pass "a frozen worker's lab is gone after the run" || fail "left: $left"

# --- memory: a test that allocates without bound is an ERROR naming the limit, within
# seconds, its worker's peak RSS near the limit; the next test passes; a script that
# allocates without bound while loading is a load error saying the same ---
mkdir -p "$WORK/mem"
cat >"$WORK/mem/m.lua" <<'EOF'
local T = require "tcpconform"
T.test("builds strings without bound", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 1e6) .. i end
end)
T.test("runs after it", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  local c = lab:conn{port = 9}
  c:send "S 0:0(0)"
  c:expect "R. 0:0(0) ack 1"
end)
EOF
cat >"$WORK/mem/l.lua" <<'EOF'
local T = require "tcpconform"
local t = {} for i = 1, 1e9 do t[i] = string.rep("y", 1e6) .. i end
EOF
# The peak RSS of the largest process the harness waited for (its workers): the
# children's ru_maxrss as the harness's parent sees it. In an ASan build freed memory
# waits in ASan's quarantine (256 MiB by default), which would be counted too: it is
# turned off for this run (a no-op for other builds).
start=$(date +%s%N)
rss=$("$PY" - "$TCPCONFORM" "$WORK" <<'PY'
import os, resource, subprocess, sys
tc, work = sys.argv[1], sys.argv[2]
with open(work + "/om", "w") as out:
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0")
    rc = subprocess.call([tc, "run", work + "/mem", "--memory-limit", "64M", "--jobs", "1",
                          "--junit", work + "/jm.xml", "--pcap-dir", "-"], stdout=out, stderr=out,
                         env=env)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
rc=${rss%% *}; mib=${rss##* }
if [ "$rc" -eq 1 ] && grep -A1 "^ERROR .*builds strings without bound" "$WORK/om" |
     grep -q "the script exceeded the memory limit of 64 MiB (--memory-limit)" &&
   grep -q "^PASS .*runs after it" "$WORK/om" &&
   grep -q "l.lua: the script exceeded the memory limit of 64 MiB (--memory-limit)" "$WORK/om" &&
   [ "$mib" -lt 100 ] && [ "$ms" -lt 10000 ]; then
  pass "--memory-limit 64M: unbounded strings are an ERROR naming the limit (at load too), peak RSS ${mib} MiB, ${ms} ms; the next test passes"
else
  cat "$WORK/om"
  fail "memory limit: exit $rc, peak RSS ${mib} MiB, ${ms} ms"
fi
validate_junit "$WORK/jm.xml" && pass "memory-limit JUnit valid" || fail "memory-limit JUnit invalid"

# --- bad runner options ---
for bad in "--jobs 0" "--jobs x" "--shard 4/3" "--shard 0/2" "--shard 1" "--repeat 0" "--seed -1" \
           "--memory-limit 12X" "--memory-limit 100k" "--memory-limit -1G" "--memory-limit M"; do
  set +e
  # shellcheck disable=SC2086
  "$TCPCONFORM" run scripts $bad >/dev/null 2>"$WORK/err"
  rc=$?
  set -e
  [ $rc -eq 2 ] && grep -q -- "${bad%% *}: expected" "$WORK/err" && pass "$bad: exit 2, $(cat "$WORK/err")" ||
    fail "$bad: exit $rc"
done
# lab:log text lives outside the Lua limit: it is capped (1 MiB a test), with a marker.
mkdir -p "$WORK/lg"
cat >"$WORK/lg/l.lua" <<'EOF'
local T = require "tcpconform"
T.test("logs without bound", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  for i = 1, 200000 do lab:log(string.rep("x", 100) .. i) end
  local c = lab:conn{port = 9}
  c:send "S 0:0(0)"
  c:expect "R. 0:0(0) ack 1"
end)
EOF
set +e
"$TCPCONFORM" run "$WORK/lg/l.lua" --junit "$WORK/jl.xml" --pcap-dir - >"$WORK/lg/out" 2>&1
rc=$?
set -e
size=$(stat -c %s "$WORK/jl.xml" 2>/dev/null || echo 0)
if [ $rc -eq 0 ] && [ "$size" -lt 1200000 ] && grep -q "the rest is left out" "$WORK/jl.xml" &&
   validate_junit "$WORK/jl.xml"; then
  pass "lab:log of 20 MB: capped at 1 MiB with a marker (JUnit $size bytes), the test still passes"
else
  fail "lab:log cap: exit $rc, JUnit $size bytes"
fi
finish
