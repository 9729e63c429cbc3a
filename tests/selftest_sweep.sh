#!/usr/bin/env bash
# tcpconform sweep: usage errors (exit 2, a message naming the option), --list (JSON
# lines, the target named with its options, shards that partition the cases), target
# options applied in every lab (also for `tcpconform run`), and real sweeps: ESTABLISHED
# (--cases 200) and TIME-WAIT over IPv6, their JSON lines, JUnit and pcaps; the exit
# status rule (a case that differs undeclared -> 1; the same case declared by a
# --descriptor -> a deviation, 0); --cases and --seconds bounds; Ctrl-C (130, reports
# written) and kill -9 leave no process, namespace or link.
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
expect_usage "sweep: bad jobs" '--jobs: expected auto or 1..256, got "0"' sweep --jobs 0
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

# check_sweep NAME DIR N STATE FAMILY: cases.jsonl has N lines (0: any), each with the
# contract's fields, in STATE (and FAMILY unless "-"), its pcap a file; the JUnit valid.
check_sweep() {
  local name=$1 dir=$2 n=$3 state=$4 family=$5
  if "$PY" - "$dir/cases.jsonl" "$n" "$state" "$family" <<'PY'
import json, os, sys
path, n, state, family = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = [json.loads(l) for l in open(path)]
assert rows, "no case"
assert n == 0 or len(rows) == n, ("cases", len(rows), n)
assert len({r["id"] for r in rows}) == len(rows), "ids unique"
for r in rows:
    for k in ("id", "state", "family", "class", "group", "target", "verdict", "expected",
              "seen", "rule", "rfc", "sentence", "detail", "pcap", "reason", "t"):
        assert k in r, (k, r["id"])
    assert r["state"] == state, (r["state"], r["id"])
    assert family == "-" or r["family"] == family, (r["family"], r["id"])
    assert r["verdict"] in ("agree", "differs", "deviation", "error"), r["verdict"]
    assert r["target"] == "linux", r["target"]
    assert r["id"].startswith(state + "/" + r["family"] + "/"), r["id"]
    assert r["verdict"] == "error" or r["expected"].endswith(tuple("-> " + s for s in ("CLOSED", "LISTEN", "SYN-SENT",
        "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",
        "LAST-ACK", "TIME-WAIT"))), r["expected"]
    assert r["verdict"] != "differs" or (r["rule"] and r["rfc"] and r["sentence"]), r
    assert isinstance(r["t"], (int, float)) and 0 <= r["t"] < 15, r["t"]
    assert os.path.isfile(r["pcap"]) and os.path.getsize(r["pcap"]) > 24, r["pcap"]
PY
  then pass "$name: cases.jsonl: $(wc -l <"$dir/cases.jsonl") cases, fields, state, pcaps"
  else fail "$name: cases.jsonl"; fi
  validate_junit "$dir/junit.xml" && pass "$name: JUnit valid" || fail "$name: JUnit invalid"
  grep -q "$state" "$dir/index.html" && pass "$name: index.html has the $state row" ||
    fail "$name: index.html"
}

# verdicts FILE: "agree differs deviation error" counts.
verdicts() {
  "$PY" -c 'import json,sys,collections
c=collections.Counter(json.loads(l)["verdict"] for l in open(sys.argv[1]))
print(c["agree"], c["differs"], c["deviation"], c["error"])' "$1"
}

# The exit status the rule gives for a cases.jsonl: 0 when no case differs or errs.
rule_rc() { read -r _ d _ e < <(verdicts "$1"); [ "$d" -eq 0 ] && [ "$e" -eq 0 ] && echo 0 || echo 1; }

set +e
"$TCPCONFORM" sweep --state ESTABLISHED --cases 200 --seed 7 --jobs 2 --out "$WORK/sw" >"$WORK/sw.out" 2>&1
rc=$?
"$TCPCONFORM" sweep --state TIME-WAIT --family inet6 --seed 7 --jobs 2 --out "$WORK/tw" >"$WORK/tw.out" 2>&1
rc6=$?
set -e
check_sweep "ESTABLISHED --cases 200" "$WORK/sw" 200 ESTABLISHED -
check_sweep "TIME-WAIT inet6" "$WORK/tw" 0 TIME-WAIT inet6
grep -q "^  ESTABLISHED  *200 " "$WORK/sw.out" && pass "summary row: ESTABLISHED 200 cases" ||
  fail "summary: $(cat "$WORK/sw.out")"
