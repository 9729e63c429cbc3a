# Headless Chromium for the self-tests that render a page (sourced after
# lib_selftest.sh). chromium_find installs Debian's "chromium" when it is missing and sets
# CHROMIUM, or prints SKIP and exits 0 when it cannot be had; chromium ARGS... runs it
# headless, offline and stateless (no sandbox: we may be root; no network chatter; a
# fresh profile per call; a 1400x900 window; 25 s at most).
chromium_find() {
  local bin
  bin=$(type -P chromium || type -P chromium-browser || true)
  if [ -z "$bin" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends chromium >"$WORK/apt.log" 2>&1 ||
      { apt-get update >>"$WORK/apt.log" 2>&1 &&
        apt-get install -y --no-install-recommends chromium >>"$WORK/apt.log" 2>&1; } || true
    bin=$(type -P chromium || type -P chromium-browser || true)
  fi
  if [ -z "$bin" ]; then
    tail -n 5 "$WORK/apt.log" 2>/dev/null || true
    echo "SKIP: chromium is not installed and could not be installed"
    exit 0
  fi
  CHROMIUM=$bin
}

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

# png_check PNG NAME=RRGGBB...: the screenshot is 1400x900, not blank, and each named
# colour is on screen (tests/png_colours.py).
png_check() {
  "$PY" "$SRC/tests/png_colours.py" "$@"
}
