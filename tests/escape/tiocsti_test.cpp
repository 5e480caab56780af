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
  RunResult run_under_pty(const std::vector<std::string> &sandbox_opts,
                          const std::vector<std::string> &probe_args = {"tiocsti"}) {
    std::vector<std::string> argv{sandbox_bin()};
    for (auto &a : probe_argv(probe_args, sandbox_opts))
      argv.push_back(a);
    std::vector<std::string> quoted;
    for (auto &a : argv)
      quoted.push_back(shell_quote(a));
    RunOptions o;
    o.cwd = work();
    return run_as_user({"/usr/bin/script", "-qec", join(quoted, " "), "/dev/null"}, o);
  }
  // Without the new session only the seccomp rule stands between the command and the
  // terminal: these profiles take setsid() away to test the rule alone.
  std::string same_session_profile(bool seccomp) {
    return write_profile(seccomp ? "same-session.toml" : "same-session-no-seccomp.toml",
                         std::string("[profile]\nextends = \"default\"\n"
                                     "[process]\nnew_session = false\n") +
                             (seccomp ? "" : "[seccomp]\npolicy = \"none\"\n"));
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

TEST_F(Tiocsti, CVE_2019_10063_TiocstiWithBitsAbove32SetIsDenied) {
  // The kernel truncates the request to 32 bits, so TIOCSTI | 1 << 32 is TIOCSTI; the rule
  // must compare only the low 32 bits.
  RunResult r = run_under_pty({same_session_profile(true)}, {"tty-ioctl", "TIOCSTI", "high"});
  ASSERT_NE(r.out.find("isatty=1"), std::string::npos) << r;
  EXPECT_EQ(r.result(), "errno=EPERM") << "TIOCSTI with high bits set got past the rule" << r;
}

TEST_F(Tiocsti, Control_TiocstiWithBitsAbove32SetInjectsWithoutSeccomp) {
  RunResult r = run_under_pty({same_session_profile(false)}, {"tty-ioctl", "TIOCSTI", "high"});
  ASSERT_NE(r.out.find("isatty=1"), std::string::npos) << r;
  EXPECT_EQ(r.result(), "ok") << "the kernel did not treat the 64-bit request as TIOCSTI" << r;
}

// TIOCLINUX (copy/paste and reading the screen of a Linux virtual console) works only on a
// virtual console, which test machines lack; on the pty the call reaches the tty layer and
// fails with ENOTTY there. The test shows the seccomp rule stops it before that, also with
// the high bits set, which is all the sandbox adds on a real console.
TEST_F(Tiocsti, TioclinuxIsDeniedBySeccompBeforeReachingTheTerminal) {
  for (bool high : {false, true}) {
    std::vector<std::string> args{"tty-ioctl", "TIOCLINUX"};
    if (high)
      args.emplace_back("high");
    RunResult r = run_under_pty({same_session_profile(true)}, args);
    ASSERT_NE(r.out.find("isatty=1"), std::string::npos) << r;
    EXPECT_EQ(r.result(), "errno=EPERM") << "TIOCLINUX reached the terminal" << r;
  }
}

TEST_F(Tiocsti, Control_TioclinuxReachesTheTerminalWithoutSeccomp) {
  RunResult r = run_under_pty({same_session_profile(false)}, {"tty-ioctl", "TIOCLINUX"});
  ASSERT_NE(r.out.find("isatty=1"), std::string::npos) << r;
  EXPECT_EQ(r.result(), "errno=ENOTTY") << "the probe cannot tell the rule's EPERM apart" << r;
}
