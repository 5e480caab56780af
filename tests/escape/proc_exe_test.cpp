// SPDX-License-Identifier: Apache-2.0
// Overwriting the runtime binary through /proc.
// CVE-2019-5736 (runc): the container opens /proc/self/exe (or /proc/<runtime pid>/exe) of
// the runtime that entered it, and writes the host binary. Here: the command's own exe, the
// sandbox init's exe (pid 1 may be a fork of the launcher), and the launcher binary on disk.
// Also: ptrace of the sandbox's init, which may run without the seccomp filter.
#include "escape_support.hpp"

#include <sys/stat.h>

using namespace sbx::test;

class ProcExe : public Escape {};

TEST_F(ProcExe, CVE_2019_5736_ProcSelfExeAndInitExeNotWritable) {
  const std::string before = read_file(sandbox_bin());
  ASSERT_FALSE(before.empty());
  RunResult r = probe({"open-write", "/proc/self/exe", "+", "open-write", "/proc/1/exe", "+",
                       "open-write", sandbox_bin(), "+", "readlink", "/proc/1/exe"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_GE(res.size(), 3U) << r;
  EXPECT_NE(res[0], "ok") << "/proc/self/exe opened for writing" << r;
  EXPECT_NE(res[1], "ok") << "/proc/1/exe (the sandbox init) opened for writing" << r;
  EXPECT_NE(res[2], "ok") << "the sandbox binary opened for writing" << r;
  EXPECT_EQ(read_file(sandbox_bin()), before) << "the sandbox binary changed";
}

TEST_F(ProcExe, PtraceOfSandboxInitFails) {
  // pid 1 inside is the sandbox's reaper; if the payload could ptrace it, it could run code
  // in a process that has no seccomp filter.
  RunResult r = probe({"ptrace", "1", "+", "vmread", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 2U) << r;
  EXPECT_FALSE(escaped(res[0])) << "ptrace of the sandbox init worked" << r;
  EXPECT_FALSE(escaped(res[1])) << "process_vm_readv of the sandbox init worked" << r;
}
