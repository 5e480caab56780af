#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every descriptor sandbox opens must be close-on-exec: one that is not reaches the sandboxed
# command (runc's CVE-2024-21626 was a leaked fd to the host's cgroup directory). Two checks
# over src/, and any finding fails:
#  1. clang-tidy with .clang-tidy (android-cloexec-* as errors, and the clean bugprone/cert
#     checks) over every src/ file in compile_commands.json. SANDBOX_TIDY_CHECKS overrides
#     the checks (e.g. SANDBOX_TIDY_CHECKS='-*,android-cloexec-*' for the fast subset).
#  2. the calls android-cloexec-* does not know: raw syscall(SYS_...) and the *fd() family,
#     whose statement must say CLOEXEC (or carry a NOLINT(android-cloexec...) with a reason).
# Usage: scripts/check-cloexec.sh [BUILD_DIR]   (default build/release; configured if needed)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
cd "$src"
if [ ! -f "$build/compile_commands.json" ]; then
  cmake --preset release >/dev/null # configuring writes compile_commands.json; no build needed
  build=$src/build/release
fi
start=$(date +%s)

# 1. clang-tidy. src/util/toml_impl.cpp only instantiates toml++ (no descriptors, and by far
# the slowest file to parse); generated files live in the build directory, not in src/.
mapfile -t files < <(grep -o '"file": *"[^"]*"' "$build/compile_commands.json" |
  sed 's/^"file": *"//; s/"$//' | grep -F "$src/src/" | grep -v '/util/toml_impl\.cpp$' | sort -u)
[ ${#files[@]} -gt 0 ] || { echo "check-cloexec: no src/ files in $build/compile_commands.json" >&2; exit 1; }
checks=()
[ -n "${SANDBOX_TIDY_CHECKS:-}" ] && checks=(--checks="$SANDBOX_TIDY_CHECKS")
jobs=${SANDBOX_TIDY_JOBS:-$(nproc)}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
printf '%s\n' "${files[@]}" |
  xargs -P "$jobs" -n 4 clang-tidy -p "$build" --quiet --use-color=false --extra-arg=-Wno-unknown-warning-option "${checks[@]}" \
    >"$log" 2>&1 || status=$?
if [ "$status" != 0 ] || grep -qE '(warning|error):' "$log"; then
  grep -E -A3 '(warning|error):' "$log" | head -100 >&2
  echo "check-cloexec: clang-tidy found problems in src/ (see above)" >&2
  exit 1
fi
echo "check-cloexec: clang-tidy clean on ${#files[@]} files in $(( $(date +%s) - start ))s"

# 2. What clang-tidy does not check. Each statement (up to its ';', and the two lines before it,
# where openat2's open_how is filled) that creates a descriptor must mention CLOEXEC.
# pidfd_open/pidfd_getfd/CLONE_PIDFD/bpf descriptors are always close-on-exec: not listed.
perl -e '
  my $bad = 0;
  my $re = qr/\bSYS_(?:openat2|open_tree|fsopen|fsmount|fspick|userfaultfd|perf_event_open|memfd_secret)\b|
              \b(?:signalfd4?|eventfd2?|timerfd_create|epoll_create1|inotify_init1|socketpair|dup3|
                  accept4|mkostemps?|recvmsg)\s*\(|\bF_DUPFD\b/x;
  for my $file (@ARGV) {
    open(my $fh, "<", $file) or die "$file: $!";
    my @lines = <$fh>;
    for my $i (0 .. $#lines) {
      next if $lines[$i] =~ m{^\s*(?://|\#)};
      next unless $lines[$i] =~ $re;
      my $stmt = "";
      for (my $j = $i; $j <= $#lines && $j < $i + 8; ++$j) {
        $stmt .= $lines[$j];
        last if $lines[$j] =~ /;/;
      }
      my $before = join("", @lines[($i >= 2 ? $i - 2 : 0) .. $i]);
      next if $stmt =~ /CLOEXEC|NOLINT\(android-cloexec/ || $before =~ /CLOEXEC|NOLINT\(android-cloexec/;
      printf STDERR "%s:%d: creates a descriptor without CLOEXEC: %s", $file, $i + 1, $lines[$i];
      $bad = 1;
    }
  }
  exit $bad;
' $(find src -name '*.cpp' -o -name '*.hpp' | sort) || {
  echo "check-cloexec: descriptors created without CLOEXEC (see above)" >&2
  exit 1
}
echo "check-cloexec: raw syscalls clean; all done in $(( $(date +%s) - start ))s"
