#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Installs what sandbox needs to build, run and test, from Debian 12 packages. Run as root.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "install-deps.sh: run as root (sudo $0)" >&2; exit 1; }
packages=(
  # build
  cmake g++ make pkg-config libcap-dev libseccomp-dev libtomlplusplus-dev libcli11-dev
  libarchive-dev # sandbox-image only (`sandbox image import`); run time: libarchive13
  lld # links sandbox with its start-up functions together (src/CMakeLists.txt)
  # tests
  libgtest-dev googletest clang-format util-linux procps busybox-static iproute2 libcap2-bin
  # clang-tidy (scripts/check-cloexec.sh); clang and libFuzzer (scripts/fuzz.sh)
  clang-tidy clang libclang-rt-14-dev
  # run time: newuidmap/newgidmap (user.map = "subids"), fuse-overlayfs (overlay roots),
  # libarchive13 (sandbox-image; libarchive-dev above pulls it in)
  uidmap fuse-overlayfs libarchive13
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
