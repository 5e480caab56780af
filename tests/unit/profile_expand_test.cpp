// SPDX-License-Identifier: Apache-2.0
// ${VAR} expansion in path-like values; not in hostname, description or file content.
#include "profile_test_support.hpp"

namespace sandbox::profile::test {
namespace {

std::string cwd_of(const std::string &value, const FakeHost &host,
                   const std::string &file = "/etc/sandbox/p.toml") {
  return load_profile_text("[process]\ncwd = \"" + value + "\"\n", file, host.context())
      .process.cwd;
}

TEST(Expand, ContextVariables) {
  FakeHost host;
  EXPECT_EQ(cwd_of("${HOME}/x", host), "/home/ann/x");
  EXPECT_EQ(cwd_of("${PWD}", host), "/home/ann/src");
  EXPECT_EQ(cwd_of("/u/${USER}/${UID}/${GID}", host), "/u/ann/1000/1000");
}

TEST(Expand, ARootValueFollowedByASlashGivesOneSlash) {
  FakeHost host;
  host.pwd = "/";
  EXPECT_EQ(cwd_of("${PWD}/.git/hooks", host), "/.git/hooks");
  EXPECT_EQ(cwd_of("${PWD}", host), "/");
  EXPECT_EQ(cwd_of("${PWD}x", host), "/x");
}

TEST(Expand, DoubleDollarIsALiteralDollar) {
  FakeHost host;
  EXPECT_EQ(cwd_of("/a$$b/$${HOME}", host), "/a$b/${HOME}");
}

TEST(Expand, EnvironmentVariables) {
  FakeHost host;
  host.env["PROJECT"] = "/srv/project";
  EXPECT_EQ(cwd_of("${ENV:PROJECT}/build", host), "/srv/project/build");
  EXPECT_EQ(errors_of("[process]\ncwd = \"${ENV:NOPE}\"\n", host.context()),
            "p.toml:2:7: process.cwd: variable ${ENV:NOPE} is not set");
  EXPECT_EQ(errors_of("[process]\ncwd = \"${ENV:a-b}\"\n", host.context()),
            "p.toml:2:7: process.cwd: invalid environment variable name in ${ENV:a-b}");
}

TEST(Expand, ProfileDirIsTheDirectoryOfTheFileTheValueCameFrom) {
  FakeHost host;
  EXPECT_EQ(cwd_of("${PROFILE_DIR}/data", host), "/etc/sandbox/data");
  // A relative profile path is made absolute with ${PWD}.
  EXPECT_EQ(cwd_of("${PROFILE_DIR}", host, "profiles/p.toml"), "/home/ann/src/profiles");
  // In a merged profile each value keeps its own file's directory.
  host.files["/base/parent.toml"] = "[filesystem]\nmask = [\"${PROFILE_DIR}/secret\"]\n";
  host.files["/child/c.toml"] =
      "[profile]\nextends = \"/base/parent.toml\"\n[filesystem]\nmask = [\"${PROFILE_DIR}/x\"]\n";
  Profile p = load_profile("/child/c.toml", host.context());
  EXPECT_EQ(p.filesystem.mask, (std::vector<std::string>{"/base/secret", "/child/x"}));
  // The built-in default is not a file.
  EXPECT_EQ(errors_of("[process]\ncwd = \"${PROFILE_DIR}\"\n", host.context(), "<built-in x>"),
            "<built-in x>:2:7: process.cwd: variable ${PROFILE_DIR} is not set (the profile is "
            "not a file)");
}

TEST(Expand, UnsetAndUnknownVariablesAreErrors) {
  FakeHost host;
  EXPECT_EQ(errors_of("[root]\nsource = \"${XDG_RUNTIME_DIR}/root\"\n", host.context()),
            "p.toml:2:10: root.source: variable ${XDG_RUNTIME_DIR} is not set");
  EXPECT_EQ(errors_of("[root]\nsource = \"${NOPE}\"\n", host.context()),
            "p.toml:2:10: root.source: unknown variable ${NOPE}");
  EXPECT_EQ(errors_of("[root]\nsource = \"${home}\"\n", host.context()),
            "p.toml:2:10: root.source: unknown variable ${home}; did you mean '${HOME}'?");
}

TEST(Expand, PathRulesApplyToTheExpandedValue) {
  FakeHost host;
  auto ctx = host.context();
  ctx.variables["HOME"] = "relative";
  EXPECT_EQ(errors_of("[filesystem]\nmask = [\"/ok\", \"${HOME}/x\"]\n", ctx),
            "p.toml:2:16: filesystem.mask[1]: must be an absolute path, got \"relative/x\"");
  ctx.variables["HOME"] = "/home/ann/";
  EXPECT_EQ(errors_of("[filesystem]\nreadonly = [\"${HOME}/x\"]\n", ctx),
            "p.toml:2:13: filesystem.readonly[0]: must not contain \"//\", got \"/home/ann//x\"");
}

TEST(Expand, WhereVariablesAreExpanded) {
  FakeHost host;
  const auto ctx = host.context();
  Profile p = load_profile_text(R"([profile]
description = "${HOME}"
[root]
source = "${HOME}/root"
[[mount]]
type = "symlink"
source = "${HOME}/target"
dest = "${HOME}/link"
[[mount]]
type = "file"
dest = "/f"
content = "${HOME}"
[dev]
allow = ["/dev/${USER}"]
[process]
hostname = "h"
[process.env.set]
V = "${USER}"
[seccomp]
policy = "${HOME}/policy.toml"
)",
                                "p.toml", ctx);
  EXPECT_EQ(p.description, "${HOME}");
  EXPECT_EQ(p.root.source, "/home/ann/root");
  EXPECT_EQ(p.mounts[0].source, "/home/ann/target");
  EXPECT_EQ(p.mounts[0].dest, "/home/ann/link");
  EXPECT_EQ(p.mounts[1].content, "${HOME}");
  EXPECT_EQ(p.dev.allow, (std::vector<std::string>{"/dev/ann"}));
  EXPECT_EQ(p.process.env.set[0].second, "ann");
  EXPECT_EQ(p.seccomp.policy, "/home/ann/policy.toml");
  EXPECT_EQ(errors_of("[seccomp]\npolicy = \"${NOPE}\"\n", ctx),
            "p.toml:2:10: seccomp.policy: unknown variable ${NOPE}");
}

TEST(Expand, MalformedReferences) {
  FakeHost host;
  EXPECT_EQ(errors_of("[process]\ncwd = \"/a/$b\"\n", host.context()),
            "p.toml:2:7: process.cwd: a '$' must start ${NAME} or be written as '$$'");
  EXPECT_EQ(errors_of("[process]\ncwd = \"/a/$\"\n", host.context()),
            "p.toml:2:7: process.cwd: a '$' must start ${NAME} or be written as '$$'");
  EXPECT_EQ(errors_of("[process]\ncwd = \"/a/${HOME\"\n", host.context()),
            "p.toml:2:7: process.cwd: unterminated '${' in \"/a/${HOME\"");
}

} // namespace
} // namespace sandbox::profile::test
