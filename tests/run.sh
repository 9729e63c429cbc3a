#!/usr/bin/env bash
# The test command (README): installs what the tests need, builds, and runs
#  1. the build matrix: every CMake build type with GCC and with clang, warnings as
#     errors, unit tests in each (tests/build-matrix.sh);
#  2. every test -- cmocka unit tests and the self-tests that drive real labs -- in the
#     release build and again in the ASan+UBSan build;
#  3. the libFuzzer targets (tests/fuzz), 30 s each from their seed corpora
#     (bench/fuzz.sh runs them for longer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup-debian.sh --test
status=0
echo "== build matrix"
bash tests/build-matrix.sh build-matrix || status=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for dir in build build-asan; do
  echo "== ctest in $dir"
  ctest --test-dir "$dir" --output-on-failure --timeout 900 || status=1
done
echo "== fuzz targets"
bash tests/fuzz/run.sh build-fuzz 30 || status=1
exit $status
