// SPDX-License-Identifier: Apache-2.0
#pragma once
// Policies for the seccomp tests: shipped ones by name, or test policies from text.

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>

#include "seccomp/filter.hpp"
#include "seccomp/policy.hpp"

namespace sandbox::seccomp::test {

// Test policy files live in a fake directory "/test-policies" on the search path.
inline PolicyContext test_context(std::map<std::string, std::string> files = {}) {
  PolicyContext ctx;
  ctx.search_path = {"/test-policies"};
  ctx.read_file =
      [files = std::move(files)](const std::filesystem::path &p) -> std::optional<std::string> {
    auto it = files.find(p.string());
    if (it == files.end())
      return std::nullopt;
    return it->second;
  };
  ctx.syscall_known = [](std::string_view name) { return syscall_known(name); };
  return ctx;
}

inline std::string diag_text(const profile::Diagnostics &diags) {
  std::string out;
  for (const auto &d : diags.list())
    out += d.origin.file + ":" + std::to_string(d.origin.line) + ":" +
           std::to_string(d.origin.column) + ": " + d.key + ": " + d.message + "\n";
  return out;
}

// Resolves `settings`; a test policy text, when given, is the file "t" the settings name.
inline Policy resolve(Settings settings, const std::string &policy_text = {}) {
  std::map<std::string, std::string> files;
  if (!policy_text.empty()) {
    files["/test-policies/t.toml"] = policy_text;
    settings.policy = "t";
  }
  profile::Diagnostics diags;
  auto policy = resolve_policy(settings, test_context(files), diags);
  EXPECT_TRUE(diags.empty()) << diag_text(diags);
  EXPECT_TRUE(policy.has_value());
  return policy.value_or(Policy{});
}

inline Policy resolve_named(const std::string &name) {
  Settings s;
  s.policy = name;
  return resolve(s);
}

} // namespace sandbox::seccomp::test
