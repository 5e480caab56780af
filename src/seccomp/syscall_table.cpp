// SPDX-License-Identifier: Apache-2.0
#include "seccomp/syscall_table.hpp"

#include <algorithm>
#include <span>

#include <seccomp.h>

namespace sandbox::seccomp::syscall_table {

namespace {

std::span<const Entry> table_of(std::uint32_t arch_token) {
  switch (arch_token) {
  case SCMP_ARCH_X86_64:
    return {x86_64, x86_64_size};
  case SCMP_ARCH_X86:
    return {x86, x86_size};
  case SCMP_ARCH_X32:
    return {x32, x32_size};
  case SCMP_ARCH_AARCH64:
    return {aarch64, aarch64_size};
  case SCMP_ARCH_ARM:
    return {arm, arm_size};
  default:
    return {};
  }
}

} // namespace

int number(std::uint32_t arch_token, std::string_view name) {
  const auto table = table_of(arch_token);
  const auto it =
      std::lower_bound(table.begin(), table.end(), name, [](const Entry &e, std::string_view n) {
        return std::string_view(names + e.name) < n;
      });
  return it != table.end() && std::string_view(names + it->name) == name ? it->nr : -1;
}

} // namespace sandbox::seccomp::syscall_table
