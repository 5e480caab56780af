// SPDX-License-Identifier: Apache-2.0
// Resolving policies: includes, groups, switches, overrides, and errors with file:line:col.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "seccomp/policy.hpp"

namespace sandbox::seccomp {
namespace {

// Syscall names this fake architecture has.
const std::set<std::string, std::less<>> k_known = {
    "read",        "write",  "openat",     "close",   "ioctl",     "clone",   "clone3",
    "unshare",     "ptrace", "mount",      "umount2", "fsopen",    "getppid", "acct",
    "personality", "kcmp",   "pivot_root", "chroot",  "exit_group"};

struct Fixture {
  std::map<std::string, std::string> files; // path -> text
  Settings settings;
  profile::Diagnostics diags;

  std::optional<Policy> resolve(bool check_names = true) {
    PolicyContext ctx;
    ctx.search_path = {"/p"};
    ctx.read_file = [this](const std::filesystem::path &p) -> std::optional<std::string> {
      auto it = files.find(p.string());
      if (it == files.end())
        return std::nullopt;
      return it->second;
    };
    if (check_names)
      ctx.syscall_known = [](std::string_view n) { return k_known.contains(n); };
    return resolve_policy(settings, ctx, diags);
  }

  std::string diag_text() const {
    std::string out;
    for (const auto &d : diags.list())
      out += d.origin.file + ":" + std::to_string(d.origin.line) + ":" +
             std::to_string(d.origin.column) + ": " + d.key + ": " + d.message + "\n";
    return out;
  }
};

const SyscallRule *find(const Policy &p, std::string_view name) {
  for (const auto &s : p.syscalls)
    if (s.name == name)
      return &s;
  return nullptr;
}

constexpr Action k_allow{ActionKind::allow, 0};
constexpr Action k_eperm{ActionKind::errno_, 1};
constexpr Action k_enosys{ActionKind::errno_, 38};

TEST(SeccompPolicy, ShippedPoliciesResolve) {
  for (auto name : {"default", "strict"}) {
    Fixture f;
    f.settings.policy = name;
    auto p = f.resolve(false); // names are checked against libseccomp in the seccomp tests
    ASSERT_TRUE(p) << f.diag_text();
    EXPECT_TRUE(f.diags.empty()) << f.diag_text();
    EXPECT_FALSE(p->syscalls.empty());
  }
}

TEST(SeccompPolicy, NoneDisablesAndRefusesRules) {
  Fixture f;
  f.settings.policy = "none";
  EXPECT_FALSE(f.resolve());
  EXPECT_TRUE(f.diags.empty());
  f.settings.rules.push_back({{"read"}, k_allow, {}, false, {"p.toml", 9, 1}});
  EXPECT_FALSE(f.resolve());
  ASSERT_EQ(f.diags.list().size(), 1U);
  EXPECT_EQ(f.diags.list()[0].origin.line, 9);
}

TEST(SeccompPolicy, DefaultPolicyShape) {
  Fixture f;
  f.settings.policy = "default";
  auto p = f.resolve(false);
  ASSERT_TRUE(p) << f.diag_text();
  EXPECT_EQ(p->default_action, k_eperm);
  EXPECT_EQ(p->compat.i386, CompatMode::filter);
  EXPECT_EQ(p->compat.x32, CompatMode::deny);
  ASSERT_TRUE(find(*p, "clone3"));
  EXPECT_EQ(find(*p, "clone3")->action, k_enosys);
  EXPECT_FALSE(find(*p, "ptrace")); // denied by the default action
  EXPECT_FALSE(find(*p, "mount"));
  const auto *ioctl = find(*p, "ioctl");
  ASSERT_TRUE(ioctl);
  EXPECT_EQ(ioctl->action, k_allow);
  ASSERT_EQ(ioctl->conditional.size(), 2U);
  EXPECT_EQ(ioctl->conditional[0].action, k_eperm);
  EXPECT_EQ(ioctl->conditional[0].args[0], (ArgCondition{1, CmpOp::masked_eq, 0x5412, 0xffffffff}));
  const auto *clone = find(*p, "clone");
  ASSERT_TRUE(clone);
  ASSERT_EQ(clone->conditional.size(), 1U);
  EXPECT_EQ(clone->conditional[0].args[0].mask, 0x10000000U);

  Fixture g;
  g.settings.policy = "default";
  g.settings.allow_user_namespaces = true;
  g.settings.allow_ptrace = true;
  auto q = g.resolve(false);
  ASSERT_TRUE(q) << g.diag_text();
  EXPECT_TRUE(find(*q, "clone")->conditional.empty());
  ASSERT_TRUE(find(*q, "ptrace"));
  EXPECT_EQ(find(*q, "ptrace")->action, k_allow);
}

TEST(SeccompPolicy, IncludesGroupsAndLayeredOverrides) {
  Fixture f;
  f.files["/p/base.toml"] = R"(
default_action = "errno:EPERM"
[[rule]]
syscalls = ["read", "write", "acct"]
action = "allow"
[[rule]]
syscalls = ["ioctl"]
action = "errno:EPERM"
args = [{ index = 1, op = "eq", value = 1 }]
)";
  f.files["/p/groups.toml"] = R"(
[groups]
io = ["read", "write", "@more"]
more = ["close", "no_such_call_here"]
)";
  f.files["/p/top.toml"] = R"(
include = ["base"]
[[rule]]
syscalls = ["@io", "ioctl"]
action = "allow"
[[rule]]
syscalls = ["acct"]
action = "errno:ENOSYS"
[[rule]]
syscalls = ["ioctl"]
action = "log"
args = [{ index = 1, op = "eq", value = 2 }]
)";
  f.settings.policy = "top";
  f.settings.rules.push_back(
      {{"ioctl"}, {ActionKind::errno_, 13}, {{1, CmpOp::eq, 1, 0}}, false, {}});
  auto p = f.resolve();
  ASSERT_TRUE(p) << f.diag_text();
  EXPECT_EQ(p->files, (std::vector<std::string>{"/p/top.toml", "/p/base.toml"}));
  EXPECT_EQ(find(*p, "acct")->action, k_enosys); // the including file overrides
  EXPECT_EQ(find(*p, "close")->action, k_allow); // through the nested group
  EXPECT_EQ(p->skipped, std::vector<std::string>{"no_such_call_here"}); // group names may be absent
  const auto *ioctl = find(*p, "ioctl");
  ASSERT_EQ(ioctl->conditional.size(), 2U);
  // The latest layer first: the profile's rule replaced base's rule with the same args.
  EXPECT_EQ(ioctl->conditional[0].action, (Action{ActionKind::errno_, 13}));
  EXPECT_EQ(ioctl->conditional[1].action, (Action{ActionKind::log, 0}));
  EXPECT_EQ(ioctl->action, k_allow);
}

