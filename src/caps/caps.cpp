// SPDX-License-Identifier: Apache-2.0
#include "caps/caps.hpp"

#include <sys/capability.h>
#include <sys/prctl.h>

#include <memory>

#include "sys/syscalls.hpp"

namespace sandbox::caps {

namespace {
struct CapFree {
  void operator()(cap_t c) const { cap_free(c); }
};
} // namespace

std::uint64_t capability_bits(const std::vector<std::string> &names) {
  std::uint64_t bits = 0;
  for (const auto &name : names) {
    cap_value_t value = 0;
    if (cap_from_name(name.c_str(), &value) != 0 || value < 0 || value >= 64)
      throw Error::message("unknown capability " + name);
    bits |= std::uint64_t{1} << value;
  }
  return bits;
}

void set_capabilities(std::uint64_t keep) {
  if (keep == 0) {
    if (!clear_capabilities())
      sys::throw_errno("capset");
    return;
  }
  std::vector<cap_value_t> kept;
  for (cap_value_t c = 0; c < 64; ++c)
    if ((keep >> c & 1U) != 0)
      kept.push_back(c);
  std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree> caps(cap_init());
  if (!caps)
    sys::throw_errno("cap_init");
  if (!kept.empty()) {
    for (cap_flag_t set : {CAP_EFFECTIVE, CAP_PERMITTED, CAP_INHERITABLE})
      if (cap_set_flag(caps.get(), set, static_cast<int>(kept.size()), kept.data(), CAP_SET) != 0)
        sys::throw_errno("cap_set_flag");
  }
  if (cap_set_proc(caps.get()) != 0)
    sys::throw_errno("cap_set_proc");
  for (cap_value_t c : kept)
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0)
      sys::throw_errno("prctl PR_CAP_AMBIENT_RAISE " + std::to_string(c));
}

} // namespace sandbox::caps
