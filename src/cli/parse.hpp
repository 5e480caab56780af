// SPDX-License-Identifier: Apache-2.0
#pragma once
// argv -> Request, with no I/O (osm2pgsql-style): unit tests check parsing and error texts.

#include <stdexcept>
#include <string>
#include <vector>

#include "profile/overrides.hpp"

namespace sandbox::cli {

enum class Command { run, profile_check, profile_show, seccomp, image, help, version };

struct RunRequest {
  std::string profile = "default"; // a name or a path
  profile::Overrides overrides;
  std::vector<std::string> command; // everything after "--"
  bool dry_run = false;
  int verbose = 0;

  bool operator==(const RunRequest &) const = default;
};

struct Request {
  Command command = Command::help;
  RunRequest run;
  std::vector<std::string> files; // profile check
  std::string name;               // profile show
  bool resolved = false;          // profile show --resolved
  std::vector<std::string> rest;  // seccomp, image: their own arguments, parsed elsewhere
  std::string help_text;          // for Command::help
};

// A usage error: the message names the flag or argument; exit code 125.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Request parse_args(const std::vector<std::string> &args); // args[0] is the program name

// parse_args without its shortcut for `sandbox run [PROFILE] -- CMD...`: every call through
// CLI11. For tests, which check that both agree.
Request parse_args_with_cli11(const std::vector<std::string> &args);

} // namespace sandbox::cli
