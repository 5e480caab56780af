// SPDX-License-Identifier: Apache-2.0
// Reaching host processes of the same user: ptrace, process_vm_readv, kill, pidfd_open,
// /proc/<pid>/root and setns via /proc/<pid>/ns. The pid namespace hides them; the pid of a
// real host process (same uid, dumpable) is passed in.
#include "escape_support.hpp"

using namespace sbx::test;

class HostProcess : public Escape {};

TEST_F(HostProcess, PtraceVmreadKillPidfdOfHostProcessFail) {
  auto host = start_host_process();
  const std::string pid = std::to_string(host->pid());
  RunResult r =
      probe({"ptrace", pid, "+", "vmread", pid, "+", "kill", pid, "TERM", "+", "pidfd-open", pid});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 4U) << r;
  EXPECT_FALSE(escaped(res[0])) << "ptrace of a host process" << r;
  EXPECT_FALSE(escaped(res[1])) << "process_vm_readv of a host process" << r;
  EXPECT_FALSE(escaped(res[2])) << "kill of a host process" << r;
  EXPECT_FALSE(escaped(res[3])) << "pidfd_open of a host process" << r;
  EXPECT_FALSE(host->exited()) << "the host process died";
}

TEST_F(HostProcess, Control_SharedPidNamespaceWithoutSeccompReachesHostProcess) {
  // Weakened: --share pid and no seccomp. kill and pidfd_open now reach the host process,
  // which proves the probe detects it. (ptrace and process_vm_readv stay blocked even here:
  // the kernel refuses them across user namespaces, cap_ptrace_access_check.)
  auto host = start_host_process();
  const std::string pid = std::to_string(host->pid());
  RunResult r = probe({"kill", pid, "0", "+", "pidfd-open", pid, "+", "ptrace", pid},
                      {"--share", "pid", "--seccomp", "none"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 3U) << r;
  EXPECT_EQ(res[0], "ok") << r;
  EXPECT_EQ(res[1], "ok") << r;
  EXPECT_EQ(res[2], "errno=EPERM") << "the kernel let ptrace cross user namespaces?" << r;
}

TEST_F(HostProcess, ProcPidRootOfHostProcessIsUnreachable) {
  // /proc/<pid>/root of a host process is the host's /: a way around every mount.
  const std::string secret = user().home + "/sbx-root-secret-" + marker();
  write_file_as(secret, "secret\n", user(), 0600);
  auto host = start_host_process();
  RunResult r = probe({"read", "/proc/" + std::to_string(host->pid()) + "/root" + secret});
  std::remove(secret.c_str());
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.result(), "ok") << "read the real home through /proc/<hostpid>/root" << r;
}

TEST_F(HostProcess, SetnsIntoHostNamespacesFails) {
  // The target runs in a user namespace the test user OWNS (`unshare -Ur`): from outside any
  // sandbox the user may setns into it (the owner has CAP_SYS_ADMIN there), so this fails only
  // because the sandbox hides the process and is not an ancestor of that namespace.
  RunOptions o;
  o.raw = true;
  o.cwd = work();
  Process host(
      {"/usr/bin/unshare", "--user", "--map-root-user", probe_bin(), "sleep", "1000", marker()}, o);
  ASSERT_TRUE(host.wait_for_stdout("sleeping")) << host.err();
  const std::string base = "/proc/" + std::to_string(host.pid()) + "/ns/";
  // Control: outside a sandbox, setns into that user namespace works.
  RunResult c = run_as_user({probe_bin(), "setns", base + "user"}, opts_in_work({}));
  ASSERT_EQ(c.result(), "ok") << "control: setns into an owned userns should work" << c;
  RunResult r = probe({"setns", base + "user", "+", "setns", base + "mnt", "+", "setns",
                       base + "net", "+", "setns", base + "pid"});
  ASSERT_EQ(r.exit_code, 0) << r;
  for (auto &res : r.results())
    EXPECT_NE(res, "ok") << "setns into a host namespace" << r;
  EXPECT_EQ(r.results().size(), 4U) << r;
  // Even when the process is visible (shared pid namespace) the sibling userns is out of reach.
  RunResult shared = probe({"setns", base + "user"}, {"--share", "pid", "--seccomp", "none"});
  EXPECT_NE(shared.result(), "ok") << shared;
}
