// SPDX-License-Identifier: Apache-2.0
#pragma once
namespace sandbox::cli {
// Parses argv and carries out the command; every error becomes lines starting "sandbox: "
// on stderr and exit code 125 (sandbox(1), EXIT STATUS).
int main(int argc, char **argv);
} // namespace sandbox::cli
