// SPDX-License-Identifier: Apache-2.0
// The [seccomp] table of a profile: policy, default_action, the switches, [[seccomp.rule]].
#include "seccomp/policy.hpp"
#include "seccomp/rule_toml.hpp"

namespace sandbox::seccomp {

using detail::origin_of;

void parse_settings(const toml::table &section, Settings &out, profile::Diagnostics &diags,
                    const std::function<std::optional<std::string>(const toml::node &)> &expand) {
  out.origin = detail::pos_of(section);
  for (const auto &[key, node] : section) {
    const std::string name(key.str());
    const std::string dotted = "seccomp." + name;
    if (name == "policy") {
      if (!node.is_string()) {
        diags.add(
            {origin_of(node), dotted, "expected a string: a policy name, a path or \"none\"", {}});
        continue;
      }
      if (auto value = expand(node)) {
        if (value->empty())
          diags.add({origin_of(node), dotted, "expected a policy name, a path or \"none\"", {}});
        else
          out.policy = *value;
      }
    } else if (name == "default_action") {
      if (auto action = detail::parse_action_node(node, dotted, diags))
        out.default_action = *action;
    } else if (name == "allow_user_namespaces" || name == "allow_ptrace") {
      if (!node.is_boolean()) {
        diags.add({origin_of(node), dotted, "expected true or false", {}});
        continue;
      }
      (name == "allow_ptrace" ? out.allow_ptrace : out.allow_user_namespaces) =
          node.as_boolean()->get();
    } else if (name == "rule") {
      const auto *arr = node.as_array();
      if (!arr || !arr->is_array_of_tables()) {
        diags.add({origin_of(node), dotted, "expected [[seccomp.rule]] tables", {}});
        continue;
      }
      // Lists concatenate along `extends` (profile-format.md): an extending profile adds rules,
      // and its rules come later, so they override the extended profile's.
      for (std::size_t i = 0; i < arr->size(); ++i)
        if (auto rule = detail::parse_rule(*(*arr)[i].as_table(),
                                           dotted + "[" + std::to_string(i) + "]", diags))
          out.rules.push_back(std::move(*rule));
    } else {
      const auto &src = key.source();
      diags.add({{src.path ? *src.path : std::string{}, static_cast<int>(src.begin.line),
                  static_cast<int>(src.begin.column)},
                 dotted,
                 "unknown key",
                 detail::nearest_name(name, {"policy", "default_action", "allow_user_namespaces",
                                             "allow_ptrace", "rule"})});
    }
  }
}

toml::table render_settings(const Settings &settings) {
  toml::table t{{"policy", settings.policy}};
  if (settings.default_action)
    t.insert("default_action", to_string(*settings.default_action));
  t.insert("allow_user_namespaces", settings.allow_user_namespaces);
  t.insert("allow_ptrace", settings.allow_ptrace);
  if (!settings.rules.empty()) {
    toml::array rules;
    for (const auto &r : settings.rules)
      rules.push_back(detail::render_rule(r));
    t.insert("rule", std::move(rules));
  }
  return t;
}

} // namespace sandbox::seccomp
