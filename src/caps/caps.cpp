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

void drop_capabilities(const std::vector<std::string> &keep) {
  std::vector<cap_value_t> kept;
  for (const auto &name : keep) {
    cap_value_t value = 0;
    if (cap_from_name(name.c_str(), &value) != 0 || value < 0 || value >= 64)
      throw Error::message("unknown capability " + name);
    kept.push_back(value);
  }
  std::uint64_t keep_bits = 0;
  for (cap_value_t c : kept)
    keep_bits |= std::uint64_t{1} << c;
  if (const char *failed = lock_securebits_and_drop_bounding(keep_bits))
    sys::throw_errno(failed);

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
