#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Records which functions of sandbox run when it starts a sandbox, for the link order: lld puts
# the functions listed in src/hot-functions.txt next to each other (src/CMakeLists.txt), so a
# start touches fewer pages of the program. Run as root after changing the start-up path, and
# commit the new list; it measures as the bench user. Needs perf (Debian: linux-perf).
#   bench/hot-functions.sh [RUNS]      (default 1000)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-1000}
user=${BENCH_USER:-sbxtest}
[ "$(id -u)" = 0 ] || { echo "hot-functions: run as root (measures as $user)" >&2; exit 1; }
command -v perf >/dev/null || { echo "hot-functions: needs perf (apt install linux-perf)" >&2; exit 1; }
build=$top/build/release
[ -d "$build" ] || cmake --preset release -S "$top" >/dev/null
cmake --build "$build" --target sandbox -j"$(nproc)" >/dev/null

work=$(mktemp -d /tmp/sandbox-hot.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
install -m 755 "$build/src/sandbox" "$work/sandbox"
# The default profile binds the cwd read-write (and refuses the home): run from a scratch dir.
mkdir -m 777 "$work/cwd"
perf record -q -e cpu-clock -F 50000 -o "$work/perf.data" -- \
  su "$user" -s /bin/bash -c "cd '$work/cwd' && for i in \$(seq $runs); do '$work/sandbox' run -- /bin/true; done" \
  >/dev/null 2>&1
# Every function sampled in sandbox itself (the launcher, pid 1, the command before its exec),
# most samples first. Names not in a later build are skipped by the linker.
{
  echo "# Functions sandbox runs when it starts a sandbox, most run first; written by"
  echo "# bench/hot-functions.sh ($runs runs of \`sandbox run -- /bin/true\`), read by lld."
  perf report -i "$work/perf.data" --comm sandbox --dso sandbox --sort sym --stdio -g none \
    --no-demangle 2>/dev/null | awk '/%/ && $2 == "[.]" { print $3 }'
} >"$top/src/hot-functions.txt"
echo "hot-functions: $(grep -vc '^#' "$top/src/hot-functions.txt") functions in src/hot-functions.txt"
