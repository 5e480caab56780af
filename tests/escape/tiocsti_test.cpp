// SPDX-License-Identifier: Apache-2.0
// TIOCSTI terminal injection: a sandboxed command that shares the caller's terminal pushes
// characters into its input queue; the caller's shell runs them after the sandbox exits.
// CVE-2017-5226 (bubblewrap), CVE-2016-7545 (SELinux sandbox), CVE-2019-10063 (flatpak).
// Defences: setsid() (TIOCSTI needs the tty to be the caller's controlling terminal) and the
// default seccomp policy. Run under a real pty: `script -qec CMD /dev/null`.
#include "escape_support.hpp"

using namespace sbx::test;

class Tiocsti : public Escape {
protected:
  RunResult run_under_pty(const std::vector<std::string> &sandbox_opts) {
    std::vector<std::string> argv{sandbox_bin()};
    for (auto &a : probe_argv({"tiocsti"}, sandbox_opts))
      argv.push_back(a);
    std::vector<std::string> quoted;
    for (auto &a : argv)
      quoted.push_back(shell_quote(a));
    RunOptions o;
    o.cwd = work();
    return run_as_user({"/usr/bin/script", "-qec", join(quoted, " "), "/dev/null"}, o);
  }
};

TEST_F(Tiocsti, CVE_2017_5226_TiocstiIntoCallersTerminalFails) {
  RunResult r = run_under_pty({});
  ASSERT_NE(r.out.find("isatty=1"), std::string::npos) << "stdin was not a terminal: vacuous" << r;
  EXPECT_NE(r.result(), "ok") << "TIOCSTI injected input into the caller's terminal" << r;
  EXPECT_EQ(r.result().rfind("errno=", 0), 0U) << r;
}

TEST_F(Tiocsti, TiocstiFailsWithoutSeccompThanksToNewSession) {
  // setsid alone must be enough (defence in depth: the seccomp rule is the second layer).
  RunResult r = run_under_pty({no_seccomp_profile()});
  ASSERT_NE(r.out.find("isatty=1"), std::string::npos) << r;
  EXPECT_EQ(r.result(), "errno=EPERM") << r;
}

TEST_F(Tiocsti, TiocstiFailsWithoutNewSessionThanksToSeccomp) {
  std::string p = write_profile("same-session.toml", "[profile]\nextends = \"default\"\n"
                                                     "[process]\nnew_session = false\n");
  RunResult r = run_under_pty({p});
  ASSERT_NE(r.out.find("isatty=1"), std::string::npos) << r;
  EXPECT_NE(r.result(), "ok") << "the seccomp policy does not block TIOCSTI" << r;
}

TEST_F(Tiocsti, Control_TiocstiWorksWithSameSessionAndNoSeccomp) {
  std::string p = write_profile("weak.toml", "[profile]\nextends = \"default\"\n"
                                             "[process]\nnew_session = false\n"
                                             "[seccomp]\npolicy = \"none\"\n");
  RunResult r = run_under_pty({p});
  ASSERT_NE(r.out.find("isatty=1"), std::string::npos) << r;
  EXPECT_EQ(r.result(), "ok") << "the probe cannot detect TIOCSTI injection here" << r;
}
