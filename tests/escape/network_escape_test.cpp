// SPDX-License-Identifier: Apache-2.0
// Network: the sandbox has its own network namespace with only loopback. Host services on
// 127.0.0.1 and host abstract unix sockets (which have no file permissions; e.g. X11's
// @/tmp/.X11-unix/X0, D-Bus) must be unreachable, and nothing else routes: not the host's LAN
// address, not the internet. Controls: --share net reaches the host's services.
#include "escape_support.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

namespace {

// The host's first IPv4 address that is not loopback ("" when it has none).
std::string host_lan_address() {
  ifaddrs *list = nullptr;
  if (getifaddrs(&list) != 0)
    return "";
  std::string found;
  for (ifaddrs *i = list; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET ||
        (i->ifa_flags & IFF_LOOPBACK) != 0)
      continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto *in = reinterpret_cast<const sockaddr_in *>(i->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr)
      found = text;
  }
  freeifaddrs(list);
  return found;
}

// A TCP listener on every host address (0.0.0.0), port chosen by the kernel.
struct AnyAddressListener {
  int fd = -1;
  int port = 0;
  AnyAddressListener() {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0 ||
        listen(fd, 8) != 0 || getsockname(fd, reinterpret_cast<sockaddr *>(&sa), &len) != 0)
      return;
    port = ntohs(sa.sin_port);
  }
  ~AnyAddressListener() {
    if (fd >= 0)
      close(fd);
  }
  AnyAddressListener(const AnyAddressListener &) = delete;
  AnyAddressListener &operator=(const AnyAddressListener &) = delete;
};

} // namespace

// No route anywhere: the host's own LAN address (where its services listen on 0.0.0.0) and
// the internet are both unreachable, at once (ENETUNREACH: no route, not a timeout).
TEST_F(NetworkEscape, NoRouteToTheHostsLanAddressOrTheInternet) {
  const std::string lan = host_lan_address();
  if (lan.empty())
    GTEST_SKIP() << "the host has no non-loopback IPv4 address";
  AnyAddressListener l;
  ASSERT_NE(l.port, 0) << strerror(errno);
  RunResult r = probe({"connect-tcp", lan, std::to_string(l.port), "+", "connect-tcp", "192.0.2.1",
                       "80", "+", "connect-tcp", "1.1.1.1", "443"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(r.results().size(), 3U) << r;
  for (const auto &res : r.results())
    EXPECT_EQ(res, "errno=ENETUNREACH") << r;
}

TEST_F(NetworkEscape, Control_SharedNetworkReachesTheHostsLanAddress) {
  const std::string lan = host_lan_address();
  if (lan.empty())
    GTEST_SKIP() << "the host has no non-loopback IPv4 address";
  AnyAddressListener l;
  ASSERT_NE(l.port, 0) << strerror(errno);
  RunResult r = probe({"connect-tcp", lan, std::to_string(l.port)}, {"--share", "net"});
  EXPECT_EQ(r.result(), "ok") << r;
}
