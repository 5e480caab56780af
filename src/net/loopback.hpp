// SPDX-License-Identifier: Apache-2.0
#pragma once
namespace sandbox::net {

// Brings up "lo" in a new network namespace (it starts down).
void bring_up_loopback();

// What bring_up_loopback_through() did: 0, or the errno of the call named `op`.
struct LoopbackResult {
  int err = 0;
  const char *op = "";
};

// Brings up "lo" in the network namespace of `socket`, which another process may have made
// there: the namespace's user namespace is what the caller needs CAP_NET_ADMIN in, which a
// user namespace's creator holds from outside it. Neither allocates nor throws, nor sets errno
// where sys::k_raw_syscalls: for a caller that shares its memory (and errno) with a process
// that may be allocating (launch/launcher.cpp).
LoopbackResult bring_up_loopback_through(int socket) noexcept;

} // namespace sandbox::net
