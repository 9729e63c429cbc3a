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
