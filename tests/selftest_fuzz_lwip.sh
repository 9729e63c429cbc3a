#!/usr/bin/env bash
# The fuzzer's liveness oracle through the command, on lwIP 2.1.3, whose stack aborts on
# a FIN at RCV.NXT+2^31 ("insane offset", targets/lwip/README.md): `tcpconform fuzz
# --target lwip --state ESTABLISHED --family inet --seed 1` (stopped once a finding is
# on disk) files a liveness finding on lwip whose last words hold the assertion, whose
# minimised case is one step, and which the findings page and the JUnit (a failure naming
# the liveness oracle, schema-valid) both show; nothing is left behind. Skipped when the
# lwIP agent is not built.
source "$(dirname "$0")/lib_selftest.sh"

said=$("$TCPCONFORM" fuzz --emit /dev/null --target lwip 2>&1 || true)
if ! grep -q json <<<"$said"; then
  echo "SKIP: the lwIP agent is not built"
  exit 0
fi
out=$WORK/lwip
leaks_baseline "$out"
# lwIP's descriptor declares the crash a known bug (suppressed in a campaign): this test
# runs it without that declaration.
"$TCPCONFORM" fuzz --target lwip --state ESTABLISHED --family inet --seed 1 --seconds 60 \
  --descriptor "$SRC/tests/lwip/crash_undeclared.lua" --out "$out" >"$WORK/fuzz.log" 2>&1 &
pid=$!
for i in $(seq 600); do
  grep -q '"oracle": "liveness"' "$out"/findings/*/finding.json 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -INT "$pid" 2>/dev/null || true
set +e; wait "$pid"; rc=$?; set -e
if facts=$("$PY" - "$out" <<'PY'
import glob, json, sys, xml.etree.ElementTree as ET
out = sys.argv[1]
live = [json.load(open(p)) for p in glob.glob(out + "/findings/*/finding.json")]
live = [f for f in live if f["oracle"] == "liveness"]
assert live, "no liveness finding"
f = live[0]
assert f["target"] == "lwip", f["target"]
assert "insane offset" in f["last_words"], f["last_words"][:300]
assert len(f["minimised"]["steps"]) == 1, f["minimised"]
page = open(out + "/index.html").read()
assert '<tr class="o-liveness">' in page and "insane offset" in page, "page"
cases = list(ET.parse(out + "/junit.xml").getroot().iter("testcase"))
assert any(c.find("failure") is not None and " liveness lwip " in c.get("name") for c in cases)
print(f["signature"], json.dumps(f["minimised"]["steps"][0]))
PY
) && validate_junit "$out/junit.xml"; then
  pass "a liveness finding on lwip (exit $rc): $facts, its last words on the page and in JUnit"
else tail -20 "$WORK/fuzz.log"; fail "no liveness finding with lwIP's last words (exit $rc)"; fi
leaks_check "the lwIP campaign"
finish
