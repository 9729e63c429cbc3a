#!/usr/bin/env bash
# Installs what tcpconform needs on Debian 12 (as root) and builds it.
#   tests/setup-debian.sh          what the Linux suite needs; release build in build/
#   tests/setup-debian.sh --test   also what the tests need (cmocka, lwIP, clang and
#                                  libFuzzer, schema and pcap tools); the ASan+UBSan
#                                  build in build-asan/ and the fuzz build in build-fuzz/
# The main command runs the first form: a newcomer's first run installs only the
# compiler and the four libraries of the core, not the test toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
  "" | --test) ;;
  --asan) mode=--test ;;   # the old name
  *) echo "usage: tests/setup-debian.sh [--test]" >&2; exit 2 ;;
esac

# The core (harness/): compiler, CMake, libnet, libpcap, Lua 5.4, libmnl.
packages=(build-essential cmake pkg-config libnet1-dev libpcap-dev liblua5.4-dev libmnl-dev)
if [ "$mode" = --test ]; then
  # unit tests (cmocka), the lwIP target, JUnit schema checks (xmllint, junitparser),
  # pcap reading (tshark), link and process checks (iproute2, procps, util-linux), the
  # clang build and the fuzz targets (clang, libclang-rt-14-dev: libFuzzer), the man page
  # (man-db, groff), the gVisor target (Go 1.19 and gVisor's source, built offline).
  packages+=(libcmocka-dev liblwip-dev libxml2-utils python3-junitparser tshark iproute2
             procps util-linux clang libclang-rt-14-dev man-db groff-base
             golang-go golang-gvisor-gvisor-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTCPCONFORM_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
if [ "$mode" = --test ]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTCPCONFORM_SANITIZE=ON \
        -DTCPCONFORM_WERROR=ON >/dev/null
  cmake --build build-asan -j "$jobs"
  # The libFuzzer targets (tests/fuzz): clang, with the sanitizers and the fuzzer on.
  CC=clang cmake -S . -B build-fuzz -DTCPCONFORM_FUZZ=ON -DTCPCONFORM_WERROR=ON \
        -DTCPCONFORM_WITH_GVISOR=OFF >/dev/null
  cmake --build build-fuzz --target fuzz -j "$jobs"
fi
