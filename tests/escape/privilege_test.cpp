// SPDX-License-Identifier: Apache-2.0
// Gaining privilege: capabilities, setuid-root binaries under no_new_privs, setgroups
// (CVE-2014-8989: dropping a supplementary group used for negative permissions), and how
// little "root" inside (--uid 0) can do.
#include "escape_support.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

using namespace sbx::test;

class Privilege : public Escape {};

TEST_F(Privilege, NoCapabilitiesAtAll) {
  Facts f = facts();
  for (const char *k : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"})
    EXPECT_EQ(f[k], "0000000000000000") << k;
  RunResult r = probe({"sethostname", "x", "+", "mknod", work() + "/sda", "+", "chroot", "/tmp",
                       "+", "setuid", "0", "+", "mount-tmpfs", "/tmp"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 5U) << r;
  EXPECT_EQ(res[0], "errno=EPERM") << "sethostname" << r;
  EXPECT_EQ(res[1], "errno=EPERM") << "mknod" << r;
  EXPECT_EQ(res[2], "errno=EPERM") << "chroot" << r;
  // uid 0 is not mapped with map = "single": EINVAL; EPERM if it were.
  EXPECT_TRUE(res[3] == "errno=EPERM" || res[3] == "errno=EINVAL") << "setuid(0): " << res[3];
  EXPECT_EQ(res[4], "errno=EPERM") << "mount" << r;
}

TEST_F(Privilege, RootInsideIsPowerless) {
  RunResult r = probe({"sethostname", "x", "+", "mknod", work() + "/sda", "+", "chroot", "/tmp",
                       "+", "mount-tmpfs", "/tmp", "+", "read", "/etc/shadow", "+", "facts"},
                      {"--uid", "0", "--gid", "0"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Facts(r.out)["euid"], "0") << "not root inside: the test would prove nothing" << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 5U) << r;
  for (size_t i = 0; i < 4; i++)
    EXPECT_EQ(res[i], "errno=EPERM") << i << r;
  EXPECT_EQ(res[4], "errno=EACCES") << "/etc/shadow readable by root inside" << r;
}

TEST_F(Privilege, SetuidRootBinaryGainsNothing) {
  if (!running_as_root())
    GTEST_SKIP() << "needs root to create a setuid-root copy of the probe";
  // A setuid-root copy of the probe in the (bound, not nosuid) work dir.
  const std::string suid = work() + "/suid-probe";
  std::filesystem::copy_file(probe_bin(), suid);
  ASSERT_EQ(chown(suid.c_str(), 0, 0), 0);
  ASSERT_EQ(chmod(suid.c_str(), 04755), 0);
  // Control: outside any sandbox it does make the test user euid 0.
  RunResult c = run_as_user({suid, "facts"}, opts_in_work({}));
  ASSERT_EQ(Facts(c.out)["euid"], "0") << "the setuid copy does not work (nosuid mount?)" << c;
  RunResult r = sandbox({"run", "--", suid, "facts"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  EXPECT_EQ(f["euid"], std::to_string(user().uid));
  EXPECT_EQ(f["suid"], std::to_string(user().uid));
  EXPECT_EQ(f["CapEff"], "0000000000000000");
  EXPECT_EQ(f["NoNewPrivs"], "1");
  // A real setuid program of the system as well.
  if (access("/usr/bin/su", X_OK) == 0) {
    RunResult su = sandbox({"run", "--", "/usr/bin/su", "-c", "true", "root"});
    EXPECT_NE(su.exit_code, 0) << "su succeeded inside" << su;
  }
}

TEST_F(Privilege, CVE_2014_8989_SetgroupsIsDenied) {
  RunResult r = probe({"setgroups", "+", "facts"}, {"--uid", "0", "--gid", "0"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.results().front(), "errno=EPERM") << "dropped supplementary groups" << r;
  EXPECT_EQ(Facts(r.out)["setgroups"], "deny");
}

TEST_F(Privilege, FileCapabilitiesGainNothing) {
  if (!running_as_root())
    GTEST_SKIP() << "needs root to set file capabilities";
  if (access("/usr/sbin/setcap", X_OK) != 0)
    GTEST_SKIP() << "setcap (libcap2-bin) is not installed";
  // A copy of the probe with file capabilities (like ping's cap_net_raw), in the bound cwd.
  const std::string capped = work() + "/capped-probe";
  std::filesystem::copy_file(probe_bin(), capped);
  chmod(capped.c_str(), 0755);
  ASSERT_EQ(std::system(("/usr/sbin/setcap cap_net_raw,cap_sys_admin+ep " + capped).c_str()), 0);
  // Control: outside a sandbox the test user gains them.
  RunResult c = run_as_user({capped, "facts"}, opts_in_work({}));
  ASSERT_NE(Facts(c.out)["CapEff"], "0000000000000000") << "file caps do not work here" << c;
  RunResult r = sandbox({"run", "--", capped, "facts"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  EXPECT_EQ(f["CapEff"], "0000000000000000");
  EXPECT_EQ(f["CapPrm"], "0000000000000000");
}
