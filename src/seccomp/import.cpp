// SPDX-License-Identifier: Apache-2.0
// Docker's format: moby profiles/seccomp/default.json; runc's reading of it: libcontainer
// specconv. For SCMP_CMP_MASKED_EQ, "value" is the mask and "valueTwo" the value.
#include "seccomp/import.hpp"

#include <algorithm>
#include <cstdio>

#include "seccomp/json.hpp"
#include "seccomp/settings.hpp"
#include "util/error.hpp"

namespace sandbox::seccomp {

namespace {

// Docker's architecture names for this machine, and the libseccomp ones in archMap.
#if defined(__x86_64__)
constexpr std::string_view k_native_docker = "amd64";
constexpr std::string_view k_native_scmp = "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
constexpr std::string_view k_native_docker = "arm64";
constexpr std::string_view k_native_scmp = "SCMP_ARCH_AARCH64";
#else
constexpr std::string_view k_native_docker = "";
constexpr std::string_view k_native_scmp = "";
#endif

class Importer {
public:
  explicit Importer(std::string_view source) : m_source(source) {}

  [[noreturn]] void fail(const json::Value &at, const std::string &what) const {
    throw Error::message(std::string(m_source) + ":" + std::to_string(at.line) + ":" +
                         std::to_string(at.column) + ": " + what);
  }

  const std::string &str(const json::Value &v, const char *what) const {
    const auto *s = v.string();
    if (!s)
      fail(v, std::string(what) + ": expected a string");
    return *s;
  }

  std::string action(const json::Value &v, const json::Value *errno_ret, std::uint64_t fallback) {
    const std::string &a = str(v, "action");
    if (a == "SCMP_ACT_ALLOW")
      return "allow";
    if (a == "SCMP_ACT_LOG")
      return "log";
    if (a == "SCMP_ACT_TRAP")
      return "trap";
    if (a == "SCMP_ACT_KILL_PROCESS")
      return "kill-process";
    if (a == "SCMP_ACT_KILL" || a == "SCMP_ACT_KILL_THREAD")
      return "kill-thread";
    if (a == "SCMP_ACT_ERRNO") {
      std::uint64_t n = fallback;
      if (errno_ret) {
        auto e = errno_ret->unsigned_integer();
        if (!e || *e < 1 || *e > 4095)
          fail(*errno_ret, "errnoRet: expected a number from 1 to 4095");
        n = *e;
      }
      return to_string(Action{ActionKind::errno_, static_cast<std::uint32_t>(n)});
    }
    fail(v, "action " + a + " has no equivalent in sandbox policies");
  }

  std::string convert(const json::Value &root) {
    if (!root.object())
      fail(root, "expected a JSON object");
    std::uint64_t default_errno = 1;
    if (const auto *d = root.get("defaultErrnoRet")) {
      auto n = d->unsigned_integer();
      if (!n || *n < 1 || *n > 4095)
        fail(*d, "defaultErrnoRet: expected a number from 1 to 4095");
      default_errno = *n;
    }
    const auto *def = root.get("defaultAction");
    if (!def)
      fail(root, "missing defaultAction");
    m_out += "# Imported from " + std::string(m_source) + " by `sandbox seccomp import`.\n";
    m_out += "# Rules that need a capability were left out: nothing in a sandbox has one.\n";
    m_out += "default_action = \"" + action(*def, nullptr, default_errno) + "\"\n";
    m_out += compat(root) + "\n";

    const auto *syscalls = root.get("syscalls");
    if (syscalls && !syscalls->array())
      fail(*syscalls, "syscalls: expected a list");
    if (syscalls)
      for (const auto &rule : *syscalls->array())
        convert_rule(rule, default_errno);
    return m_out;
  }

private:
  std::string compat(const json::Value &root) {
    bool i386 = false, x32 = false, arm = false;
    auto note = [&](const std::string &arch) {
      i386 = i386 || arch == "SCMP_ARCH_X86";
      x32 = x32 || arch == "SCMP_ARCH_X32";
      arm = arm || arch == "SCMP_ARCH_ARM";
    };
    if (const auto *map = root.get("archMap"); map && map->array()) {
      for (const auto &entry : *map->array()) {
        const auto *arch = entry.get("architecture");
        if (!arch || !arch->string() || *arch->string() != k_native_scmp)
          continue;
        if (const auto *subs = entry.get("subArchitectures"); subs && subs->array())
          for (const auto &s : *subs->array())
            note(str(s, "subArchitectures"));
      }
    } else if (const auto *arches = root.get("architectures"); arches && arches->array()) {
      for (const auto &a : *arches->array())
        note(str(a, "architectures"));
    }
    auto mode = [](bool on) { return on ? "\"filter\"" : "\"deny\""; };
    return std::string("compat = { i386 = ") + mode(i386) + ", x32 = " + mode(x32) +
           ", arm = " + mode(arm) + " }";
  }

  static bool has(const json::Value *list, std::string_view what) {
    if (!list || !list->array())
      return false;
    return std::any_of(list->array()->begin(), list->array()->end(),
                       [&](const json::Value &v) { return v.string() && *v.string() == what; });
  }

