#!/usr/bin/env bash
# The sweep's HTML page renders in a real browser. A real sweep of TIME-WAIT on two
# configurations of the Linux target (tcp_rfc1337 0 and 1, which RFC 1337 says must
# differ for a RST in TIME-WAIT) writes index.html; headless Chromium screenshots it and
# dumps its DOM. The screenshot must be a 1400x900 PNG that is not blank and shows the
# agree and differs colours (the inline CSS was applied). The DOM must hold the
# differential and a matrix per target with a row for TIME-WAIT, a cell where the
# targets disagree, cells that link to their panels, a panel (of a cell that differs or
# is a declared deviation) showing expected vs seen, the rule's RFC sentence and a link
# to a pcap that exists, and no script element. A cell's panel, opened by its fragment,
# must show on screen (the :target rule), in a second screenshot. Escaping of hostile
# strings is tests/test_sweep_report.c's (the page has no input a sweep can make hostile).
source "$(dirname "$0")/lib_selftest.sh"
source "$(dirname "$0")/lib_chromium.sh"
chromium_find

out=$WORK/sweep
set +e
"$TCPCONFORM" sweep --target linux,linux:net.ipv4.tcp_rfc1337=1 --state TIME-WAIT \
  --family inet --seed 1 --out "$out" >"$WORK/sweep.log" 2>&1
rc=$?
set -e
page=$out/index.html
if [ -s "$page" ] && [ $rc -le 1 ]; then
  pass "a two-target sweep of TIME-WAIT wrote index.html (exit $rc)"
else
  cat "$WORK/sweep.log"
  fail "no sweep page (exit $rc)"
  finish
fi

# --- the page, whole ---
png=$WORK/sweep.png
chromium --screenshot="$png" "file://$page" >/dev/null || true
[ -s "$png" ] && pass "chromium wrote a screenshot" || { fail "no screenshot"; finish; }
png_check "$png" "agree tint=f0faf2" "differs tint=ffe3e3" &&
  pass "screenshot: 1400x900, not blank, agree and differs colours present" ||
  fail "screenshot checks"

# --- the DOM as the browser built it ---
dom=$WORK/dom.html
chromium --dump-dom "file://$page" >"$dom" || true
sections=$(grep -o '<section id="[^"]*"' "$dom" | sort -u | wc -l)
rows=$(grep -o '<th scope="row">TIME-WAIT</th>' "$dom" | wc -l)
if grep -q '<section id="diff"' "$dom" && [ "$sections" -ge 3 ] && [ "$rows" -eq 3 ]; then
  pass "DOM: the differential and a matrix per target, each with its TIME-WAIT row"
else
  fail "DOM: $sections sections, $rows TIME-WAIT rows (expected the differential + 2, 3 rows)"
fi
grep -q 'class="v-disagree"' "$dom" && pass "DOM: cells where the two targets disagree" ||
  fail "DOM: no cell where tcp_rfc1337 0 and 1 disagree"
! grep -qi '<script' "$dom" && pass "DOM: no script element" || fail "DOM: a script element"

# A panel: the first cell link's fragment names it; it holds expected vs seen, the RFC
# sentence, and a pcap link whose file exists.
frag=$("$PY" - "$dom" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
m = re.search(r'<td class="v-(?:differs|deviation)"><a href="#([^"]+)"', dom)
print(m.group(1) if m else "")
PY
)
panel=$("$PY" - "$dom" "$frag" <<'PY'
import re, sys
dom, frag = open(sys.argv[1]).read(), sys.argv[2]
m = re.search(r'<section class="cases" id="%s">(.*?)</section>' % re.escape(frag), dom, re.S)
print(m.group(1) if m else "")
PY
)
pcap=$(printf '%s' "$panel" | grep -o 'href="pcap/[^"]*"' | head -1 | sed 's/^href="//; s/"$//')
if [ -n "$frag" ] && printf '%s' "$panel" | grep -q 'expected' &&
   printf '%s' "$panel" | grep -q 'seen' && printf '%s' "$panel" | grep -q 'RFC' &&
   [ -n "$pcap" ] && [ -s "$out/$pcap" ]; then
  pass "DOM: panel #$frag shows expected vs seen, the RFC, and links $pcap (present)"
else
  printf '%s\n' "$panel" | head -20
  fail "DOM: panel #$frag lacks expected/seen/RFC or its pcap ($pcap)"
fi

# --- a panel opened by its fragment is on screen (:target) ---
png2=$WORK/panel.png
chromium --screenshot="$png2" "file://$page#$frag" >/dev/null || true
if [ -s "$png2" ] && ! cmp -s "$png" "$png2"; then
  pass "the cell's panel opens: the screenshot of #$frag differs from the page's"
else
  fail "the panel did not open (#$frag)"
fi
[ -n "${TCPCONFORM_SWEEP_SCREENSHOT:-}" ] && cp "$png2" "$TCPCONFORM_SWEEP_SCREENSHOT"
finish
