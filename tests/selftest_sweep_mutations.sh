#!/usr/bin/env bash
# A planted model mutation makes the sweep on Linux report exactly the cases the mutated
# rule governs (issue 10). The model is embedded in the binary, so this copies the source
# tree, builds tcpconform there once unpatched and once per mutation (one build dir: a
# mutation recompiles only the embedded Lua), and sweeps Linux over IPv4 with the same
# seed (the same cases, the same ISNs), comparing per case id with the unpatched sweep:
#   - every case whose verdict changed names the mutated rule (its `rule` in the patched
#     run or in the unpatched one): the judge blames the rule that was changed;
#   - at least MIN cases change: the rule is exercised;
#   - every case whose expectation the mutation moved, and which agreed unpatched,
#     disagrees patched: every cell the rule governs shows.
# The sweep has noise of its own (the target's timers against the judge's windows, a
# prefix that a loaded machine makes late): the unpatched binary runs twice and a case
# whose verdict differs between those runs is noise. So is, in a patched run, a case
# that ended in an error in one of the runs (it was never held against the model), or
# that flipped to or from agree while the model's expectation stayed the same (only the
# target can have changed). Noise is listed; more than MAX_NOISE judged cases of it (or
# more than a tenth of all cases in errors) fails the test: the comparison would mean
# little. A last mutation changes two rules at once and must be flagged.
source "$(dirname "$0")/lib_selftest.sh"

MAX_NOISE=${MAX_NOISE:-20}
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

# sweep BINARY NAME: the IPv4 sweep on Linux into $WORK/NAME. Exit 0, or 1 (a case
# differs undeclared: Linux has some), is a run.
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

# compare.py BASE1 BASE2 PATCHED RULE MIN MAX_NOISE: the checks above, printed; exit 1
# when one fails. PATCHED "-": only the noise between the two unpatched runs.
cat >"$WORK/compare.py" <<'PY'
import json, sys
b1p, b2p, pp, rule, least, max_noise = sys.argv[1:]
least, max_noise = int(least), int(max_noise)
def load(path):
    return {r["id"]: r for r in map(json.loads, open(path))}
b1, b2 = load(b1p), load(b2p)
p = load(pp) if pp != "-" else b2
bad = 0
def flag(msg):
    global bad
    bad += 1
    print("  FLAG " + msg)
def bound(noise, what):
    errors = [i for i in noise if "error" in (b1[i]["verdict"], p[i]["verdict"], b2[i]["verdict"])]
    judged = len(noise) - len(errors)
    print(f"  {what}: {len(noise)} cases of {len(b1)}, {len(errors)} of them an error in one run")
    if judged > max_noise:
        flag(f"{judged} judged cases are noise, at most {max_noise}")
    if len(errors) > len(b1) // 10:
        flag(f"{len(errors)} cases are noise by an error, at most a tenth of the cases")
for name, run in (("unpatched", b2), ("patched", p)):
    if set(run) != set(b1):
        flag(f"the {name} run has {len(run)} cases, the first unpatched {len(b1)}: not the same")
ids = sorted(set(p) & set(b1) & set(b2))
noise = {i for i in ids if b1[i]["verdict"] != b2[i]["verdict"]}
def show(i, a, b):
    return (f"{i}: {a[i]['verdict']} -> {b[i]['verdict']}, rule {a[i]['rule'] or '-'} -> "
            f"{b[i]['rule'] or '-'}, expected {a[i]['expected']!r} -> {b[i]['expected']!r}, "
            f"seen {a[i]['seen']!r} -> {b[i]['seen']!r}")
if pp == "-":
    for i in sorted(noise):
        print("  noise " + show(i, b1, b2))
    bound(noise, "noise between two unpatched sweeps")
    sys.exit(1 if bad else 0)
moved = {i for i in ids if p[i]["expected"] != b1[i]["expected"]}
named, target_noise = [], []
for i in ids:
    if i in noise or p[i]["verdict"] == b1[i]["verdict"]:
        continue
    if rule in (p[i]["rule"], b1[i]["rule"]):
        named.append(i)
    elif "error" in (p[i]["verdict"], b1[i]["verdict"]) or (
            i not in moved and "agree" in (p[i]["verdict"], b1[i]["verdict"])):
        target_noise.append(i)
        print("  noise " + show(i, b1, p))
    else:
        flag(show(i, b1, p) + f" (not {rule})")
bound(target_noise, "noise of the patched run")
hidden = [i for i in sorted(moved - noise) if b1[i]["verdict"] == "agree" == p[i]["verdict"]]
for i in hidden[:10]:
    flag(f"{i}: the expectation moved ({b1[i]['expected']!r} -> {p[i]['expected']!r}) "
         "and the case still agrees")
