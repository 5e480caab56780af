// SPDX-License-Identifier: Apache-2.0
#include "caps/caps.hpp"

#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include <algorithm>
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
    if (cap_from_name(name.c_str(), &value) != 0)
      throw Error::message("unknown capability " + name);
    kept.push_back(value);
  }
  auto is_kept = [&](cap_value_t c) {
    return std::find(kept.begin(), kept.end(), c) != kept.end();
  };

  // Securebits and the bounding set need CAP_SETPCAP, so they go first.
  if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                                   SECBIT_NO_SETUID_FIXUP_LOCKED) != 0)
    sys::throw_errno("prctl PR_SET_SECUREBITS");
  const cap_value_t last = static_cast<cap_value_t>(cap_max_bits()) - 1;
  for (cap_value_t c = 0; c <= last; ++c)
    if (!is_kept(c) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL)
      sys::throw_errno("prctl PR_CAPBSET_DROP " + std::to_string(c));
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    sys::throw_errno("prctl PR_CAP_AMBIENT_CLEAR_ALL");

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