[ "$rc" -eq "$(rule_rc "$WORK/sw/cases.jsonl")" ] && [ "$rc6" -eq "$(rule_rc "$WORK/tw/cases.jsonl")" ] &&
  pass "exit status follows the verdicts (ESTABLISHED: $rc, $(verdicts "$WORK/sw/cases.jsonl"); TIME-WAIT inet6: $rc6)" ||
  fail "exit $rc / $rc6 against verdicts $(verdicts "$WORK/sw/cases.jsonl") / $(verdicts "$WORK/tw/cases.jsonl")"

# A deviation on purpose: a descriptor whose model has RFC 5961's RST check off makes
# Linux's challenge ACKs (RFC 5961 3.2) differ: exit 1. The same descriptor declaring
# every case that then differs turns each into a deviation with its reason: exit 0.
cat >"$WORK/nochallenge.lua" <<'EOF2'
local d = {}
for k, v in pairs(require "target.linux") do d[k] = v end
d.model = {}
for k, v in pairs(require("target.linux").model) do d.model[k] = v end
d.model.rfc5961_rst = false
return d
EOF2
set +e
"$TCPCONFORM" sweep --state ESTABLISHED --family inet --seed 7 --descriptor "$WORK/nochallenge.lua" \
  --out "$WORK/dv1" --junit - >"$WORK/dv1.out" 2>&1
rc1=$?
set -e
"$PY" - "$WORK/dv1/cases.jsonl" "$WORK/sw/cases.jsonl" >"$WORK/declare.lua" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
diff = [r["id"] for r in rows if r["verdict"] == "differs"]
print("local d = dofile(%r)" % sys.argv[1].replace("dv1/cases.jsonl", "nochallenge.lua"))
# Linux's own declared deviations stay; the planted ones are added to them.
print("local sd = {}")
print("for k, v in pairs(d.sweep_deviations or {}) do sd[k] = v end")
for i in diff:
    print('sd[%s] = {reason = "planted by selftest_sweep.sh", rfc = "5961 3.2"}' % json.dumps(i))
print("d.sweep_deviations = sd\nreturn d")
PY
rst_differs=$(grep -c '"verdict":"differs".*"rule":"rst\.' "$WORK/dv1/cases.jsonl" || true)
if [ "$rc1" -eq 1 ] && [ "$rst_differs" -gt 0 ]; then
  pass "rfc5961_rst off: $rst_differs RST cases differ, exit 1"
else fail "rfc5961_rst off: exit $rc1, $rst_differs RST differences: $(tail -5 "$WORK/dv1.out")"; fi
set +e
"$TCPCONFORM" sweep --state ESTABLISHED --family inet --seed 7 --descriptor "$WORK/declare.lua" \
  --out "$WORK/dv2" --junit "$WORK/dv2.xml" >"$WORK/dv2.out" 2>&1
rc2=$?
set -e
read -r _ d1 v1 _ < <(verdicts "$WORK/dv1/cases.jsonl")
read -r _ d2 v2 e2 < <(verdicts "$WORK/dv2/cases.jsonl")
# Every case that differed is now a deviation, beside those Linux's descriptor declares.
if [ "$rc2" -eq 0 ] && [ "$d2" -eq 0 ] && [ "$v2" -eq $((d1 + v1)) ] && [ "$e2" -eq 0 ] &&
   grep -q '"reason":"planted by selftest_sweep.sh' "$WORK/dv2/cases.jsonl" &&
   grep -q 'deviation=ESTABLISHED/inet/.*planted by selftest_sweep.sh' "$WORK/dv2.xml"; then
  pass "the same $d1 cases declared: deviations with their reason, exit 0"
else fail "declared: exit $rc2, differs $d2, deviation $v2 (of $d1 + $v1), errors $e2, reason" \
  "$(grep -c 'planted by' "$WORK/dv2/cases.jsonl"), JUnit $(grep -c 'deviation=' "$WORK/dv2.xml")"; fi

# Bounds: --seconds ends a whole sweep early (the cases in flight finish).
set +e
start=$(date +%s.%N)
"$TCPCONFORM" sweep --seconds 1 --seed 7 --out "$WORK/sec" --junit - >"$WORK/sec.out" 2>&1
rcs=$?
el=$(echo "$(date +%s.%N) - $start" | bc)
total=$("$TCPCONFORM" sweep --list | wc -l)
set -e
ns=$(wc -l <"$WORK/sec/cases.jsonl")
if [ "$rcs" -ne 2 ] && [ "$ns" -gt 0 ] && [ "$ns" -lt "$total" ] && [ "$(echo "$el < 15" | bc)" -eq 1 ]; then
  pass "--seconds 1: $ns of $total cases in ${el%??????} s"
