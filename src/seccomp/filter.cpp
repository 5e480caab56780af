// SPDX-License-Identifier: Apache-2.0
// Compiling a Policy to classic BPF, and installing it.
//
// The dispatch (architecture checks, then a binary search over syscall numbers) is ours, below;
// libseccomp supplies the syscall tables, and its own generator still renders `export --format
// pfc` (build_context). A syscall with argument rules gets a marker return value, TRACE(marker),
// in the dispatch, and each `ret TRACE(marker)` is replaced by a block that checks the arguments
// in rule order and ends with the syscall's own action (libseccomp could not express that: "EPERM
// if ioctl's cmd is TIOCSTI, else allow" under a default of EPERM is refused, and when argument
// checks fail it always falls through to the default action). Markers are per word size: 32-bit
// arches (i386, x32) compare only the low half of each argument, since the kernel truncates them.
#include "seccomp/filter.hpp"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include <seccomp.h>

#include "seccomp/bpf_optimize.hpp"
#include "seccomp/rule_toml.hpp"
#include "seccomp/syscall_table.hpp"
#include "util/error.hpp"

namespace sandbox::seccomp {

namespace {

constexpr std::uint32_t k_marker_base_64 = 0x1000;
constexpr std::uint32_t k_marker_base_32 = 0x2000;
constexpr std::uint32_t k_marker_span = 0x1000;

struct ArchInfo {
  std::uint32_t token;
  const char *name;
  bool wide; // 64-bit syscall arguments
};

constexpr ArchInfo k_arches[] = {
    {SCMP_ARCH_X86_64, "x86_64", true}, {SCMP_ARCH_X86, "x86", false},
    {SCMP_ARCH_X32, "x32", false},      {SCMP_ARCH_AARCH64, "aarch64", true},
    {SCMP_ARCH_ARM, "arm", false},
};

const ArchInfo *arch_info(std::uint32_t token) {
  for (const auto &a : k_arches)
    if (a.token == token)
      return &a;
  return nullptr;
}

// The native arch first, then its compat arches: the ones a process here can enter syscalls
// through (int $0x80 and x32 on x86_64, AArch32 on arm64).
std::vector<std::uint32_t> arches_for(const CompatPolicy &compat) {
  const std::uint32_t native = seccomp_arch_native();
  std::vector<std::uint32_t> out{native};
  if (native == SCMP_ARCH_X86_64) {
    if (compat.i386 == CompatMode::filter)
      out.push_back(SCMP_ARCH_X86);
    if (compat.x32 == CompatMode::filter)
      out.push_back(SCMP_ARCH_X32);
  } else if (native == SCMP_ARCH_AARCH64 && compat.arm == CompatMode::filter) {
    out.push_back(SCMP_ARCH_ARM);
  }
  return out;
}

bool arch_is_wide(std::uint32_t token) {
  const auto *a = arch_info(token);
  return a ? a->wide : sizeof(long) == 8;
}

std::uint32_t scmp_action(const Action &a) {
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
  return SCMP_ACT_KILL_PROCESS;
}

std::string pfc_action(std::uint32_t a) {
  switch (a & SECCOMP_RET_ACTION_FULL) {
  case SECCOMP_RET_ALLOW:
    return "ALLOW";
  case SECCOMP_RET_ERRNO:
    return "ERRNO(" + std::to_string(a & SECCOMP_RET_DATA) + ")";
  case SECCOMP_RET_KILL_PROCESS:
    return "KILL_PROCESS";
  case SECCOMP_RET_KILL_THREAD:
    return "KILL";
  case SECCOMP_RET_TRAP:
    return "TRAP";
  case SECCOMP_RET_LOG:
    return "LOG";
  default:
    return "ACTION(" + std::to_string(a) + ")";
  }
}

std::string where(const SourcePos &pos) {
  std::string s = pos.file;
  if (pos.line > 0)
    s += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  return s;
}

struct ScmpRelease {
  void operator()(void *ctx) const { seccomp_release(ctx); }
};
using ScmpCtx = std::unique_ptr<void, ScmpRelease>;

void check(int rc, const std::string &what) {
  if (rc < 0)
    throw Error::from_errno(-rc, what);
}

// One libseccomp context per argument width, merged into one filter. The contexts must have the
// same attributes for seccomp_merge().
ScmpCtx build_context(const Policy &policy) {
  // The native arch's context first: the merged filter checks arches in that order, and native
  // syscalls are the ones that matter for speed.
  std::map<bool, std::vector<std::uint32_t>, std::greater<>> by_width;
  for (auto token : arches_for(policy.compat))
    by_width[arch_is_wide(token)].push_back(token);

  const std::uint32_t native = seccomp_arch_native();
  ScmpCtx merged;
  for (auto &[wide, tokens] : by_width) {
    ScmpCtx ctx(seccomp_init(scmp_action(policy.default_action)));
    if (!ctx)
      throw Error::message("seccomp_init failed (libseccomp)");
    check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2),
          "seccomp_attr_set(SCMP_FLTATR_CTL_OPTIMIZE, 2)");
    // Any other architecture (say, a 32-bit syscall with compat = "deny") kills the process: it
    // is either an attack or a program that cannot work here anyway.
    check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS),
          "seccomp_attr_set(SCMP_FLTATR_ACT_BADARCH)");
    // no_new_privs is the launcher's own step, before install_filter().
    check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0),
          "seccomp_attr_set(SCMP_FLTATR_CTL_NNP)");
    for (auto token : tokens)
      if (token != native)
        check(seccomp_arch_add(ctx.get(), token), "seccomp_arch_add");
    if (std::find(tokens.begin(), tokens.end(), native) == tokens.end())
      check(seccomp_arch_remove(ctx.get(), native), "seccomp_arch_remove");

    const std::uint32_t base = wide ? k_marker_base_64 : k_marker_base_32;
    for (std::size_t i = 0; i < policy.syscalls.size(); ++i) {
      const auto &rule = policy.syscalls[i];
      const int nr = seccomp_syscall_resolve_name(rule.name.c_str());
      if (nr == __NR_SCMP_ERROR)
        throw Error::message("unknown syscall \"" + rule.name + "\" (rule at " +
                                 where(rule.origin) + ")",
                             "set optional = true on the rule if it only exists on newer kernels");
      if (i >= k_marker_span)
        throw Error::message("too many syscalls with argument rules");
      const std::uint32_t action = rule.conditional.empty()
                                       ? scmp_action(rule.action)
                                       : SCMP_ACT_TRACE(base + static_cast<std::uint32_t>(i));
      if (action == scmp_action(policy.default_action))
        continue; // libseccomp refuses a rule that repeats the default
      const int rc = seccomp_rule_add(ctx.get(), action, nr, 0);
      // A name that exists only on another arch of this filter (socketcall with compat off).
      if (rc == -EDOM || rc == -EINVAL) {
        bool anywhere = false;
        for (auto token : tokens)
          anywhere = anywhere || seccomp_syscall_resolve_name_arch(token, rule.name.c_str()) >= 0;
        if (!anywhere)
          continue;
      }
      check(rc, "seccomp_rule_add(" + rule.name + ")");
    }
    if (!merged) {
      merged = std::move(ctx);
      continue;
    }
    // seccomp_merge() releases the source context on success only.
    check(seccomp_merge(merged.get(), ctx.get()), "seccomp_merge");
    (void)ctx.release();
  }
  return merged;
}