if len(hidden) > 10:
    flag(f"... and {len(hidden) - 10} more cases whose expectation moved still agree")
if len(named) < least:
    flag(f"{len(named)} cases changed naming {rule}, at least {least} expected")
cells = {p[i]["group"] for i in named}
governed = {p[i]["group"] for i in moved}
states = {}
for i in named:
    states[p[i]["state"]] = states.get(p[i]["state"], 0) + 1
print(f"  {rule}: {len(named)} cases changed in {len(cells)} cells, each naming {rule}; the "
      f"model's expectation moved in {len(moved)} cases of {len(governed)} cells; {bad} flagged")
print("  by state: " + ", ".join(f"{s} {n}" for s, n in sorted(states.items())))
sys.exit(1 if bad else 0)
PY
compare() {
  "$PY" "$WORK/compare.py" "$WORK/base1/cases.jsonl" "$WORK/base2/cases.jsonl" "$@" "$MAX_NOISE"
}

# The mutations: name, file, sed expressions (';'-separated, each changing one line),
# the rule whose cases may change, the least number of cases that must, whether the
# check must pass or flag, and what the model then says. Each turns a reply of one rule
# into a silent drop that ends the segment's processing there, so the judge can blame
# that rule for the ACK Linux still sends (an extra reply is blamed on the last rule the
# model applied).
mutations() {
  cat <<'EOF'
rst-challenge	lua/model/sync.lua	s|ctx:ack_now("rst.challenge", .*|ctx:drop("rst.challenge")|	rst.challenge	500	pass	RFC 5961 3.2: an in-window RST that misses RCV.NXT is dropped instead of answered by a challenge ACK
seq-unacceptable	lua/model/sync.lua	s|ctx:ack_now("seq.unacceptable", case)|ctx:drop("seq.unacceptable", case)|	seq.unacceptable	350	pass	RFC 9293 3.10.7.4 first step: an unacceptable segment is dropped without the ACK
time-wait-ack	lua/model/sync.lua	s|ctx:want_ack("ack.time_wait", false)|return ctx:drop("ack.time_wait") and false|	ack.time_wait	30	pass	RFC 9293 3.10.7.4 fifth step, TIME-WAIT: text or a FIN that passed the sequence test is dropped without the ACK
two-rules	lua/model/sync.lua	s|ctx:ack_now("rst.challenge", .*|ctx:drop("rst.challenge")|;s|ctx:ack_now("seq.unacceptable", case)|ctx:drop("seq.unacceptable", case)|	rst.challenge	500	flag	rst.challenge and seq.unacceptable both changed, only rst.challenge declared
EOF
}

echo "unpatched, twice:"
sweep "$WORK/tcpconform.orig" base1 && sweep "$WORK/tcpconform.orig" base2 || finish
compare - base 0 && pass "two unpatched sweeps: the same cases, noise within bounds" ||
  fail "two unpatched sweeps: different cases, or noise beyond bounds"

while IFS=$'\t' read -r name file exprs rule least want why; do
  cp "$SRC/$file" "$TREE/$file"         # undo the previous mutation (and touch the file)
  want_lines=$(awk -F';' '{print NF}' <<<"$exprs")
  sed -i -e "$exprs" "$TREE/$file"
  { diff "$SRC/$file" "$TREE/$file" || true; } >"$WORK/$name.diff"
  if [ "$(grep -c '^>' "$WORK/$name.diff")" -ne "$want_lines" ] ||
     [ "$(grep -c '^<' "$WORK/$name.diff")" -ne "$want_lines" ]; then
    cat "$WORK/$name.diff"
    fail "$name: the sed did not change exactly $want_lines line(s) of $file"
    continue
  fi
  echo "$name: $why"
  sed -n 's/^> */  patched: /p' "$WORK/$name.diff"
  if ! build; then fail "$name: the patched tree builds"; continue; fi
  sweep "$BUILD/tcpconform" "$name" || continue
  set +e
  compare "$WORK/$name/cases.jsonl" "$rule" "$least"
  rc=$?
  set -e
  if [ "$want" = pass ]; then
    [ $rc -eq 0 ] && pass "$name: exactly the cases of $rule change" ||
      fail "$name: cases beyond $rule changed, too few changed, or too much noise"
  else
    [ $rc -eq 1 ] && pass "$name: the check flags the cases that are not $rule's" ||
      fail "$name: the check did not flag the second mutated rule"
  fi
done < <(mutations)
finish
