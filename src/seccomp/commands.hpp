// SPDX-License-Identifier: Apache-2.0
#pragma once
// `sandbox seccomp show|export|import`: registered on the CLI11 app of `sandbox seccomp`.

#include <CLI/CLI.hpp>

#include <functional>

#include "seccomp/policy.hpp"

namespace sandbox::seccomp {

void register_seccomp_commands(CLI::App &app, std::function<PolicyContext()> make_context,
                               int &exit_code);

} // namespace sandbox::seccomp
