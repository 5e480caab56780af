// SPDX-License-Identifier: Apache-2.0
#pragma once
// A LoadContext over an in-memory file system, for the profile loader's tests.

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "profile/diagnostic.hpp"
#include "profile/load.hpp"

namespace sandbox::profile::test {

struct FakeHost {
  std::map<std::string, std::string> files; // path as the loader asks for it -> content
  std::map<std::string, std::string> env;
  std::string pwd = "/home/ann/src";

  LoadContext context() const {
    LoadContext ctx;
    ctx.variables = {
        {"HOME", "/home/ann"}, {"PWD", pwd}, {"UID", "1000"}, {"GID", "1000"}, {"USER", "ann"}};
    ctx.getenv = [this](std::string_view name) -> std::optional<std::string> {
      if (auto it = env.find(std::string(name)); it != env.end())
        return it->second;
      return std::nullopt;
    };
    ctx.read_file = [this](const std::filesystem::path &p) -> std::optional<std::string> {
      if (auto it = files.find(p.string()); it != files.end())
        return it->second;
      return std::nullopt;
    };
    return ctx;
  }
};

inline std::string read_real_file(const std::filesystem::path &p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The error lines of loading `text` as `file`, or "" when it loads.
inline std::string errors_of(const std::string &text, const LoadContext &ctx,
                             const std::string &file = "p.toml") {
  try {
    (void)load_profile_text(text, file, ctx);
  } catch (const ProfileErrors &e) {
    return e.what();
  }
  return "";
}

} // namespace sandbox::profile::test
