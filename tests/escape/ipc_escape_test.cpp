// SPDX-License-Identifier: Apache-2.0
// IPC with host processes: System V shared memory is looked up by key in the IPC namespace,
// POSIX shared memory lives in /dev/shm. Both must be the sandbox's own. Controls: with
// --share ipc the SysV segment is found; with the host's /dev/shm bound in, the file is.
#include "escape_support.hpp"

#include <sys/ipc.h>
#include <sys/shm.h>

#include <filesystem>
#include <random>

using namespace sbx::test;

class IpcEscape : public Escape {
protected:
  void SetUp() override {
    Escape::SetUp();
    if (IsSkipped() || HasFatalFailure())
      return;
    std::random_device rd;
    m_key = static_cast<key_t>(0x5b000000 | (rd() & 0xffffff));
    m_shmid = shmget(m_key, 4096, IPC_CREAT | IPC_EXCL | 0666);
    ASSERT_GE(m_shmid, 0) << "shmget on the host failed";
  }
  void TearDown() override {
    if (m_shmid >= 0)
      shmctl(m_shmid, IPC_RMID, nullptr);
    Escape::TearDown();
  }
  std::string key() const { return std::to_string(m_key); }
  key_t m_key = 0;
  int m_shmid = -1;
};

TEST_F(IpcEscape, HostSysVSharedMemoryIsInvisible) {
  RunResult c = run_as_user({probe_bin(), "shm-get", key()}, opts_in_work({}));
  ASSERT_EQ(c.result(), "ok") << "precondition: the segment is reachable outside" << c;
  RunResult r = probe({"shm-get", key()});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.result(), "errno=ENOENT") << "a host SysV segment is reachable" << r;
}

TEST_F(IpcEscape, Control_SharedIpcNamespaceSeesHostSysVSharedMemory) {
  RunResult r = probe({"shm-get", key()}, {"--share", "ipc"});
  EXPECT_EQ(r.result(), "ok") << r;
}

TEST_F(IpcEscape, HostDevShmIsInvisible) {
  const std::string file = "/dev/shm/sbx-" + marker();
  write_file_as(file, "shared\n", user(), 0666);
  RunResult r = probe({"read", file, "+", "write", "/dev/shm/inside-" + marker()});
  RunResult control = probe({"read", file}, {"--bind", "/dev/shm"});
  std::filesystem::remove(file);
  const bool leaked = std::filesystem::exists("/dev/shm/inside-" + marker());
  std::filesystem::remove("/dev/shm/inside-" + marker());
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 2U) << r;
  EXPECT_EQ(res[0], "errno=ENOENT") << "the host's /dev/shm is visible" << r;
  EXPECT_EQ(res[1], "ok") << "/dev/shm is not writable inside" << r;
  EXPECT_FALSE(leaked) << "a file written in /dev/shm inside appeared on the host";
  EXPECT_EQ(control.result(), "ok")
      << "control: with /dev/shm bound the file is readable" << control;
}
