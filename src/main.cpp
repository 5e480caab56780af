// SPDX-License-Identifier: Apache-2.0
// Entry point: cli::run() does everything; exceptions become one line and exit code 125.
#include "cli/cli.hpp"

int main(int argc, char **argv) {
  return sandbox::cli::main(argc, argv);
}
