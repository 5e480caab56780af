// SPDX-License-Identifier: Apache-2.0
#pragma once
// Seccomp policies written in TOML (see man/sandbox-seccomp.5). This header is the seccomp
// module's contract with the rest of sandbox; everything here is pure (no libseccomp).

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "profile/diagnostic.hpp"
#include "seccomp/settings.hpp"

namespace sandbox::seccomp {

// Reads the [seccomp] table of a profile. Unknown keys, bad types and bad values are reported in
// `diags` with the node's file:line:col. `expand` expands ${VAR} in path-like strings (it reports
// its own errors and returns nullopt on failure).
void parse_settings(const toml::table &section, Settings &out, profile::Diagnostics &diags,
                    const std::function<std::optional<std::string>(const toml::node &)> &expand);

// The [seccomp] table that parse_settings() reads back to an equal Settings.
toml::table render_settings(const Settings &settings);

struct PolicyContext {
  // Directories holding policy files by name ("<dir>/<name>.toml"), searched in order; the
  // policies shipped in profiles/seccomp/ are built into the binary and come last.
  std::vector<std::filesystem::path> search_path;
  std::function<std::optional<std::string>(const std::filesystem::path &)> read_file;
};

struct Policy; // the resolved rule list: defined by the seccomp module

// Resolves Settings (named policy + includes + groups + inline rules) into one Policy.
// Errors (unknown syscall, unknown group, bad errno...) throw profile::ProfileErrors.
// Returns nullopt for policy = "none".
std::optional<Policy> resolve_policy(const Settings &settings, const PolicyContext &ctx);

// Human-readable rules, for `sandbox seccomp show` and `sandbox run --dry-run`.
std::string describe_policy(const Policy &policy);

} // namespace sandbox::seccomp
