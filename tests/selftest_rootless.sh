#!/usr/bin/env bash
# Running without root (README "Running without root"): as user nobody, tcpconform makes a
# user namespace of its own and the suite passes with a valid JUnit file; where the kernel
# refuses the user namespace, the error says why and what to do. The refusal is made
# honestly, without touching the host's sysctls: user.max_user_namespaces is a limit of
# each user namespace, so inside one of our own we set its limit to 0 and run tcpconform
# as a non-root user one namespace further down.
source "$(dirname "$0")/lib_selftest.sh"

AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
if ! "${AS_NOBODY[@]}" unshare --user --map-root-user true 2>"$WORK/probe.err"; then
  echo "skip: this kernel refuses user namespaces to an ordinary user ($(cat "$WORK/probe.err"))"
  exit 0
fi

# A directory nobody can write, with the scripts in it; the binary from a path nobody can
# traverse (the build tree may sit under a private home).
chmod 711 "$WORK"
RL="$WORK/rl"
mkdir -p "$RL"
cp -r "$SRC/scripts" "$RL/"
BIN=$TCPCONFORM
if ! "${AS_NOBODY[@]}" test -x "$BIN"; then
  mkdir -p "$RL/bin"
  cp "$TCPCONFORM" "$RL/bin/"
  BIN="$RL/bin/tcpconform"
fi
chown -R nobody:nogroup "$RL"

# --- the suite as nobody ---
set +e
(cd "$RL" && timeout 300 "${AS_NOBODY[@]}" "$BIN" run scripts --exclude-tag slow --jobs auto \
  --junit "$RL/junit.xml" --pcap-dir "$RL/pcap") >"$WORK/suite.log" 2>&1
rc=$?
set -e
passed=$(grep -c '^PASS' "$WORK/suite.log" || true)
if [ $rc -eq 0 ] && [ "$passed" -ge 40 ]; then
  pass "suite as nobody: exit 0, $passed passed"
else
  grep -E '^(FAIL|ERROR)|tcpconform:' -A4 "$WORK/suite.log" | head -40
  fail "suite as nobody: exit $rc, $passed passed"
fi
if [ -f "$RL/junit.xml" ] && validate_junit "$RL/junit.xml" &&
   [ "$(stat -c %u "$RL/junit.xml")" = "$(id -u nobody)" ]; then
  pass "JUnit valid, written as nobody (owner $(stat -c %U "$RL/junit.xml"))"
else
  fail "JUnit missing, invalid or not nobody's"
fi
npcap=$(find "$RL/pcap" -name "*.pcap" 2>/dev/null | wc -l || true)
[ "$npcap" -eq "$passed" ] && pass "a pcap per test ($npcap)" || fail "$npcap pcaps for $passed tests"

# --- lwIP needs /dev/net/tun open to the user; without it the error says so in words ---
LWIP="$(dirname "$TCPCONFORM")/targets/lwip/tcpconform-lwip"
if [ -x "$LWIP" ] && [ "$BIN" = "$TCPCONFORM" ]; then
  set +e
  (cd "$RL" && timeout 120 "${AS_NOBODY[@]}" "$BIN" run scripts/rst/closed_port.lua --target lwip \
    --jobs 1 --junit - --pcap-dir -) >"$WORK/lwip.log" 2>&1
  rc=$?
  set -e
  if "${AS_NOBODY[@]}" sh -c 'exec 3<>/dev/net/tun' 2>/dev/null; then
    [ $rc -eq 0 ] && pass "lwip as nobody (/dev/net/tun is open to nobody): exit 0" ||
      { head -20 "$WORK/lwip.log"; fail "lwip as nobody: exit $rc"; }
  elif [ $rc -eq 1 ] && grep -q "failed to start: tap tap0: /dev/net/tun: Permission denied" "$WORK/lwip.log"; then
    pass "lwip as nobody without /dev/net/tun: \"$(grep -o 'failed to start: [^;]*' "$WORK/lwip.log" | head -1)\""
  else
    head -20 "$WORK/lwip.log"
    fail "lwip as nobody without /dev/net/tun: exit $rc, no clear message"
  fi
fi

# --- no user namespace to be had: the error names the limit and what to do ---
rm -f "$WORK/ready" "$WORK/go"
mkfifo "$WORK/ready" "$WORK/go"
chmod 666 "$WORK/ready" "$WORK/go"
set +e
(cd "$RL" && timeout 60 unshare --user --map-root-user bash -c '
  W=$1; shift
  # One namespace down, as uid 65534 (not root there); it waits until its parent
  # namespace has no room left for another user namespace.
  unshare --user --map-user=65534 --map-group=65534 \
    bash -c "echo >\"\$0/ready\"; read -r _ <\"\$0/go\"; exec \"\$@\"" "$W" "$@" &
  read -r _ <"$W/ready"
  echo 0 >/proc/sys/user/max_user_namespaces
  echo >"$W/go"
  wait $!
' sh "$WORK" "$BIN" run scripts/rst/closed_port.lua --junit - --pcap-dir -) >"$WORK/nouserns.log" 2>&1
rc=$?
set -e
if [ $rc -eq 2 ] && grep -q "kernel refused it a user namespace (No space left on device)" "$WORK/nouserns.log" &&
   grep -q "run tcpconform as root, or ask the administrator to raise user.max_user_namespaces" "$WORK/nouserns.log"; then
  pass "no user namespace: exit 2, \"$(head -c 160 "$WORK/nouserns.log")...\""
else
  cat "$WORK/nouserns.log"
  fail "no user namespace: exit $rc"
fi

# --- nothing left behind ---
left=$(pgrep -u nobody -f "$BIN" || true)
[ -z "$left" ] && pass "no process of the runs left" || { fail "left: $left"; kill $left; }
finish
