// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "plan/plan.hpp"

namespace sandbox::launch {

// Runs the sandbox the plan describes and returns sandbox's exit code: the command's status
// (128+N for signal N), or 125/126/127 when setup or exec failed; a failure is also printed
// as one line on stderr. The process must be single-threaded.
int run_sandbox(const plan::SandboxPlan &plan);

} // namespace sandbox::launch
