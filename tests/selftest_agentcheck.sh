#!/usr/bin/env bash
# tcpconform agent-check (targets/PROTOCOL.md conformance of an agent): passes on the
# linux agent and on the lwIP and gVisor agents when they were built; fails, naming the
# verb, on an agent with a planted protocol error (a proxy in front of a real agent that
# answers getsockname with the wrong port, or that announces an option in the greeting's
# sockopts= which the agent does not have); a usage error is exit 2.
#
# Usage: bash tests/selftest_agentcheck.sh <tcpconform binary> <source dir>
# Skipped (exit 0, "SKIP:") without root.
source "$(dirname "$0")/lib_selftest.sh"

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root (real labs)"
  exit 0
fi
BIN=$(dirname "$TCPCONFORM")
LWIP=${TCPCONFORM_LWIP:-$BIN/targets/lwip/tcpconform-lwip}
GVISOR=${TCPCONFORM_GVISOR:-$BIN/targets/gvisor/tcpconform-gvisor}

# check NAME ARGS...: agent-check exits 0 with no FAIL line.
check() {
  local name=$1
  shift
  set +e
  "$TCPCONFORM" agent-check "$@" >"$WORK/$name.log" 2>&1
  local rc=$?
  set -e
  if [ $rc -eq 0 ] && ! grep -q '^FAIL' "$WORK/$name.log" && grep -q ' 0 FAIL$' "$WORK/$name.log"; then
    pass "agent-check $name: all checks pass ($(tail -1 "$WORK/$name.log"))"
  else
    grep -v '^ok' "$WORK/$name.log"
    fail "agent-check $name: exit $rc"
  fi
}

check linux --target linux
[ -x "$LWIP" ] && check lwip --target lwip || echo "SKIP: no lwIP agent at $LWIP"
[ -x "$GVISOR" ] && check gvisor --target gvisor || echo "SKIP: no gVisor agent at $GVISOR"

# The planted bugs: a proxy between the harness and a real agent that rewrites the port of
# every getsockname reply (mode getsockname), or adds tcp_frob to the greeting's sockopts=
# (mode sockopts). Everything else passes through unchanged.
cat >"$WORK/plant.py" <<'PY'
import os, re, selectors, socket, subprocess, sys
verb, cmd = sys.argv[1], sys.argv[2:]
harness = socket.socket(fileno=int(os.environ["TCPCONFORM_CTL_FD"]))
mine, theirs = socket.socketpair()
agent = subprocess.Popen(cmd, env=dict(os.environ, TCPCONFORM_CTL_FD=str(theirs.fileno())),
                         pass_fds=[theirs.fileno()])
theirs.close()
verbs, head, up = {}, b"", b""
sel = selectors.DefaultSelector()
sel.register(harness, selectors.EVENT_READ)
sel.register(mine, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        data = key.fileobj.recv(65536)
        if key.fileobj is harness:
            if not data:
                mine.shutdown(socket.SHUT_WR)
                sel.unregister(harness)
                continue
            for part in re.split(b"(\n)", data):   # remember each request's verb by id
                if part == b"\n":
                    f = head.split()
                    if len(f) >= 2:
                        verbs[f[0]] = f[1]
                    head = b""
                elif len(head) < 100:
                    head += part[:100]
            mine.sendall(data)
        else:
            if not data:
                sys.exit(agent.wait())
            up += data
            *lines, up = up.split(b"\n")
            for line in lines:
                f = line.split(b" ", 1)
                if verb == "getsockname" and verbs.get(f[0]) == b"getsockname":
                    line = re.sub(rb" port=\d+", b" port=1", line)
                if verb == "sockopts" and f[0] == b"0":
                    line = line.replace(b" sockopts=", b" sockopts=tcp_frob,")
                harness.sendall(line + b"\n")
PY
REAL=""
[ -x "$LWIP" ] && REAL=$(readlink -f "$LWIP")
[ -x "$GVISOR" ] && REAL=$(readlink -f "$GVISOR")
if [ -n "$REAL" ]; then
  set +e
  "$TCPCONFORM" agent-check "$PY" "$WORK/plant.py" getsockname "$REAL" >"$WORK/plant.log" 2>&1
  rc=$?
  set -e
  fails=$(grep '^FAIL' "$WORK/plant.log" || true)
  [ $rc -eq 1 ] && pass "planted bug: exit 1" || { cat "$WORK/plant.log"; fail "planted bug: exit $rc"; }
  if [ "$(echo "$fails" | wc -l)" -eq 1 ] && echo "$fails" | grep -q '^FAIL getsockname: port=8080 (PROTOCOL.md 6.2): expected port=8080, got port=1'; then
    pass "planted bug: the one FAIL names getsockname ($fails)"
  else
    echo "$fails"
    fail "planted bug: expected exactly one FAIL, naming getsockname"
  fi
else
  echo "SKIP: planted bug: neither the lwIP nor the gVisor agent was built"
fi
if [ -n "$REAL" ]; then
  set +e
  "$TCPCONFORM" agent-check "$PY" "$WORK/plant.py" sockopts "$REAL" >"$WORK/plant2.log" 2>&1
  rc=$?
  set -e
  fails=$(grep '^FAIL' "$WORK/plant2.log" || true)
  if [ $rc -eq 1 ] && [ "$(echo "$fails" | wc -l)" -eq 1 ] &&
     echo "$fails" | grep -q '^FAIL getsockopt tcp_frob (in sockopts=) is not ENOSYS (PROTOCOL.md 2)'; then
    pass "planted bug: an option in sockopts= the agent lacks is the one FAIL ($fails)"
  else
    cat "$WORK/plant2.log"
    fail "planted bug: expected exit 1 and one FAIL naming tcp_frob, got exit $rc"
  fi
fi

set +e
"$TCPCONFORM" agent-check --bogus >"$WORK/u.log" 2>&1; rc1=$?
"$TCPCONFORM" agent-check --target nosuch >"$WORK/u2.log" 2>&1; rc2=$?
set -e
[ $rc1 -eq 2 ] && grep -q -- '--bogus' "$WORK/u.log" && pass "unknown option: exit 2, named" ||
  { cat "$WORK/u.log"; fail "unknown option: exit $rc1"; }
[ $rc2 -eq 2 ] && grep -q 'nosuch' "$WORK/u2.log" && pass "unknown target: exit 2, named" ||
  { cat "$WORK/u2.log"; fail "unknown target: exit $rc2"; }
finish
