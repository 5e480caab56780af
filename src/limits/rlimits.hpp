// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <vector>

#include "plan/plan.hpp"

namespace sandbox::limits {
// setrlimit for each; a hard limit above the current one needs CAP_SYS_RESOURCE on the host,
// so raising it fails (EPERM) and that is reported, never ignored.
void apply_rlimits(const std::vector<plan::Rlimit> &limits);
} // namespace sandbox::limits
