#!/usr/bin/env bash
# A planted model mutation makes the sweep on Linux report exactly the cases the mutated
# rule governs (issue 10). The model is embedded in the binary, so this copies the source
# tree, builds tcpconform there once unpatched and once per mutation (one build dir: a
# mutation recompiles only the embedded Lua), and sweeps Linux over IPv4 with the same
# seed, comparing per case id with the unpatched sweep:
#   - every case whose verdict changed names the mutated rule (its `rule` in the patched
#     run or in the unpatched one): the judge blames the rule that was changed;
#   - at least MIN cases change: the rule is exercised;
#   - no other case changes. The sweep has noise of its own (Linux's timers against the
#     judge's windows): the unpatched binary runs twice and a case whose verdict differs
#     between those runs is noise. A case whose verdict flips to or from agree (or error)
#     while the model's expectation is the same in both runs is the target's doing too:
#     counted and reported, and more than MAX_NOISE such cases fail the test.
#   - every case whose expectation the mutation moved, and which agreed twice unpatched,
#     disagrees patched: the cells the rule governs all show.
# A last mutation changes two rules at once and must be flagged: the check can fail.
source "$(dirname "$0")/lib_selftest.sh"

MAX_NOISE=${MAX_NOISE:-10}
TREE=$WORK/src
BUILD=$WORK/build
mkdir -p "$TREE"
cp -a "$SRC/CMakeLists.txt" "$SRC/harness" "$SRC/lua" "$SRC/targets" "$SRC/tests" \
  "$SRC/bench" "$SRC/scripts" "$TREE/"

# build: the tcpconform target of the copy (the gVisor agent is not needed: Linux only).
build() {
  cmake --build "$BUILD" -j2 --target tcpconform >"$WORK/build.log" 2>&1 ||
    { tail -30 "$WORK/build.log"; return 1; }
}
if ! cmake -S "$TREE" -B "$BUILD" -DTCPCONFORM_WITH_GVISOR=OFF >"$WORK/cmake.log" 2>&1 ||
   ! build; then
  cat "$WORK/cmake.log"
  fail "the copy of the source tree builds"
  finish
fi
cp "$BUILD/tcpconform" "$WORK/tcpconform.orig"

# sweep BINARY NAME: the IPv4 sweep on Linux into $WORK/NAME (seed 1: both binaries run
# the same cases, with the same ISNs). Exit 0 or 1 (a case differs undeclared) is a run.
sweep() {
  set +e
  "$1" sweep --target linux --family inet --seed 1 --seconds 120 --out "$WORK/$2" \
    --junit - >"$WORK/$2.log" 2>&1
  local rc=$?
  set -e
  if [ $rc -gt 1 ] || [ ! -s "$WORK/$2/cases.jsonl" ]; then
    cat "$WORK/$2.log"
    fail "sweep $2: exit $rc"
    return 1
  fi
  grep -E '^[0-9]+ cases in' "$WORK/$2.log" || true
}

# compare NAME RULE MIN: the checks above for mutation NAME of RULE (printed, exit 1 on a
# failed one).
compare() {
  "$PY" - "$WORK/base1/cases.jsonl" "$WORK/base2/cases.jsonl" "$WORK/$1/cases.jsonl" \
    "$2" "$3" "$MAX_NOISE" <<'PY'
import json, sys
b1p, b2p, pp, rule, least, max_noise = sys.argv[1:]
least, max_noise = int(least), int(max_noise)
def load(p):
    return {r["id"]: r for r in map(json.loads, open(p))}
b1, b2, p = load(b1p), load(b2p), load(pp)
bad = 0
def flag(msg):
    global bad
    bad += 1
    print("  FLAG " + msg)
if set(p) != set(b1):
    flag(f"the patched run has {len(p)} cases, the unpatched {len(b1)}: not the same cases")
ids = sorted(set(p) & set(b1) & set(b2))
noise = {i for i in ids if b1[i]["verdict"] != b2[i]["verdict"]}
moved = {i for i in ids if p[i]["expected"] != b1[i]["expected"]}
named, target_noise = [], []
for i in ids:
    if i in noise or p[i]["verdict"] == b1[i]["verdict"]:
        continue
    if rule in (p[i]["rule"], b1[i]["rule"]):
        named.append(i)
    elif i not in moved and {"agree", "error"} & {p[i]["verdict"], b1[i]["verdict"]}:
        target_noise.append(i)           # the model said the same: the target varied
    else:
        flag(f"{i}: {b1[i]['verdict']} -> {p[i]['verdict']}, rule {b1[i]['rule'] or '-'} -> "
             f"{p[i]['rule'] or '-'} (not {rule}); expected {b1[i]['expected']!r} -> "
             f"{p[i]['expected']!r}")
for i in target_noise:
    print(f"  noise {i}: {b1[i]['verdict']} -> {p[i]['verdict']}, the model's expectation "
          f"unchanged ({p[i]['expected']!r}), seen {b1[i]['seen']!r} -> {p[i]['seen']!r}")
if len(target_noise) > max_noise:
    flag(f"{len(target_noise)} cases changed with the same expectation (noise), at most {max_noise}")
hidden = [i for i in sorted(moved - noise) if b1[i]["verdict"] == "agree" and p[i]["verdict"] == "agree"]
for i in hidden[:10]:
    flag(f"{i}: the expectation moved ({b1[i]['expected']!r} -> {p[i]['expected']!r}) "
         f"and the case still agrees")
if len(hidden) > 10:
    flag(f"... {len(hidden) - 10} more cases whose expectation moved still agree")
if len(named) < least:
    flag(f"{len(named)} cases changed naming {rule}, at least {least} expected")
cells = sorted({p[i]["group"] for i in named})
states = {}
for i in named:
    states[p[i]["state"]] = states.get(p[i]["state"], 0) + 1
print(f"  {rule}: {len(named)} cases changed in {len(cells)} cells, each naming {rule}; "
      f"{len(moved)} expectations moved; {len(target_noise)} target noise; {bad} flagged")
print("  by state: " + ", ".join(f"{s} {n}" for s, n in sorted(states.items())))
sys.exit(1 if bad else 0)
PY
}

