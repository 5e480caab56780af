// SPDX-License-Identifier: Apache-2.0
#pragma once
// `sandbox seccomp show|export|import`.

#include <functional>

#include <CLI/CLI.hpp>

#include "seccomp/policy.hpp"

namespace sandbox::seccomp {

// Adds `show`, `export` and `import` to `app`, the CLI11 app of `sandbox seccomp`. Callbacks set
// `exit_code` to 0 on success and throw sandbox::Error or profile::ProfileErrors otherwise.
// `make_context` gives the policy search path and file reader; when its syscall_known is unset,
// libseccomp's tables are used.
void register_seccomp_commands(CLI::App &app, std::function<PolicyContext()> make_context,
                               int &exit_code);

} // namespace sandbox::seccomp
