// SPDX-License-Identifier: Apache-2.0
// Overwriting the runtime binary through /proc.
// CVE-2019-5736 (runc): the container opens /proc/self/exe (or /proc/<runtime pid>/exe) of
// the runtime that entered it, and writes the host binary. Here: the command's own exe, the
// sandbox init's exe (pid 1 may be a fork of the launcher), and the launcher binary on disk.
// Also: ptrace of the sandbox's init, which may run without the seccomp filter.
#include "escape_support.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

using namespace sbx::test;

class ProcExe : public Escape {};

TEST_F(ProcExe, CVE_2019_5736_ProcSelfExeAndInitExeNotWritable) {
  // Run a copy of the launcher OWNED BY THE TEST USER (as with a per-user install): only then
  // would the overwrite be allowed by file permissions, so only the sandbox stands in the way.
  const std::string bindir = aux() + "/bin";
  std::filesystem::create_directories(bindir);
  const std::string launcher = bindir + "/sandbox";
  std::filesystem::copy_file(sandbox_bin(), launcher);
  if (running_as_root()) {
    ASSERT_EQ(chown(bindir.c_str(), user().uid, user().gid), 0);
    ASSERT_EQ(chown(launcher.c_str(), user().uid, user().gid), 0);
  }
  chmod(launcher.c_str(), 0755);
  const std::string before = read_file(launcher);
  ASSERT_FALSE(before.empty());
  std::vector<std::string> argv{launcher};
  for (auto &a : probe_argv({"open-write", "/proc/self/exe", "+", "open-write", "/proc/1/exe", "+",
                             "open-write", launcher, "+", "stat", "/proc/1"}))
    argv.push_back(a);
  RunResult r = run_as_user(argv, opts_in_work({}));
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 4U) << r;
  // pid 1 must be the sandbox's own init (the test user's), or the test proves nothing.
  ASSERT_EQ(Facts(r.out)["owner"], std::to_string(user().uid)) << "pid 1 is not the sandbox's" << r;
  EXPECT_NE(res[0], "ok") << "/proc/self/exe opened for writing" << r;
  EXPECT_NE(res[1], "ok") << "/proc/1/exe (the sandbox init) opened for writing" << r;
  EXPECT_NE(res[2], "ok") << "the launcher binary opened for writing" << r;
  EXPECT_EQ(read_file(launcher), before) << "the launcher binary changed";
}

TEST_F(ProcExe, PtraceOfSandboxInitFails) {
  // pid 1 inside is the sandbox's reaper; if the payload could ptrace it, it could run code
  // in a process that has no seccomp filter.
  RunResult r = probe({"ptrace", "1", "+", "vmread", "1", "+", "stat", "/proc/1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 3U) << r;
  ASSERT_EQ(Facts(r.out)["owner"], std::to_string(user().uid)) << "pid 1 is not the sandbox's" << r;
  EXPECT_FALSE(escaped(res[0])) << "ptrace of the sandbox init worked" << r;
  EXPECT_FALSE(escaped(res[1])) << "process_vm_readv of the sandbox init worked" << r;
}

// Pid 1 shares the launcher's memory (src/launch/launcher.cpp): reaching it would reach a
// process outside every namespace. Without seccomp (which denies ptrace and
// process_vm_readv anyway) only pid 1 being non-dumpable stands in the way: its memory
// belongs to the host's user namespace, where nothing inside has CAP_SYS_PTRACE.
const std::string k_reach_script = R"("$0" ptrace "$1" + vmread "$1" + read "/proc/$1/mem"; :)";

TEST_F(ProcExe, InitMemoryUnreachableEvenWithoutSeccomp) {
  RunResult r =
      sandbox({"run", "--seccomp", "none", "--", "/bin/sh", "-c", k_reach_script, probe_bin(), "1"},
              opts_in_work({}));
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 3U) << r;
  EXPECT_EQ(res[0], "errno=EPERM") << "ptrace of pid 1" << r;
  EXPECT_EQ(res[1], "errno=EPERM") << "process_vm_readv of pid 1" << r;
  EXPECT_EQ(res[2], "errno=EACCES") << "/proc/1/mem opened" << r;
}

TEST_F(ProcExe, InitKeepsNoCapabilitiesAndHasNoNewPrivs) {
  // Pid 1 drops everything with bare syscalls (it may not allocate once the command exists):
  // the same end state as the command's libcap drop.
  RunResult r = sandbox({"run", "--", "/bin/sh", "-c",
                         "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' "
                         "/proc/1/status | tr -d ' \\t'"},
                        opts_in_work({}));
  ASSERT_EQ(r.exit_code, 0) << r;
  for (const char *line :
       {"CapInh:0000000000000000", "CapPrm:0000000000000000", "CapEff:0000000000000000",
        "CapBnd:0000000000000000", "CapAmb:0000000000000000", "NoNewPrivs:1"})
    EXPECT_NE(r.out.find(std::string(line) + "\n"), std::string::npos) << line << r;
}

TEST_F(ProcExe, Control_DumpableSiblingMemoryReachableWithoutSeccomp) {
  // The same probe against a process like pid 1 but dumpable (a shell of the same user, with
  // no capabilities): all three get through, so the checks above can fail. Reading
  // /proc/PID/mem at offset 0 gives EIO: the open, the access check, succeeded.
  if (read_file("/proc/sys/kernel/yama/ptrace_scope").starts_with("1") ||
      read_file("/proc/sys/kernel/yama/ptrace_scope").starts_with("2"))
    GTEST_SKIP() << "Yama ptrace_scope restricts ptrace to descendants; the sibling is not one";
  const std::string script =
      R"(sleep 30 & "$0" ptrace $! + vmread $! + read "/proc/$!/mem"; kill $!)";
  RunResult r = sandbox({"run", "--seccomp", "none", "--", "/bin/sh", "-c", script, probe_bin()},
                        opts_in_work({}));
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 3U) << r;
  EXPECT_EQ(res[0], "ok") << r;
  EXPECT_TRUE(escaped(res[1])) << r;
  EXPECT_EQ(res[2], "errno=EIO") << r;
}

TEST_F(ProcExe, CVE_2016_9962_InitFdsNotReachableThroughProc) {
  // runc's init held host fds reachable through /proc/<init>/fd. Here pid 1 is the sandbox's
  // reaper: its fds must not be openable, or must not lead outside the sandbox's root.
  RunResult r = probe({"stat", "/proc/1", "+", "proc-fd-escape", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 2U) << r;
  ASSERT_EQ(Facts(r.out)["owner"], std::to_string(user().uid)) << "pid 1 is not the sandbox's" << r;
  EXPECT_NE(res[1], "errno=EXDEV") << "an fd of pid 1 leads outside the sandbox" << r;
}
