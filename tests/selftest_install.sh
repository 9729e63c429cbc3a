#!/usr/bin/env bash
# The installed tool works without the source tree: `cmake --install` into a temporary
# prefix, the prefix moved elsewhere (to a path with a space: nothing absolute is
# compiled in, and the agent's path survives sh -c), then from a directory with no
# scripts/ the installed binary runs the installed suite (and, when it was built, the
# installed lwIP agent); the man page renders cleanly and names every option --help
# prints, so the two cannot drift; every file of install_manifest.txt was installed.
# Breaking the installation (no installed suite, no installed agent) must give the
# clear error, exit 2.
#
# Usage: bash tests/selftest_install.sh <tcpconform binary> <source dir>
# The build directory is the binary's directory. The lab runs need root (skipped
# without it); the install and man page checks run anyway.
source "$(dirname "$0")/lib_selftest.sh"

BUILD=$(dirname "$TCPCONFORM")
PAGE=$SRC/harness/tcpconform.1
unset TCPCONFORM_LWIP DESTDIR

# man_text FILE: the page as a reader sees it, one long line per paragraph.
man_text() { MANWIDTH=250 man -l "$1" 2>/dev/null | col -b; }

# check_page FILE: renders without a warning from man or groff, and names every command,
# option and environment variable the binary knows, and its version.
check_page() {
  local page=$1 text opt missing=""
  if out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) && [ -z "$out" ] &&
     out=$(groff -man -ww -z "$page" 2>&1) && [ -z "$out" ]; then
    pass "$page renders with no warning (man --warnings, groff -ww)"
  else
    fail "$page: warnings: $out"
  fi
  text=$(man_text "$page")
  # Every option of `tcpconform --help` and `tcpconform run --help` (the same text).
  for opt in $({ "$TCPCONFORM" --help; "$TCPCONFORM" run --help; } |
               grep -oE -- '(^|[][ |,])--?[a-z][a-z-]*' | sed 's/^[][ |,]//' | sort -u) \
             "tcpconform run" "tcpconform list"; do
    grep -qE -- "(^|[^a-z-])${opt}([^a-z-]|\$)" <<<"$text" || missing="$missing $opt"
  done
  # Every variable the harness reads.
  for opt in $(grep -rhoE 'getenv\("[A-Z_]+"\)' "$SRC/harness" | sed 's/getenv("\(.*\)")/\1/' |
               sort -u); do
    grep -qw -- "$opt" <<<"$text" || missing="$missing $opt"
  done
  [ -z "$missing" ] && pass "$page names every option of --help and every getenv" ||
    fail "$page lacks:$missing"
  ver=$("$TCPCONFORM" --version)
  grep -q "^$ver[[:space:]]" <<<"$(man_text "$page" | tail -1)" && pass "$page is for $ver" ||
    fail "$page footer is not for $ver: $(man_text "$page" | tail -1)"
}

check_page "$PAGE"

# Install, then move the prefix: the binary must find its things relative to itself.
cmake --install "$BUILD" --prefix "$WORK/staged" >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log"; fail "cmake --install $BUILD failed"; finish; }
missing=""
while read -r f; do [ -e "$f" ] || missing="$missing $f"; done <"$BUILD/install_manifest.txt"
n=$(grep -c "^$WORK/staged/" "$BUILD/install_manifest.txt")
[ -z "$missing" ] && [ "$n" -gt 20 ] &&
  pass "every file of install_manifest.txt is installed ($n files)" ||
  fail "install_manifest.txt: $n files under the prefix, missing:$missing"
for f in bin/tcpconform share/tcpconform/scripts/rst/closed_port.lua \
         share/tcpconform/scripts/README.md share/man/man1/tcpconform.1 \
         share/doc/tcpconform/README.md share/doc/tcpconform/lua/README.md \
         share/doc/tcpconform/lua/SHORTHAND.md share/doc/tcpconform/targets/PROTOCOL.md \
         share/doc/tcpconform/scripts/README.md; do
  [ -e "$WORK/staged/$f" ] || fail "not installed: $f"
