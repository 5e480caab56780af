#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Start-up + teardown of `sandbox run -- true` next to bwrap, unshare and the kernel floor, in
# one run, with the shared anchor scripts (../shared/bench). Run as root: the scripts set up
# the anchors and measure as an unprivileged user.
#   bench/startup.sh [BUILD_DIR]       (default build/release; QUICK=1 for a smoke run)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
shared=${SANDBOX_SHARED_BENCH:-$top/../shared/bench}
build=$(cd "${1:-$top/build/release}" && pwd)
[ -x "$build/src/sandbox" ] || { echo "bench: build $build first (cmake --preset release)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }

# The measured binary must be reachable by the unprivileged bench user.
install -d -m 755 /usr/local/libexec/sandbox-bench
install -m 755 "$build/src/sandbox" /usr/local/libexec/sandbox-bench/sandbox
bin=/usr/local/libexec/sandbox-bench/sandbox

extra=$(mktemp)
trap 'rm -f "$extra"' EXIT
cat > "$extra" <<EOT
sandbox-default|$bin run --
sandbox-noseccomp|$bin run --seccomp none --
EOT
bash "$shared/setup.sh"
# The default profile binds the current directory read-write (and refuses the home): measure
# from the bench user's scratch directory, which every launcher can use as its cwd.
cd "${BENCH_DIR:-/srv/sbx-bench}/scratch"
EXTRA_LAUNCHERS=$extra bash "$shared/bench-startup.sh" bare unshare-Umpf bwrap-host sandbox-default sandbox-noseccomp
