// SPDX-License-Identifier: Apache-2.0
#pragma once
// Loading a profile: find it by name or path, parse it (toml++), follow `extends`, expand
// variables, validate every key, fill in defaults. Pure apart from reading files, and that goes
// through LoadContext::read_file so unit tests can give a fake file system.

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/diagnostic.hpp"
#include "profile/schema.hpp"

namespace sandbox::profile {

struct LoadContext {
  // Directories searched for a profile given by name ("default", "dev"), in order, after the
  // directory of the extending profile. The shipped data dir is normally last.
  std::vector<std::filesystem::path> search_path;
  // Values of ${HOME}, ${PWD}, ${UID}, ${GID}, ${USER}, ${XDG_RUNTIME_DIR}. A missing entry makes
  // the variable "unset", which is an error where it is used. ${PROFILE_DIR} is per file.
  std::map<std::string, std::string, std::less<>> variables;
  // ${ENV:NAME}: the caller's environment.
  std::function<std::optional<std::string>(std::string_view)> getenv;
  // Reads a whole file; nullopt when it does not exist. Other read errors throw sandbox::Error.
  std::function<std::optional<std::string>(const std::filesystem::path &)> read_file;
  // A built-in profile as loading its text with this context would give it, built without
  // parsing (profile/snapshot/snapshot.hpp); nullopt, or no function: the text is parsed.
  std::function<std::optional<Profile>(std::string_view name, const LoadContext &)>
      builtin_snapshot;
};

// The text of the profile that applies when none is named: built into the binary so that
// `sandbox run -- cmd` works with nothing installed; identical to profiles/default.toml.
std::string_view builtin_default_profile();

// A profile name (looked up on the search path, and "default" falls back to the built-in
// text) or a path (contains '/' or ends in ".toml"). Throws ProfileErrors with every problem.
Profile load_profile(std::string_view name_or_path, const LoadContext &ctx);

// The same from text, as if read from `file_name` (used by tests and the built-in default).
Profile load_profile_text(std::string_view text, std::string_view file_name,
                          const LoadContext &ctx);

// TOML that load_profile_text() reads back to an equal Profile.
std::string render_profile(const Profile &profile);

} // namespace sandbox::profile
