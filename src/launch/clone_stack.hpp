// SPDX-License-Identifier: Apache-2.0
#pragma once
// The stack of the sandbox's first process, cloned with CLONE_VM: it shares the launcher's
// memory and runs alongside it, so it cannot run on a copy of the launcher's stack; so does
// the command's process until it execs (launch/init.hpp), on one of 256 KiB. Pages are only
// faulted in as used; 1 MiB by default. Below it lies a 64 KiB guard, so that an overflow
// faults instead of writing over the mapping below, even from a frame that skips 4 KiB pages
// (our code is built with -fstack-clash-protection; the static glibc and libraries may not be).

#include <sys/mman.h>

#include <cstddef>

#include "sys/syscalls.hpp"

namespace sandbox::launch {

class CloneStack {
public:
  explicit CloneStack(const char *what, std::size_t size = std::size_t{1} << 20)
      : m_size(size + k_guard) {
    void *base = mmap(nullptr, m_size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
      sys::throw_errno("mmap", what);
    m_base = static_cast<char *>(base);
    if (mprotect(m_base, k_guard, PROT_NONE) != 0) {
      const int err = errno;
      munmap(m_base, m_size);
      errno = err;
      sys::throw_errno("mprotect", what);
    }
  }
  CloneStack(const CloneStack &) = delete;
  CloneStack &operator=(const CloneStack &) = delete;
  // Only once nothing runs on it any more: the process exited or exec'd.
  ~CloneStack() { munmap(m_base, m_size); }

  [[nodiscard]] void *top() const { return m_base + m_size; }

private:
  static constexpr std::size_t k_guard = std::size_t{64} << 10;
  std::size_t m_size;
  char *m_base = nullptr;
};

} // namespace sandbox::launch
