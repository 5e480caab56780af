// SPDX-License-Identifier: Apache-2.0
#pragma once
// The [seccomp] section of a profile, as the profile loader hands it on. Owned by the seccomp
// module: parse_settings()/render_settings() in seccomp/policy.hpp read and write it.
// The value types here (Action, ArgCondition) are shared with resolved policies (policy.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sandbox::seccomp {

// What a matching rule does. Spelled in TOML as "allow", "errno:EPERM" (or "errno:1"),
// "kill-process", "kill-thread", "trap", "log".
enum class ActionKind { allow, errno_, kill_process, kill_thread, trap, log };

struct Action {
  ActionKind kind = ActionKind::allow;
  std::uint32_t errno_value = 0; // 1..4095, only for errno_
  friend bool operator==(const Action &, const Action &) = default;
};

// Parses "errno:EPERM" etc.; nullopt when the text is not an action.
std::optional<Action> parse_action(std::string_view text);
// The canonical spelling, which parse_action() reads back: "errno:EPERM" when the errno has a
// name, "errno:1234" when not.
std::string to_string(const Action &action);

// Comparison of one syscall argument (64 bits; 32-bit arches see zero-extended values).
enum class CmpOp { eq, ne, lt, le, gt, ge, masked_eq };
std::optional<CmpOp> parse_cmp_op(std::string_view text);
std::string_view to_string(CmpOp op);

// Where a value was written. Like profile::Origin (which this header cannot include: the profile
// schema includes it), provenance is not part of what a setting means, so it compares equal.
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
  friend bool operator==(const SourcePos &, const SourcePos &) { return true; }
};

struct ArgCondition {
  unsigned index = 0; // 0..5
  CmpOp op = CmpOp::eq;
  std::uint64_t value = 0;
  std::uint64_t mask = 0; // masked_eq only: (arg & mask) == value
  friend bool operator==(const ArgCondition &, const ArgCondition &) = default;
};

// One [[seccomp.rule]] table (the same shape as [[rule]] in a policy file, without when/unless).
struct RuleSettings {
  std::vector<std::string> syscalls; // names and @groups
  Action action;
  std::vector<ArgCondition> args; // all must hold
  bool optional = false;          // names this system does not know are skipped, not errors
  SourcePos origin;               // the [[seccomp.rule]] table
  friend bool operator==(const RuleSettings &, const RuleSettings &) = default;
};

struct Settings {
  std::string policy = "default";       // a shipped policy name, a path to a policy file, or "none"
  std::optional<Action> default_action; // overrides the policy's
  // Profile switches that rules in policy files test with `when`/`unless`.
  bool allow_user_namespaces = false; // clone/unshare with CLONE_NEWUSER
  bool allow_ptrace = false;          // ptrace, process_vm_readv/writev, kcmp
  std::vector<RuleSettings> rules;    // added to / overriding the named policy's rules
  SourcePos origin;                   // the [seccomp] table, for errors about the whole policy
  friend bool operator==(const Settings &, const Settings &) = default;
};

} // namespace sandbox::seccomp
