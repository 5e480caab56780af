// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sandbox::caps {

// Clears the bounding, ambient, effective, permitted and inheritable sets but for `keep`
// (which is raised in all of them, ambient included, so it survives execve for any uid), and
// locks SECBIT_NOROOT so that uid 0 inside gains nothing at execve. Throws sandbox::Error.
void drop_capabilities(const std::vector<std::string> &keep);

// drop_capabilities({}) with bare prctl(2) and capset(2) calls: no allocation, unlike libcap,
// for pid 1, which shares the launcher's memory (see launch/init.cpp). False with errno set
// when the kernel refuses a step.
bool drop_all_capabilities() noexcept;

// The first half of both: locks SECBIT_NOROOT and the other securebits, drops from the
// bounding set every capability whose bit is not in `keep`, clears the ambient set. Bare
// prctl(2) calls; nullptr, or the operation that failed with errno set.
const char *lock_securebits_and_drop_bounding(std::uint64_t keep) noexcept;

} // namespace sandbox::caps
