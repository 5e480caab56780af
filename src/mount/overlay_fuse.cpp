// SPDX-License-Identifier: Apache-2.0
#include "mount/overlay.hpp"

namespace sandbox::mount {
FuseOverlay::FuseOverlay(const plan::SandboxPlan &plan) : m_plan(plan) {}
FuseOverlay::~FuseOverlay() {
  stop();
}
void FuseOverlay::start(pid_t) {}
void FuseOverlay::stop() noexcept {}
} // namespace sandbox::mount