  void convert_rule(const json::Value &rule, std::uint64_t default_errno) {
    if (!rule.object())
      fail(rule, "syscalls[]: expected an object");
    std::vector<std::string> names;
    if (const auto *n = rule.get("names"); n && n->array()) {
      for (const auto &v : *n->array())
        names.push_back(str(v, "names"));
    } else if (const auto *one = rule.get("name")) {
      names.push_back(str(*one, "name"));
    }
    if (names.empty())
      fail(rule, "syscalls[]: no names");
    const auto *includes = rule.get("includes");
    const auto *excludes = rule.get("excludes");
    std::string skip;
    if (includes && includes->get("caps") && includes->get("caps")->array() &&
        !includes->get("caps")->array()->empty())
      skip = "needs a capability";
    else if (includes && includes->get("arches") && includes->get("arches")->array() &&
             !includes->get("arches")->array()->empty() &&
             !has(includes->get("arches"), k_native_docker))
      skip = "for other architectures";
    else if (excludes && has(excludes->get("arches"), k_native_docker))
      skip = "not for this architecture";
    const auto *act = rule.get("action");
    if (!act)
      fail(rule, "syscalls[]: missing action");
    std::string line = "syscalls = [";
    std::string body;
    for (std::size_t i = 0; i < names.size(); ++i) {
      std::string item = (i ? ", \"" : "\"") + names[i] + "\"";
      if (line.size() + item.size() > 98) {
        body += line + "\n";
        line = "  ";
        item = item.substr(i ? 2 : 0);
      }
      line += item;
    }
    body += line + "]\n";
    body += "action = \"" + action(*act, rule.get("errnoRet"), default_errno) + "\"\n";
    if (const auto *args = rule.get("args"); args && args->array() && !args->array()->empty())
      body += "args = [" + convert_args(*args) + "]\n";
    body += "optional = true\n";

    m_out += "\n";
    if (const auto *c = rule.get("comment"); c && c->string() && !c->string()->empty())
      m_out += "# " + one_line(*c->string()) + "\n";
    if (!skip.empty()) {
      m_out += "# Left out (" + skip + "):\n";
      std::string commented = "[[rule]]\n" + body;
      for (std::size_t start = 0; start < commented.size();) {
        const auto end = commented.find('\n', start);
        m_out += "#   " + commented.substr(start, end - start) + "\n";
        start = end + 1;
      }
      return;
    }
    m_out += "[[rule]]\n" + body;
  }

  std::string convert_args(const json::Value &args) {
    std::string out;
    for (const auto &a : *args.array()) {
      const auto *index = a.get("index");
      const auto *value = a.get("value");
      const auto *op = a.get("op");
      if (!index || !value || !op)
        fail(a, "args[]: needs index, value and op");
      const auto i = index->unsigned_integer();
      const auto v = value->unsigned_integer();
      if (!i || *i > 5)
        fail(*index, "index: expected 0 to 5");
      if (!v)
        fail(*value, "value: expected a non-negative integer");
      std::uint64_t v2 = 0;
      if (const auto *two = a.get("valueTwo")) {
        auto n = two->unsigned_integer();
        if (!n)
          fail(*two, "valueTwo: expected a non-negative integer");
        v2 = *n;
      }
      static constexpr std::pair<std::string_view, std::string_view> ops[] = {
          {"SCMP_CMP_EQ", "eq"},
          {"SCMP_CMP_NE", "ne"},
          {"SCMP_CMP_LT", "lt"},
          {"SCMP_CMP_LE", "le"},
          {"SCMP_CMP_GT", "gt"},
          {"SCMP_CMP_GE", "ge"},
          {"SCMP_CMP_MASKED_EQ", "masked_eq"}};
      const std::string &name = str(*op, "op");
      auto it = std::find_if(std::begin(ops), std::end(ops),
                             [&](const auto &p) { return p.first == name; });
      if (it == std::end(ops))
        fail(*op, "unknown op " + name);
      if (!out.empty())
        out += ", ";
      out += "{ index = " + std::to_string(*i) + ", op = \"" + std::string(it->second) + "\", ";
      if (it->second == "masked_eq")
        out += "mask = " + number(*v) + ", value = " + number(v2) + " }";
      else
        out += "value = " + number(*v) + " }";
    }
    return out;
  }

  static std::string number(std::uint64_t n) {
    char buf[32];
    if (n > 0x7fffffffffffffffULL)
      std::snprintf(buf, sizeof buf, "\"0x%llx\"", static_cast<unsigned long long>(n));
    else
      std::snprintf(buf, sizeof buf, n > 9 ? "0x%llx" : "%llu", static_cast<unsigned long long>(n));
    return buf;
  }

  static std::string one_line(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    std::replace(s.begin(), s.end(), '\r', ' ');
    return s;
  }

  std::string_view m_source;
  std::string m_out;
};

} // namespace

std::string import_docker_profile(std::string_view json_text, std::string_view source) {
  const json::Value root = json::parse(json_text, source);
  return Importer(source).convert(root);
}

} // namespace sandbox::seccomp
