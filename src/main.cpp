// SPDX-License-Identifier: Apache-2.0
// Entry point: cli::run() does everything; exceptions become one line and exit code 125.
#include "cli/cli.hpp"
#include "util/stage_clock.hpp"

int main(int argc, char **argv) {
  SANDBOX_STAGE("main");
  const int code = sandbox::cli::main(argc, argv);
  SANDBOX_STAGE("main-return");
  return code;
}
