// SPDX-License-Identifier: Apache-2.0
#pragma once
// Built-in profiles loaded at build time. `sandbox run -- CMD` would otherwise parse the
// built-in default profile's TOML at every start, on the launcher's critical path (toml++ and
// the checks cost ~750k instructions, ~0.3 ms). The build tool snapshot_gen.cpp loads each
// built-in profile with the same load_profile(), every variable standing for itself (a
// "stand-in" such as "/@HOME@"), and writes C++ that builds the same Profile with the real
// values put where the stand-ins were.
//
// That gives what the loader would give only for values that pass the same checks wherever a
// stand-in did: a path variable's value an absolute normalised path other than "/" (the
// expander drops a "/" before a "/"), a name variable's value one path component. For any
// other value, or an unset variable, there is no snapshot and the loader parses the text (and
// reports the error, if any). Unit-tested against the loader (profile_snapshot_test.cpp).

#include <array>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "profile/load.hpp"
#include "profile/schema.hpp"

namespace sandbox::profile {

// The built-in profile `name` as load_profile() builds it from its embedded text with the
// variables of `ctx`; nullopt when it has no snapshot or the variables it uses do not allow one
// (see above). For LoadContext::builtin_snapshot.
std::optional<Profile> builtin_profile_snapshot(std::string_view name, const LoadContext &ctx);

namespace snapshot {

// A variable a snapshot can take, and what it stands for while the generator loads a profile.
struct Variable {
  std::string_view name;
  std::string_view stand_in;
  bool path; // its value is a whole path ("/@HOME@"), or else one path component ("@UID@")
};

inline constexpr std::array<Variable, 6> k_variables{{
    {"HOME", "/@HOME@", true},
    {"PWD", "/@PWD@", true},
    {"XDG_RUNTIME_DIR", "/@XDG_RUNTIME_DIR@", true},
    {"UID", "@UID@", false},
    {"GID", "@GID@", false},
    {"USER", "@USER@", false},
}};

// Values in the order of k_variables; only those a snapshot uses are set.
using Values = std::array<std::string_view, k_variables.size()>;

// One generated snapshot: `make` builds the profile; bit i of `used` says it uses
// k_variables[i].
struct Generated {
  std::string_view name;
  unsigned used;
  Profile (*make)(const Values &);
};

// Defined by the generated file.
std::span<const Generated> generated();

// For the generated code: the parts, joined.
std::string join(std::initializer_list<std::string_view> parts);

} // namespace snapshot

} // namespace sandbox::profile
