// SPDX-License-Identifier: Apache-2.0
// Who the command is inside: ids, id maps, capabilities, no_new_privs, seccomp mode.
#include "harness.hpp"

#include <fstream>
#include <sstream>

using namespace sbx::test;

namespace {

constexpr const char *k_no_caps = "0000000000000000";

struct MapLine {
  unsigned long inside = 0, outside = 0, count = 0;
};

std::vector<MapLine> parse_map(const std::string &normalized) {
  std::vector<MapLine> out;
  for (auto &line : split(normalized, ';')) {
    std::istringstream is(line);
    MapLine m;
    if (is >> m.inside >> m.outside >> m.count)
      out.push_back(m);
  }
  return out;
}

} // namespace

class Identity : public SandboxTest {};

TEST_F(Identity, DefaultMapIsSingleSelfMapping) {
  Facts f = facts();
  const std::string uid = std::to_string(user().uid), gid = std::to_string(user().gid);
  EXPECT_EQ(f["uid"], uid);
  EXPECT_EQ(f["euid"], uid);
  EXPECT_EQ(f["suid"], uid);
  EXPECT_EQ(f["gid"], gid);
  EXPECT_EQ(f["egid"], gid);
  EXPECT_EQ(f["uid_map"], uid + " " + uid + " 1");
  EXPECT_EQ(f["gid_map"], gid + " " + gid + " 1");
  // map = "single" writes setgroups "deny" before gid_map (user_namespaces(7)).
  EXPECT_EQ(f["setgroups"], "deny");
  // Supplementary groups are either our own gid or unmapped (overflowgid 65534).
  for (auto &g : split(f["groups"], ','))
    EXPECT_TRUE(g == gid || g == "65534") << "unexpected group " << g;
  // A new user namespace, not the host's.
  EXPECT_NE(f["ns.user"], Facts(run_as_user({probe_bin(), "facts"}).out)["ns.user"]);
}

// Without a profile the first process writes its own single self-mapping while the default
// profile loads (launch::start_early); a user's default.toml that wants other ids must get a new
// first process with those.
TEST_F(Identity, UserDefaultProfileWithOtherIdsIsObeyed) {
  TempDir config(user().name);
  config.write_file("sandbox/profiles/default.toml", "[profile]\nextends = \"default\"\n"
                                                     "[user]\nuid = 0\ngid = 0\n");
  RunOptions with_config;
  with_config.env = {"XDG_CONFIG_HOME=" + config.path()};
  Facts f = facts({}, with_config);
  EXPECT_EQ(f["uid"], "0");
  EXPECT_EQ(f["gid"], "0");
  EXPECT_EQ(f["uid_map"], "0 " + std::to_string(user().uid) + " 1");
  EXPECT_EQ(f["gid_map"], "0 " + std::to_string(user().gid) + " 1");
}

TEST_F(Identity, UidZeroInsideIsMappedToSelf) {
  Facts f = facts({"--uid", "0", "--gid", "0"});
  EXPECT_EQ(f["uid"], "0");
  EXPECT_EQ(f["euid"], "0");
  EXPECT_EQ(f["gid"], "0");
  EXPECT_EQ(f["uid_map"], "0 " + std::to_string(user().uid) + " 1");
  EXPECT_EQ(f["gid_map"], "0 " + std::to_string(user().gid) + " 1");
  // Root inside, but still no capabilities at all.
  EXPECT_EQ(f["CapEff"], k_no_caps);
  EXPECT_EQ(f["CapPrm"], k_no_caps);
  EXPECT_EQ(f["CapBnd"], k_no_caps);
}

