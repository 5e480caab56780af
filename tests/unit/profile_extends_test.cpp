// SPDX-License-Identifier: Apache-2.0
// `extends`: table-level merge (scalars override, arrays concatenate, `reset` replaces), lookup
// order, cycles and depth, and error positions after merging.
#include "profile_test_support.hpp"

namespace sandbox::profile::test {
namespace {

const std::string k_parent = R"([profile]
description = "parent"

[user]
uid = 0
map = "single"

[[mount]]
type = "tmpfs"
dest = "/tmp"

[filesystem]
mask = ["/proc/kcore"]
readonly = ["/proc/sys"]

[process]
hostname = "parent"

[process.env]
keep = ["TERM"]
set = { A = "1", B = "2" }

[rlimits]
nofile = { soft = 100, hard = 200 }
)";

class Extends : public ::testing::Test {
protected:
  void SetUp() override { host.files["/p/parent.toml"] = k_parent; }
  Profile load_child(const std::string &text) {
    host.files["/p/child.toml"] = text;
    return load_profile("/p/child.toml", host.context());
  }
  std::string child_errors(const std::string &text) {
    host.files["/p/child.toml"] = text;
    try {
      (void)load_profile("/p/child.toml", host.context());
    } catch (const ProfileErrors &e) {
      return e.what();
    }
    return "";
  }
  FakeHost host;
};

TEST_F(Extends, ScalarsOverrideAndTablesMerge) {
  Profile p = load_child(R"([profile]
extends = "parent"
[user]
uid = 5
[process]
umask = "0077"
[process.env.set]
B = "two"
C = "3"
[rlimits]
nofile = { soft = 150 }
)");
  EXPECT_EQ(p.description, "parent");
  EXPECT_EQ(p.user.uid, (IdSpec{false, 5}));
  EXPECT_EQ(p.user.map, IdMapMethod::single); // kept from the parent
  EXPECT_EQ(p.process.hostname, "parent");
  EXPECT_EQ(p.process.umask, 077U);
  using Env = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(p.process.env.set, (Env{{"A", "1"}, {"B", "two"}, {"C", "3"}}));
  ASSERT_EQ(p.rlimits.size(), 1U);
  EXPECT_EQ(p.rlimits[0].soft, 150U);
  EXPECT_EQ(p.rlimits[0].hard, 200U);
}

TEST_F(Extends, ArraysConcatenateParentFirst) {
  Profile p = load_child(R"([profile]
extends = "parent"
[[mount]]
type = "tmpfs"
dest = "/run"
[filesystem]
mask = ["/sys/firmware"]
[process.env]
keep = ["LANG"]
)");
  ASSERT_EQ(p.mounts.size(), 2U);
  EXPECT_EQ(p.mounts[0].dest, "/tmp");
  EXPECT_EQ(p.mounts[1].dest, "/run");
  EXPECT_EQ(p.mounts[0].origin.file, "/p/parent.toml");
  EXPECT_EQ(p.mounts[0].origin.line, 8);
  EXPECT_EQ(p.mounts[1].origin.file, "/p/child.toml");
  EXPECT_EQ(p.filesystem.mask, (std::vector<std::string>{"/proc/kcore", "/sys/firmware"}));
  EXPECT_EQ(p.filesystem.readonly, (std::vector<std::string>{"/proc/sys"}));
  EXPECT_EQ(p.process.env.keep, (std::vector<std::string>{"TERM", "LANG"}));
}

TEST_F(Extends, ResetReplacesInheritedValues) {
  Profile p = load_child(R"([profile]
extends = "parent"
reset = ["mount", "filesystem.mask", "process.env.set", "rlimits"]
[[mount]]
type = "tmpfs"
dest = "/run"
[filesystem]
mask = ["/sys/firmware"]
)");
  ASSERT_EQ(p.mounts.size(), 1U);
  EXPECT_EQ(p.mounts[0].dest, "/run");
  EXPECT_EQ(p.filesystem.mask, (std::vector<std::string>{"/sys/firmware"}));
  EXPECT_EQ(p.filesystem.readonly, (std::vector<std::string>{"/proc/sys"}));
  EXPECT_TRUE(p.process.env.set.empty());
  EXPECT_TRUE(p.rlimits.empty());
}

TEST_F(Extends, ErrorsAfterMergePointAtTheChild) {
  // mount[1] of the merged list is the child's first [[mount]]: reported as the child's mount[0].
  EXPECT_EQ(child_errors(R"([profile]
extends = "parent"

[[mount]]
type = "tmpfs"
dest = "run"
[process]
hostname = "-bad-"
)"),
            "/p/child.toml:6:8: mount[0].dest: must be an absolute path, got \"run\"\n"
            "/p/child.toml:8:12: process.hostname: expected a host name (letters, digits, '-' "
            "and '.', at most 64 characters), got \"-bad-\"");
}

TEST_F(Extends, ErrorsInTheParentPointAtTheParent) {
  host.files["/p/parent.toml"] = k_parent + "[dev]\nmode = \"hots\"\n";
  EXPECT_EQ(child_errors("[profile]\nextends = \"parent\"\n"),
            "/p/parent.toml:26:8: dev.mode: expected one of \"minimal\", \"host\", \"none\", got "
            "\"hots\"; did you mean 'host'?");
}

TEST_F(Extends, ByRelativeAndAbsolutePath) {
  host.files["/p/sub/base.toml"] = "[process]\nhostname = \"sub\"\n";
  EXPECT_EQ(load_child("[profile]\nextends = \"sub/base.toml\"\n").process.hostname, "sub");
  EXPECT_EQ(load_child("[profile]\nextends = \"/p/sub/base.toml\"\n").process.hostname, "sub");
}

TEST_F(Extends, LookupOrderIsOwnDirectoryThenSearchPathThenBuiltin) {
  host.files["/s1/base.toml"] = "[process]\nhostname = \"s1\"\n";
  host.files["/s2/base.toml"] = "[process]\nhostname = \"s2\"\n";
  auto ctx = host.context();
  ctx.search_path = {"/s1", "/s2"};
  host.files["/p/child.toml"] = "[profile]\nextends = \"base\"\n";
  EXPECT_EQ(load_profile("/p/child.toml", ctx).process.hostname, "s1");
  host.files["/p/base.toml"] = "[process]\nhostname = \"own\"\n";
  EXPECT_EQ(load_profile("/p/child.toml", ctx).process.hostname, "own");
  host.files["/p/child.toml"] = "[profile]\nextends = \"default\"\n";
  EXPECT_EQ(load_profile("/p/child.toml", ctx).user.map, IdMapMethod::single);
}

TEST_F(Extends, AProfileExtendingItsOwnNameGetsTheNextOne) {
  // A user's default.toml that tweaks the shipped default.
  host.files["/conf/default.toml"] =
      "[profile]\nextends = \"default\"\n[process]\nhostname = \"mine\"\n";
  auto ctx = host.context();
  ctx.search_path = {"/conf"};
  Profile p = load_profile("default", ctx);
  EXPECT_EQ(p.process.hostname, "mine");
  EXPECT_EQ(p.user.map, IdMapMethod::single);
  EXPECT_EQ(p.mounts.size(), 4U); // the shipped default's, once
}

TEST_F(Extends, CycleNamesTheChain) {
  host.files["/p/a.toml"] = "[profile]\nextends = \"b\"\n";
  host.files["/p/b.toml"] = "[profile]\nextends = \"c\"\n";
  host.files["/p/c.toml"] = "[profile]\nextends = \"/p/a.toml\"\n";
  EXPECT_EQ(errors_of("", host.context(), "/p/x.toml"), "");
  try {
    (void)load_profile("/p/a.toml", host.context());
    FAIL();
  } catch (const ProfileErrors &e) {
    EXPECT_STREQ(e.what(), "/p/c.toml:2:11: profile.extends: extends cycle: /p/a.toml -> "
                           "/p/b.toml -> /p/c.toml -> /p/a.toml");
  }
}

TEST_F(Extends, DepthIsLimited) {
  for (int i = 0; i < 20; ++i)
    host.files["/d/p" + std::to_string(i) + ".toml"] =
        "[profile]\nextends = \"p" + std::to_string(i + 1) + "\"\n";
  host.files["/d/p20.toml"] = "";
  try {
    (void)load_profile("/d/p0.toml", host.context());
    FAIL();
  } catch (const ProfileErrors &e) {
    EXPECT_STREQ(e.what(),
                 "/d/p15.toml:2:11: profile.extends: extends chain is longer than 16 profiles");
  }
}

TEST_F(Extends, TopLevelNameNotFoundSaysWhereItLooked) {
  auto ctx = host.context();
  ctx.search_path = {"/etc/sandbox/profiles", "/usr/share/sandbox/profiles"};
  try {
    (void)load_profile("dev", ctx);
    FAIL();
  } catch (const ProfileErrors &e) {
    EXPECT_STREQ(e.what(), "profile \"dev\" not found; searched /etc/sandbox/profiles/dev.toml, "
                           "/usr/share/sandbox/profiles/dev.toml and the built-in profiles");
  }
  try {
    (void)load_profile("./dev.toml", ctx);
    FAIL();
  } catch (const ProfileErrors &e) {
    EXPECT_STREQ(e.what(), "profile file \"./dev.toml\" not found");
  }
}

TEST_F(Extends, BadExtendsAndResetTypes) {
  EXPECT_EQ(child_errors("[profile]\nextends = 3\nreset = \"mount\"\n"),
            "/p/child.toml:2:11: profile.extends: expected a profile name or path, got an integer\n"
            "/p/child.toml:3:9: profile.reset: expected an array, got a string");
}

} // namespace
} // namespace sandbox::profile::test