# The mutations: name, file, sed expressions (';'-separated), the rule whose cases may
# change, the least number of cases that must, and whether the check must flag it.
mutations() {
  cat <<'EOF'
rst-challenge	lua/model/sync.lua	s|ctx:ack_now("rst.challenge", .*|ctx:drop("rst.challenge")|	rst.challenge	100	pass	RFC 5961 3.2: an in-window RST that misses RCV.NXT is dropped instead of answered by a challenge ACK
seq-unacceptable	lua/model/sync.lua	s|ctx:ack_now("seq.unacceptable", case)|ctx:drop("seq.unacceptable", case)|	seq.unacceptable	300	pass	RFC 9293 3.10.7.4 first step: an unacceptable segment is dropped without the ACK
time-wait-ack	lua/model/sync.lua	s|ctx:want_ack("ack.time_wait", false)|ctx:apply("ack.time_wait")|	ack.time_wait	10	pass	RFC 9293 3.10.7.4 fifth step, TIME-WAIT: text or a FIN that passed the sequence test is not acknowledged
two-rules	lua/model/sync.lua	s|ctx:ack_now("rst.challenge", .*|ctx:drop("rst.challenge")|;s|ctx:ack_now("seq.unacceptable", case)|ctx:drop("seq.unacceptable", case)|	rst.challenge	100	flag	rst.challenge and seq.unacceptable both changed, only rst.challenge declared
EOF
}

echo "unpatched, twice:"
sweep "$WORK/tcpconform.orig" base1 && sweep "$WORK/tcpconform.orig" base2 || finish
"$PY" - "$WORK/base1/cases.jsonl" "$WORK/base2/cases.jsonl" "$MAX_NOISE" <<'PY' &&
import json, sys
a, b = ({r["id"]: r for r in map(json.loads, open(f))} for f in sys.argv[1:3])
noise = sorted(i for i in a if i in b and a[i]["verdict"] != b[i]["verdict"])
for i in noise:
    print(f"  noise {i}: {a[i]['verdict']} / {b[i]['verdict']}, rule {a[i]['rule'] or b[i]['rule']}, "
          f"seen {a[i]['seen']!r} / {b[i]['seen']!r}")
print(f"  {len(noise)} of {len(a)} cases differ between two unpatched sweeps (noise)")
sys.exit(0 if set(a) == set(b) and len(noise) <= int(sys.argv[3]) else 1)
PY
  pass "two unpatched sweeps: the same cases, noise within $MAX_NOISE" ||
  fail "two unpatched sweeps: different cases, or noise above $MAX_NOISE"

while IFS=$'\t' read -r name file exprs rule least want why; do
  cp "$SRC/$file" "$TREE/$file"         # undo the previous mutation (and touch the file)
  want_lines=$(awk -F';' '{print NF}' <<<"$exprs")
  sed -i -e "$exprs" "$TREE/$file"
  changed=$(diff "$SRC/$file" "$TREE/$file" | grep -c '^>' || true)
  if [ "$changed" -ne "$want_lines" ] ||
     [ "$(diff "$SRC/$file" "$TREE/$file" | grep -c '^<' || true)" -ne "$want_lines" ]; then
    diff "$SRC/$file" "$TREE/$file" || true
    fail "$name: the sed changed $changed line(s) of $file, expected $want_lines"
    continue
  fi
  echo "$name: $why"
  diff "$SRC/$file" "$TREE/$file" | sed -n 's/^> */  patched: /p'
  if ! build; then fail "$name: the patched tree builds"; continue; fi
  sweep "$BUILD/tcpconform" "$name" || continue
  set +e
  compare "$name" "$rule" "$least"
  rc=$?
  set -e
  if [ "$want" = pass ]; then
    [ $rc -eq 0 ] && pass "$name: exactly the cases of $rule change" ||
      fail "$name: cases beyond $rule changed, or too few changed"
  else
    [ $rc -eq 1 ] && pass "$name: the check flags what is not $rule" ||
      fail "$name: the check did not flag the second mutated rule"
  fi
done < <(mutations)
cp "$SRC/lua/model/sync.lua" "$TREE/lua/model/sync.lua"
finish
