// SPDX-License-Identifier: Apache-2.0
// Placeholder until the seccomp module's commands land: says so instead of pretending.
#include "seccomp/commands.hpp"

namespace sandbox::seccomp {

void register_seccomp_commands(CLI::App &app, std::function<PolicyContext()>, int &exit_code) {
  app.add_subcommand("show", "Print the resolved rules of a policy (not yet available)")
      ->callback([&exit_code] {
        std::fputs("sandbox: seccomp show: not available yet\n", stderr);
        exit_code = 125;
      });
}

} // namespace sandbox::seccomp
