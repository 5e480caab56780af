#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite as CI runs it. Run as root (sudo scripts/test.sh): it installs the
# Debian packages, creates the unprivileged test users (with /etc/subuid ranges), checks the
# formatting, builds with -Werror twice (release, and ASan+UBSan), and runs every test under
# ctest; then clang-tidy's close-on-exec checks and 100000 fixed inputs for each fuzzer. Integration and
# escape tests run the sandbox as the unprivileged user, never as root.
#
# The tree is copied to $SANDBOX_TEST_DIR (default /var/tmp/sandbox-test) first, because the
# test user must be able to read the binaries and fixtures, wherever the checkout lives.
set -euo pipefail
umask 022
src=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "test.sh: run as root (sudo $0): it creates test users" >&2; exit 1; }
start=$(date +%s)
step() { echo "== [$(( $(date +%s) - start ))s] $*"; }

step "dependencies"
bash "$src/scripts/install-deps.sh"
step "test users"
bash "$src/tests/support/setup-test-users.sh"

step "format check"
cd "$src"
unformatted=$(git ls-files '*.cpp' '*.hpp' '*.c' 2>/dev/null | xargs -r clang-format --dry-run 2>&1 | grep -c 'warning:' || true)
if [ "$unformatted" != 0 ]; then
  git ls-files '*.cpp' '*.hpp' '*.c' | xargs -r clang-format --dry-run 2>&1 | grep 'warning:' | head -20
  echo "test.sh: $unformatted formatting differences: run clang-format -i on the files above" >&2
  exit 1
fi

work=${SANDBOX_TEST_DIR:-/var/tmp/sandbox-test}
step "copy the tree to $work"
mkdir -p "$work"
chmod 755 "$work"
rm -rf "$work/src"
mkdir "$work/src"
tar -C "$src" --exclude=./build --exclude=./.git -cf - . | tar -C "$work/src" -xf -
chmod -R a+rX "$work/src"
cd "$work/src"

jobs=$(nproc)
export SANDBOX_REQUIRE_USERNS=1 SANDBOX_TEST_USER=${SANDBOX_TEST_USER:-sbxtest}
export CTEST_OUTPUT_ON_FAILURE=1

step "release build (-Werror)"
cmake --preset release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build --preset release -j"$jobs"
step "release tests"
ctest --preset release -j"$jobs" --timeout 300

step "close-on-exec check (clang-tidy over src/)"
bash scripts/check-cloexec.sh build/release

step "ASan+UBSan build (-Werror)"
cmake --preset dev >/dev/null
cmake --build --preset dev -j"$jobs"
step "ASan+UBSan tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset dev -j"$jobs" --timeout 600
chmod -R a+rX "$work/src/build"

step "fuzzing (clang, ASan+UBSan; scripts/fuzz.sh)"
bash scripts/fuzz.sh
step "all tests passed"
