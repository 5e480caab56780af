// SPDX-License-Identifier: Apache-2.0
#pragma once
// Seccomp policies written in TOML (see man/sandbox-seccomp.5). This header is the seccomp
// module's contract with the rest of sandbox; everything here is pure (no libseccomp).

#include <array>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/toml.hpp"

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
  // Whether a syscall name exists on the native architecture or one of its compat ones.
  // seccomp::syscall_known() in filter.hpp answers it with libseccomp's tables. Unset: names are
  // not checked here, and compile_filter() rejects unknown ones instead (unit tests of the pure
  // code pass a fake).
  std::function<bool(std::string_view)> syscall_known;
};

// What happens to syscalls entering through a compat architecture of the native one (on
// x86_64: i386 via int $0x80, and x32; on arm64: AArch32). Never left unfiltered.
enum class CompatMode {
  filter, // the same rules, by syscall name
  deny,   // any syscall through it kills the process
};
std::string_view to_string(CompatMode mode);

// Policy files say `compat = "filter"`, `compat = "deny"`, or per architecture
// `compat = { i386 = "filter", x32 = "deny" }`.
struct CompatPolicy {
  CompatMode i386 = CompatMode::filter; // x86_64 hosts
  CompatMode x32 = CompatMode::filter;  // x86_64 hosts
  CompatMode arm = CompatMode::filter;  // arm64 hosts
  friend bool operator==(const CompatPolicy &, const CompatPolicy &) = default;
};

// A rule with argument conditions, for one syscall.
struct ConditionalRule {
  std::vector<ArgCondition> args; // all must hold
  Action action;
  SourcePos origin; // the rule table that said it
  friend bool operator==(const ConditionalRule &, const ConditionalRule &) = default;
};

// Everything the policy says about one syscall: the first conditional rule that matches
// decides; when none does, `action` does.
struct SyscallRule {
  std::string name;
  Action action;
  std::vector<ConditionalRule> conditional;
  SourcePos origin; // the rule that set `action` (or the first conditional one)
  friend bool operator==(const SyscallRule &, const SyscallRule &) = default;
};

// The resolved rule list: named policy + includes + groups + the profile's switches and rules.
struct Policy {
  std::string name; // as the profile named it ("default", "./p.toml")
  std::vector<std::string>
      files;             // the files read, outermost first ("seccomp/default.toml (built-in)")
  Action default_action; // for every syscall not in `syscalls`
  CompatPolicy compat;
  std::vector<SyscallRule> syscalls; // sorted by name; only those that differ from the default
  std::vector<std::string> skipped;  // names unknown here, skipped (optional rules and @groups)
  friend bool operator==(const Policy &, const Policy &) = default;
};

// Resolves Settings (named policy + includes + groups + inline rules) into one Policy.
// Errors (unknown syscall, unknown group, bad errno...) throw profile::ProfileErrors.
// Returns nullopt for policy = "none".
std::optional<Policy> resolve_policy(const Settings &settings, const PolicyContext &ctx);

// The same, collecting errors in `diags` instead of throwing (nullopt when there are any, or
// for "none"). resolve_policy() is this plus diags.throw_if_any().
std::optional<Policy> resolve_policy(const Settings &settings, const PolicyContext &ctx,
                                     profile::Diagnostics &diags);

// The files resolving the shipped "default" policy reads, by name (no includes).
inline constexpr std::array<std::string_view, 2> k_shipped_default_files{"default.toml",
                                                                         "groups.toml"};

// Whether `settings` ask for exactly the shipped "default" policy (no default_action, switches
// off, no rules of the profile's own) and no directory on the search path holds a file of that
// name in place of the built-in one: then the filter compiled at build time from the built-in
// files (seccomp/prebuilt.hpp) is the one resolve_policy() + compile_filter() would give, and
// the start skips both.
bool is_shipped_default(const Settings &settings, const PolicyContext &ctx);

// Human-readable rules, for `sandbox seccomp show` and `sandbox run --dry-run`.
std::string describe_policy(const Policy &policy);

} // namespace sandbox::seccomp
