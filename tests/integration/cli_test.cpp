// SPDX-License-Identifier: Apache-2.0
// Bad input fails cleanly (exit code, ONE "sandbox:" line, nothing left behind); --dry-run;
// `profile check` and `profile show --resolved`; --version.
#include "harness.hpp"

#include <filesystem>
#include <regex>

using namespace sbx::test;

class Cli : public SandboxTest {
protected:
  // Runs `sandbox run ARGS -- probe echo MARKER` expecting failure with `code`; checks the
  // one-line diagnostic, that the command did not run and that nothing was left behind.
  RunResult expect_clean_failure(std::vector<std::string> run_args, int code,
                                 std::vector<std::string> command = {}, RunOptions opts = {}) {
    HostSnapshot before = HostSnapshot::take(user());
    std::vector<std::string> argv{"run"};
    argv.insert(argv.end(), run_args.begin(), run_args.end());
    argv.push_back("--");
    if (command.empty())
      command = {probe_bin(), "echo", marker()};
    argv.insert(argv.end(), command.begin(), command.end());
    // The marker is an argument either way, so leftover launchers/inits are found by it.
    if (command[0] != probe_bin())
      argv.push_back(marker());
    RunResult r = sandbox(argv, opts);
    EXPECT_EQ(r.exit_code, code) << r;
    auto lines = r.err_lines();
    EXPECT_EQ(lines.size(), 1U) << "expected exactly one line on stderr" << r;
    EXPECT_EQ(r.err.rfind("sandbox: ", 0), 0U) << "stderr must start with 'sandbox: '" << r;
    EXPECT_EQ(r.out.find(marker()), std::string::npos) << "the command ran" << r;
    expect_nothing_left_behind(before, user(), marker());
    return r;
  }
};

TEST_F(Cli, MissingProfileFile) {
  RunResult r = expect_clean_failure({aux() + "/does-not-exist.toml"}, 125);
  EXPECT_NE(r.err.find("does-not-exist.toml"), std::string::npos) << r;
}

TEST_F(Cli, UnknownProfileName) {
  RunResult r = expect_clean_failure({"sbx-no-such-profile"}, 125);
  EXPECT_NE(r.err.find("sbx-no-such-profile"), std::string::npos) << r;
}

TEST_F(Cli, ProfileSyntaxError) {
  std::string p = write_profile("syntax.toml", "[user]\nuid = \"self\"\n[namespaces\npid = true\n");
  RunResult r = expect_clean_failure({p}, 125);
  EXPECT_NE(r.err.find("syntax.toml"), std::string::npos) << "the error names the file" << r;
}

// `sandbox run` without a profile starts the sandbox's first process before it loads the
// default profile (launch::start_early); a user's default.toml that cannot be loaded must still
// fail cleanly and leave that process behind nowhere.
TEST_F(Cli, BrokenUserDefaultProfileFailsCleanly) {
  TempDir config(user().name);
  config.write_file("sandbox/profiles/default.toml",
                    "[profile]\nextends = \"default\"\n[network\n");
  RunOptions opts;
  opts.env = {"XDG_CONFIG_HOME=" + config.path()};
  RunResult r = expect_clean_failure({}, 125, {}, opts);
  EXPECT_NE(r.err.find("default.toml"), std::string::npos) << "the error names the file" << r;
}

TEST_F(Cli, ProfileUnknownKey) {
  std::string p = write_profile("unknown.toml", "[profile]\nextends = \"default\"\n"
                                                "[process]\nhostnme = \"x\"\n");
  RunResult r = expect_clean_failure({p}, 125);
  EXPECT_NE(r.err.find("hostnme"), std::string::npos) << "the error names the key" << r;
}

TEST_F(Cli, MissingBindSource) {
  std::string missing = aux() + "/no-such-dir";
  RunResult r = expect_clean_failure({"--bind", missing + ":/mnt/x"}, 125);
  EXPECT_NE(r.err.find(missing), std::string::npos) << "the error names the path" << r;
  EXPECT_NE(r.err.find("ENOENT"), std::string::npos) << "the error names the errno" << r;
}

