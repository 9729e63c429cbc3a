#!/usr/bin/env bash
# Bad input gets a clear one-line message and exit 2 -- or, for a broken script, a JUnit
# <error> while the other scripts still run -- and never a crash.
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

expect_usage "no arguments" "usage: tcpconform"
expect_usage "unknown command" 'unknown command "frobnicate"' frobnicate
expect_usage "unknown option" 'unknown option "--bogus"' run --bogus
expect_usage "option without value" 'option --junit needs a value' run --junit
expect_usage "unknown target" 'unknown target "bsd" \(known: linux, lwip, gvisor, exec:COMMAND\)' run --target bsd scripts
expect_usage "missing path" 'no/such/dir: No such file or directory' run no/such/dir
expect_usage "bad timeout" '--timeout: expected seconds' run --timeout -3 scripts
expect_usage "bad memory limit" '--memory-limit: expected a size of at least 1M \(256M, 1G, or bytes\), got "lots"' run --memory-limit lots scripts
"$TCPCONFORM" --help | grep -q "tcpconform run" && pass "--help" || fail "--help"
"$TCPCONFORM" --version | grep -qE '^tcpconform [0-9]' && pass "--version" || fail "--version"

# Broken scripts: each becomes a JUnit <error> naming file:line, and a good script in
# the same run still passes.
mkdir -p "$WORK/s"
cat >"$WORK/s/a_syntax.lua" <<'EOF'
local T = require "tcpconform"
T.test("x", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  c:send "S"   -- and a missing end below
EOF
cat >"$WORK/s/b_flag.lua" <<'EOF'
local T = require "tcpconform"
T.test("unknown flag letter", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  local c = lab:conn{port = 9}
  c:send "SX 0:0(0)"
end)
EOF
cat >"$WORK/s/c_port.lua" <<'EOF'
local T = require "tcpconform"
T.test("port out of range", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  local c = lab:conn{port = 70000}
end)
EOF
cat >"$WORK/s/d_global.lua" <<'EOF'
local T = require "tcpconform"
T.test("undefined global", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  local c = lab:conn{port = 9}
  c:send(SYN_TEMPLATE)
end)
EOF
cat >"$WORK/s/e_meta.lua" <<'EOF'
local T = require "tcpconform"
T.test("no rfc", {id = "A1"}, function(lab) end)
EOF
cat >"$WORK/s/f_win.lua" <<'EOF'
local T = require "tcpconform"
T.test("window out of range", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  lab:conn{port = 9}:send{flags = "S", win = 70000}
end)
EOF
cat >"$WORK/s/g_runaway.lua" <<'EOF'
local T = require "tcpconform"
T.test("runaway loop", {id = "A1", rfc = "9293 3.10.7.1", timeout = 1}, function(lab)
  while true do end
end)
EOF
cat >"$WORK/s/i_nothing.lua" <<'EOF'
local T = require "tcpconform"
T.test("sends but checks nothing", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  lab:conn{port = 9}:send "S 0:0(0)"
end)
T.test("fails before checking", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  T.fail("on purpose")
end)
T.test("skips before checking", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  T.skip("on purpose")
end)
EOF
cat >"$WORK/s/j_nested.lua" <<'EOF'
local T = require "tcpconform"
T.test("declares a test", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  T.test("inner", {id = "A1", rfc = "9293 3.10.7.1"}, function() end)
end)
EOF
cat >"$WORK/s/h_good.lua" <<'EOF'
local T = require "tcpconform"
T.test("still runs", {id = "A1", rfc = "9293 3.10.7.1"}, function(lab)
  local c = lab:conn{port = 9}
  c:send "S 0:0(0)"
  c:expect "R. 0:0(0) ack 1"
end)
EOF
set +e
"$TCPCONFORM" run "$WORK/s" --junit "$WORK/j.xml" --pcap-dir - >"$WORK/out" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] && pass "broken scripts: exit 1" || { cat "$WORK/out"; fail "broken scripts: exit $rc"; }
validate_junit "$WORK/j.xml" && pass "broken scripts: JUnit still valid" || fail "JUnit invalid"

# check_error SUITE PATTERN: the suite's testcase is an <error> whose message matches.
check_error() {
  "$PY" - "$WORK/j.xml" "$1" "$2" <<'PY' && pass "$1: <error> \"$(cat "$WORK/msg")\"" || fail "$1: no <error> matching $2"
import re, sys
from junitparser import JUnitXml, Error
xml = JUnitXml.fromfile(sys.argv[1])
for s in xml:
    if s.name.endswith(sys.argv[2]):
        for c in s:
            for r in c.result:
                if isinstance(r, Error) and re.search(sys.argv[3], r.message or ""):
                    open(sys.argv[1].rsplit("/", 1)[0] + "/msg", "w").write(r.message)
                    sys.exit(0)
sys.exit(1)
PY
}
check_error a_syntax "a_syntax.lua:4: 'end' expected"
check_error b_flag "b_flag.lua:4: .*'X'"
check_error c_port "c_port.lua:3: .*'port' must be in 1..65535, got 70000"
check_error d_global "d_global.lua:4: undefined global 'SYN_TEMPLATE'"
check_error e_meta "e_meta.lua:2: .*missing required field 'rfc'"
check_error f_win "f_win.lua:3: .*'win' must be in 0..65535, got 70000"
check_error g_runaway "g_runaway.lua:3: test exceeded its time limit"
check_error i_nothing "i_nothing.lua:2: the test checked nothing: .*expect.*assertion"
check_error j_nested "j_nested.lua:3: T.test called while test \"declares a test\" runs"
grep -q "^FAIL .*i_nothing: fails before checking" "$WORK/out" &&
  grep -q "^SKIP .*i_nothing: skips before checking" "$WORK/out" &&
  pass "a test that fails or skips before checking anything keeps its own verdict" ||
  fail "a test that failed or skipped before checking lost its verdict"
grep -q "^PASS .*h_good: still runs" "$WORK/out" && pass "a good script still runs after broken ones" ||
  fail "good script did not pass"
finish
