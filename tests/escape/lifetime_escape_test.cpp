// SPDX-License-Identifier: Apache-2.0
// Outliving the sandbox: when the launcher is SIGKILLed (it cannot clean up), everything
// inside must die, including a payload that daemonized (double fork + setsid) to escape its
// process group and session. The pid namespace's init dying takes all of them.
#include "escape_support.hpp"

#include <signal.h>

using namespace sbx::test;
using namespace std::chrono_literals;

class Lifetime : public Escape {};

TEST_F(Lifetime, DaemonizedPayloadDiesWithKilledLauncher) {
  Process p(probe_argv({"daemon", "1000", marker(), "+", "sleep", "1000", marker()}),
            opts_in_work({}));
  ASSERT_TRUE(p.wait_for_stdout("sleeping")) << p.err();
  auto before = processes_of(user().uid, marker());
  // launcher, (init), daemon, probe: the daemon keeps its argv, so it carries the marker.
  ASSERT_GE(before.size(), 3U) << "the scan does not see the sandbox's processes";
  p.signal(SIGKILL);
  p.wait(10s);
  EXPECT_TRUE(wait_no_processes(user().uid, marker(), 3s))
      << processes_of(user().uid, marker()).size() << " processes survived the launcher";
}

TEST_F(Lifetime, Control_DaemonOutsideSandboxSurvivesItsParent) {
  // The same daemon started without a sandbox does survive: the check above can fail.
  RunOptions o = opts_in_work({});
  RunResult r = run_as_user({probe_bin(), "daemon", "1000", marker()}, o);
  ASSERT_EQ(r.result(), "ok") << r;
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(processes_of(user().uid, marker()).empty());
  kill_processes_of(user().uid, marker());
  EXPECT_TRUE(wait_no_processes(user().uid, marker(), 3s));
}
