// SPDX-License-Identifier: Apache-2.0
// Resolving a seccomp policy: policy files (by name or path), their includes, the groups file,
// the profile's switches and inline rules, into one Policy. Pure: files come through
// PolicyContext::read_file and the built-in copies (util/embedded.hpp).
//
// Layers: each included file is a layer, then the file itself, then the profile's inline rules.
// In a later layer, a rule without args replaces the syscall's action, and a rule with args is
// checked before the earlier ones (replacing one with the same args). Within one layer, two
// rules that give one syscall different actions for the same args are a conflict.
#include <algorithm>
#include <map>
#include <set>

#include "seccomp/policy.hpp"
#include "seccomp/rule_toml.hpp"
#include "util/embedded.hpp"

namespace sandbox::seccomp {

using detail::origin_of;

std::string_view to_string(CompatMode mode) {
  return mode == CompatMode::filter ? "filter" : "deny";
}

namespace {

constexpr std::string_view k_builtin_suffix = " (built-in)";
constexpr std::size_t k_max_include_depth = 16;

struct LoadedFile {
  std::string display;       // for messages and Policy::files
  std::string identity;      // for include cycles
  std::filesystem::path dir; // for includes given as relative paths; empty for built-in files
  std::string text;
};

bool is_path(std::string_view ref) {
  return ref.find('/') != std::string_view::npos || ref.ends_with(".toml");
}

struct LayerEntry {
  std::optional<Action> action; // from a rule without args
  SourcePos action_origin;
  std::vector<ConditionalRule> conditional;
};

struct SyscallState {
  std::optional<Action> action;
  SourcePos action_origin;
  std::vector<ConditionalRule> conditional;
};

std::string describe_pos(const SourcePos &pos) {
  std::string s = pos.file;
  if (pos.line > 0)
    s += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  return s;
}

class Resolver {
public:
  Resolver(const Settings &settings, const PolicyContext &ctx, profile::Diagnostics &diags)
      : m_settings(settings), m_ctx(ctx), m_diags(diags) {}

  std::optional<Policy> run() {
    if (m_settings.policy == "none") {
      if (!m_settings.rules.empty())
        m_diags.add({origin_of(m_settings.rules.front().origin),
                     "seccomp.rule",
                     "rules given, but policy = \"none\" disables seccomp",
                     {}});
      if (m_settings.default_action)
        m_diags.add({origin_of(m_settings.origin),
                     "seccomp.default_action",
                     "default_action given, but policy = \"none\" disables seccomp",
                     {}});
      return std::nullopt;
    }
    Policy policy;
    policy.name = m_settings.policy;
    auto file = find_policy(m_settings.policy, {}, origin_of(m_settings.origin), "seccomp.policy");
    if (!file)
      return std::nullopt;
    apply_file(*file, 0);

    std::vector<Candidate> inline_rules;
    for (std::size_t i = 0; i < m_settings.rules.size(); ++i)
      inline_rules.push_back({m_settings.rules[i], "seccomp.rule[" + std::to_string(i) + "]"});
    apply_layer(inline_rules);
    if (m_settings.default_action)
      m_default = m_settings.default_action;

    if (!m_default) {
      m_diags.add({origin_of(m_settings.origin),
                   "seccomp.policy",
                   "policy \"" + m_settings.policy +
                       "\" sets no default_action (set it in the policy or in [seccomp])",
                   {}});
    }
    if (!m_diags.empty())
      return std::nullopt;

    policy.files = std::move(m_files);
    policy.default_action = *m_default;
    policy.compat = m_compat;
    policy.skipped.assign(m_skipped.begin(), m_skipped.end());
    for (auto &[name, state] : m_state) {
      SyscallRule rule;
      rule.name = name;
      rule.action = state.action.value_or(policy.default_action);
      rule.conditional = std::move(state.conditional);
      rule.origin =
          state.action ? state.action_origin
                       : (rule.conditional.empty() ? SourcePos{} : rule.conditional.front().origin);
      // Trailing conditional rules that do what happens anyway change nothing.
      while (!rule.conditional.empty() && rule.conditional.back().action == rule.action)
        rule.conditional.pop_back();
      if (rule.conditional.empty() && rule.action == policy.default_action)
        continue;
      policy.syscalls.push_back(std::move(rule));
    }
    return policy;
  }

private:
  struct Candidate {
    RuleSettings rule;
    std::string key;
  };

