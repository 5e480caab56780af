// SPDX-License-Identifier: Apache-2.0
#pragma once
// Shared bits of the escape battery. Each escape test names its attack (and CVE where there is
// one) and asserts that the attempt FAILS. A handful have a "Control" twin that runs the same
// attempt in a deliberately weakened configuration and asserts that it WORKS there: that
// proves the probe would detect the escape, so the passing test is not vacuous.
#include "harness.hpp"

#include <string>
#include <vector>

namespace sbx::test {

class Escape : public SandboxTest {
protected:
  // A profile that is the default with seccomp off (for controls).
  std::string no_seccomp_profile() {
    return write_profile("no-seccomp.toml",
                         "[profile]\nextends = \"default\"\n[seccomp]\npolicy = \"none\"\n");
  }
  // A process of the test user OUTSIDE any sandbox (a probe sleeping), for attacks on host
  // processes. Its pid is the probe's.
  std::unique_ptr<Process> start_host_process() {
    RunOptions o;
    o.raw = true;
    o.cwd = work();
    auto p = std::make_unique<Process>(
        std::vector<std::string>{probe_bin(), "sleep", "1000", marker()}, o);
    EXPECT_TRUE(p->wait_for_stdout("sleeping")) << "host process did not start: " << p->err();
    return p;
  }
};

// "ok", or an errno that still means the access check passed, is an escape.
inline bool escaped(const std::string &result) {
  return result == "ok" || result == "errno=EFAULT";
}

} // namespace sbx::test
