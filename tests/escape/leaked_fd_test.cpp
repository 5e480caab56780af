// SPDX-License-Identifier: Apache-2.0
// Leaked file descriptors and working directory.
// CVE-2024-21626 (runc "Leaky Vessels"): an fd to a host directory leaked into the container
// (and a cwd set through it) gives access to the host filesystem via openat(fd, "..").
// Also the generic case: any fd the caller forgot to mark close-on-exec.
#include "escape_support.hpp"

using namespace sbx::test;

class LeakedFd : public Escape {};

TEST_F(LeakedFd, CVE_2024_21626_InheritedDirectoryFdsAreClosed) {
  RunOptions o = opts_in_work({});
  // Directory fds that lead outside the sandbox's view (the real home, the host root) and a
  // file the sandbox must not read.
  std::string secret = aux() + "/secret.txt";
  write_file_as(secret, "secret\n", user(), 0600);
  o.leak_paths = {user().home, "/", aux(), secret};
  // Control: outside a sandbox the probe sees (and reports) the leaked fds.
  RunResult c = run_as_user({probe_bin(), "fd-escape"}, o);
  ASSERT_EQ(c.result(), "errno=EBADF") << "the harness did not leak the fds" << c;
  RunResult r = probe({"fd-escape", "+", "facts"}, {}, o);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.results().front(), "ok") << "fds leaked into the sandbox" << r;
  EXPECT_EQ(Facts(r.out)["fds"], "0,1,2") << r;
}

TEST_F(LeakedFd, CVE_2024_21626_WorkingDirectoryIsInsideTheRoot) {
  RunResult r = probe({"cwd-check"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.result(), "ok") << "the cwd is not reachable from the sandbox root" << r;
  // With a cwd outside everything bound in, the sandbox must not start there.
  RunResult other = probe({"cwd-check"}, {"--chdir", aux()});
  EXPECT_NE(other.result(), "ok") << "--chdir to an unbound host dir worked: " << other;
}

TEST_F(LeakedFd, HighNumberedInheritedFdIsClosed) {
  // A launcher that closes fds only below some bound (1024, FD_SETSIZE) misses this one.
  RunOptions o = opts_in_work({});
  o.leak_high_fd = 4000;
  RunResult c = run_as_user({probe_bin(), "facts"}, o);
  ASSERT_NE(Facts(c.out)["fds"].find("4000"), std::string::npos)
      << "control: the harness did not leak fd 4000 (RLIMIT_NOFILE too low?)" << c;
  RunResult r = probe({"fd-escape", "+", "facts"}, {}, o);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Facts(r.out)["fds"], "0,1,2") << r;
}