  std::optional<LoadedFile> find_policy(const std::string &ref, const std::filesystem::path &base,
                                        const profile::Origin &where, const std::string &key) {
    if (is_path(ref)) {
      std::filesystem::path p(ref);
      if (p.is_relative() && !base.empty())
        p = base / p;
      if (auto text = read(p))
        return LoadedFile{p.string(), p.lexically_normal().string(), p.parent_path(),
                          std::move(*text)};
      m_diags.add({where, key, "policy file " + p.string() + " does not exist", {}});
      return std::nullopt;
    }
    if (ref.empty() || ref.find_first_of("\\.") != std::string::npos) {
      m_diags.add({where, key, "\"" + ref + "\" is not a policy name", {}});
      return std::nullopt;
    }
    if (auto found = find_named(ref + ".toml"))
      return found;
    std::string message = "no seccomp policy named \"" + ref + "\" (searched";
    for (const auto &dir : m_ctx.search_path)
      message += " " + dir.string() + ",";
    message += " and the built-in policies)";
    std::string suggestion;
    std::vector<std::string> names;
    for (const auto &f : embedded_files())
      if (f.path.starts_with("seccomp/") && f.path != "seccomp/groups.toml")
        names.emplace_back(f.path.substr(8, f.path.size() - 8 - 5));
    for (const auto &n : names)
      if (suggestion.empty() && detail::nearest_name(ref, {n}) == n)
        suggestion = n;
    m_diags.add({where, key, message, suggestion});
    return std::nullopt;
  }

  // "<dir>/NAME" on the search path, else the built-in "seccomp/NAME".
  std::optional<LoadedFile> find_named(const std::string &file_name) {
    for (const auto &dir : m_ctx.search_path) {
      auto p = dir / file_name;
      if (auto text = read(p))
        return LoadedFile{p.string(), p.lexically_normal().string(), dir, std::move(*text)};
    }
    const std::string embedded = "seccomp/" + file_name;
    if (auto text = find_embedded_file(embedded))
      return LoadedFile{
          embedded + std::string(k_builtin_suffix), "builtin:" + embedded, {}, std::string(*text)};
    return std::nullopt;
  }

  std::optional<std::string> read(const std::filesystem::path &p) {
    if (!m_ctx.read_file)
      return std::nullopt;
    return m_ctx.read_file(p);
  }

  std::optional<toml::table> parse_toml(const LoadedFile &file) {
    try {
      return toml::parse(file.text, file.display);
    } catch (const toml::parse_error &e) {
      const auto &src = e.source();
      m_diags.add(
          {{file.display, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column)},
           {},
           std::string(e.description()),
           {}});
      return std::nullopt;
    }
  }

