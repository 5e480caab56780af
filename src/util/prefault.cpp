// SPDX-License-Identifier: Apache-2.0
#include "util/prefault.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace sandbox {

namespace {

// [begin, begin + length) rounded out to whole pages, mapped in writable. Best effort.
void prefault(void *begin, std::size_t length) noexcept {
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<std::uintptr_t>(begin) & ~(page - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(begin) + length + page - 1) & ~(page - 1);
  (void)madvise(reinterpret_cast<void *>(first), end - first, MADV_POPULATE_WRITE);
}

} // namespace

void prefault_heap() noexcept {
  // A small block sits at the bottom of what malloc took with brk; sbrk(0) is the top.
  void *probe = std::malloc(1);
  if (probe == nullptr)
    return;
  auto *top = static_cast<char *>(sbrk(0));
  auto *bottom = static_cast<char *>(probe);
  if (top != reinterpret_cast<char *>(-1) && top > bottom)
    prefault(bottom, static_cast<std::size_t>(top - bottom));
  std::free(probe);
}

} // namespace sandbox