TEST(SeccompPolicy, IncludingFileOverridesDefaultActionAndCompat) {
  Fixture f;
  // "compat" and "default_action" sort before "include": order in the file must not matter.
  f.files["/p/a.toml"] = "compat = \"filter\"\ndefault_action = \"log\"\ninclude = [\"b\"]\n";
  f.files["/p/b.toml"] = "compat = \"deny\"\ndefault_action = \"errno:EPERM\"\n";
  f.settings.policy = "a";
  auto p = f.resolve();
  ASSERT_TRUE(p) << f.diag_text();
  EXPECT_EQ(p->default_action, (Action{ActionKind::log, 0}));
  EXPECT_EQ(p->compat, CompatPolicy{});
}

TEST(SeccompPolicy, ProfileDefaultActionAndRules) {
  Fixture f;
  f.files["/p/t.toml"] = "default_action = \"kill-process\"\n";
  f.settings.policy = "t";
  f.settings.default_action = k_eperm;
  f.settings.rules.push_back({{"read"}, k_allow, {}, false, {}});
  auto p = f.resolve();
  ASSERT_TRUE(p) << f.diag_text();
  EXPECT_EQ(p->default_action, k_eperm);
  ASSERT_EQ(p->syscalls.size(), 1U);
}

TEST(SeccompPolicy, PathPolicyAndRelativeInclude) {
  Fixture f;
  f.files["/etc/x/a.toml"] = "include = [\"./b.toml\"]\n";
  f.files["/etc/x/./b.toml"] = "default_action = \"allow\"\n";
  f.settings.policy = "/etc/x/a.toml";
  auto p = f.resolve();
  ASSERT_TRUE(p) << f.diag_text();
  EXPECT_EQ(p->default_action, k_allow);
}