TEST_F(Identity, SubidsMapGives65536Ids) {
  auto [sub_start, sub_count] = subid_range("/etc/subuid", user());
  auto [subg_start, subg_count] = subid_range("/etc/subgid", user());
  if (sub_count < 65536 || subg_count < 65536) {
    if (running_as_root())
      FAIL() << user().name << " has no 65536-id range in /etc/subuid or /etc/subgid: run "
             << "tests/support/setup-test-users.sh";
    GTEST_SKIP() << user().name << " has no 65536-id range in /etc/subuid and /etc/subgid";
  }
  std::string p = write_profile("subids.toml", "[profile]\nextends = \"default\"\n"
                                               "[user]\nmap = \"subids\"\n");
  Facts f = facts({p});
  EXPECT_EQ(f["uid"], std::to_string(user().uid));
  // 65536 ids in all: the caller's own id (mapped to itself, since uid = "self") plus ids
  // from the subordinate range, and nothing outside those.
  auto check = [&](const std::string &key, unsigned long start, unsigned long count,
                   unsigned long self) {
    auto lines = parse_map(f[key]);
    unsigned long total = 0;
    bool self_mapped = false;
    for (auto &m : lines) {
      total += m.count;
      if (m.outside == self && m.count == 1 && m.inside == self) {
        self_mapped = true;
        continue;
      }
      EXPECT_TRUE(m.outside >= start && m.outside + m.count <= start + count)
          << key << "=" << f[key] << ": range " << m.inside << " " << m.outside << " " << m.count
          << " is outside the subordinate ids " << start << "+" << count;
    }
    EXPECT_TRUE(self_mapped) << key << "=" << f[key] << " does not map " << self << " to itself";
    EXPECT_GE(total, 65536UL) << key << "=" << f[key];
  };
  check("uid_map", sub_start, sub_count, user().uid);
  check("gid_map", subg_start, subg_count, user().gid);
}

TEST_F(Identity, SubidsWithoutSubordinateIdsFailsCleanly) {
  if (!running_as_root())
    GTEST_SKIP() << "needs root to run as the user 'sbxnosub' (no /etc/subuid entry)";
  auto nosub = lookup_user("sbxnosub");
  if (!nosub)
    FAIL() << "user sbxnosub is missing: run tests/support/setup-test-users.sh";
  std::string p = write_profile("subids.toml", "[profile]\nextends = \"default\"\n"
                                               "[user]\nmap = \"subids\"\n");
  TempDir cwd("sbxnosub");
  RunOptions o;
  o.user = "sbxnosub";
  o.cwd = cwd.path();
  std::string mark = unique_marker();
  RunResult r = run_sandbox({"run", p, "--", probe_bin(), "echo", mark}, o);
  EXPECT_EQ(r.exit_code, 125) << r;
  ASSERT_EQ(r.err_lines().size(), 1U) << "expected exactly one error line" << r;
  EXPECT_EQ(r.err.rfind("sandbox: ", 0), 0U) << r;
  EXPECT_NE(r.err.find("/etc/subuid"), std::string::npos) << r;
  EXPECT_EQ(r.out.find(mark), std::string::npos) << "the command ran" << r;
}

TEST_F(Identity, AllCapabilitySetsAreEmpty) {
  Facts f = facts();
  for (const char *k : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"})
    EXPECT_EQ(f[k], k_no_caps) << k;
}

TEST_F(Identity, KeptCapabilityIsTheOnlyOneInEverySet) {
  // capabilities.keep = ["CAP_NET_BIND_SERVICE"] (bit 10): raised in the effective, permitted,
  // inheritable and ambient sets and left alone in the bounding set; nothing else anywhere.
  const std::string p = write_profile("keep.toml", R"([capabilities]
keep = ["CAP_NET_BIND_SERVICE"]
[process]
cwd = "${PWD}"
[[mount]]
type = "bind"
source = "${PWD}"
dest = "${PWD}"
)");
  Facts f = facts({p});
  for (const char *k : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"})
    EXPECT_EQ(f[k], "0000000000000400") << k;
}

TEST_F(Identity, NoNewPrivsIsSet) {
  Facts f = facts();
  EXPECT_EQ(f["NoNewPrivs"], "1");
}

TEST_F(Identity, DefaultSeccompPolicyIsInstalled) {
  Facts f = facts();
  EXPECT_EQ(f["Seccomp"], "2") << "mode 2 = filter";
  // ... and "--seccomp none" really installs none (so the escape controls mean something).
  Facts none = facts({"--seccomp", "none"});
  EXPECT_EQ(none["Seccomp"], "0");
  EXPECT_EQ(none["NoNewPrivs"], "1") << "no_new_privs does not depend on seccomp";
}
