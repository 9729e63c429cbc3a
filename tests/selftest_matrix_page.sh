#!/usr/bin/env bash
# The matrix of a real two-target run as a person sees it: a two-target run writes
# matrix.html, headless Chromium (Debian's chromium) renders it, and the rendered page
# (its DOM after layout, and a screenshot that is not blank) holds the table with a
# column per target and lwIP's deviations.
source "$(dirname "$0")/lib_selftest.sh"

if ! command -v chromium >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; } ||
    true
fi
if ! command -v chromium >/dev/null; then
  echo "SKIP: Debian's chromium cannot be installed here"
  exit 0
fi

set +e
"$TCPCONFORM" run scripts/rst scripts/handshake/synack.lua --target linux,lwip \
  --junit "$WORK/out/junit.xml" --pcap-dir "$WORK/out/pcap" >"$WORK/run.log" 2>&1
rc=$?
set -e
[ $rc -eq 0 ] && [ -s "$WORK/out/matrix.html" ] && pass "two-target run wrote matrix.html" ||
  { cat "$WORK/run.log"; fail "run: exit $rc"; finish; }

# Chromium as the environment notes require: no background networking, a fresh profile.
chrome() {
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$WORK/profile" "$@" 2>/dev/null
}
chrome --dump-dom "file://$WORK/out/matrix.html" >"$WORK/dom.html" || true
"$PY" - "$WORK/dom.html" <<'PY' && pass "rendered DOM: a table with a linux and an lwip column and lwip's known deviations" || fail "rendered DOM content"
import sys
dom = open(sys.argv[1], encoding="utf-8").read()
assert "<table" in dom, "no table"
for word in ("linux", "lwip", "known deviation of lwip"):
    assert word in dom, f"missing {word!r}"
assert "<script" not in dom.lower(), "the page carries a script"
PY
chrome --screenshot="$WORK/shot.png" --window-size=1400,1000 "file://$WORK/out/matrix.html" >/dev/null || true
"$PY" - "$WORK/shot.png" <<'PY' && pass "screenshot: 1400x1000 PNG, not blank" || fail "screenshot missing or blank"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (1400, 1000), f"size {w}x{h}"
# A blank page compresses to almost nothing; a table of text does not.
assert len(data) > 30000, f"only {len(data)} bytes: blank?"
PY
[ -n "${TCPCONFORM_KEEP_SCREENSHOT:-}" ] && cp "$WORK/shot.png" "$TCPCONFORM_KEEP_SCREENSHOT"
finish
