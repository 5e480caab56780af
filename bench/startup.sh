#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Start-up + teardown of `sandbox run -- true` next to bwrap, unshare and the kernel floor, in
# one run, with the shared anchor scripts (../shared/bench), then the same run by run
# (bench/interleaved.c). Run as root: the scripts set up the anchors and measure as an
# unprivileged user.
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
bash "$shared/setup.sh"
bench_dir=${BENCH_DIR:-/srv/sbx-bench}
# bwrap-host (the shared anchor) does less than sandbox's default profile. bwrap-equivalent does
# what the default profile does, as far as bwrap can: the same tmpfs mounts and cwd bind, the
# masks and read-only /proc entries that exist here, a new session, a cleared environment, and
# sandbox's own default seccomp filter (exported as BPF, passed on fd 10).
# Exported as the bench user, so that the policy is the one that user's runs find.
runuser -u "${BENCH_USER:-sbxtest}" -- "$bin" seccomp export default \
  >/usr/local/libexec/sandbox-bench/default.bpf
chmod 644 /usr/local/libexec/sandbox-bench/default.bpf
home=$bench_dir/home scratch=$bench_dir/scratch
equivalent="$bench_dir/bin/withfd 10 /usr/local/libexec/sandbox-bench/default.bpf bwrap"
equivalent+=" --ro-bind / / --dev /dev --perms 1777 --tmpfs /dev/shm --proc /proc"
equivalent+=" --perms 1777 --tmpfs /tmp --perms 0700 --tmpfs $home"
equivalent+=" --tmpfs /run --bind $scratch $scratch --chdir $scratch"
for path in /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats \
  /proc/sched_debug /proc/scsi /proc/acpi /sys/firmware; do
  if [ -d "$path" ]; then equivalent+=" --tmpfs $path --remount-ro $path"
  elif [ -e "$path" ]; then equivalent+=" --ro-bind /dev/null $path"; fi
done
for path in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do
  [ -e "$path" ] && equivalent+=" --ro-bind $path $path"
done
equivalent+=" --unshare-all --die-with-parent --new-session --hostname sandbox --cap-drop ALL"
equivalent+=" --clearenv --setenv PATH /usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
equivalent+=" --setenv HOME $home --setenv LANG C.UTF-8 --setenv TERM dumb"
equivalent+=" --setenv USER ${BENCH_USER:-sbxtest} --setenv LOGNAME ${BENCH_USER:-sbxtest} --seccomp 10"
cat > "$extra" <<EOT
bwrap-equivalent|$equivalent
sandbox-default|$bin run --
sandbox-noseccomp|$bin run --seccomp none --
EOT
# The default profile binds the current directory read-write (and refuses the home): measure
# from the bench user's scratch directory, which every launcher can use as its cwd.
cd "$scratch"
EXTRA_LAUNCHERS=$extra bash "$shared/bench-startup.sh" bare unshare-Umpf bwrap-host \
  bwrap-equivalent sandbox-default sandbox-noseccomp

# The same targets run by run (bench/interleaved.c): the rows above are measured minutes apart.
# Back to back (no pause), each round runs the floor and each command once; ratios per round.
interleaved=/usr/local/libexec/sandbox-bench/interleaved
cc -O2 -Wall -o "$interleaved" "$top/bench/interleaved.c"
bwrap_host="bwrap --ro-bind / / --dev /dev --proc /proc --unshare-all --die-with-parent /bin/true"
echo
echo "## Interleaved, run by run (${INTERLEAVED_ROUNDS:-300} rounds; ratios are medians per round)"
echo
echo '```'
runuser -u "${BENCH_USER:-sbxtest}" -- "$interleaved" "${INTERLEAVED_ROUNDS:-300}" 0 /bin/true -- \
  "bwrap-host=$bwrap_host" "sandbox-default=$bin run -- /bin/true" \
  "unshare-Umpf=unshare -Urmpf --mount-proc /bin/true" "bare=/bin/true"
echo '```'
