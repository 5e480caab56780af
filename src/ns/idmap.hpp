// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <sys/types.h>

#include <string>

#include "plan/plan.hpp"

namespace sandbox::ns {

// Parent side: gives the child's new user namespace its id maps, directly (setgroups "deny",
// then gid_map, then uid_map: user_namespaces(7) forbids an unprivileged gid_map otherwise) or
// through newuidmap/newgidmap. Throws sandbox::Error; never falls back to another method.
void write_id_maps(pid_t child, const plan::IdMaps &ids);

// "0 1000 1\n1 100000 65535\n": the text of a map file, and the argv tail of newuidmap.
std::string id_map_text(const std::vector<plan::IdRange> &ranges);

} // namespace sandbox::ns
