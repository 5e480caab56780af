// SPDX-License-Identifier: Apache-2.0
#pragma once
// The child side of the launch. The child shares the launcher's memory (CLONE_VM; see
// launcher.cpp): it allocates and throws only once it has "maps ready" or has taken a published
// plan (ChildStart::plan_published), every exception is
// caught in child_main and reported over the channel, and the child leaves only through _exit
// (never exit(): that would flush the launcher's stdio buffers).

#include <array>
#include <atomic>
#include <csignal>
#include <cstddef>

#include "launch/channel.hpp"
#include "plan/plan.hpp"
#include "seccomp/filter.hpp"

namespace sandbox::launch {

// What the first process starts with. `plan` and `filter` may be filled in after the clone,
// while the child waits (start_early in launcher.hpp): the child reads them only once the
// launcher has sent "maps ready", which it does after filling them in.
struct ChildStart {
  const plan::SandboxPlan *plan = nullptr;
  const seccomp::Filter *filter = nullptr;
  int channel_fd = -1;
  // Namespaces the child creates itself, first thing (CLONE_NEW* flags; 0 when the clone made
  // them all).
  int unshare_flags = 0;
  // Whether the child dies with the launcher until the plan says otherwise.
  bool die_with_parent = true;
  // A child started early may write its user namespace's id maps itself, right after its
  // namespaces: single lines that map the launcher's own uid and gid ("1000 1000 1\n").
  bool write_own_id_maps = false;
  std::array<char, 48> own_uid_map{};
  std::array<char, 48> own_gid_map{};
  std::size_t own_uid_map_size = 0;
  std::size_t own_gid_map_size = 0;
  // Set by the launcher, through plan_published(), once `plan` and `filter` are in place and it
  // allocates nothing more while the child lives. A child that wrote its own id maps then goes
  // on as soon as it has, without waiting for "maps ready" (which still follows): the launcher
  // usually has the plan long before, and a message it waits for costs the child the launcher's
  // wake-up on another, idle CPU (~80-120 us on this VM).
  bool plan_published = false;
  // The stack the command's process runs on until it execs (launch/init.hpp).
  void *command_stack_top = nullptr;
};

// ChildStart::plan_published, as the child sees it: the launcher sets it last, after what it
// publishes.
inline bool plan_published(const ChildStart &start) noexcept {
  // The launcher's object is not const; only the child's view of it is.
  return std::atomic_ref(const_cast<bool &>(start.plan_published)).load(std::memory_order_acquire);
}

// Stages, in order: the namespaces of `unshare_flags`, wait for the id maps, propagation, root,
// mounts, pivot_root, read-only and masked paths, loopback, hostname; then become the
// sandbox's pid 1 and fork the command.
[[noreturn]] void child_main(const ChildStart &start, Channel &channel) noexcept;

// The signals the launcher forwards to the command.
inline constexpr int k_forwarded_signals[] = {1 /*HUP*/,   2 /*INT*/,   3 /*QUIT*/,
                                              10 /*USR1*/, 12 /*USR2*/, 15 /*TERM*/};

// k_forwarded_signals as a set.
inline sigset_t forwarded_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : k_forwarded_signals)
    sigaddset(&set, sig);
  return set;
}

} // namespace sandbox::launch
