// SPDX-License-Identifier: Apache-2.0
#include "limits/rlimits.hpp"

#include <sys/resource.h>

#include "sys/syscalls.hpp"

namespace sandbox::limits {

void apply_rlimits(const std::vector<plan::Rlimit> &limits) {
  for (const auto &l : limits) {
    rlimit value{};
    value.rlim_cur = l.soft == UINT64_MAX ? RLIM_INFINITY : l.soft;
    value.rlim_max = l.hard == UINT64_MAX ? RLIM_INFINITY : l.hard;
    if (setrlimit(static_cast<__rlimit_resource>(l.resource), &value) != 0)
      sys::throw_errno("setrlimit " + l.name);
  }
}

} // namespace sandbox::limits
