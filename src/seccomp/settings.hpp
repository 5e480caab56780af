// SPDX-License-Identifier: Apache-2.0
#pragma once
// The [seccomp] section of a profile, as the profile loader hands it on. Owned by the seccomp
// module: parse_settings()/render_settings() in seccomp/policy.hpp read and write it.

#include <string>

namespace sandbox::seccomp {

struct Settings {
  std::string policy = "default"; // a shipped policy name, a path to a policy file, or "none"
  // TODO(seccomp): inline default_action and [[seccomp.rule]] additions (issue #5).
  friend bool operator==(const Settings &, const Settings &) = default;
};

} // namespace sandbox::seccomp
