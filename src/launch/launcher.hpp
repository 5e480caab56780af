// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <sys/types.h>

#include <functional>

#include "plan/plan.hpp"

namespace sandbox::launch {

// Runs the sandbox the plan describes and returns sandbox's exit code: the command's status
// (128+N for signal N), or 125/126/127 when setup or exec failed; a failure is also printed
// as one line on stderr. The process must be single-threaded. `after_id_maps` (optional) runs
// once the child's id maps are written and before it builds its root (the fuse-overlayfs driver
// starts its daemon there); if it throws, the child is killed.
int run_sandbox(const plan::SandboxPlan &plan,
                const std::function<void(pid_t child)> &after_id_maps = {});

} // namespace sandbox::launch
