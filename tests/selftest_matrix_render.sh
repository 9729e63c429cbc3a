#!/usr/bin/env bash
# The HTML behaviour matrix renders in a real browser: test_matrix (built beside the
# tcpconform binary) writes its example page when TCPCONFORM_MATRIX_EXAMPLE is set, and
# headless Chromium screenshots it and dumps its DOM. The screenshot must be a
# 1400x900 PNG that is not blank and shows the verdict colours (so the inline CSS was
# applied); the DOM must hold the matrix table with every row, the disagreement marks,
# and the hostile strings as text, not as elements.
#
# Chromium comes from the Debian package "chromium", installed here when missing; when it
# cannot be installed the test prints SKIP and passes. Set TCPCONFORM_MATRIX_SCREENSHOT to
# a path to keep the screenshot for a human to look at.
source "$(dirname "$0")/lib_selftest.sh"

TEST_MATRIX=$(dirname "$TCPCONFORM")/test_matrix
if [ ! -x "$TEST_MATRIX" ]; then
  echo "SKIP: $TEST_MATRIX not built (is libcmocka-dev installed?)"
  exit 0
fi

# --- a browser ---
source "$(dirname "$0")/lib_chromium.sh"
chromium_find

# --- the example page ---
mkdir -p "$WORK/page"
page=$WORK/page/matrix.html
if TCPCONFORM_MATRIX_EXAMPLE=$page "$TEST_MATRIX" >"$WORK/test.log" 2>&1 && [ -s "$page" ]; then
  pass "test_matrix wrote the example page"
else
  cat "$WORK/test.log"
  fail "test_matrix did not write $page"
  finish
fi

# --- the screenshot: a PNG of the window size, not blank, with the verdict colours ---
png=$WORK/matrix.png
chromium --screenshot="$png" "file://$page" >/dev/null || true
if [ -s "$png" ]; then
  pass "chromium wrote a screenshot"
else
  tail -n 20 "$WORK/chromium.log"
  fail "no screenshot"
  finish
fi
[ -n "${TCPCONFORM_MATRIX_SCREENSHOT:-}" ] && cp "$png" "$TCPCONFORM_MATRIX_SCREENSHOT"

# Not blank, and the FAIL and pass tints and the disagreement edge of the stylesheet are
# on screen.
png_check "$png" "FAIL tint=ffe3e3" "pass tint=f0faf2" "disagreement edge=bc4c00" &&
  pass "screenshot: 1400x900, not blank, verdict colours present" || fail "screenshot checks"

# --- the DOM as the browser built it ---
dom=$WORK/dom.html
chromium --dump-dom "file://$page" >"$dom" || true
rows=$(grep -o '<tr class="row[ "]' "$dom" | wc -l)
if grep -q '<table class="matrix">' "$dom" && [ "$rows" -eq 12 ]; then
  pass "DOM: the matrix table with its 12 rows"
else
  fail "DOM: matrix table missing or $rows rows instead of 12"
fi
disagree=$(grep -o '<tr class="row disagree"' "$dom" | wc -l)
[ "$disagree" -eq 5 ] && pass "DOM: 5 rows marked as disagreeing" ||
  fail "DOM: $disagree rows marked as disagreeing, expected 5"
if ! grep -qi '<script' "$dom" && ! grep -qi '<b>' "$dom" &&
   grep -q 'scripts/misc/&lt;script&gt;alert(1)&lt;/script&gt;' "$dom"; then
  pass "DOM: hostile strings are text, no script or markup element from input"
else
  fail "DOM: input became markup"
fi
grep -q 'position:sticky' "$dom" && grep -q '<thead>' "$dom" &&
  pass "DOM: sticky table header" || fail "DOM: no sticky header"

finish