else fail "--seconds 1: exit $rcs, $ns of $total cases in $el s"; fi

# Ctrl-C and kill -9 mid-sweep: nothing outlives the harness.
netns_set() {
  lsns -t net -n -o NS,PID 2>/dev/null | while read -r ns pid; do
    if tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -q -- "$WORK/int"; then echo "$ns"; fi
  done | sort -u
}
links() { ip -o link show | awk -F': ' '{print $2}' | sort; }
ours() { pgrep -f -- "$WORK/int" || true; }
before_links=$(links)
check_clean() {
  local name=$1 i
  for i in $(seq 100); do [ -z "$(ours)" ] && break; sleep 0.1; done
  local procs; procs=$(ours)
  local new_ns; new_ns=$(netns_set)
  local new_links; new_links=$(comm -13 <(echo "$before_links") <(links) | grep -v '^$' || true)
  if [ -z "$procs$new_ns$new_links" ]; then
    pass "$name: no process, namespace or link left"
  else fail "$name: left procs=[$procs] netns=[$new_ns] links=[$new_links]"; fi
}
# mid_sweep SIGNAL: a whole sweep started, the signal once cases are running (the
# reports are written only at the end, so the event is a lab's pcap passing 64 KiB).
mid_sweep() {
  "$TCPCONFORM" sweep --seconds 60 --seed 7 --jobs 2 --out "$WORK/int" >"$WORK/int.out" 2>&1 &
  local pid=$! i
  for i in $(seq 200); do
    [ -n "$(find "$WORK/int/pcap" -name '*.pcap' -size +64k 2>/dev/null)" ] && break
    sleep 0.05
  done
  kill -"$1" "$pid"
  set +e
  wait "$pid"
  local r=$?
  set -e
  echo "$r"
}
rm -rf "$WORK/int"
rci=$(mid_sweep INT)
if [ "$rci" -eq 130 ] && [ -s "$WORK/int/cases.jsonl" ] && [ -s "$WORK/int/junit.xml" ] &&
   [ -s "$WORK/int/index.html" ]; then
  pass "Ctrl-C mid-sweep: exit 130, $(wc -l <"$WORK/int/cases.jsonl") cases reported"
else fail "Ctrl-C: exit $rci, $(ls "$WORK/int" 2>&1), $(tail -3 "$WORK/int.out")"; fi
check_clean "Ctrl-C mid-sweep"
if grep -q "stack traceback" "$WORK/int.out"; then
  fail "Ctrl-C: a worker that stopped as asked is reported as trouble: $(grep -m1 traceback "$WORK/int.out")"
else pass "Ctrl-C: the workers' own stop is no trouble"; fi
# Ctrl-C with a worker that cannot stop (SIGSTOPped, so the SIGINT the harness passes on
# stays pending): killed death_wait later, and said so as an interrupt, not as a worker
# past its time budget (--seconds 60 is far off).
rm -rf "$WORK/int"
"$TCPCONFORM" sweep --seconds 60 --seed 7 --jobs 1 --out "$WORK/int" >"$WORK/int.out" 2>&1 &
spid=$!
for i in $(seq 200); do
  [ -n "$(find "$WORK/int/pcap" -name '*.pcap' -size +64k 2>/dev/null)" ] && break
  sleep 0.05
done
wpid=$(pgrep -P "$spid" | head -1)
[ -n "$wpid" ] && kill -STOP "$wpid"
kill -INT "$spid"
set +e
wait "$spid"
rcs=$?
set -e
want='worker 1 of 1: killed after Ctrl-C: it did not finish within 5 s of grace'
if [ -n "$wpid" ] && [ "$rcs" -eq 130 ] && grep -qF "$want" "$WORK/int.out" &&
   ! grep -q "time budget" "$WORK/int.out"; then
  pass "Ctrl-C, a worker that does not stop: exit 130, \"$want\""