  void apply_file(const LoadedFile &file, std::size_t depth) {
    if (std::find(m_stack.begin(), m_stack.end(), file.identity) != m_stack.end()) {
      m_diags.add({{file.display, 0, 0},
                   "include",
                   "include cycle: " + file.display + " includes itself (through its includes)",
                   {}});
      return;
    }
    if (depth > k_max_include_depth) {
      m_diags.add({{file.display, 0, 0}, "include", "includes nested too deeply", {}});
      return;
    }
    auto table = parse_toml(file);
    if (!table)
      return;
    m_files.push_back(file.display);
    m_stack.push_back(file.identity);

    // Includes first, whatever the key order: this file's own keys override theirs.
    if (const auto *v = table->get("include")) {
      const auto *arr = v->as_array();
      if (!arr)
        m_diags.add({origin_of(*v), "include", "expected a list of policy names or paths", {}});
      for (std::size_t i = 0; arr && i < arr->size(); ++i) {
        const auto &item = (*arr)[i];
        const auto *s = item.as_string();
        if (!s) {
          m_diags.add({origin_of(item), "include", "expected a policy name or path", {}});
          continue;
        }
        if (auto inc = find_policy(s->get(), file.dir, origin_of(item), "include"))
          apply_file(*inc, depth + 1);
      }
    }
    std::vector<Candidate> rules;
    for (const auto &[k, v] : *table) {
      const std::string key(k.str());
      if (key == "description") {
        if (!v.is_string())
          m_diags.add({origin_of(v), key, "expected a string", {}});
      } else if (key == "include") {
        continue;
      } else if (key == "default_action") {
        if (auto a = detail::parse_action_node(v, key, m_diags))
          m_default = a;
      } else if (key == "compat") {
        parse_compat(v);
      } else if (key == "rule") {
        const auto *arr = v.as_array();
        if (!arr || !arr->is_array_of_tables()) {
          m_diags.add({origin_of(v), key, "expected [[rule]] tables", {}});
          continue;
        }
        for (std::size_t i = 0; i < arr->size(); ++i) {
          const auto &t = *(*arr)[i].as_table();
          const std::string rkey = "rule[" + std::to_string(i) + "]";
          auto rule = detail::parse_rule(t, rkey, m_diags, {"when", "unless"});
          bool applies = true;
          for (auto cond : {"when", "unless"}) {
            const auto *n = t.get(cond);
            if (!n)
              continue;
            auto on = switch_value(*n, rkey + "." + cond);
            if (!on)
              applies = false;
            else if (*on != (std::string_view(cond) == "when"))
              applies = false;
          }
          if (rule && applies)
            rules.push_back({std::move(*rule), rkey});
        }
      } else {
        m_diags.add({origin_of(v), key, "unknown key",
                     detail::nearest_name(
                         key, {"description", "include", "default_action", "compat", "rule"})});
      }
    }
    apply_layer(rules);
    m_stack.pop_back();
  }

  std::optional<CompatMode> compat_mode(const toml::node &v, const std::string &key) {
    const auto *s = v.as_string();
    if (s && s->get() == "filter")
      return CompatMode::filter;
    if (s && s->get() == "deny")
      return CompatMode::deny;
    m_diags.add({origin_of(v),
                 key,
                 "expected \"filter\" (the same rules as the native architecture) or \"deny\" "
                 "(its syscalls kill the process)",
                 {}});
    return std::nullopt;
  }

  void parse_compat(const toml::node &v) {
    if (const auto *t = v.as_table()) {
      for (const auto &[k, mode_node] : *t) {
        const std::string arch(k.str());
        CompatMode *slot = arch == "i386"  ? &m_compat.i386
                           : arch == "x32" ? &m_compat.x32
                           : arch == "arm" ? &m_compat.arm
                                           : nullptr;
        if (!slot) {
          m_diags.add({origin_of(mode_node), "compat." + arch,
                       "unknown compat architecture (expected i386, x32 or arm)",
                       detail::nearest_name(arch, {"i386", "x32", "arm"})});
          continue;
        }
        if (auto mode = compat_mode(mode_node, "compat." + arch))
          *slot = *mode;
      }
      return;
    }
    if (auto mode = compat_mode(v, "compat"))
      m_compat = {*mode, *mode, *mode};
  }

  // The value of a profile switch named by `when`/`unless`; nullopt (and a diagnostic) if the
  // name is not a switch.
  std::optional<bool> switch_value(const toml::node &node, const std::string &key) {
    const auto *s = node.as_string();
    if (s && s->get() == "allow_user_namespaces")
      return m_settings.allow_user_namespaces;
    if (s && s->get() == "allow_ptrace")
      return m_settings.allow_ptrace;
    m_diags.add({origin_of(node), key,
                 "expected the name of a [seccomp] switch: allow_user_namespaces or allow_ptrace",
                 s ? detail::nearest_name(s->get(), {"allow_user_namespaces", "allow_ptrace"})
                   : std::string{}});
    return std::nullopt;
  }

  const toml::table *groups() {
    if (!m_groups_loaded) {
      m_groups_loaded = true;
      if (auto file = find_named("groups.toml")) {
        if (auto t = parse_toml(*file)) {
          m_groups_file = file->display;
          if (const auto *g = t->get_as<toml::table>("groups"))
            m_groups = *g;
          else
            m_diags.add({{file->display, 0, 0}, "groups", "missing the [groups] table", {}});
        }
      }
    }
    return &m_groups;
  }

