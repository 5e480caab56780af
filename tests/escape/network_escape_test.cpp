// SPDX-License-Identifier: Apache-2.0
// Network: the sandbox has its own network namespace with only loopback. Host services on
// 127.0.0.1 and host abstract unix sockets (which have no file permissions; e.g. X11's
// @/tmp/.X11-unix/X0, D-Bus) must be unreachable. Controls: --share net reaches both.
#include "escape_support.hpp"

using namespace sbx::test;

class NetworkEscape : public Escape {};

TEST_F(NetworkEscape, HostLoopbackTcpUnreachable) {
  TcpListener l;
  RunResult r = probe({"connect-tcp", "127.0.0.1", std::to_string(l.port()), "+", "facts"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.results().front(), "errno=ECONNREFUSED") << r;
  EXPECT_EQ(Facts(r.out)["netifs"], "lo:up");
}

TEST_F(NetworkEscape, Control_SharedNetworkReachesHostLoopbackTcp) {
  TcpListener l;
  RunResult r = probe({"connect-tcp", "127.0.0.1", std::to_string(l.port())}, {"--share", "net"});
  EXPECT_EQ(r.result(), "ok") << r;
}

TEST_F(NetworkEscape, HostAbstractUnixSocketUnreachable) {
  AbstractUnixListener l;
  RunResult r = probe({"connect-unix", l.name()});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.result(), "errno=ECONNREFUSED") << r;
}

TEST_F(NetworkEscape, Control_SharedNetworkReachesHostAbstractUnixSocket) {
  AbstractUnixListener l;
  RunResult r = probe({"connect-unix", l.name()}, {"--share", "net"});
  EXPECT_EQ(r.result(), "ok") << r;
}
