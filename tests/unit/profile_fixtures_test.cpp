// SPDX-License-Identifier: Apache-2.0
// Golden fixtures: fixtures/bad/NAME.toml must fail with exactly the lines of NAME.expected;
// fixtures/good/NAME.toml must load and survive render -> load. Files named *_helper.toml are
// only extended by other fixtures. SANDBOX_REGENERATE_FIXTURES=1 rewrites the .expected files
// (review the diff before committing it).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "profile_test_support.hpp"

namespace sandbox::profile::test {
namespace {

namespace fs = std::filesystem;

const fs::path k_fixtures = SANDBOX_TEST_FIXTURES;

bool is_helper(const fs::path &p) {
  return p.stem().string().ends_with("_helper");
}

// Every file of `dir`, keyed by its bare name: the loader sees a flat directory and its labels
// (and so the expected lines) do not depend on where the source tree is.
FakeHost host_for(const fs::path &dir) {
  FakeHost host;
  for (const auto &entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".toml")
      host.files[entry.path().filename().string()] = read_real_file(entry.path());
  return host;
}

std::vector<fs::path> fixtures(const fs::path &dir) {
  std::vector<fs::path> out;
  for (const auto &entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".toml" && !is_helper(entry.path()))
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string trim_trailing_newlines(std::string s) {
  while (!s.empty() && s.back() == '\n')
    s.pop_back();
  return s;
}

TEST(ProfileFixtures, BadProfilesFailWithExpectedLines) {
  const fs::path dir = k_fixtures / "bad";
  const FakeHost host = host_for(dir);
  const auto ctx = host.context();
  const bool regenerate = std::getenv("SANDBOX_REGENERATE_FIXTURES") != nullptr;
  const auto files = fixtures(dir);
  ASSERT_GE(files.size(), 17U);
  for (const auto &file : files) {
    SCOPED_TRACE(file.filename().string());
    std::string actual;
    try {
      (void)load_profile(file.filename().string(), ctx);
      ADD_FAILURE() << "loaded without errors";
      continue;
    } catch (const ProfileErrors &e) {
      actual = e.what();
    }
    fs::path expected_path = file;
    expected_path.replace_extension(".expected");
    if (regenerate) {
      std::ofstream(expected_path) << actual << "\n";
      continue;
    }
    ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path;
    EXPECT_EQ(actual, trim_trailing_newlines(read_real_file(expected_path)));
  }
}

TEST(ProfileFixtures, GoodProfilesLoadAndRoundTrip) {
  const fs::path dir = k_fixtures / "good";
  const FakeHost host = host_for(dir);
  auto ctx = host.context();
  ctx.variables["XDG_RUNTIME_DIR"] = "/run/user/1000";
  const auto files = fixtures(dir);
  ASSERT_GE(files.size(), 3U);
  for (const auto &file : files) {
    SCOPED_TRACE(file.filename().string());
    try {
      const Profile p = load_profile(file.filename().string(), ctx);
      const std::string rendered = render_profile(p);
      const Profile again = load_profile_text(rendered, "resolved.toml", ctx);
      EXPECT_EQ(p, again) << rendered;
      EXPECT_EQ(render_profile(again), rendered);
    } catch (const ProfileErrors &e) {
      ADD_FAILURE() << e.what();
    }
  }
}

} // namespace
} // namespace sandbox::profile::test

namespace sandbox::profile::test {
namespace {

// A cheap stand-in for the fuzzer: every prefix of a rich profile either loads or fails with
// ProfileErrors (never another exception, never a sanitizer report).
TEST(ProfileFixtures, TruncatedProfilesFailCleanly) {
  const FakeHost host = host_for(k_fixtures / "good");
  auto ctx = host.context();
  ctx.variables["XDG_RUNTIME_DIR"] = "/run/user/1000";
  const std::string text = host.files.at("full.toml");
  for (std::size_t n = 0; n < text.size(); n += 3) {
    try {
      (void)load_profile_text(text.substr(0, n), "full.toml", ctx);
    } catch (const ProfileErrors &) {
    }
  }
}

} // namespace
} // namespace sandbox::profile::test