// A failure while the sandbox's first process builds the root, on the default profile's path
// (the process started before the profile loaded; the launcher brings up its loopback and sends
// a word it may leave unread when it fails): reported as the mount's error, several times over
// since which of the two goes first varies.
TEST_F(Cli, RootBuildFailureOnTheDefaultPathNamesTheMount) {
  for (int i = 0; i < 5; ++i) {
    RunResult r = expect_clean_failure({"--tmpfs", "/proc/sbx-no-such-dir"}, 125);
    EXPECT_NE(r.err.find("/proc/sbx-no-such-dir"), std::string::npos) << r;
    EXPECT_NE(r.err.find("ENOENT"), std::string::npos) << r;
  }
}

TEST_F(Cli, CommandNotFound) {
  RunResult r = expect_clean_failure({}, 127, {"/nonexistent/sbx-cmd"});
  EXPECT_NE(r.err.find("/nonexistent/sbx-cmd"), std::string::npos) << r;
}

TEST_F(Cli, CommandNotExecutable) {
  std::string path = work() + "/not-executable";
  write_file_as(path, "#!/bin/sh\necho ran\n", user(), 0644);
  expect_clean_failure({}, 126, {path});
}

TEST_F(Cli, UsageErrorIs125) {
  RunResult r = sandbox({"run", "--no-such-flag", "--", probe_bin(), "echo", marker()});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_EQ(r.out.find(marker()), std::string::npos) << r;
}

TEST_F(Cli, DryRunPrintsThePlanAndRunsNothing) {
  HostSnapshot before = HostSnapshot::take(user());
  const std::string target = work() + "/dry-run-" + marker();
  RunResult r = probe({"write", target}, {"--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_FALSE(r.out.empty()) << "--dry-run printed no plan" << r;
  EXPECT_NE(r.out.find(probe_bin()), std::string::npos) << "the plan names the command" << r;
  EXPECT_NE(r.out.find(work()), std::string::npos) << "the plan names the cwd bind" << r;
  EXPECT_FALSE(std::filesystem::exists(target)) << "--dry-run ran the command";
  expect_nothing_left_behind(before, user(), marker());
}

TEST_F(Cli, ProfileCheckAcceptsDefault) {
  RunResult r = sandbox({"profile", "check", source_dir() + "/profiles/default.toml"});
  EXPECT_EQ(r.exit_code, 0) << r;
}

TEST_F(Cli, ProfileCheckReportsEveryError) {
  std::string p = write_profile("two-errors.toml", "[profile]\nextends = \"default\"\n"
                                                   "[process]\nhostnme = \"x\"\n"
                                                   "[network]\nmode = \"sideways\"\n");
  RunResult r = sandbox({"profile", "check", p});
  EXPECT_EQ(r.exit_code, 1) << r;
  // file:line:col: key: message, one per error
  std::regex line_re("^.*two-errors\\.toml:[0-9]+:[0-9]+: [^:]+: .+$");
  int matching = 0;
  for (auto &l : r.err_lines())
    matching += std::regex_match(l, line_re) ? 1 : 0;
  for (auto &l : r.out_lines())
    matching += std::regex_match(l, line_re) ? 1 : 0;
  EXPECT_EQ(matching, 2) << "expected two 'file:line:col: key: message' lines" << r;
  const std::string all = r.err + r.out;
  EXPECT_NE(all.find("hostnme"), std::string::npos) << r;
  EXPECT_NE(all.find("network.mode"), std::string::npos) << r;
}

TEST_F(Cli, ShowResolvedDefaultRoundTrips) {
  RunResult show = sandbox({"profile", "show", "--resolved", "default"});
  ASSERT_EQ(show.exit_code, 0) << show;
  ASSERT_FALSE(show.out.empty());
  std::string p = write_profile("resolved.toml", show.out);
  RunResult check = sandbox({"profile", "check", p});
  EXPECT_EQ(check.exit_code, 0) << "show --resolved output does not pass check:\n"
                                << show.out << check;
  // Showing the saved profile resolved again gives the same text.
  RunResult again = sandbox({"profile", "show", "--resolved", p});
  EXPECT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(again.out, show.out) << "not a fixed point";
  // And it runs a sandbox like the default.
  Facts f = facts({p});
  EXPECT_EQ(f["hostname"], "sandbox");
  EXPECT_EQ(f["uid_map"], std::to_string(user().uid) + " " + std::to_string(user().uid) + " 1");
  EXPECT_EQ(f["NoNewPrivs"], "1");
}

TEST_F(Cli, Version) {
  RunResult r = sandbox({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("0."), std::string::npos) << r;
}