class UniqueFd {
public:
  explicit UniqueFd(int fd) : m_fd(fd) {}
  ~UniqueFd() {
    if (m_fd >= 0)
      ::close(m_fd);
  }
  UniqueFd(const UniqueFd &) = delete;
  UniqueFd &operator=(const UniqueFd &) = delete;
  [[nodiscard]] int get() const { return m_fd; }

private:
  int m_fd;
};

// libseccomp 2.5 exports only to a file descriptor.
std::string export_to_string(scmp_filter_ctx ctx, bool pfc) {
  UniqueFd fd(memfd_create("sandbox-seccomp-export", MFD_CLOEXEC));
  if (fd.get() < 0)
    throw Error::from_errno(errno, "memfd_create");
  check(pfc ? seccomp_export_pfc(ctx, fd.get()) : seccomp_export_bpf(ctx, fd.get()),
        pfc ? "seccomp_export_pfc" : "seccomp_export_bpf");
  if (lseek(fd.get(), 0, SEEK_SET) < 0)
    throw Error::from_errno(errno, "lseek");
  std::string out;
  char buf[8192];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw Error::from_errno(errno, "read");
    if (n == 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// --- argument blocks ----------------------------------------------------------------------

constexpr int k_fail = -1; // the next rule (or the syscall's own action)
constexpr int k_pass = -2; // the next condition of this rule

struct Pending {
  std::uint16_t code;
  std::uint32_t k;
  int jt = 0; // absolute index in the rule's code, or k_fail/k_pass; 0 = next when not a jump
  int jf = 0;
};

class RuleCode {
public:
  void load(std::uint32_t offset) { stmt(BPF_LD | BPF_W | BPF_ABS, offset); }
  void and_k(std::uint32_t k) { stmt(BPF_ALU | BPF_AND | BPF_K, k); }
  // A conditional jump; targets are k_pass, k_fail or k_next (the following instruction).
  void jump(std::uint16_t op, std::uint32_t k, int jt, int jf) {
    const int here = static_cast<int>(m_code.size());
    m_code.push_back({static_cast<std::uint16_t>(BPF_JMP | op | BPF_K), k,
                      jt == k_next ? here + 1 : jt, jf == k_next ? here + 1 : jf});
  }
  void ret(std::uint32_t k) { stmt(BPF_RET | BPF_K, k); }
  void end_condition() { resolve(k_pass, static_cast<int>(m_code.size())); }
  // Resolves k_fail to the end of this rule and appends it to `out` with relative offsets.
  void finish(std::vector<sock_filter> &out) {
    resolve(k_fail, static_cast<int>(m_code.size()));
    for (std::size_t i = 0; i < m_code.size(); ++i) {
      const auto &p = m_code[i];
      sock_filter f{p.code, 0, 0, p.k};
      if (BPF_CLASS(p.code) == BPF_JMP) {
        const int jt = p.jt - static_cast<int>(i) - 1;
        const int jf = p.jf - static_cast<int>(i) - 1;
        if (jt < 0 || jf < 0 || jt > 255 || jf > 255)
          throw Error::message("argument conditions too long to compile");
        f.jt = static_cast<std::uint8_t>(jt);
        f.jf = static_cast<std::uint8_t>(jf);
      }
      out.push_back(f);
    }
  }

  static constexpr int k_next = -3;

private:
  void stmt(std::uint16_t code, std::uint32_t k) { m_code.push_back({code, k, 0, 0}); }
  void resolve(int symbol, int target) {
    for (auto &p : m_code) {
      if (BPF_CLASS(p.code) != BPF_JMP)
        continue;
      if (p.jt == symbol)
        p.jt = target;
      if (p.jf == symbol)
        p.jf = target;
    }
  }
  std::vector<Pending> m_code;
};

constexpr std::uint32_t arg_offset(unsigned index, bool high) {
  const auto base = static_cast<std::uint32_t>(offsetof(seccomp_data, args) + 8 * index);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return base + (high ? 4 : 0);
#else
  return base + (high ? 0 : 4);
#endif
}

// Emits one 64-bit (or, for !wide, low-32-bit) comparison: on success it continues with the
// next condition, on failure it goes to the next rule.
void emit_condition(RuleCode &code, const ArgCondition &c, bool wide) {
  constexpr int next = RuleCode::k_next;
  const auto hi = static_cast<std::uint32_t>(c.value >> 32);
  const auto lo = static_cast<std::uint32_t>(c.value);
  const auto mask_hi = static_cast<std::uint32_t>(c.mask >> 32);
  const auto mask_lo = static_cast<std::uint32_t>(c.mask);
  const std::uint32_t lo_at = arg_offset(c.index, false);
  const std::uint32_t hi_at = arg_offset(c.index, true);
  if (!wide && hi != 0) {
    // A 32-bit argument has no high bits: the comparison is decided here.
    const bool holds = c.op == CmpOp::ne || c.op == CmpOp::lt || c.op == CmpOp::le;
    if (!holds)
      code.jump(BPF_JGE, 0, k_fail, k_fail); // always taken
    code.end_condition();
    return;
  }
  // Low word first: when a rule fails there, A still holds it for the next rule, which the
  // peephole pass exploits (rules on one argument then cost one jump each).
  switch (c.op) {
  case CmpOp::masked_eq: {
    const bool check_hi = wide && mask_hi != 0;
    const int lo_pass = check_hi ? next : k_pass;
    if (mask_lo != 0) {
      code.load(lo_at);
      if (std::has_single_bit(mask_lo)) {
        // One bit: jset tests it without changing A.
        if (lo != 0)
          code.jump(BPF_JSET, mask_lo, lo_pass, k_fail);
        else
          code.jump(BPF_JSET, mask_lo, k_fail, lo_pass);
      } else {
        if (mask_lo != 0xffffffffU)
          code.and_k(mask_lo);
        code.jump(BPF_JEQ, lo, lo_pass, k_fail);
      }
    }
    if (check_hi) {
      code.load(hi_at);
      if (mask_hi != 0xffffffffU)
        code.and_k(mask_hi);
      code.jump(BPF_JEQ, hi, k_pass, k_fail);
    }
    break;
  }
  case CmpOp::eq:
    code.load(lo_at);
    code.jump(BPF_JEQ, lo, wide ? next : k_pass, k_fail);
    if (wide) {
      code.load(hi_at);
      code.jump(BPF_JEQ, hi, k_pass, k_fail);
    }
    break;
  case CmpOp::ne:
    code.load(lo_at);
    code.jump(BPF_JEQ, lo, wide ? next : k_fail, k_pass);
    if (wide) {
      code.load(hi_at);
      code.jump(BPF_JEQ, hi, k_fail, k_pass);
    }
    break;
  case CmpOp::gt:
  case CmpOp::ge:
  case CmpOp::lt:
  case CmpOp::le: {
    // hi > v_hi decides for gt/ge (pass) and lt/le (fail); hi < v_hi the other way round;
    // equal high words leave it to the low words.
    const bool greater = c.op == CmpOp::gt || c.op == CmpOp::ge;
    const int above = greater ? k_pass : k_fail;
    const int below = greater ? k_fail : k_pass;
    if (wide) {
      code.load(hi_at);
      if (hi == 0) {
        code.jump(BPF_JGT, 0, above, next); // hi == 0 when not above
      } else {
        code.jump(BPF_JGT, hi, above, next);
        code.jump(BPF_JEQ, hi, next, below);
      }
    }
    code.load(lo_at);
    switch (c.op) {
    case CmpOp::gt:
      code.jump(BPF_JGT, lo, k_pass, k_fail);
      break;
    case CmpOp::ge:
      code.jump(BPF_JGE, lo, k_pass, k_fail);
      break;
    case CmpOp::lt:
      code.jump(BPF_JGE, lo, k_fail, k_pass);
      break;
    default: // le
      code.jump(BPF_JGT, lo, k_fail, k_pass);
      break;
    }
    break;
  }
  }
  code.end_condition();
}

// The block for one syscall: its conditional rules in order, then its own action.
std::vector<sock_filter> argument_block(const SyscallRule &rule, bool wide) {
  std::vector<sock_filter> out;
  for (const auto &r : rule.conditional) {
    RuleCode code;
    for (const auto &c : r.args)
      emit_condition(code, c, wide);
    code.ret(scmp_action(r.action));
    code.finish(out);
  }
  out.push_back({BPF_RET | BPF_K, 0, 0, scmp_action(rule.action)});
  return out;
}

std::optional<std::pair<std::size_t, bool>> marker_of(std::uint32_t ret_value) {
  if ((ret_value & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_TRACE)
    return std::nullopt;
  const std::uint32_t data = ret_value & SECCOMP_RET_DATA;
  if (data >= k_marker_base_64 && data < k_marker_base_64 + k_marker_span)
    return std::pair{static_cast<std::size_t>(data - k_marker_base_64), true};
  if (data >= k_marker_base_32 && data < k_marker_base_32 + k_marker_span)
    return std::pair{static_cast<std::size_t>(data - k_marker_base_32), false};
  return std::nullopt;
}

// --- the dispatch: architecture, then syscall number -------------------------------------
//
// libseccomp's own generator (seccomp_export_bpf with its binary tree) takes ~10 ms for the
// default policy, paid at every start; this one takes well under a millisecond. It emits a
// balanced binary search over the syscall numbers of each architecture, where consecutive
// numbers with the same outcome form one range. A syscall with argument rules ends in a marker,
// replaced by its argument block as before. Conditional jumps here only ever skip one
// instruction, a `ja` (whose offset has 32 bits) to the taken branch: the peephole pass threads
// those away and lays the program out again, so no offset ever overflows its 8 bits.

constexpr std::uint32_t k_x32_syscall_bit = 0x40000000U;

// What a range of syscall numbers returns, from `first` up to the next range's first.
struct Range {
  std::uint32_t first;
  std::uint32_t ret;
};

sock_filter stmt(std::uint16_t code, std::uint32_t k) {
  return {code, 0, 0, k};
}
sock_filter ja(std::size_t offset) {
  return stmt(BPF_JMP | BPF_JA, static_cast<std::uint32_t>(offset));
}
// if (A <op> k) go on with the next instruction (a `ja` to the taken branch), else skip it.
sock_filter branch(std::uint16_t op, std::uint32_t k) {
  return {static_cast<std::uint16_t>(BPF_JMP | op | BPF_K), 0, 1, k};
}
void append(std::vector<sock_filter> &to, const std::vector<sock_filter> &code) {
  to.insert(to.end(), code.begin(), code.end());
}

// A binary search over ranges[lo..hi], with A holding the syscall number.
std::vector<sock_filter> search(const std::vector<Range> &ranges, std::size_t lo, std::size_t hi) {
  if (lo == hi)
    return {stmt(BPF_RET | BPF_K, ranges[lo].ret)};
  const std::size_t mid = lo + (hi - lo + 1) / 2;
  const std::vector<sock_filter> below = search(ranges, lo, mid - 1);
  const std::vector<sock_filter> above = search(ranges, mid, hi);
  std::vector<sock_filter> out{branch(BPF_JGE, ranges[mid].first), ja(below.size())};
  append(out, below);
  append(out, above);
  return out;
}

// The ranges of one architecture: every number the policy names there, the default elsewhere.
std::vector<Range> ranges_for(const Policy &policy, std::uint32_t token) {
  const bool wide = arch_is_wide(token);
  const std::uint32_t default_ret = scmp_action(policy.default_action);
  const std::uint32_t base = wide ? k_marker_base_64 : k_marker_base_32;
  std::map<std::uint32_t, std::size_t> rule_at; // syscall number -> index in policy.syscalls
  for (std::size_t i = 0; i < policy.syscalls.size(); ++i) {
    const auto &rule = policy.syscalls[i];
    if (i >= k_marker_span)
      throw Error::message("too many syscalls with argument rules");
    const int nr = syscall_table::number(token, rule.name);
    if (nr < 0) {
      if (seccomp_syscall_resolve_name(rule.name.c_str()) == __NR_SCMP_ERROR)
        throw Error::message("unknown syscall \"" + rule.name + "\" (rule at " +
                                 where(rule.origin) + ")",
                             "set optional = true on the rule if it only exists on newer kernels");
      continue; // not a syscall of this architecture (socketcall on x86_64)
    }
    auto number = static_cast<std::uint32_t>(nr);
    if (token == SCMP_ARCH_X32)
      number |= k_x32_syscall_bit;
    const auto [at, inserted] = rule_at.emplace(number, i);
    const auto &other = policy.syscalls[at->second];
    if (!inserted && (other.action != rule.action || other.conditional != rule.conditional))
      throw Error::message("\"" + other.name + "\" and \"" + rule.name +
                               "\" are one syscall here (number " + std::to_string(number) +
                               "), with different rules (at " + where(rule.origin) + ")",
                           "give both names the same rule");
  }
  std::vector<Range> ranges{{0, default_ret}};
  // Sets the outcome from `first` on, merging with the range before when it is the same.
  auto set_from = [&](std::uint32_t first, std::uint32_t ret) {
    if (ranges.back().first == first)
      ranges.back().ret = ret;
    else
      ranges.push_back({first, ret});
    if (ranges.size() >= 2 && ranges[ranges.size() - 2].ret == ret)
      ranges.pop_back();
  };
  for (const auto &[number, i] : rule_at) {
    const auto &rule = policy.syscalls[i];
    set_from(number, rule.conditional.empty()
                         ? scmp_action(rule.action)
                         : SCMP_ACT_TRACE(base + static_cast<std::uint32_t>(i)));
    if (number != 0xffffffffU)
      set_from(number + 1, default_ret);
  }
  return ranges;
}

std::vector<sock_filter> search(const std::vector<Range> &ranges) {
  return search(ranges, 0, ranges.size() - 1);
}

// The code for one architecture's syscalls, entered with the arch in A.
std::vector<sock_filter> arch_section(const Policy &policy, std::uint32_t token) {
  std::vector<sock_filter> out{stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr))};
  if (token != SCMP_ARCH_X86_64) {
    append(out, search(ranges_for(policy, token)));
    return out;
  }
  // x32 syscalls arrive with the x86_64 audit arch and __X32_SYSCALL_BIT set in the number.
  std::vector<sock_filter> x32;
  if (policy.compat.x32 == CompatMode::filter) {
    x32 = search(ranges_for(policy, SCMP_ARCH_X32));
  } else {
    // -1 is no x32 call: ptrace sets it to skip a syscall, and the kernel answers ENOSYS.
    x32 = {branch(BPF_JEQ, 0xffffffffU), ja(1), stmt(BPF_RET | BPF_K, SCMP_ACT_KILL_PROCESS),
           stmt(BPF_RET | BPF_K, scmp_action(policy.default_action))};
  }
  const std::vector<sock_filter> native = search(ranges_for(policy, token));
  out.push_back(branch(BPF_JGE, k_x32_syscall_bit));
  out.push_back(ja(native.size()));
  append(out, native);
  append(out, x32);
  return out;
}

// The architecture checks, native first, then each architecture's section. Any other
// architecture (say, a 32-bit syscall with compat = "deny") kills the process: it is either an
// attack or a program that cannot work here anyway.
std::vector<sock_filter> dispatch(const Policy &policy) {
  std::vector<std::uint32_t> tokens;
  for (auto token : arches_for(policy.compat))
    if (token != SCMP_ARCH_X32) // inside the x86_64 section
      tokens.push_back(token);
  std::vector<std::vector<sock_filter>> sections;
  sections.reserve(tokens.size());
  for (auto token : tokens)
    sections.push_back(arch_section(policy, token));

  std::vector<sock_filter> out{stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch))};
  std::size_t section_at = 1 + 2 * tokens.size() + 1; // after the checks and the final kill
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    out.push_back(branch(BPF_JEQ, tokens[i])); // SCMP_ARCH_* are the kernel's AUDIT_ARCH_*
    out.push_back(ja(section_at - (out.size() + 1)));
    section_at += sections[i].size();
  }
  out.push_back(stmt(BPF_RET | BPF_K, SCMP_ACT_KILL_PROCESS));
  for (const auto &section : sections)
    append(out, section);
  return out;
}

} // namespace

