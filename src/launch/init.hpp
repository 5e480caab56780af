// SPDX-License-Identifier: Apache-2.0
#pragma once
// Pid 1 of the sandbox (after bubblewrap's do_init): forks the command, reaps every orphan,
// forwards signals to the command, and exits with the command's status (128+N for signal N).

#include "launch/channel.hpp"
#include "plan/plan.hpp"
#include "seccomp/filter.hpp"

namespace sandbox::launch {

[[noreturn]] void run_init(const plan::SandboxPlan &plan, Channel &channel,
                           const seccomp::Filter *filter);

} // namespace sandbox::launch
