// SPDX-License-Identifier: Apache-2.0
// Typed conversion details that the golden fixtures do not cover one by one.
#include "profile_test_support.hpp"

namespace sandbox::profile::test {
namespace {

Profile load(const std::string &text) {
  FakeHost host;
  return load_profile_text(text, "p.toml", host.context());
}

std::string errors(const std::string &text) {
  FakeHost host;
  return errors_of(text, host.context());
}

TEST(Validate, EmptyProfileHasTheSchemaDefaults) {
  EXPECT_EQ(load(""), Profile{});
}

TEST(Validate, Ids) {
  EXPECT_EQ(load("[user]\nuid = 0\ngid = 4294967294\n").user.gid, (IdSpec{false, 4294967294U}));
  EXPECT_EQ(load("[user]\nuid = \"self\"\n").user.uid, IdSpec{});
  EXPECT_EQ(errors("[user]\nuid = true\n"),
            "p.toml:2:7: user.uid: expected \"self\" or an integer 0..4294967294, got a boolean");
  EXPECT_EQ(load("[user]\nmap = \"auto\"\n").user.map, IdMapMethod::automatic);
  EXPECT_EQ(load("[user]\nmap = \"subids\"\n").user.map_origin.str(), "p.toml:2:7");
}

TEST(Validate, TmpfsSizes) {
  auto size_of = [](const std::string &size) {
    return load("[[mount]]\ntype = \"tmpfs\"\ndest = \"/t\"\nsize = " + size + "\n").mounts[0].size;
  };
  EXPECT_EQ(size_of("4096"), 4096U);
  EXPECT_EQ(size_of("\"512k\""), 512U << 10);
  EXPECT_EQ(size_of("\"256M\""), 256U << 20);
  EXPECT_EQ(size_of("\"1G\""), 1ULL << 30);
  EXPECT_EQ(size_of("\"123\""), 123U);
  EXPECT_EQ(errors("[[mount]]\ntype = \"tmpfs\"\ndest = \"/t\"\nsize = 0\n"),
            "p.toml:4:8: mount[0].size: expected a size in bytes or a string such as \"256M\", "
            "got 0");
  EXPECT_EQ(errors("[[mount]]\ntype = \"tmpfs\"\ndest = \"/t\"\nsize = \"99999999999999T\"\n"),
            "p.toml:4:8: mount[0].size: expected a size in bytes or a string such as \"256M\", "
            "got \"99999999999999T\"");
}

TEST(Validate, Modes) {
  EXPECT_EQ(load("[[mount]]\ntype = \"dir\"\ndest = \"/d\"\nmode = \"755\"\n").mounts[0].mode,
            0755U);
  EXPECT_EQ(errors("[[mount]]\ntype = \"dir\"\ndest = \"/d\"\nmode = 755\n"),
            "p.toml:4:8: mount[0].mode: expected an octal string such as \"0755\", got an integer");
  EXPECT_EQ(errors("[process]\numask = \"1022\"\n"),
            "p.toml:2:9: process.umask: must be at most \"0777\", got \"1022\"");
}

TEST(Validate, MountNeedsTypeAndDest) {
  EXPECT_EQ(errors("[[mount]]\nsource = \"/a\"\n"),
            "p.toml:1:1: mount[0].type: missing: every [[mount]] needs a type\n"
            "p.toml:1:1: mount[0].dest: missing: every [[mount]] needs a dest");
  EXPECT_EQ(errors("[[mount]]\ntype = \"proc\"\ndest = \"/proc\"\ncontent = \"x\"\n"),
            "p.toml:4:11: mount[0].content: only a \"file\" mount takes content");
  EXPECT_EQ(errors("[[mount]]\ntype = \"symlink\"\nsource = \"x\"\ndest = \"/l\"\noptions = []\n"),
            "p.toml:5:11: mount[0].options: a \"symlink\" mount takes no options");
}

TEST(Validate, MountPropagation) {
  const std::string bind = "[[mount]]\ntype = \"bind\"\nsource = \"/srv\"\ndest = \"/srv\"\n";
  EXPECT_EQ(load(bind).mounts[0].propagation, std::nullopt);
  EXPECT_EQ(load(bind + "propagation = \"private\"\n").mounts[0].propagation,
            RootPropagation::private_);
  EXPECT_EQ(load(bind + "propagation = \"slave\"\n").mounts[0].propagation, RootPropagation::slave);
  EXPECT_EQ(errors(bind + "propagation = \"shared\"\n"),
            "p.toml:5:15: mount[0].propagation: \"shared\" is impossible without root: the kernel "
            "never propagates mounts from a user's mount namespace back to the host's; use "
            "\"slave\" to receive the host's later mounts");
  EXPECT_EQ(errors(bind + "propagation = \"privat\"\n"),
            "p.toml:5:15: mount[0].propagation: expected one of \"slave\", \"private\", got "
            "\"privat\"; did you mean 'private'?");
  EXPECT_EQ(errors("[[mount]]\ntype = \"tmpfs\"\ndest = \"/t\"\npropagation = \"private\"\n"),
            "p.toml:4:15: mount[0].propagation: only bind mounts take a propagation");
}

TEST(Validate, Capabilities) {
  const auto keep =
      load("[capabilities]\nkeep = [\"CAP_NET_RAW\", \"cap_chown\", \"checkpoint_restore\", "
           "\"net_raw\"]\n")
          .capabilities.keep;
  EXPECT_EQ(keep, (std::vector<std::string>{"CAP_NET_RAW", "CAP_CHOWN", "CAP_CHECKPOINT_RESTORE"}));
  EXPECT_EQ(errors("[capabilities]\nkeep = [\"sys_admn\", \"everything\"]\n"),
            "p.toml:2:9: capabilities.keep[0]: unknown capability \"sys_admn\"; did you mean "
            "'CAP_SYS_ADMIN'?\n"
            "p.toml:2:21: capabilities.keep[1]: unknown capability \"everything\"");
}

TEST(Validate, Rlimits) {
  const auto limits = load("[rlimits]\nnproc = 10\ncore = \"unlimited\"\nas = { soft = 1, hard = "
                           "\"unlimited\" }\n")
                          .rlimits;
  ASSERT_EQ(limits.size(), 3U);
  EXPECT_EQ(limits[0].name, "as"); // sorted by name
  EXPECT_EQ(limits[0].hard, UINT64_MAX);
  EXPECT_EQ(limits[1].name, "core");
  EXPECT_EQ(limits[1].soft, UINT64_MAX);
  EXPECT_EQ(limits[2].soft, 10U);
  EXPECT_EQ(limits[2].hard, 10U);
  EXPECT_EQ(errors("[rlimits]\nnofile = { soft = 1 }\ncpu = { soft = 1, hard = 2, max = 3 }\n"),
            "p.toml:2:10: rlimits.nofile: expected { soft = N, hard = N }, missing 'hard'\n"
            "p.toml:3:29: rlimits.cpu.max: unknown key");
}

TEST(Validate, SectionsMustBeTables) {
  EXPECT_EQ(errors("user = 5\nprocess = \"x\"\n"),
            "p.toml:1:8: user: expected a table, got an integer\n"
            "p.toml:2:11: process: expected a table, got a string");
}

TEST(Validate, NamespaceKeysThatAreNotOptions) {
  EXPECT_EQ(errors("[namespaces]\nuser = false\nmount = false\npdi = true\n"),
            "p.toml:2:1: namespaces.user: unknown key (user and mount namespaces are always new)\n"
            "p.toml:3:1: namespaces.mount: unknown key (user and mount namespaces are always new)\n"
            "p.toml:4:1: namespaces.pdi: unknown key; did you mean 'pid'?");
}

TEST(Validate, HostnamesAndCwd) {
  EXPECT_EQ(load("[process]\nhostname = \"a-b.c1\"\ncwd = \"\"\n").process.hostname, "a-b.c1");
  EXPECT_NE(errors("[process]\nhostname = \"" + std::string(65, 'a') + "\"\n"), "");
  EXPECT_NE(errors("[process]\nhostname = \"\"\n"), "");
  EXPECT_NE(errors("[process]\nhostname = \"a..b\"\n"), "");
  EXPECT_EQ(errors("[process]\ncwd = \"/a/./b\"\n"),
            "p.toml:2:7: process.cwd: must not contain \".\" components, got \"/a/./b\"");
}

TEST(Validate, OriginsAreRecorded) {
  Profile p = load("[root]\nsource = \"host\"\n\n[[mount]]\ntype = \"tmpfs\"\ndest = "
                   "\"/t\"\n[process]\ncwd = \"/t\"\n[rlimits]\nnofile = 3\n");
  EXPECT_EQ(p.root.origin.str(), "p.toml:2:10");
  EXPECT_EQ(p.mounts[0].origin.str(), "p.toml:4:1");
  EXPECT_EQ(p.process.cwd_origin.str(), "p.toml:8:7");
  EXPECT_EQ(p.rlimits[0].origin.str(), "p.toml:10:10");
}

TEST(Diagnostics, LineFormat) {
  EXPECT_EQ((Diagnostic{{"p.toml", 12, 3}, "mount[1].dest", "must be absolute", ""}).line(),
            "p.toml:12:3: mount[1].dest: must be absolute");
  EXPECT_EQ((Diagnostic{{"p.toml", 1, 2}, "nmespaces", "unknown key", "namespaces"}).line(),
            "p.toml:1:2: nmespaces: unknown key; did you mean 'namespaces'?");
  EXPECT_EQ((Diagnostic{{"--bind", 0, 0}, "", "bad", ""}).line(), "--bind: bad");
  EXPECT_EQ((Diagnostic{{}, "", "profile \"x\" not found", ""}).line(), "profile \"x\" not found");
  Diagnostics diags;
  EXPECT_NO_THROW(diags.throw_if_any());
  diags.add({{"a", 1, 1}, "", "one", ""});
  diags.add({{"a", 2, 1}, "", "two", ""});
  try {
    diags.throw_if_any();
    FAIL();
  } catch (const ProfileErrors &e) {
    EXPECT_STREQ(e.what(), "a:1:1: one\na:2:1: two");
    EXPECT_EQ(e.list().size(), 2U);
  }
}

TEST(Schema, EnumSpellingsRoundTrip) {
  for (auto t : {MountType::bind, MountType::ro_bind, MountType::dev_bind, MountType::tmpfs,
                 MountType::proc, MountType::devpts, MountType::mqueue, MountType::sysfs,
                 MountType::dir, MountType::file, MountType::symlink})
    EXPECT_EQ(parse_mount_type(to_string(t)), t);
  for (auto m : {IdMapMethod::automatic, IdMapMethod::single, IdMapMethod::subids})
    EXPECT_EQ(parse_id_map_method(to_string(m)), m);
  for (auto r : {RootPropagation::slave, RootPropagation::private_})
    EXPECT_EQ(parse_root_propagation(to_string(r)), r);
  for (auto d : {DevMode::minimal, DevMode::host, DevMode::none})
    EXPECT_EQ(parse_dev_mode(to_string(d)), d);
  for (auto n : {NetworkMode::none, NetworkMode::host})
    EXPECT_EQ(parse_network_mode(to_string(n)), n);
  EXPECT_EQ(to_string(IdMapMethod::automatic), "auto");
  EXPECT_EQ(to_string(RootPropagation::private_), "private");
  EXPECT_EQ(parse_mount_type("ro_bind"), std::nullopt);
  EXPECT_EQ((Origin{"f", 3, 0}).str(), "f:3");
}

} // namespace
} // namespace sandbox::profile::test
