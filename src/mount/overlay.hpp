// SPDX-License-Identifier: Apache-2.0
#pragma once
// Copy-on-write roots (root.overlay). Two drivers:
// - kernel overlayfs, mounted by the child in its own mount namespace (overlay.cpp);
// - fuse-overlayfs, a daemon the launcher starts outside the sandbox's pid namespace and stops
//   after the child exits (overlay_fuse.cpp).

#include <sys/types.h>

#include <string>

#include "plan/plan.hpp"
#include "sys/fd.hpp"

namespace sandbox::mount {

// Child side, instead of bind_new_root: builds the overlay root (kernel driver) or takes the
// fuse-overlayfs mount the launcher attached at plan.overlay.fuse_mountpoint, and stacks it on
// "/". Returns an O_PATH fd of the new root.
//
// The kernel refuses a lower layer with mounts below it (they are locked in a user namespace:
// overlayfs would show what they cover), so over the host's / the root is split: directories
// holding no mount become one overlay each, directories holding mounts get a skeleton overlay
// and are split further, and pseudo filesystems (proc, sysfs, ...) are bound read-only.
sys::UniqueFd overlay_new_root(const plan::SandboxPlan &plan);

// Launcher side of the fuse-overlayfs driver. prepare() makes a private temporary directory
// (the daemon's mount point, and the upper layer when ephemeral); start() runs the daemon in the
// child's user namespace and attaches its mount in the child's mount namespace; the destructor
// stops the daemon and removes the temporary directory, whatever happened to the command.
class FuseOverlay {
public:
  explicit FuseOverlay(const plan::SandboxPlan &plan);
  ~FuseOverlay();
  FuseOverlay(const FuseOverlay &) = delete;
  FuseOverlay &operator=(const FuseOverlay &) = delete;

  [[nodiscard]] const std::string &mountpoint() const { return m_mountpoint; }
  // After the child's id maps are written, before it builds its root. Throws sandbox::Error.
  void start(pid_t child);

private:
  void stop() noexcept;

  const plan::SandboxPlan &m_plan;
  std::string m_temp_dir;
  std::string m_mountpoint;
  pid_t m_daemon = -1;
};

} // namespace sandbox::mount
