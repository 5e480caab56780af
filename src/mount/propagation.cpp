// SPDX-License-Identifier: Apache-2.0
#include <linux/mount.h>

#include "mount/mount.hpp"
#include "sys/syscalls.hpp"

namespace sandbox::mount {

void make_root_propagation(plan::Propagation propagation) {
  // MS_REC|MS_SLAVE: host mounts made later still reach us, ours never reach the host.
  const unsigned long type = propagation == plan::Propagation::slave ? MS_SLAVE : MS_PRIVATE;
  sys::mount({}, "/", nullptr, MS_REC | type, {}, "/");
}

} // namespace sandbox::mount
