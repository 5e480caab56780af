// SPDX-License-Identifier: Apache-2.0
// The built-in profiles built at compile time (profile/snapshot) against the loader parsing
// their text: the same profile, origins included, or no snapshot at all.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "profile/snapshot/snapshot.hpp"
#include "profile_test_support.hpp"

namespace sandbox::profile {
namespace {

using test::FakeHost;

// Every origin in `p` (Origin and SourcePos compare equal whatever they say).
std::vector<std::string> origins_of(const Profile &p) {
  std::vector<std::string> out{p.user.map_origin.str(), p.root.origin.str(),
                               p.root.overlay_origin.str(), p.process.cwd_origin.str()};
  for (const auto &m : p.mounts)
    out.push_back(m.origin.str());
  for (const auto &r : p.rlimits)
    out.push_back(r.origin.str());
  auto pos = [](const seccomp::SourcePos &s) {
    return s.file + ":" + std::to_string(s.line) + ":" + std::to_string(s.column);
  };
  out.push_back(pos(p.seccomp.origin));
  for (const auto &r : p.seccomp.rules)
    out.push_back(pos(r.origin));
  return out;
}

Profile parsed_default(const LoadContext &ctx) {
  return load_profile_text(builtin_default_profile(), "<built-in default>", ctx);
}

LoadContext context_with(const std::string &home, const std::string &pwd) {
  LoadContext ctx = FakeHost{}.context();
  ctx.variables["HOME"] = home;
  ctx.variables["PWD"] = pwd;
  return ctx;
}

TEST(ProfileSnapshot, DefaultIsWhatTheLoaderParses) {
  const std::vector<std::pair<std::string, std::string>> homes_and_dirs{
      {"/home/ann", "/home/ann/src"},
      {"/home/ann", "/home/ann"},                   // the cwd is the home
      {"/root", "/"},                               // "${PWD}/.git" with PWD = "/"
      {"/home/a b/$x", "/srv/with spaces/é/\"q\""}, // taken as they are, "$" included
      {"/h", "/tmp"},
  };
  for (const auto &[home, pwd] : homes_and_dirs) {
    SCOPED_TRACE("HOME=" + home + " PWD=" + pwd);
    const LoadContext ctx = context_with(home, pwd);
    const Profile parsed = parsed_default(ctx);
    // PWD = "/" cannot stand in for "/@PWD@" (the expander drops the "/" of "/.git").
    auto snapshot = builtin_profile_snapshot("default", ctx);
    if (pwd == "/") {
      EXPECT_FALSE(snapshot);
      continue;
    }
    ASSERT_TRUE(snapshot);
    EXPECT_EQ(*snapshot, parsed);
    EXPECT_EQ(origins_of(*snapshot), origins_of(parsed));
    EXPECT_EQ(render_profile(*snapshot), render_profile(parsed));
  }
}

TEST(ProfileSnapshot, NoneWhereAVariableCannotStandIn) {
  for (const std::string home : {"/", "", "relative/home", "/a//b", "/a/./b", "/a/../b", "/a/"}) {
    SCOPED_TRACE("HOME=" + home);
    EXPECT_FALSE(builtin_profile_snapshot("default", context_with(home, "/work")));
  }
  LoadContext unset = context_with("/home/ann", "/work");
  unset.variables.erase("HOME");
  EXPECT_FALSE(builtin_profile_snapshot("default", unset));
  EXPECT_FALSE(builtin_profile_snapshot("nonesuch", context_with("/home/ann", "/work")));
}

TEST(ProfileSnapshot, LoadProfileUsesItOnlyForTheBuiltInProfile) {
  FakeHost host;
  LoadContext ctx = host.context();
  ctx.search_path = {"/etc/sandbox/profiles"};
  int asked = 0;
  ctx.builtin_snapshot = [&asked](std::string_view name, const LoadContext &c) {
    ++asked;
    return builtin_profile_snapshot(name, c);
  };
  EXPECT_EQ(load_profile("default", ctx), parsed_default(ctx));
  EXPECT_EQ(asked, 1);

  // A default.toml on the search path is the default profile; no snapshot stands for it.
  host.files["/etc/sandbox/profiles/default.toml"] = "[process]\nhostname = \"mine\"\n";
  ctx = host.context();
  ctx.search_path = {"/etc/sandbox/profiles"};
  asked = 0;
  ctx.builtin_snapshot = [&asked](std::string_view name, const LoadContext &c) {
    ++asked;
    return builtin_profile_snapshot(name, c);
  };
  EXPECT_EQ(load_profile("default", ctx).process.hostname, "mine");
  EXPECT_EQ(asked, 0);
}

TEST(ProfileSnapshot, AnErrorStillComesFromTheLoader) {
  LoadContext ctx = context_with("/home/ann", "/work");
  ctx.variables.erase("HOME");
  ctx.builtin_snapshot = builtin_profile_snapshot;
  try {
    (void)load_profile("default", ctx);
    FAIL() << "loaded without ${HOME}";
  } catch (const ProfileErrors &e) {
    EXPECT_NE(std::string(e.what()).find("<built-in default>:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("${HOME} is not set"), std::string::npos) << e.what();
  }
}

} // namespace
} // namespace sandbox::profile
