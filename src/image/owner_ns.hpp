// SPDX-License-Identifier: Apache-2.0
#pragma once
// Keeping an archive's ownership: the import (and the removal of such an image) runs in a child
// process in a new user namespace mapped as the launcher's user.map = "subids" with uid 0 inside
// (0 = the caller, 1..N = the caller's subordinate ids, through newuidmap/newgidmap), as that
// namespace's root. There it may chown entries to the archive's ids, and chmod or unlink any
// file an image holds.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "plan/plan.hpp"

namespace sandbox::image {

struct OwnerMap {
  bool usable = false;
  std::string why_not;       // when not usable: "no subordinate ids for USER", ...
  std::string user;          // the caller's login name (or uid)
  plan::IdMaps ids;          // inside 0 -> the caller, 1..max -> the subordinate range
  std::uint32_t max_uid = 0; // the highest id mapped inside
  std::uint32_t max_gid = 0;
};

// Reads /etc/subuid and /etc/subgid (the launcher's parser) and looks for newuidmap/newgidmap.
OwnerMap probe_owner_map();

// The caller's login name, or the uid as text.
std::string caller_name();

// Runs `fn` in a forked child, in a new user namespace mapped by `map` (which must be usable),
// as its uid and gid 0, and waits for it. An Error thrown by `fn` is rethrown here; a child
// that dies otherwise is an Error too. `interrupted`, when set while waiting, is forwarded to
// the child as SIGTERM (its handlers are ours: fork keeps them).
void run_as_ns_root(const OwnerMap &map, const std::function<void()> &fn,
                    const std::atomic<bool> *interrupted = nullptr);

// True in the child of run_as_ns_root.
bool in_owner_ns();

} // namespace sandbox::image
