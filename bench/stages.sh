#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Where the start-up time goes: builds sandbox with SANDBOX_STAGE_CLOCK (build/stages), runs
# `sandbox run -- /bin/true` N times as the bench user under bench/stamp.c, and prints the
# median and mean time from each stage mark to the next (first line: exec to main()).
#   sudo bench/stages.sh [N] [-- extra sandbox run options]     (N defaults to 200)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-200}
shift || true
[ "${1:-}" = -- ] && shift
user=${BENCH_USER:-sbxtest}
[ "$(id -u)" = 0 ] || { echo "stages: run as root (measures as $user)" >&2; exit 1; }
cmake -S "$top" -B "$top/build/stages" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANDBOX_STAGE_CLOCK=ON \
  -DSANDBOX_BUILD_TESTS=OFF >/dev/null
cmake --build "$top/build/stages" -j"$(nproc)" --target sandbox >/dev/null
work=$(mktemp -d /tmp/sandbox-stages.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cc -O2 -o "$work/stamp" "$top/bench/stamp.c"
install -m 755 "$top/build/stages/src/sandbox" "$work/sandbox"
# The default profile binds the cwd read-write and refuses the home: run from a scratch dir.
mkdir -m 777 "$work/cwd"
su "$user" -s /bin/bash -c "cd '$work/cwd' && for i in \$(seq $runs); do '$work/stamp' '$work/sandbox' run $* -- /bin/true; done" \
  2>"$work/stages.txt" >/dev/null
python3 - "$work/stages.txt" <<'PY'
import collections, statistics, sys
runs, current = [], []
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) != 3 or parts[0] != "stage":
        continue
    current.append((int(parts[2]), parts[1]))
    if parts[1] == "T1-waited":
        runs.append(sorted(current))
        current = []
order = [name for _, name in runs[0]]
deltas = collections.defaultdict(list)
for run in runs:
    previous = run[0][0]
    for t, name in run:
        deltas[name].append((t - previous) / 1e3)
        previous = t
print(f"{'stage (time since the previous mark)':40} {'median us':>10} {'mean us':>10}")
for name in order[1:]:
    print(f"{name:40} {statistics.median(deltas[name]):10.0f} {statistics.mean(deltas[name]):10.0f}")
totals = [(run[-1][0] - run[0][0]) / 1e3 for run in runs]
print(f"{'total (spawn to reaped), ' + str(len(runs)) + ' runs':40} {statistics.median(totals):10.0f} {statistics.mean(totals):10.0f}")
PY
