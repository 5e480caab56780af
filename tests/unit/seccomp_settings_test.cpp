// SPDX-License-Identifier: Apache-2.0
// The [seccomp] section of a profile: parsing, errors with file:line:col, round trip.
#include <gtest/gtest.h>

#include <sstream>

#include "seccomp/policy.hpp"

namespace sandbox::seccomp {
namespace {

struct Parsed {
  Settings settings;
  profile::Diagnostics diags;
};

Parsed parse(std::string_view text) {
  Parsed out;
  const auto root = toml::parse(text, std::string_view("p.toml"));
  const auto *section = root["seccomp"].as_table();
  EXPECT_NE(section, nullptr);
  parse_settings(*section, out.settings, out.diags,
                 [](const toml::node &n) -> std::optional<std::string> {
                   return std::string(n.as_string()->get());
                 });
  return out;
}

std::string where(const profile::Diagnostic &d) {
  return d.origin.file + ":" + std::to_string(d.origin.line) + ":" +
         std::to_string(d.origin.column);
}

TEST(SeccompAction, ParsesEverySpelling) {
  EXPECT_EQ(parse_action("allow"), (Action{ActionKind::allow, 0}));
  EXPECT_EQ(parse_action("errno:EPERM"), (Action{ActionKind::errno_, 1}));
  EXPECT_EQ(parse_action("errno:ENOSYS"), (Action{ActionKind::errno_, 38}));
  EXPECT_EQ(parse_action("errno:1234"), (Action{ActionKind::errno_, 1234}));
  EXPECT_EQ(parse_action("errno:0x10"), (Action{ActionKind::errno_, 16}));
  EXPECT_EQ(parse_action("kill-process"), (Action{ActionKind::kill_process, 0}));
  EXPECT_EQ(parse_action("kill-thread"), (Action{ActionKind::kill_thread, 0}));
  EXPECT_EQ(parse_action("trap"), (Action{ActionKind::trap, 0}));
  EXPECT_EQ(parse_action("log"), (Action{ActionKind::log, 0}));
  for (auto bad :
       {"", "errno:", "errno:EPREM", "errno:0", "errno:4096", "kill", "Allow", "errno:-1"})
    EXPECT_EQ(parse_action(bad), std::nullopt) << bad;
}

TEST(SeccompAction, PrintsCanonicalSpellingThatParsesBack) {
  for (auto text : {"allow", "errno:EPERM", "errno:ENOSYS", "errno:4000", "kill-process",
                    "kill-thread", "trap", "log"}) {
    auto a = parse_action(text);
    ASSERT_TRUE(a) << text;
    EXPECT_EQ(to_string(*a), text);
    EXPECT_EQ(parse_action(to_string(*a)), a);
  }
  EXPECT_EQ(to_string(*parse_action("errno:1")), "errno:EPERM");
}

TEST(SeccompSettings, ReadsEveryKey) {
  auto p = parse(R"(
[seccomp]
policy = "strict"
default_action = "errno:EPERM"
allow_user_namespaces = true
allow_ptrace = true
[[seccomp.rule]]
syscalls = ["ioctl"]
action = "errno:EPERM"
args = [{ index = 1, op = "masked_eq", mask = 0xffffffff, value = 0x5412 }]
[[seccomp.rule]]
syscalls = ["@mount", "fsopen"]
action = "kill-process"
optional = true
)");
  EXPECT_TRUE(p.diags.empty());
  const auto &s = p.settings;
  EXPECT_EQ(s.policy, "strict");
  EXPECT_EQ(s.default_action, (Action{ActionKind::errno_, 1}));
  EXPECT_TRUE(s.allow_user_namespaces);
  EXPECT_TRUE(s.allow_ptrace);
  ASSERT_EQ(s.rules.size(), 2U);
  EXPECT_EQ(s.rules[0].syscalls, std::vector<std::string>{"ioctl"});
  ASSERT_EQ(s.rules[0].args.size(), 1U);
  EXPECT_EQ(s.rules[0].args[0], (ArgCondition{1, CmpOp::masked_eq, 0x5412, 0xffffffff}));
  EXPECT_EQ(s.rules[0].origin.line, 7);
  EXPECT_TRUE(s.rules[1].optional);
  EXPECT_EQ(s.rules[1].action, (Action{ActionKind::kill_process, 0}));
}

TEST(SeccompSettings, RenderParsesBackToEqualSettings) {
  Settings s;
  s.policy = "/etc/sandbox/p.toml";
  s.default_action = Action{ActionKind::errno_, 38};
  s.allow_ptrace = true;
  RuleSettings r;
  r.syscalls = {"ioctl", "@debug"};
  r.action = {ActionKind::log, 0};
  r.args = {{1, CmpOp::masked_eq, 0x5412, 0xffffffff},
            {0, CmpOp::le, 0xffffffffffffffffULL, 0},
            {2, CmpOp::ne, 3, 0}};
  r.optional = true;
  s.rules.push_back(r);
  s.rules.push_back({{"read"}, {ActionKind::allow, 0}, {}, false, {}});

  for (const Settings &input : {Settings{}, s}) {
    toml::table root;
    root.insert("seccomp", render_settings(input));
    std::ostringstream text;
    text << root;
    auto p = parse(text.str());
    EXPECT_TRUE(p.diags.empty()) << text.str();
    EXPECT_EQ(p.settings, input) << text.str();
  }
}

TEST(SeccompSettings, OperatorEqualsComparesEveryField) {
  Settings a, b;
  EXPECT_EQ(a, b);
  b.allow_user_namespaces = true;
  EXPECT_NE(a, b);
  b = a;
  b.default_action = Action{};
  EXPECT_NE(a, b);
  b = a;
  b.rules.push_back({{"read"}, {}, {}, false, {}});
  EXPECT_NE(a, b);
  Settings c = b;
  c.rules[0].args.push_back({});
  EXPECT_NE(b, c);
  c = b;
  c.rules[0].optional = true;
  EXPECT_NE(b, c);
  c = b;
  c.rules[0].origin.line = 99; // provenance only
  EXPECT_EQ(b, c);
}

struct BadCase {
  const char *text;
  const char *key;
  const char *message_part;
  int line;
  int column;
  const char *suggestion = "";
};

TEST(SeccompSettings, ErrorsNameFileLineColumnAndKey) {
  const BadCase cases[] = {
      {"[seccomp]\npolcy = \"x\"\n", "seccomp.polcy", "unknown key", 2, 1, "policy"},
      {"[seccomp]\nallow_ptrace = 1\n", "seccomp.allow_ptrace", "true or false", 2, 16},
      {"[seccomp]\ndefault_action = \"errno:EPREM\"\n", "seccomp.default_action",
       "unknown errno \"EPREM\"", 2, 18},
      {"[seccomp]\ndefault_action = \"kil-process\"\n", "seccomp.default_action", "unknown action",
       2, 18, "kill-process"},
      {"[[seccomp.rule]]\nsyscalls = [\"read\"]\naction = \"allow\"\n"
       "args = [{ index = 6, op = \"eq\", value = 1 }]\n",
       "seccomp.rule[0].args[0].index", "from 0 to 5", 4, 19},
      {"[[seccomp.rule]]\nsyscalls = [\"read\"]\naction = \"allow\"\n"
       "args = [{ index = 1, op = \"equal\", value = 1 }]\n",
       "seccomp.rule[0].args[0].op", "expected one of", 4, 27},
      {"[[seccomp.rule]]\nsyscalls = [\"read\"]\naction = \"allow\"\n"
       "args = [{ index = 1, op = \"masked_eq\", value = 1 }]\n",
       "seccomp.rule[0].args[0]", "needs a mask", 4, 9},
      {"[[seccomp.rule]]\nsyscalls = [\"read\"]\naction = \"allow\"\n"
       "args = [{ index = 1, op = \"masked_eq\", mask = 1, value = 2 }]\n",
       "seccomp.rule[0].args[0]", "bits outside the mask", 4, 9},
      {"[[seccomp.rule]]\nsyscalls = [\"read\"]\naction = \"allow\"\n"
       "args = [{ index = 1, op = \"eq\", mask = 1, value = 1 }]\n",
       "seccomp.rule[0].args[0].mask", "only used with op masked_eq", 4, 40},
      {"[[seccomp.rule]]\nsyscalls = [\"read\"]\naction = \"allow\"\n"
       "args = [{ index = 1, op = \"eq\", value = -1 }]\n",
       "seccomp.rule[0].args[0].value", "non-negative", 4, 41},
      {"[[seccomp.rule]]\nsyscalls = [\"read\"]\n", "seccomp.rule[0]", "missing \"action\"", 1, 1},
      {"[[seccomp.rule]]\nsyscalls = []\naction = \"allow\"\n", "seccomp.rule[0].syscalls",
       "non-empty", 2, 12},
      {"[[seccomp.rule]]\nsyscall = [\"read\"]\naction = \"allow\"\n", "seccomp.rule[0].syscall",
       "unknown key", 2, 1, "syscalls"},
  };
  for (const auto &c : cases) {
    auto p = parse(c.text);
    ASSERT_FALSE(p.diags.empty()) << c.text;
    const auto &d = p.diags.list().front();
    EXPECT_EQ(d.key, c.key) << c.text;
    EXPECT_NE(d.message.find(c.message_part), std::string::npos) << d.message;
    EXPECT_EQ(where(d), "p.toml:" + std::to_string(c.line) + ":" + std::to_string(c.column))
        << c.text << d.message;
    EXPECT_EQ(d.suggestion, c.suggestion) << c.text;
  }
}

} // namespace
} // namespace sandbox::seccomp
