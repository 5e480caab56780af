// SPDX-License-Identifier: Apache-2.0
#pragma once
// `sandbox seccomp import`: an OCI/Docker seccomp JSON profile as one of our TOML policy files.

#include <string>
#include <string_view>

namespace sandbox::seccomp {

// Converts the profile in `json` (named `source` in messages). Rules that apply only when the
// container has a capability are left out (a sandbox has none) and listed in comments, as are
// rules for other architectures. Imported rules are `optional`: Docker lists the names of every
// architecture. Throws sandbox::Error on malformed JSON or what has no equivalent (SCMP_ACT_TRACE,
// SCMP_ACT_NOTIFY).
std::string import_docker_profile(std::string_view json, std::string_view source);

} // namespace sandbox::seccomp