  // Expands @groups (recursively) into names; `direct` tells which names the rule wrote itself.
  void expand(const std::string &item, const Candidate &c, std::vector<std::string> &out,
              std::vector<bool> &direct, std::vector<std::string> &trail) {
    if (!item.starts_with("@")) {
      out.push_back(item);
      direct.push_back(trail.empty());
      return;
    }
    const std::string name = item.substr(1);
    const auto *node = groups()->get(name);
    if (!node) {
      std::string suggestion;
      for (const auto &[k, v] : *groups())
        if (suggestion.empty() && detail::nearest_name(name, {k.str()}) == k.str())
          suggestion = "@" + std::string(k.str());
      m_diags.add(
          {origin_of(c.rule.origin), c.key + ".syscalls",
           "unknown syscall group \"" + item + "\"" +
               (m_groups_file.empty() ? "" : " (groups are defined in " + m_groups_file + ")"),
           suggestion});
      return;
    }
    if (std::find(trail.begin(), trail.end(), name) != trail.end()) {
      m_diags.add({origin_of(*node), "groups." + name, "group @" + name + " includes itself", {}});
      return;
    }
    const auto *arr = node->as_array();
    if (!arr) {
      m_diags.add({origin_of(*node), "groups." + name, "expected a list of syscall names", {}});
      return;
    }
    trail.push_back(name);
    for (const auto &n : *arr) {
      if (const auto *s = n.as_string())
        expand(s->get(), c, out, direct, trail);
      else
        m_diags.add({origin_of(n), "groups." + name, "expected a syscall name or @group", {}});
    }
    trail.pop_back();
  }

  void apply_layer(const std::vector<Candidate> &rules) {
    std::map<std::string, LayerEntry> layer;
    for (const auto &c : rules) {
      std::vector<std::string> names;
      std::vector<bool> direct;
      std::vector<std::string> trail;
      for (const auto &item : c.rule.syscalls)
        expand(item, c, names, direct, trail);
      for (std::size_t i = 0; i < names.size(); ++i) {
        const auto &name = names[i];
        if (m_ctx.syscall_known && !m_ctx.syscall_known(name)) {
          // Groups list names of every architecture; a rule's own names must exist here.
          if (c.rule.optional || !direct[i]) {
            m_skipped.insert(name);
          } else {
            m_diags.add({origin_of(c.rule.origin),
                         c.key + ".syscalls",
                         "unknown syscall \"" + name +
                             "\" on this architecture (set optional = true on the rule if only "
                             "newer kernels have it)",
                         {}});
          }
          continue;
        }
        auto &entry = layer[name];
        if (c.rule.args.empty()) {
          if (entry.action && *entry.action != c.rule.action) {
            m_diags.add({origin_of(c.rule.origin),
                         c.key,
                         "conflicting rules for " + name + ": " + to_string(c.rule.action) +
                             " here, " + to_string(*entry.action) + " at " +
                             describe_pos(entry.action_origin),
                         {}});
            continue;
          }
          entry.action = c.rule.action;
          entry.action_origin = c.rule.origin;
          continue;
        }
        auto same = std::find_if(entry.conditional.begin(), entry.conditional.end(),
                                 [&](const ConditionalRule &r) { return r.args == c.rule.args; });
        if (same != entry.conditional.end()) {
          if (same->action != c.rule.action)
            m_diags.add({origin_of(c.rule.origin),
                         c.key,
                         "conflicting rules for " + name +
                             " with the same args: " + to_string(c.rule.action) + " here, " +
                             to_string(same->action) + " at " + describe_pos(same->origin),
                         {}});
          continue;
        }
        entry.conditional.push_back({c.rule.args, c.rule.action, c.rule.origin});
      }
    }
    for (auto &[name, entry] : layer) {
      auto &state = m_state[name];
      if (entry.action) {
        state.action = entry.action;
        state.action_origin = entry.action_origin;
      }
      // This layer's conditional rules are checked first; an earlier one with the same args
      // is replaced.
      std::erase_if(state.conditional, [&, &entry = entry](const ConditionalRule &old) {
        return std::any_of(entry.conditional.begin(), entry.conditional.end(),
                           [&](const ConditionalRule &r) { return r.args == old.args; });
      });
      entry.conditional.insert(entry.conditional.end(), state.conditional.begin(),
                               state.conditional.end());
      state.conditional = std::move(entry.conditional);
    }
  }

