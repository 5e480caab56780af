// SPDX-License-Identifier: Apache-2.0
// `sandbox run` flags as overrides of profile keys, and their error text.
#include "profile/overrides.hpp"

#include "profile_test_support.hpp"

namespace sandbox::profile::test {
namespace {

std::string errors(Profile &p, const Overrides &o) {
  Diagnostics diags;
  apply_overrides(p, o, diags);
  std::string out;
  for (const auto &d : diags.list())
    out += (out.empty() ? "" : "\n") + d.line();
  return out;
}

TEST(Overrides, BindAndRoBindAppendMounts) {
  Profile p;
  p.mounts.push_back(
      {MountType::tmpfs, "", "/tmp", false, {}, std::nullopt, std::nullopt, "", std::nullopt, {}});
  Overrides o;
  o.bind = {"/srv/a", "/srv/b:/b"};
  o.ro_bind = {"/usr:/usr2"};
  o.tmpfs = {"/scratch"};
  EXPECT_EQ(errors(p, o), "");
  ASSERT_EQ(p.mounts.size(), 5U);
  EXPECT_EQ(p.mounts[1].type, MountType::bind);
  EXPECT_EQ(p.mounts[1].source, "/srv/a");
  EXPECT_EQ(p.mounts[1].dest, "/srv/a");
  EXPECT_EQ(p.mounts[1].origin.str(), "--bind");
  EXPECT_EQ(p.mounts[2].dest, "/b");
  EXPECT_EQ(p.mounts[3].type, MountType::ro_bind);
  EXPECT_EQ(p.mounts[3].source, "/usr");
  EXPECT_EQ(p.mounts[3].dest, "/usr2");
  EXPECT_EQ(p.mounts[3].origin.str(), "--ro-bind");
  EXPECT_EQ(p.mounts[4].type, MountType::tmpfs);
  EXPECT_EQ(p.mounts[4].dest, "/scratch");
  EXPECT_EQ(p.mounts[4].origin.str(), "--tmpfs");
}

TEST(Overrides, BadMountFlags) {
  Profile p;
  Overrides o;
  o.bind = {"src", "/a:b", "/a/../b"};
  o.ro_bind = {"/x:"};
  o.tmpfs = {"tmp/"};
  EXPECT_EQ(errors(p, o), "--bind: source must be an absolute path, got \"src\"\n"
                          "--bind: destination must be an absolute path, got \"b\"\n"
                          "--bind: source must not contain \"..\" components, got \"/a/../b\"\n"
                          "--ro-bind: destination must be an absolute path, got \"\"\n"
                          "--tmpfs: destination must be an absolute path, got \"tmp/\"");
  EXPECT_TRUE(p.mounts.empty());
}

TEST(Overrides, Environment) {
  Profile p;
  p.process.env.set = {{"A", "1"}, {"C", "3"}};
  p.process.env.unset = {"B"};
  Overrides o;
  o.setenv = {"B=2", "A=one", "EMPTY=", "X=a=b"};
  o.unsetenv = {"C", "D"};
  EXPECT_EQ(errors(p, o), "");
  using Env = std::vector<std::pair<std::string, std::string>>;
  // Sorted like a TOML table, so that `show --resolved` of the result reads back equal.
  EXPECT_EQ(p.process.env.set, (Env{{"A", "one"}, {"B", "2"}, {"EMPTY", ""}, {"X", "a=b"}}));
  EXPECT_EQ(p.process.env.unset, (std::vector<std::string>{"C", "D"}));

  o = {};
  o.setenv = {"NOEQUALS", "1A=x"};
  o.unsetenv = {"A-B"};
  EXPECT_EQ(errors(p, o), "--setenv: expected NAME=VALUE, got \"NOEQUALS\"\n"
                          "--setenv: not a valid environment variable name \"1A\"\n"
                          "--unsetenv: not a valid environment variable name \"A-B\"");
}

TEST(Overrides, ProcessAndIdentity) {
  Profile p;
  Overrides o;
  o.chdir = "/work";
  o.hostname = "box";
  o.uid = "0";
  o.gid = "self";
  EXPECT_EQ(errors(p, o), "");
  EXPECT_EQ(p.process.cwd, "/work");
  EXPECT_EQ(p.process.cwd_origin.str(), "--chdir");
  EXPECT_EQ(p.process.hostname, "box");
  EXPECT_EQ(p.user.uid, (IdSpec{false, 0}));
  EXPECT_EQ(p.user.gid, IdSpec{});

  o.chdir = "work";
  o.hostname = "a_b";
  o.uid = "-1";
  o.gid = "4294967295";
  EXPECT_EQ(errors(p, o),
            "--chdir: directory must be an absolute path, got \"work\"\n"
            "--hostname: expected a host name (letters, digits, '-' and '.', at most 64 "
            "characters), got \"a_b\"\n"
            "--uid: expected \"self\" or an integer 0..4294967294, got \"-1\"\n"
            "--gid: expected \"self\" or an integer 0..4294967294, got \"4294967295\"");
  EXPECT_EQ(p.process.cwd, "/work");
}

TEST(Overrides, Share) {
  Profile p;
  Overrides o;
  o.share = {"net", "pid", "ipc", "uts", "cgroup"};
  EXPECT_EQ(errors(p, o), "");
  EXPECT_EQ(p.network.mode, NetworkMode::host);
  EXPECT_FALSE(p.namespaces.pid);
  EXPECT_FALSE(p.namespaces.ipc);
  EXPECT_FALSE(p.namespaces.uts);
  EXPECT_FALSE(p.namespaces.cgroup);
  o.share = {"user"};
  EXPECT_EQ(
      errors(p, o),
      "--share: expected one of \"net\", \"pid\", \"ipc\", \"uts\", \"cgroup\", got \"user\"");
}

TEST(Overrides, RootAndSeccomp) {
  Profile p;
  Overrides o;
  o.root = "/srv/rootfs";
  o.seccomp = "none";
  EXPECT_EQ(errors(p, o), "");
  EXPECT_EQ(p.root.source, "/srv/rootfs");
  EXPECT_EQ(p.seccomp.policy, "none");
  o.root = "host";
  EXPECT_EQ(errors(p, o), "");
  EXPECT_EQ(p.root.source, "host");
  o.root = "rootfs";
  o.seccomp = "";
  EXPECT_EQ(errors(p, o), "--root: directory must be an absolute path, got \"rootfs\"\n"
                          "--seccomp: expected a policy name, a path or \"none\", got \"\"");
}

TEST(Overrides, ResultStillRoundTrips) {
  FakeHost host;
  const auto ctx = host.context();
  Profile p = load_profile_text(builtin_default_profile(), "<built-in default>", ctx);
  Overrides o;
  o.bind = {"/srv/$x"};
  o.setenv = {"AAA=1", "ZZZ=$HOME"};
  o.share = {"net"};
  ASSERT_EQ(errors(p, o), "");
  EXPECT_EQ(load_profile_text(render_profile(p), "resolved.toml", ctx), p);
}

} // namespace
} // namespace sandbox::profile::test
