// SPDX-License-Identifier: Apache-2.0
#include "profile_test_support.hpp"

#include "profile/schema.hpp"

namespace sandbox::profile::test {
namespace {

TEST(ProfileLoad, BuiltinDefaultLoads) {
  FakeHost host;
  const auto ctx = host.context();
  Profile p = load_profile_text(builtin_default_profile(), "<built-in default>", ctx);
  EXPECT_EQ(p.user.map, IdMapMethod::single);
  ASSERT_EQ(p.mounts.size(), 4U);
  EXPECT_EQ(p.mounts[0].type, MountType::tmpfs);
  EXPECT_EQ(p.mounts[0].dest, "/tmp");
  EXPECT_EQ(p.mounts[0].mode, 01777U);
  EXPECT_EQ(p.mounts[1].dest, "/home/ann");
  EXPECT_EQ(p.mounts[2].dest, "/run");
  EXPECT_EQ(p.mounts[3].source, "/home/ann/src");
  auto has = [](const std::vector<std::string> &v, const std::string &x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  EXPECT_TRUE(has(p.filesystem.readonly, "/proc/sys"));
  // Self-protection of what runs later outside the sandbox.
  EXPECT_TRUE(has(p.filesystem.readonly, "/home/ann/src/.git/hooks"));
  EXPECT_TRUE(has(p.filesystem.readonly, "/home/ann/src/.git/config"));
  EXPECT_TRUE(has(p.filesystem.readonly, "/home/ann/.bashrc"));
  EXPECT_TRUE(has(p.filesystem.protect, "/home/ann/.config/sandbox"));
  EXPECT_TRUE(has(p.filesystem.protect, "/home/ann/.local/share/sandbox"));
  EXPECT_TRUE(has(p.filesystem.protect, "/home/ann/.config/autostart"));
  EXPECT_NE(std::find(p.filesystem.mask.begin(), p.filesystem.mask.end(), "/sys/firmware"),
            p.filesystem.mask.end());
  EXPECT_EQ(p.process.cwd, "/home/ann/src");
  EXPECT_EQ(p.process.umask, 022U);
  EXPECT_EQ(p.seccomp.policy, "default");
  ASSERT_EQ(p.process.env.set.size(), 1U);
  EXPECT_EQ(p.process.env.set[0].first, "PATH");
}

TEST(ProfileLoad, DefaultByNameFallsBackToBuiltin) {
  FakeHost host;
  const auto ctx = host.context();
  Profile p = load_profile("default", ctx);
  EXPECT_EQ(p, load_profile_text(builtin_default_profile(), "<built-in default>", ctx));
}

TEST(ProfileLoad, ShippedDefaultEqualsBuiltin) {
  FakeHost host;
  const auto ctx = host.context();
  const std::string path = std::string(SANDBOX_SOURCE_PROFILES) + "/default.toml";
  Profile shipped = load_profile_text(read_real_file(path), path, ctx);
  EXPECT_EQ(shipped, load_profile_text(builtin_default_profile(), "<built-in default>", ctx));
}

} // namespace
} // namespace sandbox::profile::test
