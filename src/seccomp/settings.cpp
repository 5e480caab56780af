// SPDX-License-Identifier: Apache-2.0
// The [seccomp] table of a profile. Minimal first version: `policy` only.
#include "seccomp/policy.hpp"

namespace sandbox::seccomp {

namespace {
profile::Origin origin_of(const toml::node &node) {
  const auto &src = node.source();
  return {src.path ? *src.path : std::string{}, static_cast<int>(src.begin.line),
          static_cast<int>(src.begin.column)};
}
} // namespace

void parse_settings(const toml::table &section, Settings &out, profile::Diagnostics &diags,
                    const std::function<std::optional<std::string>(const toml::node &)> &expand) {
  for (const auto &[key, node] : section) {
    if (key.str() == "policy") {
      if (!node.is_string()) {
        diags.add({origin_of(node), "seccomp.policy", "expected a string", {}});
        continue;
      }
      if (auto value = expand(node))
        out.policy = *value;
      continue;
    }
    diags.add({origin_of(node), "seccomp." + std::string(key.str()), "unknown key",
               key.str() == "polcy" ? "policy" : ""});
  }
}

toml::table render_settings(const Settings &settings) {
  return toml::table{{"policy", settings.policy}};
}

} // namespace sandbox::seccomp
