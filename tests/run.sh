#!/usr/bin/env bash
# The test command (README): installs, builds twice (release and ASan+UBSan) and runs
# every test -- cmocka unit tests and the self-tests that drive real labs -- in both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup-debian.sh --asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for dir in build build-asan; do
  echo "== ctest in $dir"
  ctest --test-dir "$dir" --output-on-failure --timeout 900 || status=1
done
exit $status
