// SPDX-License-Identifier: Apache-2.0
#include "net/loopback.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

#include "sys/syscalls.hpp"

namespace sandbox::net {

void bring_up_loopback() {
  sys::UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock)
    sys::throw_errno("socket", "lo");
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0)
    sys::throw_errno("SIOCGIFFLAGS", "lo");
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP | IFF_RUNNING);
  if (ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0)
    sys::throw_errno("SIOCSIFFLAGS", "lo");
}

} // namespace sandbox::net
