#!/usr/bin/env bash
# tcpconform fuzz --merge: two shards of one campaign (--shard 1/2 and 2/2, each stopped
# once a finding is on disk) merged into a third OUT. The merged corpus holds every
# distinct entry of the two exactly once (by content), the merged findings every
# signature of the two exactly once, each complete (finding.json, case.json,
# minimised.json, test.lua, the pcaps); the merged index.html has a row per finding and
# its JUnit is schema-valid with a failure per merged finding; the first merge exits 1
# (it added findings), merging the same shards again adds nothing and exits 0. A third
# input is shard 1's output again with its corpus entries renamed (a CI job retried on
# another machine): its entries are duplicates by content and its finding by signature.
source "$(dirname "$0")/lib_selftest.sh"

shard() {
  local out=$WORK/s$1
  "$TCPCONFORM" fuzz --target linux,linux:net.ipv4.tcp_rfc1337=1 --state TIME-WAIT \
    --family inet --seconds 60 --seed 5 --shard "$1/2" --out "$out" >"$WORK/s$1.log" 2>&1 &
  local pid=$! i
  for i in $(seq 600); do
    ls "$out"/findings/*/finding.json >/dev/null 2>&1 && break
    sleep 0.1
  done
  kill -INT "$pid"
  set +e; wait "$pid"; set -e
}
shard 1
shard 2
n1=$(ls "$WORK"/s1/findings/*/finding.json 2>/dev/null | wc -l)
n2=$(ls "$WORK"/s2/findings/*/finding.json 2>/dev/null | wc -l)
if [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ]; then pass "two shards: $n1 and $n2 finding(s)"
else cat "$WORK/s1.log" "$WORK/s2.log"; fail "shards without findings ($n1, $n2)"; finish; fi

cp -r "$WORK/s1" "$WORK/s1again"
for f in "$WORK"/s1again/corpus/*; do mv "$f" "$(dirname "$f")/again-$(basename "$f")"; done
merge() {
  set +e
  "$TCPCONFORM" fuzz --merge "$WORK/m" "$WORK/s1" "$WORK/s2" "$WORK/s1again" >"$WORK/merge.log" 2>&1
  local r=$?
  set -e
  echo "$r"
}
rc=$(merge)
if "$PY" - "$WORK" <<'PY'
import glob, hashlib, json, os, sys, xml.etree.ElementTree as ET
w = sys.argv[1]
def contents(d):
    return [hashlib.sha256(open(p, "rb").read()).hexdigest()
            for p in glob.glob(d + "/corpus/*") if os.path.isfile(p)]
def sigs(d):
    return {os.path.basename(os.path.dirname(p)) for p in glob.glob(d + "/findings/*/finding.json")}
a, b, m = contents(w + "/s1"), contents(w + "/s2"), contents(w + "/m")
c = contents(w + "/s1again")
assert len(m) == len(set(m)), "a corpus entry twice in the merge"
assert set(m) == set(a) | set(b), "the merged corpus is not the union"
dup = len(a) + len(b) + len(c) - len(set(a) | set(b))
sa, sb, sm = sigs(w + "/s1"), sigs(w + "/s2"), sigs(w + "/m")
assert sm == sa | sb, (sm, sa, sb)
for s in sm:
    d = w + "/m/findings/" + s
    for f in ("finding.json", "case.json", "minimised.json", "test.lua"):
        assert os.path.getsize(d + "/" + f) > 0, (s, f)
    assert len(glob.glob(d + "/*.pcap")) == 2, (s, "pcaps")
page = open(w + "/m/index.html").read()
assert page.count('<tr class="o-') == len(sm), "a row per finding"
fails = sum(int(t.get("failures")) for t in ET.parse(w + "/m/junit.xml").getroot().iter("testsuite"))
assert fails == len(sm), (fails, len(sm))
assert dup >= len(c) > 0, dup
print("corpus %d + %d + %d -> %d (%d duplicates gone), findings %d + %d + %d -> %d" %
      (len(a), len(b), len(c), len(m), dup, len(sa), len(sb), len(sa), len(sm)))
PY
then
  facts=$("$PY" - "$WORK" <<'PY'
import glob, os, sys
w = sys.argv[1]
print(len(glob.glob(w + "/m/corpus/*")), len(glob.glob(w + "/m/findings/*/finding.json")))
PY
)
  pass "merge: exit $rc; corpus entries, findings: $facts; duplicates gone, page and JUnit per finding"
else cat "$WORK/merge.log"; fail "merge (exit $rc)"; fi
[ "$rc" -eq 1 ] && pass "the first merge exits 1 (it added findings)" || fail "first merge: exit $rc"
validate_junit "$WORK/m/junit.xml" && pass "merged JUnit is schema-valid" || fail "merged JUnit"
before=$(find "$WORK/m" -type f | sort | xargs sha256sum | grep -v 'index.html\|junit.xml\|stats.json')
rc=$(merge)
after=$(find "$WORK/m" -type f | sort | xargs sha256sum | grep -v 'index.html\|junit.xml\|stats.json')
if [ "$rc" -eq 0 ] && [ "$before" = "$after" ] && grep -q "0 added, .* duplicates), findings .* (0 added" "$WORK/merge.log"; then
  pass "merging the same shards again adds nothing: exit 0, $(head -1 "$WORK/merge.log")"
else cat "$WORK/merge.log"; fail "second merge: exit $rc"; fi
finish
