#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan in build/fuzz and runs
# both at once over their seed corpora in tests/fuzz/corpus/. Two modes:
#   - the gate (default; what scripts/test.sh and CI run): SANDBOX_FUZZ_RUNS inputs per target
#     (default 100000, about a minute each here) from a fixed seed (SANDBOX_FUZZ_SEED, default 1)
#     and an empty scratch corpus, so the same tree gives the same inputs on every machine: a CI
#     failure reproduces locally, and a green local run means a green CI.
#   - exploring (SANDBOX_FUZZ_SECONDS=N): N seconds per target from a random seed, keeping what
#     it finds in build/fuzz/corpus/. Run it now and then; put the inputs of its findings, once
#     fixed, into tests/fuzz/corpus/ or tests/unit/fuzz_regressions_test.cpp.
# Any finding (crash, sanitizer report, uncaught exception, failed round trip, timeout, leak)
# fails: the input is saved in build/fuzz/findings/ and printed in base64, with the command that
# reproduces it. New inputs never go to the tree.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build/fuzz
runner=()
if [ -n "${SANDBOX_FUZZ_SECONDS:-}" ]; then
  budget=(-max_total_time="$SANDBOX_FUZZ_SECONDS")
  corpus=$build/corpus
  what="for ${SANDBOX_FUZZ_SECONDS}s each, random seed"
else
  # A seed alone does not repeat a run: libFuzzer's comparison tracing and the addresses ASLR
  # gives the targets' allocations both steer the mutations (two runs from seed 1 kept 747 and
  # 695 new inputs). With both off, two runs keep the same inputs.
  budget=(-runs="${SANDBOX_FUZZ_RUNS:-100000}" -seed="${SANDBOX_FUZZ_SEED:-1}" -use_cmp=0)
  corpus=$build/corpus-gate
  rm -rf "$corpus"
  what="${SANDBOX_FUZZ_RUNS:-100000} inputs each from seed ${SANDBOX_FUZZ_SEED:-1}"
  if setarch -R true 2>/dev/null; then
    runner=(setarch -R)
  else
    echo "fuzz.sh: setarch -R refused (a seccomp filter?): ASLR stays on, the run is not repeatable" >&2
  fi
  # Nothing from the caller's environment changes what the gate runs.
  unset SANDBOX_FUZZ_SKIP_KNOWN ASAN_OPTIONS UBSAN_OPTIONS
fi
cd "$src"
start=$(date +%s)

CC=clang CXX=clang++ cmake -S . -B "$build" -DSANDBOX_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  >/dev/null
cmake --build "$build" --target sandbox_fuzzers -j"$(nproc)" >/dev/null
echo "fuzz.sh: built in $(( $(date +%s) - start ))s; fuzzing: $what"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rm -rf "$build/findings"
mkdir -p "$build/findings"
pids=()
for target in profile seccomp; do
  mkdir -p "$corpus/$target"
  if [ -n "${SANDBOX_FUZZ_SECONDS:-}" ]; then
    inputs=("$corpus/$target" "tests/fuzz/corpus/$target")
  else
    # libFuzzer orders the seeds by size alone, equal sizes as the directory lists them (which
    # differs between file systems): a sorted list instead.
    inputs=(-seed_inputs="$(printf '%s\n' "tests/fuzz/corpus/$target"/* | LC_ALL=C sort | paste -sd, -)"
      "$corpus/$target")
  fi
  "${runner[@]}" "$build/tests/fuzz/fuzz_$target" "${budget[@]}" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/findings/$target-" \
    "${inputs[@]}" >"$build/fuzz_$target.log" 2>&1 &
  pids+=($!)
done
failed=0
i=0
for target in profile seccomp; do
  if wait "${pids[$i]}"; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz_$target.log")
    echo "fuzz.sh: fuzz_$target: no finding in ${runs:-?} runs"
  else
    failed=1
    echo "fuzz.sh: fuzz_$target FOUND A PROBLEM:" >&2
    grep -E -A25 'ERROR:|runtime error|FUZZ FINDING|deadly signal|timeout' \
      "$build/fuzz_$target.log" | head -60 >&2 || tail -n 40 "$build/fuzz_$target.log" >&2
    for f in "$build"/findings/"$target"-*; do
      [ -e "$f" ] || continue
      echo "fuzz.sh: input $f (base64: $(base64 -w0 "$f"))" >&2
      echo "fuzz.sh: reproduce: $build/tests/fuzz/fuzz_$target $f" >&2
    done
  fi
  i=$((i + 1))
done
echo "fuzz.sh: done in $(( $(date +%s) - start ))s"
exit "$failed"
