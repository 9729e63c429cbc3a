#!/usr/bin/env bash
# The fuzzer's findings page renders in a real browser. A campaign on linux and
# linux:net.ipv4.tcp_rfc1337=1 from TIME-WAIT (seed 1; stopped once a finding is on disk)
# writes index.html; headless Chromium screenshots it and dumps its DOM. The screenshot
# must be a 1400x900 PNG that is not blank and shows the differential oracle's tint (the
# inline CSS applied). The DOM must hold the by-oracle table and the findings table with
# a row per finding on disk, each row linking its panel; the panel of a finding must show
# the minimised case, the case, the output of each target, and link test.lua and a pcap
# per target that exist; no script element. Opened by its fragment, the panel must show
# on screen (the :target rule): a second screenshot differs from the first. Escaping of
# hostile strings is tests/test_fuzz_report.c's.
source "$(dirname "$0")/lib_selftest.sh"
source "$(dirname "$0")/lib_chromium.sh"
chromium_find

out=$WORK/fuzz
"$TCPCONFORM" fuzz --target linux,linux:net.ipv4.tcp_rfc1337=1 --state TIME-WAIT \
  --family inet --seconds 60 --seed 1 --out "$out" >"$WORK/fuzz.log" 2>&1 &
pid=$!
for i in $(seq 600); do
  ls "$out"/findings/*/finding.json >/dev/null 2>&1 && break
  sleep 0.1
done
kill -INT "$pid"
set +e; wait "$pid"; rc=$?; set -e
page=$out/index.html
nfind=$(ls "$out"/findings/*/finding.json 2>/dev/null | wc -l)
if [ -s "$page" ] && [ "$rc" -eq 130 ] && [ "$nfind" -gt 0 ]; then
  pass "a campaign stopped after its first finding wrote index.html ($nfind finding(s))"
else
  cat "$WORK/fuzz.log"
  fail "no findings page (exit $rc, $nfind findings)"
  finish
fi

png=$WORK/page.png
chromium --screenshot="$png" "file://$page" >/dev/null || true
[ -s "$png" ] && pass "chromium wrote a screenshot" || { fail "no screenshot"; finish; }
png_check "$png" "differential tint=ffd8a8" &&
  pass "screenshot: 1400x900, not blank, the differential oracle's colour present" ||
  fail "screenshot checks"

dom=$WORK/dom.html
chromium --dump-dom "file://$page" >"$dom" || true
rows=$(grep -o '<tr class="o-[a-z]*"><td><a href="#f-[0-9A-Za-z_-]*"' "$dom" | wc -l)
if grep -q '<table id="oracles"' "$dom" && grep -q '<table id="findings"' "$dom" &&
   [ "$rows" -eq "$nfind" ]; then
  pass "DOM: the by-oracle table and a findings row per finding on disk ($rows), each linking its panel"
else fail "DOM: $rows finding rows for $nfind findings on disk"; fi
! grep -qi '<script' "$dom" && pass "DOM: no script element" || fail "DOM: a script element"

sig=$(basename "$(dirname "$(ls "$out"/findings/*/finding.json | head -1)")")
panel=$("$PY" - "$dom" "$sig" <<'PY'
import re, sys
dom, sig = open(sys.argv[1]).read(), sys.argv[2]
m = re.search(r'<section class="finding" id="f-%s">(.*?)</section>' % re.escape(sig), dom, re.S)
print(m.group(1) if m else "")
PY
)
missing=
for want in "minimised case" "<h3>case</h3>" '<div class="verified">verified' "output of linux<" "output of linux:net.ipv4.tcp_rfc1337=1<" "test.lua"; do
  printf '%s' "$panel" | grep -qF -- "$want" || missing="$missing [$want]"
done
links=$(printf '%s' "$panel" | grep -o 'href="findings/[^"]*"' | sed 's/^href="//; s/"$//' | sort -u)
for l in $links; do
  f=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$l")
  [ -s "$out/$f" ] || missing="$missing [link $l: no file]"
done
npcap=$(printf '%s\n' $links | grep -c '\.pcap$' || true)
if [ -n "$panel" ] && [ -z "$missing" ] && [ "$npcap" -eq 2 ]; then
  pass "DOM: panel #f-$sig shows the minimised case, the case, each target's output; links test.lua and 2 pcaps (present)"
else
  printf '%s\n' "$panel" | head -30
  fail "DOM: panel #f-$sig lacks:$missing (pcap links: $npcap)"
fi

png2=$WORK/panel.png
chromium --screenshot="$png2" "file://$page#f-$sig" >/dev/null || true
if [ -s "$png2" ] && ! cmp -s "$png" "$png2"; then
  pass "a finding's panel opens: the screenshot of #f-$sig differs from the page's"
else fail "the panel did not open (#f-$sig)"; fi
[ -n "${TCPCONFORM_FUZZ_SCREENSHOT:-}" ] && cp "$png2" "$TCPCONFORM_FUZZ_SCREENSHOT"
finish
