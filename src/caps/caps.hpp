// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sandbox::caps {

// The capabilities named in `names` ("CAP_NET_BIND_SERVICE") as bits (1 << CAP_...). Throws
// sandbox::Error for a name libcap does not know.
std::uint64_t capability_bits(const std::vector<std::string> &names);

// A drop of capabilities is lock_securebits_and_drop_bounding(keep) then set_capabilities(keep):
// the bounding, ambient, effective, permitted and inheritable sets are cleared but for `keep`
// (which is raised in all of them, ambient included, so it survives execve for any uid), and
// SECBIT_NOROOT is locked so that uid 0 inside gains nothing at execve. The command's process
// does the first half before pid 1's word and the second after (launch/init.cpp).

// Both halves with `keep` empty, with bare prctl(2) and capset(2) calls: no allocation, unlike
// libcap, for pid 1, which shares the launcher's memory. False with errno set when the kernel
// refuses a step.
bool drop_all_capabilities() noexcept;

// The first half: locks SECBIT_NOROOT and the other securebits, drops from the
// bounding set every capability whose bit is not in `keep`, clears the ambient set. Most of
// the time of a drop (a prctl(2) per capability, each a new set of credentials); the
// effective set is untouched. Neither allocates nor sets errno (where sys::k_raw_syscalls):
// the command's process runs it while pid 1, which shares its memory, builds the root
// (launch/init.cpp). 0, or the errno of the operation named in `failed`.
int lock_securebits_and_drop_bounding(std::uint64_t keep, const char *&failed) noexcept;

// The second half: the effective, permitted and inheritable sets become `keep`, and `keep` is
// raised in the ambient set. Throws sandbox::Error.
void set_capabilities(std::uint64_t keep);

// set_capabilities(0) with one bare capset(2): false with errno set.
bool clear_capabilities() noexcept;

} // namespace sandbox::caps