TEST(SeccompPolicy, OptionalRuleSkipsUnknownNames) {
  Fixture f;
  f.files["/p/t.toml"] = R"(
default_action = "errno:EPERM"
[[rule]]
syscalls = ["read", "brand_new_call"]
action = "allow"
optional = true
)";
  f.settings.policy = "t";
  auto p = f.resolve();
  ASSERT_TRUE(p) << f.diag_text();
  EXPECT_EQ(p->skipped, std::vector<std::string>{"brand_new_call"});
  EXPECT_TRUE(find(*p, "read"));
}

TEST(SeccompPolicy, TrailingRulesThatChangeNothingAreDropped) {
  Fixture f;
  f.files["/p/t.toml"] = R"(
default_action = "errno:EPERM"
[[rule]]
syscalls = ["read"]
action = "allow"
[[rule]]
syscalls = ["read"]
action = "allow"
args = [{ index = 0, op = "eq", value = 0 }]
[[rule]]
syscalls = ["write"]
action = "errno:EPERM"
)";
  f.settings.policy = "t";
  auto p = f.resolve();
  ASSERT_TRUE(p) << f.diag_text();
  ASSERT_EQ(p->syscalls.size(), 1U);
  EXPECT_TRUE(p->syscalls[0].conditional.empty());
}

struct BadPolicy {
  const char *name;
  const char *text;
  const char *key;
  const char *message_part;
  int line;
  int column;
  const char *suggestion = "";
};

TEST(SeccompPolicy, BadPoliciesGiveFileLineColumnErrors) {
  const BadPolicy cases[] = {
      {"unknown syscall",
       "default_action = \"allow\"\n[[rule]]\nsyscalls = [\"read\", \"raed\"]\naction = "
       "\"errno:EPERM\"\n",
       "rule[0].syscalls", "unknown syscall \"raed\"", 2, 1},
      {"unknown group",
       "default_action = \"allow\"\n[[rule]]\nsyscalls = [\"@mout\"]\naction = \"errno:EPERM\"\n",
       "rule[0].syscalls", "unknown syscall group \"@mout\"", 2, 1, "@mount"},
      {"bad errno name",
       "default_action = \"allow\"\n[[rule]]\nsyscalls = [\"read\"]\naction = \"errno:EPREM\"\n",
       "rule[0].action", "unknown errno \"EPREM\"", 4, 10},
      {"bad arg index",
       "default_action = \"allow\"\n[[rule]]\nsyscalls = [\"read\"]\naction = \"log\"\n"
       "args = [{ index = 9, op = \"eq\", value = 0 }]\n",
       "rule[0].args[0].index", "from 0 to 5", 5, 19},
      {"conflicting rules",
       "default_action = \"allow\"\n[[rule]]\nsyscalls = [\"read\"]\naction = \"log\"\n"
       "[[rule]]\nsyscalls = [\"read\"]\naction = \"errno:EPERM\"\n",
       "rule[1]", "conflicting rules for read: errno:EPERM here, log at /p/t.toml:2:1", 5, 1},
      {"conflicting conditional rules",
       "default_action = \"allow\"\n[[rule]]\nsyscalls = [\"ioctl\"]\naction = \"log\"\n"
       "args = [{ index = 1, op = \"eq\", value = 1 }]\n"
       "[[rule]]\nsyscalls = [\"ioctl\"]\naction = \"trap\"\n"
       "args = [{ index = 1, op = \"eq\", value = 1 }]\n",
       "rule[1]", "same args", 6, 1},
      {"bad switch",
       "default_action = \"allow\"\n[[rule]]\nsyscalls = [\"read\"]\naction = \"log\"\n"
       "when = \"allow_ptrce\"\n",
       "rule[0].when", "switch", 5, 8, "allow_ptrace"},
      {"unknown top-level key", "default_acton = \"allow\"\n", "default_acton", "unknown key", 1,
       17, "default_action"},
      {"bad compat", "default_action = \"allow\"\ncompat = { i368 = \"deny\" }\n", "compat.i368",
       "unknown compat architecture", 2, 19, "i386"},
      {"no default", "[[rule]]\nsyscalls = [\"read\"]\naction = \"log\"\n", "seccomp.policy",
       "sets no default_action", 0, 0},
      {"toml syntax", "default_action = \n", "", "", 1, 18},
      {"missing include", "include = [\"nope\"]\ndefault_action = \"allow\"\n", "include",
       "no seccomp policy named \"nope\"", 1, 12},
  };
  for (const auto &c : cases) {
    Fixture f;
    f.files["/p/t.toml"] = c.text;
    f.settings.policy = "t";
    f.settings.origin = {"profile.toml", 0, 0};
    EXPECT_FALSE(f.resolve()) << c.name;
    ASSERT_FALSE(f.diags.empty()) << c.name;
    const auto &d = f.diags.list().front();
    EXPECT_EQ(d.key, c.key) << c.name << "\n" << f.diag_text();
    EXPECT_NE(d.message.find(c.message_part), std::string::npos) << c.name << ": " << d.message;
    if (c.line > 0) {
      EXPECT_EQ(d.origin.file, "/p/t.toml") << c.name;
    }
    EXPECT_EQ(d.origin.line, c.line) << c.name << ": " << d.message;
    EXPECT_EQ(d.origin.column, c.column) << c.name << ": " << d.message;
    EXPECT_EQ(d.suggestion, c.suggestion) << c.name;
  }
}

