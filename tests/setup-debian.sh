#!/usr/bin/env bash
# Installs what tcpconform needs on Debian 12 (as root) and builds it.
#   tests/setup-debian.sh            release build in build/
#   tests/setup-debian.sh --asan     also the ASan+UBSan build in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config libnet1-dev libpcap-dev liblua5.4-dev
          libcmocka-dev libmnl-dev libxml2-utils python3-junitparser tshark iproute2
          procps util-linux liblwip-dev)
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
if [ "${1:-}" = "--asan" ]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTCPCONFORM_SANITIZE=ON -DTCPCONFORM_WERROR=ON >/dev/null
  cmake --build build-asan -j "$jobs"
fi
