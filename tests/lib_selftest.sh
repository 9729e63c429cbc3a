# Shared helpers for the self-tests (sourced, not run). Each self-test gets the binary
# under test as $1 and the source tree as $2, and works in a temporary directory of its
# own that is removed on exit, whatever happens.
set -euo pipefail

TCPCONFORM=$(readlink -f "$1")
SRC=$(readlink -f "$2")
SCHEMA=${TCPCONFORM_JUNIT_XSD:-$SRC/../shared/junit/junit-10.xsd}
WORK=$(mktemp -d /tmp/tcpconform-selftest.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$SRC"

# Debian's python3 has junitparser; a pyenv python3 earlier in PATH may not.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

failures=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}

# validate_junit FILE: the JUnit file is valid against the Jenkins xUnit schema and
# loads with junitparser.
validate_junit() {
  xmllint --noout --schema "$SCHEMA" "$1" 2>"$WORK/xmllint.err" ||
    { cat "$WORK/xmllint.err"; return 1; }
  "$PY" -c 'import sys, junitparser; junitparser.JUnitXml.fromfile(sys.argv[1])' "$1"
}

# Leak checks for a run whose command line names MARK (a path under $WORK): call
# leaks_baseline before it, then leaks_check NAME after it ends. Passes when no process
# whose command line holds MARK, no network namespace held by one, and no new link of
# the host's namespace is left (waiting up to 10 s for processes to exit).
leaks_baseline() {
  LEAK_MARK=$1
  LEAK_LINKS=$(ip -o link show | awk -F': ' '{print $2}' | sort)
}
leaks_check() {
  local name=$1 i procs ns links
  for i in $(seq 100); do [ -z "$(pgrep -f -- "$LEAK_MARK" || true)" ] && break; sleep 0.1; done
  procs=$(pgrep -f -- "$LEAK_MARK" || true)
  ns=$(lsns -t net -n -o NS,PID 2>/dev/null | while read -r n pid; do
    if { tr '\0' ' ' </proc/"$pid"/cmdline; } 2>/dev/null | grep -q -- "$LEAK_MARK"; then echo "$n"; fi
  done | sort -u)
  links=$(comm -13 <(echo "$LEAK_LINKS") <(ip -o link show | awk -F': ' '{print $2}' | sort) |
    grep -v '^$' || true)
  if [ -z "$procs$ns$links" ]; then
    pass "$name: no process, namespace or link left"
  else fail "$name: left procs=[$procs] netns=[$ns] links=[$links]"; fi
}

# expect_usage NAME PATTERN ARGS...: tcpconform ARGS exits 2 and the first line of its
# stderr matches PATTERN (extended regex). Leaves stderr in $WORK/err.
expect_usage() {
  local name=$1 pattern=$2 rc
  shift 2
  set +e
  "$TCPCONFORM" "$@" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  if [ $rc -eq 2 ] && head -1 "$WORK/err" | grep -qE -- "$pattern"; then
    pass "$name: exit 2, \"$(head -1 "$WORK/err")\""
  else
    fail "$name: exit $rc, stderr: $(cat "$WORK/err")"
  fi
}
