// SPDX-License-Identifier: Apache-2.0
#pragma once
// Post-processing of the classic BPF that libseccomp emits: splicing in our argument blocks and
// a peephole pass that keeps every decision libseccomp made but executes fewer instructions.
// Internal to the seccomp module (filter.cpp); pure.

#include <linux/filter.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace sandbox::seccomp::detail {

// Replaces each `ret K` for which `block_for(K)` gives code with that code (a self-contained
// program fragment: forward jumps only, every path ends in a ret), placed where the ret was.
// Then:
//  - jumps to jumps are threaded to their final target;
//  - loads of a seccomp_data word that A already holds (and `and`s already applied) are skipped,
//    by jumping past them from the paths where A holds it, or dropped when every path does;
//  - unreachable instructions are dropped;
//  - the program is laid out again in the same order, with `ja` trampolines only where a
//    conditional jump's target is more than 255 instructions away.
// Throws sandbox::Error when the input is not a forward-only program.
std::vector<sock_filter> splice_and_optimize(
    const std::vector<sock_filter> &program,
    const std::function<std::optional<std::vector<sock_filter>>(std::uint32_t)> &block_for);

} // namespace sandbox::seccomp::detail
