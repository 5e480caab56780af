// SPDX-License-Identifier: Apache-2.0
// Kernel attack surface the default seccomp policy must close: nested user namespaces (the
// entry point of many kernel LPEs, e.g. CVE-2022-0185, CVE-2023-32233), the kernel keyring
// (not namespaced), bpf, perf_event_open, userfaultfd (race amplifier for kernel exploits),
// and open_by_handle_at ("shocker", Docker 2014). Controls with policy "none" show the probe
// detects each where the host kernel allows it.
#include "escape_support.hpp"

using namespace sbx::test;

class SyscallEscape : public Escape {};

TEST_F(SyscallEscape, NestedUserNamespaceDenied) {
  RunResult r = probe({"unshare-user"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.result(), "ok") << "created a nested user namespace" << r;
}

TEST_F(SyscallEscape, Control_NestedUserNamespaceWorksWithoutSeccomp) {
  RunResult r = probe({"unshare-user"}, {no_seccomp_profile()});
  EXPECT_EQ(r.result(), "ok") << r;
}

TEST_F(SyscallEscape, KeyringDenied) {
  RunResult r = probe({"keyctl", "+", "add-key"});
  ASSERT_EQ(r.exit_code, 0) << r;
  for (auto &res : r.results())
    EXPECT_NE(res, "ok") << r;
  EXPECT_EQ(r.results().size(), 2U) << r;
}

TEST_F(SyscallEscape, Control_KeyringWorksWithoutSeccomp) {
  RunResult r = probe({"keyctl"}, {no_seccomp_profile()});
  EXPECT_EQ(r.result(), "ok") << r;
}

TEST_F(SyscallEscape, BpfDenied) {
  // No control: kernel.unprivileged_bpf_disabled is usually set, so bpf fails anyway.
  RunResult r = probe({"bpf"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.result(), "ok") << r;
}

TEST_F(SyscallEscape, PerfEventOpenDenied) {
  RunResult r = probe({"perf-event-open"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.result(), "ok") << r;
}

TEST_F(SyscallEscape, Control_PerfEventOpenWorksWithoutSeccomp) {
  if (std::stoi("0" + read_file("/proc/sys/kernel/perf_event_paranoid")) > 2)
    GTEST_SKIP() << "perf_event_paranoid > 2 forbids it on this host anyway";
  RunResult r = probe({"perf-event-open"}, {no_seccomp_profile()});
  EXPECT_EQ(r.result(), "ok") << r;
}

TEST_F(SyscallEscape, UserfaultfdDenied) {
  RunResult r = probe({"userfaultfd"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.result(), "ok") << r;
}

TEST_F(SyscallEscape, Control_UserfaultfdWorksWithoutSeccomp) {
  RunResult r = probe({"userfaultfd"}, {no_seccomp_profile()});
  EXPECT_EQ(r.result(), "ok") << r;
}

TEST_F(SyscallEscape, OpenByHandleShockerDenied) {
  RunResult r = probe({"open-by-handle", "/etc/hostname"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.result(), "ok") << "open_by_handle_at reached an inode by handle" << r;
}
