// SPDX-License-Identifier: Apache-2.0
// Start-up timeline for bench/stages.sh: built with -DSANDBOX_STAGE_CLOCK=ON, each stage of
// a launch writes "stage <name> <CLOCK_MONOTONIC ns>" to stderr; otherwise it compiles to
// nothing.
#pragma once

#if defined(SANDBOX_STAGE_CLOCK)
#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace sandbox::util {
inline void stage_mark(const char *name) noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  char line[96];
  const int n = std::snprintf(line, sizeof line, "stage %s %lld\n", name,
                              static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
  if (n > 0)
    (void)!write(STDERR_FILENO, line, static_cast<size_t>(n));
}
} // namespace sandbox::util
#define SANDBOX_STAGE(name) ::sandbox::util::stage_mark(name)
#else
#define SANDBOX_STAGE(name) ((void)0)
#endif
