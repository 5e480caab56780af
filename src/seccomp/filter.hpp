// SPDX-License-Identifier: Apache-2.0
#pragma once
// Compiling a resolved Policy to BPF (libseccomp, in the parent, before clone) and installing
// it (in the child, as the last step before execve, after no_new_privs).

#include <linux/filter.h>

#include <string>
#include <string_view>
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

// Whether libseccomp knows `name` on the native architecture or one of its compat ones (i386 and
// x32 on x86_64): what PolicyContext::syscall_known should be outside unit tests.
bool syscall_known(std::string_view name);

// The architectures a filter for `policy` covers, native first ("x86_64", "x86", "x32").
std::vector<std::string> filter_architectures(const Policy &policy);

// libseccomp's pseudo filter code for `policy`, with each argument-checking block written out
// where the filter runs it. For `sandbox seccomp export --format pfc`. Throws sandbox::Error.
std::string export_pfc(const Policy &policy);

} // namespace sandbox::seccomp
