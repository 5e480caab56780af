// SPDX-License-Identifier: Apache-2.0
// Plan building from a hand-made HostFacts: no syscalls.
#include <gtest/gtest.h>

#include <algorithm>

#include "plan/build.hpp"
#include "profile/load.hpp"
#include "profile/overrides.hpp"
#include "util/error.hpp"

namespace sandbox::plan {
namespace {

HostFacts fake_host() {
  HostFacts h;
  h.uid = 1000;
  h.gid = 1000;
  h.user = "ann";
  h.home = "/home/ann";
  h.cwd = "/home/ann/src";
  h.environ = {"HOME=/home/ann", "PATH=/home/ann/bin:/usr/bin",
               "TERM=xterm",     "LC_ALL=C",
               "SECRET_TOKEN=x", "LANG=C.UTF-8"};
  h.path_kind = [](const std::string &p) {
    if (p == "/" || p == "/home/ann/src" || p == "/srv/data")
      return PathKind::directory;
    if (p == "/etc/hosts")
      return PathKind::file;
    return PathKind::missing;
  };
  return h;
}

profile::Profile load(std::string_view text, const HostFacts &host) {
  profile::LoadContext ctx;
  ctx.variables = {{"HOME", host.home},
                   {"PWD", host.cwd},
                   {"UID", "1000"},
                   {"GID", "1000"},
                   {"USER", host.user}};
  ctx.getenv = [](std::string_view) { return std::nullopt; };
  ctx.read_file = [](const std::filesystem::path &) { return std::nullopt; };
  return profile::load_profile_text(text, "test.toml", ctx);
}

seccomp::PolicyContext no_policies() {
  seccomp::PolicyContext p;
  p.read_file = [](const std::filesystem::path &) { return std::nullopt; };
  return p;
}

SandboxPlan plan_for(std::string_view text, HostFacts host = fake_host()) {
  return build_plan(load(text, host), host, {"make", "-j2"}, no_policies());
}

const MountOp *find_mount(const SandboxPlan &p, std::string_view dest) {
  auto it = std::find_if(p.mounts.begin(), p.mounts.end(),
                         [&](const MountOp &m) { return m.dest == dest; });
  return it == p.mounts.end() ? nullptr : &*it;
}

TEST(PlanBuild, DefaultProfileGivesTheDocumentedSandbox) {
  auto host = fake_host();
  auto p = build_plan(load(profile::builtin_default_profile(), host), host, {"id"}, no_policies());
  EXPECT_TRUE(p.new_pid && p.new_ipc && p.new_uts && p.new_net && p.new_cgroup);
  EXPECT_EQ(p.ids.method, MapMethod::single);
  EXPECT_EQ(p.ids.uid, (std::vector<IdRange>{{1000, 1000, 1}}));
  EXPECT_EQ(p.root_source, "/");
  EXPECT_TRUE(p.root_readonly);
  ASSERT_NE(find_mount(p, "/proc"), nullptr);
  EXPECT_EQ(find_mount(p, "/proc")->kind, MountKind::proc);
  ASSERT_NE(find_mount(p, "/dev/pts"), nullptr);
  EXPECT_NE(find_mount(p, "/dev/pts")->fs_data.find("newinstance"), std::string::npos);
  ASSERT_NE(find_mount(p, "/home/ann"), nullptr);
  EXPECT_EQ(find_mount(p, "/home/ann")->kind, MountKind::tmpfs);
  const auto *cwd = find_mount(p, "/home/ann/src");
  ASSERT_NE(cwd, nullptr);
  EXPECT_EQ(cwd->kind, MountKind::bind);
  EXPECT_FALSE(cwd->attrs.readonly);
  EXPECT_EQ(p.cwd, "/home/ann/src");
  EXPECT_EQ(p.hostname, "sandbox");
  EXPECT_TRUE(p.keep_caps.empty());
  EXPECT_TRUE(p.new_session);
  EXPECT_TRUE(p.die_with_parent);
  // The home tmpfs must come before the bind of a cwd inside it, or it would hide it.
  auto index = [&](std::string_view d) { return find_mount(p, d) - p.mounts.data(); };
  EXPECT_LT(index("/home/ann"), index("/home/ann/src"));
}

TEST(PlanBuild, EnvironmentIsClearedKeptAndSet) {
  auto p = plan_for(R"(
[process.env]
clear = true
keep = ["TERM", "LC_*"]
set = { PATH = "/usr/bin", FOO = "bar" }
unset = ["TERM"]
)");
  EXPECT_EQ(p.env, (std::vector<std::string>{"LC_ALL=C", "FOO=bar", "PATH=/usr/bin"}));
  EXPECT_EQ(p.exec_path, "/usr/bin");
}

TEST(PlanBuild, EnvironmentWithoutClearKeepsTheCallersButNotUnset) {
  auto p = plan_for(R"(
[process.env]
clear = false
unset = ["SECRET_TOKEN"]
)");
  EXPECT_EQ(std::count_if(p.env.begin(), p.env.end(),
                          [](const std::string &e) { return e.starts_with("SECRET_TOKEN="); }),
            0);
  EXPECT_NE(std::find(p.env.begin(), p.env.end(), "TERM=xterm"), p.env.end());
  EXPECT_EQ(p.exec_path, "/home/ann/bin:/usr/bin");
}

TEST(PlanBuild, MissingBindSourceIsAnErrorNamingTheProfileLine) {
  try {
    plan_for("[[mount]]\ntype = \"bind\"\nsource = \"/nope\"\ndest = \"/x\"\n");
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_EQ(e.line(), "mount (test.toml:1:1): bind /nope -> /x: No such file or directory "
                        "(ENOENT); hint: create the source or set optional = true");
  }
}

TEST(PlanBuild, BindPropagationReachesTheMountOp) {
  const std::string bind = "[[mount]]\ntype = \"bind\"\nsource = \"/srv/data\"\ndest = \"/d\"\n";
  EXPECT_EQ(find_mount(plan_for(bind), "/d")->propagation, std::nullopt);
  EXPECT_EQ(find_mount(plan_for(bind + "propagation = \"private\"\n"), "/d")->propagation,
            Propagation::private_);
  try {
    plan_for("[root]\npropagation = \"private\"\n" + bind + "propagation = \"slave\"\n");
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_EQ(e.line(), "mount (test.toml:3:1): propagation = \"slave\" cannot receive anything "
                        "under root.propagation = \"private\"; hint: set root.propagation = "
                        "\"slave\" and propagation = \"private\" on the mounts that must not "
                        "receive the host's later mounts");
  }
}

TEST(PlanBuild, ShippedDefaultSeccompPolicyUsesTheFilterCompiledAtBuildTime) {
  auto p = plan_for("");
  EXPECT_TRUE(p.seccomp_prebuilt_default);
  EXPECT_EQ(p.seccomp, nullptr);
  // Anything the profile changes about the policy: resolved and compiled at start.
  for (const char *text :
       {"[seccomp]\nallow_ptrace = true\n", "[seccomp]\nallow_user_namespaces = true\n",
        "[seccomp]\ndefault_action = \"allow\"\n", "[seccomp]\npolicy = \"strict\"\n",
        "[[seccomp.rule]]\nsyscalls = [\"acct\"]\naction = \"allow\"\n"}) {
    auto q = plan_for(text);
    EXPECT_FALSE(q.seccomp_prebuilt_default) << text;
    EXPECT_NE(q.seccomp, nullptr) << text;
  }
  EXPECT_FALSE(plan_for("[seccomp]\npolicy = \"none\"\n").seccomp_prebuilt_default);
  // A default.toml or groups.toml on the search path takes the built-in one's place.
  const auto host = fake_host();
  auto with_file = [](std::string shadow, std::string text) {
    seccomp::PolicyContext ctx;
    ctx.search_path = {"/etc/sandbox/seccomp"};
    ctx.read_file = [shadow,
                     text](const std::filesystem::path &path) -> std::optional<std::string> {
      if (path == shadow)
        return text;
      return std::nullopt;
    };
    return ctx;
  };
  auto q =
      build_plan(load("", host), host, {"id"},
                 with_file("/etc/sandbox/seccomp/default.toml", "default_action = \"allow\"\n"));
  EXPECT_FALSE(q.seccomp_prebuilt_default);
  ASSERT_NE(q.seccomp, nullptr);
  // (an empty groups file: the built-in default.toml names groups it no longer has)
  try {
    build_plan(load("", host), host, {"id"},
               with_file("/etc/sandbox/seccomp/groups.toml", "[groups]\n"));
    FAIL() << "the groups.toml on the search path was not used";
  } catch (const std::exception &e) {
    EXPECT_NE(std::string(e.what()).find("/etc/sandbox/seccomp/groups.toml"), std::string::npos)
        << e.what();
  }
}

TEST(PlanBuild, AutoOverlayDriverDependsOnWhoOwnsTheLowerLayer) {
  HostFacts host = fake_host();
  HostFacts::Overlay facts;
  facts.fuse_overlayfs = "/usr/bin/fuse-overlayfs";
  facts.runtime_dir = "/run/user/1000";
  facts.owner_of = [](const std::string &path) -> std::optional<std::uint32_t> {
    return path == "/" ? 0U : 1000U;
  };
  host.overlay = facts;
  // The host's / (root's): fuse-overlayfs, which shows every file as the caller's.
  auto over_host = plan_for("[root]\noverlay = \"ephemeral\"\n", host);
  EXPECT_EQ(over_host.overlay.driver, OverlayDriver::fuse);
  ASSERT_FALSE(over_host.notes.empty());
  EXPECT_NE(over_host.notes.back().find("/ belongs to uid 0"), std::string::npos)
      << over_host.notes.back();
  // A directory of the caller's own: the kernel's overlayfs.
  auto over_own = plan_for("[root]\nsource = \"/srv/data\"\noverlay = \"ephemeral\"\n", host);
  EXPECT_EQ(over_own.overlay.driver, OverlayDriver::kernel);
  // Without fuse-overlayfs, the kernel's still (with its limits) rather than nothing.
  host.overlay->fuse_overlayfs.clear();
  EXPECT_EQ(plan_for("[root]\noverlay = \"ephemeral\"\n", host).overlay.driver,
            OverlayDriver::kernel);
  // A forced driver is kept.
  host.overlay->fuse_overlayfs = "/usr/bin/fuse-overlayfs";
  EXPECT_EQ(plan_for("[root]\noverlay = \"ephemeral\"\noverlay_driver = \"kernel\"\n", host)
                .overlay.driver,
            OverlayDriver::kernel);
}

TEST(PlanBuild, OptionalMissingBindIsSkippedWithANote) {
  auto p =
      plan_for("[[mount]]\ntype = \"bind\"\nsource = \"/nope\"\ndest = \"/x\"\noptional = true\n");
  EXPECT_EQ(find_mount(p, "/x"), nullptr);
  EXPECT_EQ(std::count_if(p.notes.begin(), p.notes.end(),
                          [](const std::string &n) {
                            return n == "test.toml:1:1: skipped optional mount of missing /nope";
                          }),
            1);
}

TEST(PlanBuild, MountTypesMapToKindsAndAttributes) {
  auto p = plan_for(R"(
[[mount]]
type = "ro-bind"
source = "/srv/data"
dest = "/data"
[[mount]]
type = "tmpfs"
dest = "/scratch"
size = "1M"
mode = "0700"
options = ["noexec"]
[[mount]]
type = "dev-bind"
source = "/srv/data"
dest = "/dev/thing"
)");
  const auto *data = find_mount(p, "/data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->attrs, (MountAttrs{.readonly = true, .nosuid = true, .nodev = true}));
  const auto *scratch = find_mount(p, "/scratch");
  ASSERT_NE(scratch, nullptr);
  EXPECT_EQ(scratch->fs_data, "mode=0700,size=1048576");
  EXPECT_TRUE(scratch->attrs.noexec);
  const auto *dev = find_mount(p, "/dev/thing");
  ASSERT_NE(dev, nullptr);
  EXPECT_FALSE(dev->attrs.nodev);
}

TEST(PlanBuild, SharedPidNamespaceBindsTheHostProc) {
  auto p = plan_for("[namespaces]\npid = false\n");
  EXPECT_FALSE(p.new_pid);
  const auto *proc = find_mount(p, "/proc");
  ASSERT_NE(proc, nullptr);
  EXPECT_EQ(proc->kind, MountKind::bind);
}

TEST(PlanBuild, NetworkHostSharesTheNetNamespace) {
  EXPECT_FALSE(plan_for("[network]\nmode = \"host\"\n").new_net);
  EXPECT_TRUE(plan_for("[network]\nmode = \"none\"\n").new_net);
}

TEST(PlanBuild, UidZeroInsideMapsToTheCaller) {
  auto p = plan_for("[user]\nuid = 0\ngid = 0\nmap = \"single\"\n");
  EXPECT_EQ(p.ids.uid, (std::vector<IdRange>{{0, 1000, 1}}));
  EXPECT_EQ(p.ids.gid, (std::vector<IdRange>{{0, 1000, 1}}));
}

TEST(PlanBuild, SubidsWithoutRangesIsAnErrorNotAFallback) {
  auto host = fake_host();
  host.newuidmap = "/usr/bin/newuidmap";
  host.newgidmap = "/usr/bin/newgidmap";
  try {
    plan_for("[user]\nmap = \"subids\"\n", host);
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_NE(e.line().find("user ann has no range in /etc/subuid"), std::string::npos) << e.line();
    EXPECT_NE(e.line().find("usermod --add-subuids"), std::string::npos) << e.line();
  }
}

TEST(PlanBuild, SubidsWithoutToolsNamesThePackage) {
  auto host = fake_host();
  host.subuids = {{100000, 65536}};
  host.subgids = {{100000, 65536}};
  try {
    plan_for("[user]\nmap = \"subids\"\n", host);
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_NE(e.line().find("install the uidmap package"), std::string::npos) << e.line();
  }
}

TEST(PlanBuild, AutoPicksSubidsOnlyWhenEverythingIsThere) {
  auto host = fake_host();
  EXPECT_EQ(plan_for("[user]\nmap = \"auto\"\n", host).ids.method, MapMethod::single);
  host.subuids = {{100000, 65536}};
  host.subgids = {{200000, 65536}};
  host.newuidmap = "/usr/bin/newuidmap";
  host.newgidmap = "/usr/bin/newgidmap";
  auto p = plan_for("[user]\nmap = \"auto\"\n", host);
  EXPECT_EQ(p.ids.method, MapMethod::subids);
  EXPECT_EQ(p.ids.gid,
            (std::vector<IdRange>{{0, 200000, 1000}, {1000, 1000, 1}, {1001, 201000, 64535}}));
}

TEST(SubidMap, KeepsTheCallersIdAndFillsTheRest) {
  EXPECT_EQ(subid_map(0, 1000, {100000, 65536}),
            (std::vector<IdRange>{{0, 1000, 1}, {1, 100000, 65535}}));
  EXPECT_EQ(subid_map(1000, 1000, {100000, 65536}),
            (std::vector<IdRange>{{0, 100000, 1000}, {1000, 1000, 1}, {1001, 101000, 64535}}));
  // A small range: the caller's id beyond it still maps.
  EXPECT_EQ(subid_map(5000, 1000, {100000, 10}),
            (std::vector<IdRange>{{0, 100000, 10}, {5000, 1000, 1}}));
}

TEST(SubidFile, MatchesByNameOrIdAndSkipsJunk) {
  const std::string text = "bob:1:2\nann:100000:65536\n1000:300000:10\nann:bad:5\nann:5:0\n\n";
  EXPECT_EQ(parse_subid_file(text, "ann", 1000),
            (std::vector<SubidRange>{{100000, 65536}, {300000, 10}}));
  EXPECT_TRUE(parse_subid_file(text, "carl", 1002).empty());
}

TEST(PasswdFile, FindsTheUidsLineAndSkipsJunk) {
  const std::string text = "root:x:0:0:root:/root:/bin/bash\n"
                           "broken:x:1000\n"
                           ":x:1000:1000::/nowhere:/bin/sh\n"
                           "ann:x:10000:10000:Ann,,,:/home/ann:/bin/bash\n"
                           "bob:x:1000:1000::/home/bob:/bin/sh\n"
                           "bob2:x:1000:1000::/home/bob2:/bin/sh";
  EXPECT_EQ(find_passwd_entry(text, 1000), (PasswdEntry{"bob", "/home/bob"}));
  EXPECT_EQ(find_passwd_entry(text, 10000), (PasswdEntry{"ann", "/home/ann"}));
  EXPECT_EQ(find_passwd_entry(text, 0), (PasswdEntry{"root", "/root"}));
  EXPECT_EQ(find_passwd_entry(text, 100), std::nullopt);
  EXPECT_EQ(find_passwd_entry("", 0), std::nullopt);
  // A last line without a shell field is still an entry.
  EXPECT_EQ(find_passwd_entry("carl:x:7:7::/var/carl", 7), (PasswdEntry{"carl", "/var/carl"}));
}

TEST(PlanDescribe, ListsTheStagesInOrder) {
  auto text = describe_plan(plan_for("[rlimits]\nnofile = 64\n"));
  auto pos = [&](std::string_view s) { return text.find(s); };
  ASSERT_NE(pos("clone with new namespaces"), std::string::npos);
  EXPECT_LT(pos("clone with new namespaces"), pos("id maps"));
  EXPECT_LT(pos("id maps"), pos("make / rslave"));
  EXPECT_LT(pos("make / rslave"), pos("pivot_root"));
  EXPECT_LT(pos("pivot_root"), pos("rlimit nofile 64:64"));
  EXPECT_LT(pos("no_new_privs"), pos("seccomp"));
  EXPECT_LT(pos("seccomp"), pos("execve make -j2"));
}

} // namespace
} // namespace sandbox::plan

namespace sandbox::plan {
namespace {

TEST(PlanBuild, DefaultProfileRefusesToExposeHomeOrRootReadWrite) {
  for (const char *cwd : {"/home/ann", "/home", "/"}) {
    auto host = fake_host();
    host.cwd = cwd;
    host.path_kind = [](const std::string &) { return PathKind::directory; };
    try {
      build_plan(load(profile::builtin_default_profile(), host), host, {"id"}, no_policies());
      ADD_FAILURE() << "expected a refusal from " << cwd;
    } catch (const Error &e) {
      EXPECT_NE(e.line().find(std::string("refusing to bind ") + cwd + " read-write"),
                std::string::npos)
          << e.line();
    }
  }
}

TEST(PlanBuild, ACommandLineBindOfHomeIsTakenAsMeant) {
  auto host = fake_host();
  auto profile = load("", host);
  profile::Diagnostics diags;
  profile::Overrides o;
  o.bind = {"/home/ann"};
  profile::apply_overrides(profile, o, diags);
  ASSERT_TRUE(diags.empty());
  host.path_kind = [](const std::string &) { return PathKind::directory; };
  auto p = build_plan(profile, host, {"id"}, no_policies());
  EXPECT_NE(find_mount(p, "/home/ann"), nullptr);
}

} // namespace
} // namespace sandbox::plan
