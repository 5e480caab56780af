// SPDX-License-Identifier: Apache-2.0
#include "net/loopback.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cstring>

#include "sys/raw_syscall.hpp"
#include "sys/syscalls.hpp"

namespace sandbox::net {

namespace {
// ioctl(2) returning the error instead of setting errno (see bring_up_loopback_through).
int ioctl_keeping_errno(int fd, unsigned long request, ifreq &req) noexcept {
  if constexpr (!sys::k_raw_syscalls)
    return ioctl(fd, request, &req) != 0 ? errno : 0;
  const long ret =
      sys::raw_syscall(SYS_ioctl, fd, static_cast<long>(request), reinterpret_cast<long>(&req));
  return ret < 0 ? static_cast<int>(-ret) : 0;
}
} // namespace

LoopbackResult bring_up_loopback_through(int socket) noexcept {
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (const int err = ioctl_keeping_errno(socket, SIOCGIFFLAGS, req); err != 0)
    return {err, "SIOCGIFFLAGS"};
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP | IFF_RUNNING);
  if (const int err = ioctl_keeping_errno(socket, SIOCSIFFLAGS, req); err != 0)
    return {err, "SIOCSIFFLAGS"};
  return {};
}

void bring_up_loopback() {
  sys::UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock)
    sys::throw_errno("socket", "lo");
  if (const LoopbackResult result = bring_up_loopback_through(sock.get()); result.err != 0)
    throw Error::from_errno(result.err, result.op, "lo");
}

} // namespace sandbox::net
