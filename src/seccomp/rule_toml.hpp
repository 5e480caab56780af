// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading and writing rule tables ([[seccomp.rule]] in a profile, [[rule]] in a policy file):
// shared by settings.cpp and policy.cpp. Internal to the seccomp module.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/toml.hpp"

#include "profile/diagnostic.hpp"
#include "seccomp/settings.hpp"

namespace sandbox::seccomp::detail {

SourcePos pos_of(const toml::node &node);
profile::Origin origin_of(const SourcePos &pos);
profile::Origin origin_of(const toml::node &node);

// The nearest of `candidates` to `key` when it is a plausible typo, else "".
std::string nearest_name(std::string_view key, std::initializer_list<std::string_view> candidates);

// Reads one rule table. `key` is the dotted path used in messages ("seccomp.rule[2]").
// Keys in `extra_keys` are left to the caller (e.g. when/unless in policy files).
std::optional<RuleSettings> parse_rule(const toml::table &table, const std::string &key,
                                       profile::Diagnostics &diags,
                                       std::initializer_list<std::string_view> extra_keys = {});

std::optional<Action> parse_action_node(const toml::node &node, const std::string &key,
                                        profile::Diagnostics &diags);

toml::table render_rule(const RuleSettings &rule);

// "arg1 & 0xffffffff == 0x5412 && arg0 == 0", for show and the pfc export.
std::string describe_conditions(const std::vector<ArgCondition> &args);

} // namespace sandbox::seccomp::detail
