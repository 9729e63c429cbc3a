#!/usr/bin/env bash
# Every conformance test must be able to fail. For each shipped test this applies one
# mutation -- a wrong expectation, or a change that makes the target behave otherwise
# (a sysctl, a different segment to answer) -- to a copy of its script and checks that
# exactly that test then FAILS (a <failure>, not an <error>), looking at the wire.
#
# mutations.tsv: script <TAB> test name <TAB> text in that test <TAB> replacement <TAB> why
# [<TAB> slow]. Mutations of tests tagged slow run only with TCPCONFORM_SLOW=1.
source "$(dirname "$0")/lib_selftest.sh"

table="$SRC/tests/mutations.tsv"
n=0
while IFS=$'\t' read -r script name old new why slow; do
  case "$script" in ''|'#'*) continue ;; esac
  if [ "${slow:-}" = slow ] && [ "${TCPCONFORM_SLOW:-0}" != 1 ]; then
    echo "skip $(basename "$script" .lua): $name (slow; TCPCONFORM_SLOW=1 runs it)"
    continue
  fi
  n=$((n + 1))
  copy="$WORK/m$n/$(basename "$script")"
  mkdir -p "$(dirname "$copy")"
  # Replace the first occurrence of `old` after the test's declaration.
  if ! "$PY" - "$SRC/$script" "$copy" "$name" "$old" "$new" <<'PY'
import sys
src, dst, name, old, new = sys.argv[1:]
text = open(src).read()
start = text.find('"' + name + '"')
if start < 0 and ": " in name:
    # A test declared in a loop builds its name, e.g. v6 .. "active close ...": look
    # for the literal part. The mutation then applies to every test the loop makes;
    # --filter below still runs only the one named.
    start = text.find('"' + name.split(": ", 1)[1] + '"')
if start < 0:
    sys.exit(f"test {name!r} not found in {src}")
at = text.find(old, start)
if at < 0:
    sys.exit(f"{old!r} not found in test {name!r}")
open(dst, "w").write(text[:at] + new + text[at + len(old):])
PY
  then
    fail "mutation $n ($script: $name): could not apply"
    continue
  fi
  set +e
  "$TCPCONFORM" run "$copy" --filter "${copy%.lua}: $name" --junit "$WORK/m$n/j.xml" --pcap-dir - >"$WORK/m$n/out" 2>&1
  rc=$?
  set -e
  if [ $rc -eq 1 ] && grep -q "^FAIL " "$WORK/m$n/out" && [ "$(grep -c '^PASS \|^FAIL \|^ERROR' "$WORK/m$n/out")" -eq 1 ]; then
    pass "$(basename "$script" .lua): $name -- fails when $why"
  else
    cat "$WORK/m$n/out"
    fail "$(basename "$script" .lua): $name -- still passes (exit $rc) when $why"
  fi
done <"$table"
[ "$n" -ge 12 ] && pass "$n mutations run" || fail "only $n mutations"

# Every test in scripts/ has at least one mutation.
"$TCPCONFORM" list scripts | sed -E 's/^([A-Z][0-9]+|-) +[^:]+: //' | sort -u >"$WORK/all"
cut -f2 "$table" | grep -v '^#' | grep -v '^$' | sort -u >"$WORK/mutated"
missing=$(comm -23 "$WORK/all" "$WORK/mutated")
[ -z "$missing" ] && pass "every test in scripts/ has a mutation" || fail "tests without a mutation: $missing"
finish