TEST(SeccompPolicy, IncludeCycleIsAnError) {
  Fixture f;
  f.files["/p/a.toml"] = "include = [\"b\"]\ndefault_action = \"allow\"\n";
  f.files["/p/b.toml"] = "include = [\"a\"]\n";
  f.settings.policy = "a";
  EXPECT_FALSE(f.resolve());
  ASSERT_FALSE(f.diags.empty());
  EXPECT_NE(f.diags.list()[0].message.find("include cycle"), std::string::npos);
}

TEST(SeccompPolicy, UnknownPolicyNameSuggestsShippedOne) {
  Fixture f;
  f.settings.policy = "defualt";
  EXPECT_FALSE(f.resolve());
  ASSERT_EQ(f.diags.list().size(), 1U);
  EXPECT_EQ(f.diags.list()[0].key, "seccomp.policy");
  EXPECT_EQ(f.diags.list()[0].suggestion, "default");
}

TEST(SeccompPolicy, InlineRuleErrorsPointAtTheProfile) {
  Fixture f;
  f.settings.policy = "default";
  f.settings.rules.push_back({{"nonexistent_call"}, k_allow, {}, false, {"prof.toml", 12, 1}});
  EXPECT_FALSE(f.resolve(true));
  bool found = false;
  for (const auto &d : f.diags.list())
    if (d.key == "seccomp.rule[0].syscalls" && d.origin.file == "prof.toml" && d.origin.line == 12)
      found = true;
  EXPECT_TRUE(found) << f.diag_text();
}

TEST(SeccompPolicy, DescribeListsRules) {
  Fixture f;
  f.settings.policy = "default";
  auto p = f.resolve(false);
  ASSERT_TRUE(p);
  const std::string text = describe_policy(*p);
  EXPECT_NE(text.find("default action: errno:EPERM"), std::string::npos);
  EXPECT_NE(text.find("errno:EPERM if arg1 & 0xffffffff == 0x5412"), std::string::npos) << text;
  EXPECT_NE(text.find("clone3"), std::string::npos);
}

} // namespace
} // namespace sandbox::seccomp