  const Settings &m_settings;
  const PolicyContext &m_ctx;
  profile::Diagnostics &m_diags;
  std::vector<std::string> m_stack;
  std::vector<std::string> m_files;
  std::optional<Action> m_default;
  CompatPolicy m_compat;
  std::map<std::string, SyscallState> m_state;
  std::set<std::string> m_skipped;
  bool m_groups_loaded = false;
  toml::table m_groups;
  std::string m_groups_file;
};

std::string describe_condition(const ArgCondition &a) {
  auto hex = [](std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, v > 9 ? "0x%llx" : "%llu", static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  const std::string arg = "arg" + std::to_string(a.index);
  switch (a.op) {
  case CmpOp::eq:
    return arg + " == " + hex(a.value);
  case CmpOp::ne:
    return arg + " != " + hex(a.value);
  case CmpOp::lt:
    return arg + " < " + hex(a.value);
  case CmpOp::le:
    return arg + " <= " + hex(a.value);
  case CmpOp::gt:
    return arg + " > " + hex(a.value);
  case CmpOp::ge:
    return arg + " >= " + hex(a.value);
  case CmpOp::masked_eq:
    return arg + " & " + hex(a.mask) + " == " + hex(a.value);
  }
  return arg;
}

} // namespace

std::optional<Policy> resolve_policy(const Settings &settings, const PolicyContext &ctx,
                                     profile::Diagnostics &diags) {
  return Resolver(settings, ctx, diags).run();
}

std::string detail::describe_conditions(const std::vector<ArgCondition> &args) {
  std::string out;
  for (const auto &a : args) {
    if (!out.empty())
      out += " && ";
    out += describe_condition(a);
  }
  return out;
}

std::string describe_policy(const Policy &policy) {
  std::string out = "policy: " + policy.name + "\n";
  if (!policy.files.empty()) {
    out += "files:";
    for (const auto &f : policy.files)
      out += " " + f;
    out += "\n";
  }
  out += "default action: " + to_string(policy.default_action) + "\n";
  auto mode = [](CompatMode m) {
    return m == CompatMode::filter ? std::string("same rules") : std::string("denied (kill)");
  };
  out += "compat architectures: i386 " + mode(policy.compat.i386) + ", x32 " +
         mode(policy.compat.x32) + ", arm " + mode(policy.compat.arm) + "\n";
  out += "rules (" + std::to_string(policy.syscalls.size()) + " syscalls):\n";
  std::size_t width = 0;
  for (const auto &s : policy.syscalls)
    width = std::max(width, s.name.size());
  for (const auto &s : policy.syscalls) {
    const std::string name_col = "  " + s.name + std::string(width - s.name.size() + 2, ' ');
    const std::string blank_col(name_col.size(), ' ');
    if (s.conditional.empty()) {
      out += name_col + to_string(s.action) + "\n";
      continue;
    }
    for (std::size_t i = 0; i < s.conditional.size(); ++i)
      out += (i == 0 ? name_col : blank_col) + to_string(s.conditional[i].action) + " if " +
             detail::describe_conditions(s.conditional[i].args) + "\n";
    out += blank_col + "else " + to_string(s.action) + "\n";
  }
  if (!policy.skipped.empty()) {
    out += "skipped (not known on this architecture):";
    for (const auto &n : policy.skipped)
      out += " " + n;
    out += "\n";
  }
  return out;
}

bool is_shipped_default(const Settings &settings, const PolicyContext &ctx) {
  if (settings.policy != "default" || settings.default_action || settings.allow_user_namespaces ||
      settings.allow_ptrace || !settings.rules.empty())
    return false;
  if (!ctx.search_path.empty() && !ctx.read_file)
    return false;
  for (const auto &dir : ctx.search_path)
    for (auto name : k_shipped_default_files)
      if (ctx.read_file(dir / name))
        return false;
  return true;
}

} // namespace sandbox::seccomp
