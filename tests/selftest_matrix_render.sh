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
chromium_bin() { command -v chromium || command -v chromium-browser || true; }
if [ -z "$(chromium_bin)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends chromium >"$WORK/apt.log" 2>&1 ||
    { apt-get update >>"$WORK/apt.log" 2>&1 &&
      apt-get install -y --no-install-recommends chromium >>"$WORK/apt.log" 2>&1; } || true
fi
CHROMIUM=$(chromium_bin)
if [ -z "$CHROMIUM" ]; then
  tail -n 5 "$WORK/apt.log" 2>/dev/null || true
  echo "SKIP: chromium is not installed and could not be installed"
  exit 0
fi

# Headless, offline and stateless: no sandbox (we may be root), no network chatter, a
# fresh profile per call.
chromium() {
  local profile
  profile=$(mktemp -d "$WORK/profile.XXXXXX")
  timeout 25 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --user-data-dir="$profile" --window-size=1400,900 "$@" \
    2>>"$WORK/chromium.log"
  local rc=$?
  rm -rf "$profile"
  return $rc
}

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

# Decodes the PNG with zlib alone (no imaging library needed): checks the size, that the
# page is not one flat colour, and that the FAIL and pass tints and the disagreement edge
# of the stylesheet are on screen.
"$PY" - "$png" <<'PY' && pass "screenshot: 1400x900, not blank, verdict colours present" || fail "screenshot checks"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert (w, h) == (1400, 900), f"size {w}x{h}, expected 1400x900"
assert depth == 8 and ctype in (2, 6), f"unexpected PNG format depth={depth} type={ctype}"
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows = bytearray(stride), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
counts = {}
for line in rows[::2]:
    for x in range(0, stride, bpp * 2):
        px = line[x:x + 3]
        counts[px] = counts.get(px, 0) + 1
total = sum(counts.values())
background = max(counts.values())
assert len(counts) >= 16, f"only {len(counts)} colours: blank page?"
assert total - background >= total // 20, "more than 95% one colour: blank page?"
def near(rgb):
    return sum(n for px, n in counts.items() if all(abs(px[i] - rgb[i]) <= 3 for i in range(3)))
for name, rgb in (("FAIL tint", (0xff, 0xe3, 0xe3)), ("pass tint", (0xf0, 0xfa, 0xf2)),
                  ("disagreement edge", (0xbc, 0x4c, 0x00))):
    assert near(rgb) >= 10, f"{name} #{bytes(rgb).hex()} not on screen: stylesheet not applied?"
print(f"{len(counts)} colours, {100 * (total - background) // total}% not background")
PY

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
