// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>

#include "plan/plan.hpp"

namespace sandbox::launch {

// Which namespaces besides the user and mount namespaces are new.
struct NamespaceSet {
  bool pid = true;
  bool ipc = true;
  bool uts = true;
  bool net = true;
  bool cgroup = true;
};

class FirstProcess;
struct FirstProcessDeleter {
  void operator()(FirstProcess *first) const noexcept;
};
// The sandbox's first process, started before its plan exists; destroying it kills and reaps
// the process.
using EarlyStart = std::unique_ptr<FirstProcess, FirstProcessDeleter>;

// Starts the sandbox's first process before the profile is loaded, so that the kernel builds
// the namespaces of `guess` while the launcher builds the plan: the process is cloned into new
// user (and pid) namespaces and creates the others itself, first thing, where the launcher
// would otherwise wait ~0.6 ms for them in its clone (a network and a cgroup namespace cost the
// most). It then waits for the plan and goes on as usual. Returns none where this cannot be
// done (the sanitizer build forks its children, which could not read a plan made later).
// The signals forwarded to the command stay unblocked until run_sandbox. With `id_maps` (single
// maps), the process also writes its id maps itself, and the plan must want those maps too.
EarlyStart start_early(const NamespaceSet &guess,
                       std::optional<plan::IdMaps> id_maps = std::nullopt);

// Runs the sandbox the plan describes and returns sandbox's exit code: the command's status
// (128+N for signal N), or 125/126/127 when setup or exec failed; a failure is also printed
// as one line on stderr. The process must be single-threaded. `after_id_maps` (optional) runs
// once the child's id maps are written and before it builds its root (the fuse-overlayfs driver
// starts its daemon there); if it throws, the child is killed. `early` (optional) is taken
// over when it is in the namespaces the plan wants, and otherwise killed and replaced.
// `after_exit`: return the exit code, or exit the process with it, skipping every destructor
// (for a caller with nothing left to do that the exit would not do too).
enum class AfterExit { return_code, exit_process };
int run_sandbox(const plan::SandboxPlan &plan,
                const std::function<void(pid_t child)> &after_id_maps = {}, EarlyStart early = {},
                AfterExit after_exit = AfterExit::return_code);

} // namespace sandbox::launch