Filter compile_filter(const Policy &policy) {
  Filter filter;
  filter.program = dispatch(policy);

  // Each `ret TRACE(marker)` becomes the syscall's argument block; then the peephole pass.
  filter.program = detail::splice_and_optimize(
      filter.program, [&](std::uint32_t ret) -> std::optional<std::vector<sock_filter>> {
        const auto marker = marker_of(ret);
        if (!marker)
          return std::nullopt;
        if (marker->first >= policy.syscalls.size())
          throw Error::message("libseccomp filter has an unexpected TRACE action");
        return argument_block(policy.syscalls[marker->first], marker->second);
      });
  if (filter.program.size() > BPF_MAXINSNS)
    throw Error::message("the seccomp filter has " + std::to_string(filter.program.size()) +
                         " instructions; the kernel takes at most " + std::to_string(BPF_MAXINSNS));
  return filter;
}

void install_filter(const Filter &filter) {
  // No allocation here: this runs in the child between clone and execve.
  sock_fprog prog{static_cast<unsigned short>(filter.program.size()),
                  const_cast<sock_filter *>(filter.program.data())};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0U, &prog) != 0)
    throw Error::from_errno(errno, "seccomp(SECCOMP_SET_MODE_FILTER)");
}

bool syscall_known(std::string_view name) {
  for (auto token : arches_for(CompatPolicy{}))
    if (syscall_table::number(token, name) >= 0)
      return true;
  return false;
}

