// SPDX-License-Identifier: Apache-2.0
// Kernel attack surface the default seccomp policy must close: nested user namespaces (the
// entry point of many kernel LPEs, e.g. CVE-2022-0185, CVE-2023-32233), the kernel keyring
// (not namespaced), bpf, perf_event_open, userfaultfd (race amplifier for kernel exploits),
// open_by_handle_at ("shocker", Docker 2014), kexec and module loading. Controls with policy "none"
// show the probe detects each where the host kernel allows it.
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
  RunResult r = probe({"bpf", "+", "seccomp-reaches", "bpf"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(r.results().size(), 2U) << r;
  EXPECT_NE(r.results()[0], "ok") << r;
  // kernel.unprivileged_bpf_disabled usually makes bpf fail anyway; this shows the policy
  // itself stops it (see KexecAndModuleLoadingDeniedBySeccomp).
  EXPECT_EQ(r.results()[1], "errno=EPERM") << "bpf got past the seccomp policy" << r;
}

TEST_F(SyscallEscape, Control_BpfReachesTheKernelWithoutSeccomp) {
  RunResult r = probe({"seccomp-reaches", "bpf"}, {no_seccomp_profile()});
  EXPECT_EQ(r.result(), "errno=ENOSYS") << r;
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
  RunResult r =
      probe({"open-by-handle", "/etc/hostname", "+", "seccomp-reaches", "open_by_handle_at"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(r.results().size(), 2U) << r;
  EXPECT_NE(r.results()[0], "ok") << "open_by_handle_at reached an inode by handle" << r;
  // It needs CAP_DAC_READ_SEARCH in the initial namespace anyway; the policy stops it first.
  EXPECT_EQ(r.results()[1], "errno=EPERM") << "open_by_handle_at got past the policy" << r;
}

TEST_F(SyscallEscape, Control_OpenByHandleReachesTheKernelWithoutSeccomp) {
  RunResult r = probe({"seccomp-reaches", "open_by_handle_at"}, {no_seccomp_profile()});
  EXPECT_EQ(r.result(), "errno=ENOSYS") << r;
}

// kexec and module loading also need capabilities in the initial user namespace, which no
// sandbox has, so "EPERM" alone would not show that seccomp denies them. The probe's
// seccomp-reaches adds a filter of its own that skips the call with ENOSYS; an earlier
// filter's ERRNO outranks it, so EPERM here can only come from the sandbox's policy.
namespace {

const std::vector<std::string> kKernelReplacingCalls = {
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot"};

std::vector<std::string> seccomp_reaches_each(const std::vector<std::string> &calls) {
  std::vector<std::string> args;
  for (const auto &c : calls) {
    if (!args.empty())
      args.emplace_back("+");
    args.insert(args.end(), {"seccomp-reaches", c});
  }
  return args;
}

} // namespace

TEST_F(SyscallEscape, KexecAndModuleLoadingDeniedBySeccomp) {
  RunResult r = probe(seccomp_reaches_each(kKernelReplacingCalls));
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(r.results().size(), kKernelReplacingCalls.size()) << r;
  for (size_t i = 0; i < kKernelReplacingCalls.size(); i++)
    EXPECT_EQ(r.results()[i], "errno=EPERM")
        << kKernelReplacingCalls[i] << " got past the seccomp policy" << r;
}

TEST_F(SyscallEscape, KexecAndModuleLoadingStayDeniedWhenDefaultActionIsAllow) {
  // The default policy names them, so a profile that opens everything else keeps them shut.
  std::string profile =
      write_profile("allow-rest.toml",
                    "[profile]\nextends = \"default\"\n[seccomp]\ndefault_action = \"allow\"\n");
  RunResult r = probe(seccomp_reaches_each(kKernelReplacingCalls), {profile});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(r.results().size(), kKernelReplacingCalls.size()) << r;
  for (size_t i = 0; i < kKernelReplacingCalls.size(); i++)
    EXPECT_EQ(r.results()[i], "errno=EPERM") << kKernelReplacingCalls[i] << r;
  // ... while a call the default denies only through default_action now passes: the profile
  // really did open the rest (vhangup is neither on the allowlist nor named).
  RunResult vhangup = probe({"seccomp-reaches", "vhangup"}, {profile});
  EXPECT_EQ(vhangup.result(), "errno=ENOSYS") << vhangup;
  RunResult by_default = probe({"seccomp-reaches", "vhangup"});
  EXPECT_EQ(by_default.result(), "errno=EPERM") << by_default;
}

TEST_F(SyscallEscape, Control_KexecAndModuleLoadingReachTheKernelWithoutSeccomp) {
  RunResult r = probe(seccomp_reaches_each(kKernelReplacingCalls), {no_seccomp_profile()});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(r.results().size(), kKernelReplacingCalls.size()) << r;
  for (size_t i = 0; i < kKernelReplacingCalls.size(); i++)
    EXPECT_EQ(r.results()[i], "errno=ENOSYS")
        << "the probe cannot tell whether " << kKernelReplacingCalls[i] << " was filtered" << r;
}
