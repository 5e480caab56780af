// SPDX-License-Identifier: Apache-2.0
// Session sockets: pathname unix sockets (D-Bus session bus, Wayland, PulseAudio, ssh-agent)
// ignore network namespaces; only the mount table keeps them out. A listener in
// /run/user/<uid> (where they live) must be unreachable. Control: bound in, it is reachable.
#include "escape_support.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

using namespace sbx::test;
namespace fs = std::filesystem;

class SessionSocket : public Escape {
protected:
  void SetUp() override {
    Escape::SetUp();
    if (IsSkipped() || HasFatalFailure())
      return;
    m_dir = "/run/user/" + std::to_string(user().uid);
    if (!fs::exists(m_dir)) {
      if (!running_as_root())
        GTEST_SKIP() << m_dir << " does not exist and we cannot create it";
      fs::create_directories(m_dir);
      ASSERT_EQ(chown(m_dir.c_str(), user().uid, user().gid), 0) << m_dir;
      ASSERT_EQ(chmod(m_dir.c_str(), 0700), 0) << m_dir;
      m_created = true;
    }
    m_path = m_dir + "/sbx-bus-" + marker();
    m_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    ASSERT_LT(m_path.size(), sizeof sa.sun_path);
    std::memcpy(sa.sun_path, m_path.c_str(), m_path.size());
    ASSERT_EQ(bind(m_fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa), 0);
    ASSERT_EQ(listen(m_fd, 8), 0);
    ASSERT_EQ(chown(m_path.c_str(), user().uid, user().gid), 0) << m_path;
  }
  void TearDown() override {
    if (m_fd >= 0)
      close(m_fd);
    if (!m_path.empty())
      fs::remove(m_path);
    if (m_created)
      fs::remove_all(m_dir);
    Escape::TearDown();
  }
  std::string m_dir, m_path;
  int m_fd = -1;
  bool m_created = false;
};

TEST_F(SessionSocket, SessionBusSocketInRunUserIsUnreachable) {
  RunResult c = run_as_user({probe_bin(), "connect-unix", m_path}, opts_in_work({}));
  ASSERT_EQ(c.result(), "ok") << "precondition: reachable outside" << c;
  RunResult r = probe({"connect-unix", m_path});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.result(), "ok") << "connected to a session socket from inside" << r;
}

TEST_F(SessionSocket, Control_SessionSocketReachableWhenBound) {
  RunResult r = probe({"connect-unix", m_path}, {"--bind", m_dir});
  EXPECT_EQ(r.result(), "ok") << r;
}
