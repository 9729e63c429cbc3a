#!/usr/bin/env bash
# Builds tcpconform in every CMake build type with GCC and with clang, warnings as
# errors, and runs the unit tests (ctest -R '^test_') in each: a release build at -O3
# or -Os, or another compiler, raises warnings and exposes undefined behaviour that the
# two everyday builds (RelWithDebInfo and the ASan Debug build) do not.
#   tests/build-matrix.sh [OUT_DIR]      (default build-matrix/)
# The Go agent (targets/gvisor) is not built here: no C compiler or build type touches it.
# Prints one line per configuration and exits 1 if any failed to build or test.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-matrix}
jobs=$(nproc)
status=0
for cc in gcc clang; do
  if ! command -v "$cc" >/dev/null; then
    echo "FAIL $cc: compiler not installed (tests/setup-debian.sh --test installs it)"
    status=1
    continue
  fi
  for type in Debug Release RelWithDebInfo MinSizeRel; do
    dir="$out/$cc-$type"
    log="$dir.log"
    mkdir -p "$out"
    start=$(date +%s)
    if ! { cmake -S . -B "$dir" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE="$type" \
             -DTCPCONFORM_WERROR=ON -DTCPCONFORM_WITH_GVISOR=OFF &&
           cmake --build "$dir" -j "$jobs"; } >"$log" 2>&1; then
      echo "FAIL $cc $type: build (log: $log)"
      grep -E 'error|warning' "$log" | head -20
      status=1
      continue
    fi
    if ! ctest --test-dir "$dir" -R '^test_' --output-on-failure >>"$log" 2>&1; then
      echo "FAIL $cc $type: unit tests (log: $log)"
      tail -30 "$log"
      status=1
      continue
    fi
    n=$(grep -Eo 'out of [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')
    echo "ok   $cc $type: built, ${n:-?} unit tests passed ($(( $(date +%s) - start )) s)"
  done
done
exit $status