done
P="$WORK/moved prefix"
mv "$WORK/staged" "$P"
BIN=$P/bin/tcpconform
check_page "$P/share/man/man1/tcpconform.1"
man -M "$P/share/man" -w tcpconform >/dev/null 2>&1 && pass "man -M PREFIX/share/man finds it" ||
  fail "man -M $P/share/man does not find tcpconform"

if [ "$(id -u)" != 0 ]; then
  echo "skip: lab runs need root"
  finish
  exit 0
fi

mkdir -p "$WORK/empty" "$WORK/tree/scripts/rst"
cp "$SRC/scripts/rst/closed_port.lua" "$WORK/tree/scripts/rst/"

# run_a1 DIR NAME [ARGS...]: runs `tcpconform run --filter A1 --verbose` from DIR.
run_a1() {
  local dir=$1 name=$2
  shift 2
  (cd "$dir" && "$BIN" run --filter A1 --verbose --junit "$WORK/$name.xml" \
     --pcap-dir "$WORK/$name.pcap" "$@") >"$WORK/$name.out" 2>&1
}
# passed_from NAME SUITE: the run passed both A1 tests, from suite files under SUITE,
# named as in a source tree (scripts/rst/closed_port) wherever the suite is installed.
passed_from() {
  local name=$1 suite=$2
  validate_junit "$WORK/$name.xml" || return 1
  grep -q "tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"0\"" "$WORK/$name.xml" &&
    grep -qF "<testsuite name=\"scripts/rst/closed_port\"" "$WORK/$name.xml" &&
    grep -qF "file=\"$suite/rst/closed_port.lua\"" "$WORK/$name.xml"
}

S=$P/share/tcpconform/scripts
if run_a1 "$WORK/empty" inst && passed_from inst "$S" &&
   grep -qF "no ./scripts here: running the installed suite $S" "$WORK/inst.out"; then
  pass "no PATH, no ./scripts: the installed suite runs (A1 passed, verbose names $S)"
else
  fail "installed suite: $(cat "$WORK/inst.out")"
fi
if run_a1 "$WORK/tree" tree && passed_from tree scripts &&
   grep -qF "no PATH given: running ./scripts" "$WORK/tree.out"; then
  pass "no PATH, ./scripts here: ./scripts runs (as in a source tree)"
else
  fail "./scripts: $(cat "$WORK/tree.out")"
fi

if [ -x "$P/libexec/tcpconform/tcpconform-lwip" ]; then
  if run_a1 "$WORK/empty" lwip --target lwip && passed_from lwip "$S"; then
    pass "--target lwip runs the installed agent (no build tree beside the binary)"
  else
    fail "--target lwip: $(cat "$WORK/lwip.out")"
  fi
  mv "$P/libexec/tcpconform/tcpconform-lwip" "$WORK/agent"
  run_a1 "$WORK/empty" noagent --target lwip && st=0 || st=$?
  [ "$st" = 2 ] && grep -qF "target lwip: no agent at $P/bin/../libexec/tcpconform/tcpconform-lwip (installed) nor $P/bin/targets/lwip/tcpconform-lwip (build tree)" "$WORK/noagent.out" &&
    pass "no installed agent: exit 2, the error lists the places tried" ||
    fail "no installed agent: exit $st: $(cat "$WORK/noagent.out")"
  mv "$WORK/agent" "$P/libexec/tcpconform/tcpconform-lwip"
else
  echo "skip: the lwIP agent was not built (liblwip-dev), not installed"
fi

mv "$S" "$WORK/suite" 2>/dev/null || true  # absent already when it was not installed
run_a1 "$WORK/empty" nosuite && st=0 || st=$?
[ "$st" = 2 ] && grep -qF "no PATH given and no ./scripts here; the installed suite $P/bin/../share/tcpconform/scripts is missing" "$WORK/nosuite.out" &&
  pass "no installed suite: exit 2, the error names the missing path" ||
  fail "no installed suite: exit $st: $(cat "$WORK/nosuite.out")"

finish
