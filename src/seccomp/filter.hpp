// SPDX-License-Identifier: Apache-2.0
#pragma once
// Compiling a resolved Policy to BPF (libseccomp, in the parent, before clone) and installing
// it (in the child, as the last step before execve, after no_new_privs).

#include <linux/filter.h>

#include <vector>

#include "seccomp/policy.hpp"

namespace sandbox::seccomp {

struct Filter {
  std::vector<sock_filter> program; // the compiled BPF, all architectures handled explicitly
};

// Throws sandbox::Error.
Filter compile_filter(const Policy &policy);

// Installs `filter` in the calling thread (seccomp(SECCOMP_SET_MODE_FILTER)). Needs
// no_new_privs set first. Allocation-free: it runs in the child just before execve.
// Throws sandbox::Error.
void install_filter(const Filter &filter);

} // namespace sandbox::seccomp
