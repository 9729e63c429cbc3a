#!/usr/bin/env bash
# bench/fuzz.sh [SECONDS]: a long fuzzing campaign, SECONDS per target (default 600),
# the targets one after the other (one process at a time: the machine may be shared).
#
# Builds the libFuzzer targets with clang into build-fuzz/ (or FUZZ_BUILD=DIR), then
# runs tests/fuzz/run.sh, which works on scratch copies of the seed corpora (the
# repository is never written) and exits non-zero with the reproducer's path on any
# crash, leak, timeout or broken round trip. Needs clang and libclang-rt-14-dev.
set -eu
secs=${1:-600}
case $secs in '' | *[!0-9]*) echo "$0: SECONDS must be a whole number, got \"$secs\"" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
command -v clang >/dev/null || { echo "$0: clang not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
CC=clang cmake -S "$root" -B "$build" -DTCPCONFORM_FUZZ=ON -DTCPCONFORM_WERROR=ON >/dev/null
cmake --build "$build" --target fuzz -j"$(nproc)" >/dev/null
exec "$root/tests/fuzz/run.sh" "$build" "$secs"
