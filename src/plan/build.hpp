// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "plan/host_facts.hpp"
#include "plan/plan.hpp"
#include "profile/schema.hpp"
#include "seccomp/policy.hpp"

namespace sandbox::plan {

// Resolves every "auto" and "self", expands the built-in /dev and /proc into mount operations,
// computes the exact environment, and checks what can be checked before clone (bind sources,
// subid ranges). Throws sandbox::Error with the profile position as context.
SandboxPlan build_plan(const profile::Profile &profile, const HostFacts &host,
                       std::vector<std::string> argv, const seccomp::PolicyContext &policies);

// The id maps of user.map = "single": `uid_inside` and `gid_inside` are the caller's `uid` and
// `gid`, setgroups denied.
IdMaps single_id_maps(std::uint32_t uid_inside, std::uint32_t gid_inside, std::uint32_t uid,
                      std::uint32_t gid);

// The id maps for a subid mapping: `inside` maps to the caller's own id and the other ids of
// 0..65535 to the subordinate range (podman's keep-id layout).
std::vector<IdRange> subid_map(std::uint32_t inside, std::uint32_t outside, SubidRange range);

// Human-readable plan, one decision per line, in execution order (--dry-run).
std::string describe_plan(const SandboxPlan &plan);

} // namespace sandbox::plan
