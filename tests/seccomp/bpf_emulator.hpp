// SPDX-License-Identifier: Apache-2.0
#pragma once
// A classic-BPF interpreter for seccomp programs (after /work/shared/bench/src/bpfcount.c): runs
// a filter on one seccomp_data and reports the return value and the instructions executed.

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <span>

namespace sandbox::seccomp::test {

struct BpfResult {
  std::uint32_t ret = 0; // the filter's return value (action | data)
  long executed = 0;     // instructions executed, the ret included
  bool ok = false;       // false: fell off the end or hit an instruction seccomp forbids
};

BpfResult run_bpf(std::span<const sock_filter> program, const seccomp_data &data);

} // namespace sandbox::seccomp::test
