// SPDX-License-Identifier: Apache-2.0
#pragma once
// libseccomp's syscall tables, snapshotted at build time (seccomp/tablegen): a syscall's number
// on each architecture sandbox filters, by binary search instead of libseccomp's linear scans.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sandbox::seccomp::syscall_table {

// Offsets into `names`, not pointers: a table of pointers would need a relocation per entry,
// which the loader writes at every start (about 3,500 of them, 8 pages written and so copied).
struct Entry {
  std::uint32_t name; // offset of a NUL-terminated name in `names`
  int nr;
};

// Every syscall name, NUL-separated; generated.
extern const char names[];
// Sorted by name (strcmp order); generated.
extern const Entry x86_64[], x86[], x32[], aarch64[], arm[];
extern const std::size_t x86_64_size, x86_size, x32_size, aarch64_size, arm_size;

// The number of syscall `name` on the architecture with libseccomp token `arch_token` (x32
// numbers carry __X32_SYSCALL_BIT), or -1 where it has none or the arch is not tabled.
int number(std::uint32_t arch_token, std::string_view name);

} // namespace sandbox::seccomp::syscall_table