std::vector<std::string> filter_architectures(const Policy &policy) {
  std::vector<std::string> out;
  for (auto token : arches_for(policy.compat)) {
    const auto *a = arch_info(token);
    out.emplace_back(a ? a->name : std::to_string(token));
  }
  return out;
}

std::string export_pfc(const Policy &policy) {
  auto ctx = build_context(policy);
  const std::string text = export_to_string(ctx.get(), true);
  // Write each argument block where libseccomp shows its marker.
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos)
      eol = text.size();
    const std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    const auto at = line.find("action TRACE(");
    std::optional<std::pair<std::size_t, bool>> marker;
    if (at != std::string::npos)
      marker = marker_of(SCMP_ACT_TRACE(std::stoul(line.substr(at + 13))));
    if (!marker || marker->first >= policy.syscalls.size()) {
      out += line + "\n";
      continue;
    }
    const std::string indent = line.substr(0, at);
    const auto &rule = policy.syscalls[marker->first];
    out += indent + "# argument rules (" + (marker->second ? "64" : "32") +
           "-bit arguments), the first that matches decides\n";
    for (const auto &r : rule.conditional)
      out += indent + "if (" + detail::describe_conditions(r.args) + ") action " +
             pfc_action(scmp_action(r.action)) + ";\n";
    out += indent + "action " + pfc_action(scmp_action(rule.action)) + ";\n";
  }
  return out;
}

} // namespace sandbox::seccomp