else fail "Ctrl-C, a worker that does not stop (pid ${wpid:-none}): exit $rcs: $(grep -E 'worker|trouble' "$WORK/int.out" | head -3)"; fi
check_clean "Ctrl-C with a stopped worker"
rm -rf "$WORK/int"
rck=$(mid_sweep KILL)
[ "$rck" -eq 137 ] && pass "kill -9 mid-sweep: the harness died (137)" || fail "kill -9: exit $rck"
check_clean "kill -9 mid-sweep"
# --emit: a case as a T.test script that fails where the target disagrees with the
# model and passes where it agrees: a case that agrees in the ESTABLISHED run, and one
# that differs under the planted descriptor (RFC 5961's RST check off), emitted with it.
mkdir -p "$WORK/em"
for v in differs agree; do
  runs=$WORK/sw/cases.jsonl desc=()
  [ "$v" = differs ] && runs=$WORK/dv1/cases.jsonl desc=(--descriptor "$WORK/nochallenge.lua")
  id=$("$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r["verdict"]==sys.argv[2]: print(r["id"]); break' "$runs" "$v")
  if [ -z "$id" ]; then fail "--emit: no case that $v in $runs"; continue; fi
  "$TCPCONFORM" sweep --emit "$id" "${desc[@]}" >"$WORK/em/$v.lua"
  set +e
  "$TCPCONFORM" run "$WORK/em/$v.lua" --junit - --pcap-dir - >"$WORK/em/$v.out" 2>&1
  r=$?
  set -e
  want=1; [ "$v" = agree ] && want=0
  [ "$r" -eq "$want" ] && pass "--emit of a case that $v on Linux: the test exits $r ($id)" ||
    fail "--emit $id ($v): exit $r: $(cat "$WORK/em/$v.out")"
done
"$TCPCONFORM" sweep --emit all --out "$WORK/sw" >"$WORK/em/all.out"
nd=$(grep -cE '"verdict":"(differs|deviation)"' "$WORK/sw/cases.jsonl" || true)
nf=$(find "$WORK/sw/emit" -name '*.lua' | wc -l)
[ "$nf" -eq "$nd" ] && pass "--emit all: a script per disagreement ($nf)" || fail "--emit all: $nf files for $nd"
expect_usage "--emit of an unknown case" 'sweep --emit: no case "NOPE/inet/x"' sweep --emit NOPE/inet/x

# The lwIP and gVisor sweeps stay clean where their descriptors declare every difference
# (targets/*/README.md "Sweep disagreements"): TIME-WAIT, no errors there, 0 undeclared;
# and with the declaration of one behaviour removed (syn.challenge in TIME-WAIT: lwIP's
# RST, netstack's silence) exactly those cases differ again and the run fails.
for t in lwip gvisor; do
  if ! "$TCPCONFORM" sweep --list --target "$t" --cases 1 >/dev/null 2>&1; then
    echo "SKIP $t sweep: the $t agent is not built"; continue
  fi
  set +e
  "$TCPCONFORM" sweep --target "$t" --state TIME-WAIT --family inet --seed 7 --jobs 2 \
    --out "$WORK/clean-$t" --junit - >"$WORK/clean-$t.out" 2>&1
  rc=$?
  sed 's/^declare("syn.challenge", /select(1, "syn.challenge", /' "$SRC/targets/$t/target.lua" \
    >"$WORK/nosyn-$t.lua"
  "$TCPCONFORM" sweep --target "$t" --descriptor "$WORK/nosyn-$t.lua" --state TIME-WAIT \
    --family inet --seed 7 --jobs 2 --out "$WORK/nosyn-$t" --junit - >"$WORK/nosyn-$t.out" 2>&1
  rcn=$?
  set -e
  read -r _ d v e < <(verdicts "$WORK/clean-$t/cases.jsonl")
  [ "$rc" -eq 0 ] && [ "$d" -eq 0 ] && [ "$e" -eq 0 ] && [ "$v" -gt 100 ] &&
    pass "$t TIME-WAIT sweep: every difference declared ($v deviations), exit 0" ||
    fail "$t TIME-WAIT sweep: exit $rc, $d differ, $v deviations, $e errors: $(tail -3 "$WORK/clean-$t.out")"
  bad=$("$PY" -c 'import json,sys
rs=[json.loads(l) for l in open(sys.argv[1])]
d=[r for r in rs if r["verdict"]=="differs"]
print(len(d), sum(1 for r in d if r["rule"]!="syn.challenge"))' "$WORK/nosyn-$t/cases.jsonl")
  read -r nd nother <<<"$bad"
  [ "$rcn" -eq 1 ] && [ "$nd" -ge 100 ] && [ "$nother" -eq 0 ] &&
    pass "$t without its syn.challenge declaration: $nd cases differ, all syn.challenge, exit 1" ||
    fail "$t without its syn.challenge declaration: exit $rcn, $nd differ, $nother of other rules"
done
finish
