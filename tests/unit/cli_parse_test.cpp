// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "cli/parse.hpp"

namespace sandbox::cli {
namespace {

Request parse(std::vector<std::string> args) {
  args.insert(args.begin(), "sandbox");
  return parse_args(args);
}

std::string usage_error(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const UsageError &e) {
    return e.what();
  }
  return "no error";
}

TEST(CliParse, RunWithoutProfileUsesDefault) {
  auto r = parse({"run", "--", "ls", "-l", "--", "x"});
  EXPECT_EQ(r.command, Command::run);
  EXPECT_EQ(r.run.profile, "default");
  EXPECT_EQ(r.run.command, (std::vector<std::string>{"ls", "-l", "--", "x"}));
}

// parse_args reads `sandbox run [PROFILE] -- CMD...` without CLI11; what it makes of these
// must be what CLI11 makes of them, shortcut or not.
TEST(CliParse, ShortcutForPlainRunAgreesWithCli11) {
  const std::vector<std::vector<std::string>> calls{
      {"run", "--", "true"},
      {"run", "--", "ls", "-l", "--", "x"},
      {"run", "dev.toml", "--", "sh", "-c", "id"},
      {"run", "seccomp", "--", "x"},
      {"run", "profile", "--", "x"},
      {"run", "run", "--", "x"},
      {"run", "help", "--", "x"},
      {"run", "x=y", "--", "--help"},
      {"run", " spaced ", "--", "x"},
      {"run", "--", "--version"},
      {"run", "--dry-run", "--", "x"},
      {"run", "-v", "p", "--", "x"},
      {"run", "p", "-v", "--", "x"},
      {"run", "p", "q", "--", "x"},
      {"run", "", "--", "x"},
      {"run", "++", "--", "x"},
      {"run", "--"},
      {"run", "p", "--"},
  };
  for (auto args : calls) {
    args.insert(args.begin(), "sandbox");
    std::string shortcut, full;
    Request a, b;
    try {
      a = parse_args(args);
    } catch (const UsageError &e) {
      shortcut = e.what();
    }
    try {
      b = parse_args_with_cli11(args);
    } catch (const UsageError &e) {
      full = e.what();
    }
    const std::string call = ::testing::PrintToString(args);
    EXPECT_EQ(shortcut, full) << call;
    EXPECT_EQ(a.command, b.command) << call;
    EXPECT_TRUE(a.run == b.run) << call;
    EXPECT_EQ(a.help_text, b.help_text) << call;
  }
}

TEST(CliParse, RunWithProfileAndOverrides) {
  auto r = parse(
      {"run", "-v",         "dev.toml",  "--bind",    "/a:/b",  "--bind",     "/c",   "--ro-bind",
       "/d",  "--tmpfs",    "/t",        "--setenv",  "A=1",    "--unsetenv", "B",    "--chdir",
       "/b",  "--hostname", "h",         "--uid",     "0",      "--gid",      "self", "--share",
       "net", "--root",     "/srv/root", "--seccomp", "strict", "--dry-run",  "--",   "sh"});
  EXPECT_EQ(r.run.profile, "dev.toml");
  const auto &o = r.run.overrides;
  EXPECT_EQ(o.bind, (std::vector<std::string>{"/a:/b", "/c"}));
  EXPECT_EQ(o.ro_bind, (std::vector<std::string>{"/d"}));
  EXPECT_EQ(o.tmpfs, (std::vector<std::string>{"/t"}));
  EXPECT_EQ(o.setenv, (std::vector<std::string>{"A=1"}));
  EXPECT_EQ(o.unsetenv, (std::vector<std::string>{"B"}));
  EXPECT_EQ(o.chdir, "/b");
  EXPECT_EQ(o.hostname, "h");
  EXPECT_EQ(o.uid, "0");
  EXPECT_EQ(o.gid, "self");
  EXPECT_EQ(o.share, (std::vector<std::string>{"net"}));
  EXPECT_EQ(o.root, "/srv/root");
  EXPECT_EQ(o.seccomp, "strict");
  EXPECT_TRUE(r.run.dry_run);
  EXPECT_EQ(r.run.verbose, 1);
}

TEST(CliParse, RunNeedsTheSeparatorAndACommand) {
  EXPECT_EQ(usage_error({"run", "ls"}),
            "run: the command goes after --, e.g. sandbox run -- sh -c 'id'");
  EXPECT_EQ(usage_error({"run", "--"}), "run: no command after --");
}

TEST(CliParse, UnknownFlagIsNamed) {
  EXPECT_NE(usage_error({"run", "--bnd", "/x", "--", "ls"}).find("--bnd"), std::string::npos);
}

TEST(CliParse, ProfileCheckAndShow) {
  auto c = parse({"profile", "check", "a.toml", "b"});
  EXPECT_EQ(c.command, Command::profile_check);
  EXPECT_EQ(c.files, (std::vector<std::string>{"a.toml", "b"}));
  auto s = parse({"profile", "show", "--resolved", "default"});
  EXPECT_EQ(s.command, Command::profile_show);
  EXPECT_EQ(s.name, "default");
  EXPECT_TRUE(s.resolved);
}

TEST(CliParse, HelpAndVersion) {
  auto h = parse({"--help"});
  EXPECT_EQ(h.command, Command::help);
  EXPECT_NE(h.help_text.find("125 when sandbox"), std::string::npos);
  auto rh = parse({"run", "--help"});
  EXPECT_NE(rh.help_text.find("overrides key mount"), std::string::npos);
  EXPECT_EQ(parse({"--version"}).command, Command::version);
}

TEST(CliParse, SeccompTakesTheRestVerbatim) {
  auto r = parse({"seccomp", "export", "default", "--format", "bpf"});
  EXPECT_EQ(r.command, Command::seccomp);
  EXPECT_EQ(r.rest, (std::vector<std::string>{"export", "default", "--format", "bpf"}));
}

TEST(CliParse, ImageForwardsEverythingToSandboxImage) {
  auto r = parse({"image", "import", "--force", "base", "rootfs.tar.zst"});
  EXPECT_EQ(r.command, Command::image);
  EXPECT_EQ(r.rest, (std::vector<std::string>{"import", "--force", "base", "rootfs.tar.zst"}));
  // --help and "--" belong to sandbox-image too.
  EXPECT_EQ(parse({"image", "--help"}).rest, (std::vector<std::string>{"--help"}));
  EXPECT_EQ(parse({"image", "import", "--", "-x", "f"}).rest,
            (std::vector<std::string>{"import", "--", "-x", "f"}));
  EXPECT_EQ(parse({"image"}).command, Command::image);
}

} // namespace
} // namespace sandbox::cli
