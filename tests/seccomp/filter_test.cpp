// SPDX-License-Identifier: Apache-2.0
// Compiled filters checked against the resolved policy by interpreting the BPF: for every
// syscall number of every architecture, the filter must do what the policy says, within the
// instruction budget (20 for the default policy).
#include <linux/audit.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <seccomp.h>

#include "bpf_emulator.hpp"
#include "seccomp/prebuilt.hpp"
#include "support.hpp"

namespace sandbox::seccomp::test {
namespace {

struct TestArch {
  std::uint32_t token;     // libseccomp
  std::uint32_t audit;     // seccomp_data.arch
  std::uint32_t nr_offset; // x32 syscalls carry __X32_SYSCALL_BIT
  bool wide;
  const char *name;
};

constexpr TestArch k_x86_64{SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, 0, true, "x86_64"};
constexpr TestArch k_i386{SCMP_ARCH_X86, AUDIT_ARCH_I386, 0, false, "i386"};
constexpr TestArch k_x32{SCMP_ARCH_X32, AUDIT_ARCH_X86_64, 0x40000000U, false, "x32"};
constexpr TestArch k_test_arches[] = {k_x86_64, k_i386, k_x32};

std::uint32_t scmp_of(const Action &a) {
  switch (a.kind) {
  case ActionKind::allow:
    return SCMP_ACT_ALLOW;
  case ActionKind::errno_:
    return SCMP_ACT_ERRNO(a.errno_value);
  case ActionKind::kill_process:
    return SCMP_ACT_KILL_PROCESS;
  case ActionKind::kill_thread:
    return SCMP_ACT_KILL_THREAD;
  case ActionKind::trap:
    return SCMP_ACT_TRAP;
  case ActionKind::log:
    return SCMP_ACT_LOG;
  }
  return 0;
}

bool holds(const ArgCondition &c, std::uint64_t arg, bool wide) {
  const std::uint64_t x = wide ? arg : (arg & 0xffffffffU);
  switch (c.op) {
  case CmpOp::eq:
    return x == c.value;
  case CmpOp::ne:
    return x != c.value;
  case CmpOp::lt:
    return x < c.value;
  case CmpOp::le:
    return x <= c.value;
  case CmpOp::gt:
    return x > c.value;
  case CmpOp::ge:
    return x >= c.value;
  case CmpOp::masked_eq:
    return (x & c.mask) == c.value;
  }
  return false;
}

// What the policy says for a syscall (by name) with these arguments: the model of the filter.
std::uint32_t expected(const Policy &policy, const char *name, const seccomp_data &d, bool wide) {
  if (name == nullptr)
    return scmp_of(policy.default_action);
  auto it = std::find_if(policy.syscalls.begin(), policy.syscalls.end(),
                         [&](const SyscallRule &r) { return r.name == name; });
  if (it == policy.syscalls.end())
    return scmp_of(policy.default_action);
  for (const auto &r : it->conditional)
    if (std::all_of(r.args.begin(), r.args.end(),
                    [&](const ArgCondition &c) { return holds(c, d.args[c.index], wide); }))
      return scmp_of(r.action);
  return scmp_of(it->action);
}

struct Free {
  void operator()(char *p) const { std::free(p); }
};

// Argument vectors worth trying for a syscall: zeros, all ones, and around every value its
// rules compare with (with and without high bits, which the kernel drops for int arguments).
std::vector<seccomp_data> probes(const Policy &policy, const char *name) {
  std::vector<seccomp_data> out(2);
  for (auto &a : out[1].args)
    a = ~0ULL;
  if (name == nullptr)
    return out;
  for (const auto &rule : policy.syscalls) {
    if (rule.name != name)
      continue;
    for (const auto &r : rule.conditional) {
      seccomp_data all{}; // every condition of the rule at its value
      for (const auto &c : r.args) {
        all.args[c.index] = c.value;
        const std::uint64_t high = 0xffffffff00000000U;
        for (std::uint64_t v : {c.value, c.value + 1, c.value - 1, c.value | (high & -high),
                                c.value ^ high, c.value | ~c.mask}) {
          seccomp_data d{};
          d.args[c.index] = v;
          out.push_back(d);
        }
      }
      out.push_back(all);
    }
  }
  return out;
}

struct Counts {
  long max = 0;
  long total = 0;
  long runs = 0;
  std::string worst;
};

// Checks every syscall number of `arch` against the model; returns instruction counts.
CompatMode mode_of(const Policy &policy, const TestArch &arch) {
  if (arch.token == SCMP_ARCH_X86)
    return policy.compat.i386;
  if (arch.token == SCMP_ARCH_X32)
    return policy.compat.x32;
  return CompatMode::filter;
}

Counts check_arch(const Policy &policy, const Filter &filter, const TestArch &arch) {
  const bool denied = mode_of(policy, arch) == CompatMode::deny;
  Counts counts;
  std::vector<std::uint32_t> nrs;
  for (std::uint32_t nr = 0; nr < 600; ++nr)
    nrs.push_back(nr + arch.nr_offset);
  nrs.push_back(arch.nr_offset + 0x3fffffffU);
  if (arch.nr_offset == 0) // -1 (what ptrace sets to skip a syscall), huge numbers
    nrs.insert(nrs.end(), {0xffffffffU, 0x7fffffffU});
  for (auto nr : nrs) {
    std::unique_ptr<char, Free> name(
        nr >= arch.nr_offset && nr < arch.nr_offset + 0x10000000U
            ? seccomp_syscall_resolve_num_arch(arch.token, static_cast<int>(nr))
            : nullptr);
    for (auto d : probes(policy, name.get())) {
      d.nr = static_cast<int>(nr);
      d.arch = arch.audit;
      auto r = run_bpf(filter.program, d);
      EXPECT_TRUE(r.ok) << arch.name << " nr " << nr;
      // Numbers beyond the arch's range (x32 bit on x86_64 when x32 is denied) are the arch
      // check's business, covered by the kernel tests; here every number is either a syscall of
      // this arch or not one.
      std::uint32_t want = expected(policy, name.get(), d, arch.wide);
      if (arch.token == SCMP_ARCH_X86_64 && nr >= 0x40000000U && nr != 0xffffffffU)
        want = r.ret; // x32 numbers: the x32 arch's business
      else if (denied)
        want = SCMP_ACT_KILL_PROCESS;
      EXPECT_EQ(r.ret, want) << arch.name << " nr " << nr << " (" << (name ? name.get() : "unknown")
                             << ") args " << std::hex << d.args[0] << " " << d.args[1];
      counts.total += r.executed;
      ++counts.runs;
      if (r.executed > counts.max) {
        counts.max = r.executed;
        counts.worst = name ? name.get() : ("nr " + std::to_string(nr));
      }
    }
  }
  return counts;
}

long count_for(const Filter &filter, const TestArch &arch, const char *name, std::uint64_t arg0 = 0,
               std::uint64_t arg1 = 0) {
  seccomp_data d{};
  d.arch = arch.audit;
  d.nr = seccomp_syscall_resolve_name_arch(arch.token, name);
  if (d.nr < 0)
    return -1;
  d.nr = static_cast<int>(static_cast<std::uint32_t>(d.nr) | arch.nr_offset);
  d.args[0] = arg0;
  d.args[1] = arg1;
  return run_bpf(filter.program, d).executed;
}

// The issue's budget is 20 instructions; sandbox's own dispatch needs at most 16 (15 on
// x86_64), which man/sandbox-seccomp.5 states, so the test holds it to that.
TEST(Filter, DefaultPolicyMatchesModelWithin16InstructionsOnEveryArch) {
  const Policy policy = resolve_named("default");
  ASSERT_EQ(policy.compat.i386, CompatMode::filter);
  ASSERT_EQ(policy.compat.x32, CompatMode::deny);
  const Filter filter = compile_filter(policy);
  std::printf("default policy: %zu syscalls with rules, filter of %zu instructions\n",
              policy.syscalls.size(), filter.program.size());
  for (const auto &arch : k_test_arches) {
    const Counts c = check_arch(policy, filter, arch);
    std::printf("  %-6s max %ld instructions (%s), mean %.1f over %ld probes\n", arch.name, c.max,
                c.worst.c_str(), static_cast<double>(c.total) / static_cast<double>(c.runs),
                c.runs);
    EXPECT_LE(c.max, 16) << arch.name << ": " << c.worst;
    std::printf("         getppid %ld, read %ld, acct %ld, ioctl(TCGETS) %ld, ioctl(TIOCSTI) %ld, "
                "clone %ld, personality(0xffffffff) %ld\n",
                count_for(filter, arch, "getppid"), count_for(filter, arch, "read"),
                count_for(filter, arch, "acct"), count_for(filter, arch, "ioctl", 0, 0x5401),
                count_for(filter, arch, "ioctl", 0, 0x5412), count_for(filter, arch, "clone"),
                count_for(filter, arch, "personality", 0xffffffff));
  }
}

// Identical rets are shared (filter_optimize.cpp): libseccomp's program for the default policy
// has 394 instructions, 191 of them rets, and the kernel checks and compiles every one at each
// start.
TEST(Filter, DefaultProgramSharesItsRets) {
  const Filter filter = compile_filter(resolve_named("default"));
  EXPECT_LE(filter.program.size(), 230U);
  std::size_t rets = 0;
  for (const auto &insn : filter.program)
    rets += BPF_CLASS(insn.code) == BPF_RET ? 1 : 0;
  EXPECT_LE(rets, 16U) << "of " << filter.program.size();
}

// The program compiled at build time for the default profile is the one resolving and
// compiling the built-in default would give now (it cannot be stale, but a build step that
// went wrong, say with another libseccomp, would show here).
TEST(Filter, PrebuiltDefaultIsTheCompiledBuiltinDefault) {
  const Filter compiled = compile_filter(resolve_named("default"));
  const Filter prebuilt = prebuilt_default_filter();
  ASSERT_EQ(prebuilt.program.size(), compiled.program.size());
  for (size_t i = 0; i < compiled.program.size(); ++i) {
    const auto &a = prebuilt.program[i];
    const auto &b = compiled.program[i];
    EXPECT_TRUE(a.code == b.code && a.jt == b.jt && a.jf == b.jf && a.k == b.k)
        << "instruction " << i << " differs";
  }
}

// x32 filtered too (not what `default` does): correct, and x32 gets its own search after one
// more jump. Measured and printed, not held to a budget.
TEST(Filter, DefaultRulesWithX32FilteredMatchModel) {
  const Policy policy = resolve(Settings{}, "include = [\"default\"]\ncompat = \"filter\"\n");
  ASSERT_EQ(policy.compat.x32, CompatMode::filter);
  const Filter filter = compile_filter(policy);
  std::printf("default rules, x32 filtered: filter of %zu instructions\n", filter.program.size());
  for (const auto &arch : k_test_arches) {
    const Counts c = check_arch(policy, filter, arch);
    std::printf("  %-6s max %ld instructions (%s), mean %.1f\n", arch.name, c.max, c.worst.c_str(),
                static_cast<double>(c.total) / static_cast<double>(c.runs));
  }
}

TEST(Filter, StrictPolicyMatchesModelAndDeniesCompatArches) {
  const Policy policy = resolve_named("strict");
  ASSERT_EQ(policy.compat, (CompatPolicy{CompatMode::deny, CompatMode::deny, CompatMode::deny}));
  const Filter filter = compile_filter(policy);
  const Counts c = check_arch(policy, filter, k_x86_64);
  EXPECT_LE(c.max, 20) << c.worst;
  for (const auto &arch : {k_i386, k_x32}) {
    seccomp_data d{};
    d.arch = arch.audit;
    d.nr = static_cast<int>(arch.nr_offset + 3); // read on i386, a syscall anywhere
    EXPECT_EQ(run_bpf(filter.program, d).ret, SCMP_ACT_KILL_PROCESS) << arch.name;
  }
  seccomp_data other{};
  other.arch = AUDIT_ARCH_AARCH64;
  EXPECT_EQ(run_bpf(filter.program, other).ret, SCMP_ACT_KILL_PROCESS);
}

TEST(Filter, UnknownArchitectureKillsEvenWhenCompatIsFiltered) {
  const Filter filter = compile_filter(resolve_named("default"));
  seccomp_data d{};
  d.arch = AUDIT_ARCH_AARCH64;
  EXPECT_EQ(run_bpf(filter.program, d).ret, SCMP_ACT_KILL_PROCESS);
}

// Every comparison operator, 64-bit and 32-bit, with values that need the high word, in rules
// whose actions differ from each other, from the syscall's own action and from the default.
TEST(Filter, ArgumentOperatorsMatchModel) {
  const std::string text = R"(
default_action = "errno:EPERM"
[[rule]]
syscalls = ["getppid", "read", "write", "close", "dup", "lseek", "mmap"]
action = "allow"
[[rule]]
syscalls = ["read"]
action = "errno:EACCES"
args = [{ index = 0, op = "eq", value = 7 }, { index = 2, op = "gt", value = "0x100000000" }]
[[rule]]
syscalls = ["write"]
action = "kill-process"
args = [{ index = 1, op = "ne", value = "0x1234567800000001" }]
[[rule]]
syscalls = ["close"]
action = "trap"
args = [{ index = 0, op = "lt", value = 3 }]
[[rule]]
syscalls = ["close"]
action = "log"
args = [{ index = 0, op = "le", value = "0x100000003" }]
[[rule]]
syscalls = ["dup"]
action = "errno:EBADF"
args = [{ index = 0, op = "ge", value = "0xffffffff" }]
[[rule]]
syscalls = ["lseek"]
action = "errno:ESPIPE"
args = [{ index = 2, op = "masked_eq", mask = "0xff000000000000ff", value = "0x0100000000000002" }]
[[rule]]
syscalls = ["mmap"]
action = "errno:ENOMEM"
args = [{ index = 3, op = "masked_eq", mask = 0x20, value = 0x20 }, { index = 3, op = "masked_eq", mask = 0x100000, value = 0 }]
[[rule]]
syscalls = ["ioctl"]
action = "errno:ENOTTY"
args = [{ index = 1, op = "lt", value = 0x5400 }]
[[rule]]
syscalls = ["ioctl"]
action = "allow"
args = [{ index = 1, op = "le", value = 0x54ff }]
)";
  const Policy policy = resolve(Settings{}, text);
  const Filter filter = compile_filter(policy);
  for (const auto &arch : k_test_arches)
    check_arch(policy, filter, arch);
}

TEST(Filter, CompileTimeOfDefaultPolicy) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> resolve_us, compile_us;
  for (int i = 0; i < 15; ++i) {
    auto t0 = Clock::now();
    const Policy policy = resolve_named("default");
    auto t1 = Clock::now();
    const Filter filter = compile_filter(policy);
    auto t2 = Clock::now();
    ASSERT_FALSE(filter.program.empty());
    resolve_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    compile_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
  }
  std::sort(resolve_us.begin(), resolve_us.end());
  std::sort(compile_us.begin(), compile_us.end());
  std::printf("default policy: resolve median %.0f us (min %.0f), compile median %.0f us (min "
              "%.0f)\n",
              resolve_us[resolve_us.size() / 2], resolve_us.front(),
              compile_us[compile_us.size() / 2], compile_us.front());
}

TEST(Filter, PfcExportShowsArgumentRules) {
  const std::string pfc = export_pfc(resolve_named("default"));
  EXPECT_NE(pfc.find("arg1 & 0xffffffff == 0x5412"), std::string::npos) << pfc;
  EXPECT_EQ(pfc.find("TRACE"), std::string::npos);
}

TEST(Filter, ArchitecturesFollowCompatMode) {
  EXPECT_EQ(filter_architectures(resolve_named("default")),
            (std::vector<std::string>{"x86_64", "x86"}));
  EXPECT_EQ(filter_architectures(resolve_named("strict")), (std::vector<std::string>{"x86_64"}));
}

} // namespace
} // namespace sandbox::seccomp::test
