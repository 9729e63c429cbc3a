#!/usr/bin/env bash
# The shipped suite against the built-in Linux target: every test passes, the JUnit file
# validates against the schema and loads with junitparser, every testcase carries its
# behaviour ID and RFC section, and every pcap is readable by tshark and holds the
# test's TCP conversation.
source "$(dirname "$0")/lib_selftest.sh"

junit=$WORK/junit.xml
pcaps=$WORK/pcap
if "$TCPCONFORM" run scripts --junit "$junit" --pcap-dir "$pcaps" >"$WORK/out.txt" 2>&1; then
  pass "suite exits 0"
else
  cat "$WORK/out.txt"
  fail "suite exit status $?"
fi
validate_junit "$junit" && pass "JUnit validates against junit-10.xsd and loads with junitparser" ||
  fail "JUnit invalid"

"$PY" - "$junit" <<'PY' && pass "testcases: >= 10, all passed, each with behaviour_id and rfc" || fail "testcase contents"
import re, sys
from junitparser import JUnitXml
xml = JUnitXml.fromfile(sys.argv[1])
cases = [c for s in xml for c in s]
assert len(cases) >= 10, f"only {len(cases)} testcases"
examples = {c.name for s in xml if "scripts/examples/" in (s.name or "") for c in s}
for c in cases:
    assert c.is_passed, f"{c.name}: not passed"
    out = c.system_out or ""
    # scripts/examples show the API and may name the RFC section only (scripts/README.md).
    assert c.name in examples or re.search(r"^\[\[PROPERTY\|behaviour_id=[A-C]\d+\]\]$", out, re.M), f"{c.name}: no behaviour_id"
    assert re.search(r"^\[\[PROPERTY\|rfc=\d+ ", out, re.M), f"{c.name}: no rfc"
    assert out.startswith("[[ATTACHMENT|"), f"{c.name}: pcap is not the first attachment"
print(f"{len(cases)} testcases")
PY

n=0
bad=0
for f in $(find "$pcaps" -name '*.pcap'); do
  n=$((n + 1))
  tcp=$(tshark -r "$f" -Y tcp 2>/dev/null | wc -l)
  [ "$tcp" -ge 1 ] || { echo "  $f: no TCP frames"; bad=$((bad + 1)); }
done
[ "$n" -ge 10 ] && [ "$bad" -eq 0 ] && pass "$n pcaps readable by tshark, each with TCP frames" ||
  fail "pcaps: $n files, $bad without TCP"
finish
