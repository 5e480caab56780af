#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Records which functions of sandbox run when it starts a sandbox, for the link order: lld puts
# the functions listed in src/hot-functions.txt next to each other (src/CMakeLists.txt), so a
# start touches fewer pages of the program. Run as root after changing the start-up path, and
# commit the new list; it measures as the bench user. Needs perf (Debian: linux-perf).
#   bench/hot-functions.sh [RUNS]      (default 1000)
#
# Two recordings, merged: every function of the program's own code (and of the headers it
# instantiates) that a run enters, in the order first entered, from a build compiled with
# -finstrument-functions (bench/functrace.c); then the functions of the static libraries (glibc,
# libstdc++, libseccomp, libcap), which that build cannot see, from perf: CPU samples, and the
# instruction fetches that faulted.
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

# The instrumented build (entry.cpp runs before relocation and stays uninstrumented).
traced=$top/build/functrace
cc -O2 -fPIE -c "$top/bench/functrace.c" -o "$work/functrace.o"
cmake -S "$top" -B "$traced" -DCMAKE_BUILD_TYPE=Release -DSANDBOX_BUILD_TESTS=OFF \
  -DCMAKE_CXX_FLAGS="-finstrument-functions -finstrument-functions-exclude-file-list=entry.cpp" \
  -DCMAKE_EXE_LINKER_FLAGS="$work/functrace.o" >/dev/null
cmake --build "$traced" --target sandbox -j"$(nproc)" >/dev/null
install -m 755 "$traced/src/sandbox" "$work/traced"
touch "$work/trace.txt"
chmod 666 "$work/trace.txt"
su "$user" -s /bin/bash -c "cd '$work/cwd' && SANDBOX_FUNCTRACE='$work/trace.txt' '$work/traced' run -- /bin/true" \
  >/dev/null
nm --defined-only "$work/traced" >"$work/traced.syms"
nm --defined-only "$work/sandbox" >"$work/release.syms"

# Two events: a sample every 20 us of CPU time (what runs long), and every page fault, of which
# the instruction fetches name the functions whose first run touched a page of the program
# (what runs once, and would otherwise be missed by the samples).
perf record -q -e cpu-clock/freq=50000/ -e minor-faults/period=1/ -d -o "$work/perf.data" -- \
  su "$user" -s /bin/bash -c "cd '$work/cwd' && for i in \$(seq $runs); do '$work/sandbox' run -- /bin/true; done" \
  >/dev/null 2>&1
# Every function of sandbox itself (the launcher, pid 1, the command before its exec) that was
# sampled or fetched from a new page, most samples first, then those of the previous list that
# this recording missed. Names not in a later build are skipped by the linker.
[ -f "$top/src/hot-functions.txt" ] && cp "$top/src/hot-functions.txt" "$work/previous.txt"
perf script -i "$work/perf.data" -F comm,event,addr,ip,sym,dso --no-demangle 2>/dev/null |
  python3 -c '
import collections, sys
# "COMM EVENT: [ADDR ADDR_SYM (ADDR_DSO)] IP SYM (DSO)"; a cpu-clock sample has ADDR 0 alone.
samples = collections.Counter()
for text in sys.stdin:
    f = text.split()
    if len(f) < 6 or f[0] != "sandbox" or not f[-1].endswith("/sandbox)") or f[-2] == "[unknown]":
        continue
    event, ip, sym = f[1], int(f[-3], 16), f[-2]
    if event.startswith("cpu-clock"):
        samples[sym] += 1
    elif len(f) == 8 and f[4].endswith("/sandbox)") and abs(int(f[2], 16) - ip) < 4096:
        samples[sym] += 0  # fetched from a page not touched before: listed after the sampled
def symbols(path):
    by_address = {}
    for line in open(path):
        f = line.split()
        if len(f) == 3:
            by_address.setdefault(int(f[0], 16), f[2])
    return by_address
traced = symbols(sys.argv[2])
in_release = set(symbols(sys.argv[3]).values())
# The instrumented build entered these, first entered first; those inlined away in the release
# build have no symbol there and are left out.
listed = []
for line in open(sys.argv[4]):
    name = traced.get(int(line, 16)) if line.strip() != "-" else None
    if name in in_release and name not in listed:
        listed.append(name)
print("# Functions sandbox runs when it starts a sandbox, in the order first run, then the library")
print("# functions perf saw (most sampled first); written by bench/hot-functions.sh (" + sys.argv[1])
print("# runs of `sandbox run -- /bin/true`), read by lld.")
known = set(listed)
for sym, _ in sorted(samples.items(), key=lambda kv: -kv[1]):
    if sym not in known:
        listed.append(sym)
        known.add(sym)
# What earlier recordings listed and this one missed (sampling is not exhaustive) stays, after.
for old in open(sys.argv[5]) if len(sys.argv) > 5 else []:
    old = old.strip()
    if old and not old.startswith("#") and old not in known:
        listed.append(old)
        known.add(old)
print("\n".join(listed))
' "$runs" "$work/traced.syms" "$work/release.syms" "$work/trace.txt" \
  $([ -f "$top/src/hot-functions.txt" ] && echo "$work/previous.txt") >"$work/new.txt"
mv "$work/new.txt" "$top/src/hot-functions.txt"
echo "hot-functions: $(grep -vc '^#' "$top/src/hot-functions.txt") functions in src/hot-functions.txt"
