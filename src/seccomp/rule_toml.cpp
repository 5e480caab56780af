// SPDX-License-Identifier: Apache-2.0
#include "seccomp/rule_toml.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

namespace sandbox::seccomp {

namespace {

struct ErrnoEntry {
  std::string_view name;
  std::uint32_t value;
};

// glibc knows every errno name (strerrorname_np); a table built from it once keeps this in step
// with the C library instead of a hand-written list.
const std::vector<ErrnoEntry> &errno_table() {
  static const std::vector<ErrnoEntry> table = [] {
    std::vector<ErrnoEntry> t;
    for (int i = 1; i < 4096; ++i)
      if (const char *name = strerrorname_np(i))
        t.push_back({name, static_cast<std::uint32_t>(i)});
    return t;
  }();
  return table;
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  std::uint64_t out = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty())
    return std::nullopt;
  return out;
}

constexpr std::string_view k_action_help =
    "expected allow, errno:NAME (e.g. errno:EPERM) or errno:NUMBER (1-4095), kill-process, "
    "kill-thread, trap or log";

} // namespace

std::optional<Action> parse_action(std::string_view text) {
  if (text == "allow")
    return Action{ActionKind::allow, 0};
  if (text == "kill-process")
    return Action{ActionKind::kill_process, 0};
  if (text == "kill-thread")
    return Action{ActionKind::kill_thread, 0};
  if (text == "trap")
    return Action{ActionKind::trap, 0};
  if (text == "log")
    return Action{ActionKind::log, 0};
  if (!text.starts_with("errno:"))
    return std::nullopt;
  text.remove_prefix(6);
  if (auto n = parse_number(text)) {
    // 0 would make the syscall "succeed" without running; above 4095 the kernel clamps.
    if (*n < 1 || *n > 4095)
      return std::nullopt;
    return Action{ActionKind::errno_, static_cast<std::uint32_t>(*n)};
  }
  for (const auto &e : errno_table())
    if (e.name == text)
      return Action{ActionKind::errno_, e.value};
  return std::nullopt;
}

std::string to_string(const Action &action) {
  switch (action.kind) {
  case ActionKind::allow:
    return "allow";
  case ActionKind::kill_process:
    return "kill-process";
  case ActionKind::kill_thread:
    return "kill-thread";
  case ActionKind::trap:
    return "trap";
  case ActionKind::log:
    return "log";
  case ActionKind::errno_:
    break;
  }
  if (const char *name = strerrorname_np(static_cast<int>(action.errno_value)))
    return std::string("errno:") + name;
  return "errno:" + std::to_string(action.errno_value);
}

std::optional<CmpOp> parse_cmp_op(std::string_view text) {
  static constexpr std::pair<std::string_view, CmpOp> ops[] = {{"eq", CmpOp::eq},
                                                               {"ne", CmpOp::ne},
                                                               {"lt", CmpOp::lt},
                                                               {"le", CmpOp::le},
                                                               {"gt", CmpOp::gt},
                                                               {"ge", CmpOp::ge},
                                                               {"masked_eq", CmpOp::masked_eq}};
  for (const auto &[name, op] : ops)
    if (name == text)
      return op;
  return std::nullopt;
}

std::string_view to_string(CmpOp op) {
  switch (op) {
  case CmpOp::eq:
    return "eq";
  case CmpOp::ne:
    return "ne";
  case CmpOp::lt:
    return "lt";
  case CmpOp::le:
    return "le";
  case CmpOp::gt:
    return "gt";
  case CmpOp::ge:
    return "ge";
  case CmpOp::masked_eq:
    return "masked_eq";
  }
  return "?";
}

namespace detail {

SourcePos pos_of(const toml::node &node) {
  const auto &src = node.source();
  return {src.path ? *src.path : std::string{}, static_cast<int>(src.begin.line),
          static_cast<int>(src.begin.column)};
}

profile::Origin origin_of(const SourcePos &pos) {
  return {pos.file, pos.line, pos.column};
}

profile::Origin origin_of(const toml::node &node) {
  return origin_of(pos_of(node));
}

namespace {
profile::Origin origin_of_key(const toml::key &key) {
  const auto &src = key.source();
  return {src.path ? *src.path : std::string{}, static_cast<int>(src.begin.line),
          static_cast<int>(src.begin.column)};
}

// Edits (insert, delete, substitute, swap two neighbours) from a to b.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::optional<std::uint64_t> parse_u64_node(const toml::node &node, const std::string &key,
                                            profile::Diagnostics &diags) {
  if (const auto *i = node.as_integer()) {
    if (i->get() < 0) {
      diags.add({origin_of(node),
                 key,
                 "expected a non-negative number (write values above 2^63 as a string, e.g. "
                 "\"0xffffffffffffffff\")",
                 {}});
      return std::nullopt;
    }
    return static_cast<std::uint64_t>(i->get());
  }
  if (const auto *s = node.as_string()) {
    if (auto n = parse_number(s->get()))
      return n;
    diags.add(
        {origin_of(node),
         key,
         "expected a number (decimal or 0x hexadecimal, up to 64 bits), got \"" + s->get() + "\"",
         {}});
    return std::nullopt;
  }
  diags.add({origin_of(node), key, "expected a number", {}});
  return std::nullopt;
}

std::optional<ArgCondition> parse_arg(const toml::node &node, const std::string &key,
                                      profile::Diagnostics &diags) {
  const auto *table = node.as_table();
  if (!table) {
    diags.add({origin_of(node), key, "expected a table {index, op, value[, mask]}", {}});
    return std::nullopt;
  }
  ArgCondition arg;
  bool ok = true, have_index = false, have_op = false, have_value = false;
  const toml::node *mask_node = nullptr;
  for (const auto &[k, v] : *table) {
    const std::string sub = key + "." + std::string(k.str());
    if (k.str() == "index") {
      const auto *i = v.as_integer();
      if (!i || i->get() < 0 || i->get() > 5) {
        diags.add({origin_of(v), sub, "expected an argument index from 0 to 5", {}});
        ok = false;
        continue;
      }
      arg.index = static_cast<unsigned>(i->get());
      have_index = true;
    } else if (k.str() == "op") {
      const auto *s = v.as_string();
      auto op = s ? parse_cmp_op(s->get()) : std::nullopt;
      if (!op) {
        diags.add({origin_of(v), sub, "expected one of eq, ne, lt, le, gt, ge, masked_eq",
                   s ? nearest_name(s->get(), {"eq", "ne", "lt", "le", "gt", "ge", "masked_eq"})
                     : std::string{}});
        ok = false;
        continue;
      }
      arg.op = *op;
      have_op = true;
    } else if (k.str() == "value") {
      auto n = parse_u64_node(v, sub, diags);
      ok = ok && n.has_value();
      arg.value = n.value_or(0);
      have_value = true;
    } else if (k.str() == "mask") {
      auto n = parse_u64_node(v, sub, diags);
      ok = ok && n.has_value();
      arg.mask = n.value_or(0);
      mask_node = &v;
    } else {
      diags.add({origin_of_key(k), sub, "unknown key",
                 nearest_name(k.str(), {"index", "op", "value", "mask"})});
      ok = false;
    }
  }
  for (auto [have, name] : {std::pair{have_index, "index"}, {have_op, "op"}, {have_value, "value"}})
    if (!have) {
      diags.add({origin_of(node), key, std::string("missing \"") + name + "\"", {}});
      ok = false;
    }
  if (!ok)
    return std::nullopt;
  if (arg.op == CmpOp::masked_eq) {
    if (!mask_node) {
      diags.add({origin_of(node), key, "op masked_eq needs a mask", {}});
      return std::nullopt;
    }
    if ((arg.value & ~arg.mask) != 0) {
      diags.add({origin_of(node),
                 key,
                 "value has bits outside the mask, so the condition can never hold",
                 {}});
      return std::nullopt;
    }
  } else if (mask_node) {
    diags.add({origin_of(*mask_node), key + ".mask", "a mask is only used with op masked_eq", {}});
    return std::nullopt;
  }
  return arg;
}

} // namespace

std::string nearest_name(std::string_view key, std::initializer_list<std::string_view> candidates) {
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (auto c : candidates) {
    auto d = edit_distance(key, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  // A distance of up to a third of the word is a typo; beyond that the suggestion is noise.
  return best_distance <= std::max<std::size_t>(1, key.size() / 3) ? best : std::string{};
}

std::optional<Action> parse_action_node(const toml::node &node, const std::string &key,
                                        profile::Diagnostics &diags) {
  const auto *s = node.as_string();
  if (!s) {
    diags.add({origin_of(node), key, std::string(k_action_help), {}});
    return std::nullopt;
  }
  auto action = parse_action(s->get());
  if (!action) {
    std::string message = "unknown action \"" + s->get() + "\": " + std::string(k_action_help);
    if (s->get().starts_with("errno:"))
      message = "unknown errno \"" + s->get().substr(6) +
                "\": expected an errno name such as EPERM or ENOSYS, or a number from 1 to 4095";
    diags.add({origin_of(node), key, message,
               nearest_name(s->get(), {"allow", "kill-process", "kill-thread", "trap", "log"})});
  }
  return action;
}

std::optional<RuleSettings> parse_rule(const toml::table &table, const std::string &key,
                                       profile::Diagnostics &diags,
                                       std::initializer_list<std::string_view> extra_keys) {
  RuleSettings rule;
  rule.origin = pos_of(table);
  bool ok = true, have_syscalls = false, have_action = false;
  for (const auto &[k, v] : table) {
    const std::string sub = key + "." + std::string(k.str());
    if (k.str() == "syscalls") {
      have_syscalls = true;
      const auto *arr = v.as_array();
      if (!arr || arr->empty()) {
        diags.add(
            {origin_of(v), sub, "expected a non-empty list of syscall names and @groups", {}});
        ok = false;
        continue;
      }
      for (const auto &item : *arr) {
        const auto *s = item.as_string();
        if (!s || s->get().empty()) {
          diags.add({origin_of(item), sub, "expected a syscall name or @group", {}});
          ok = false;
          continue;
        }
        rule.syscalls.push_back(s->get());
      }
    } else if (k.str() == "action") {
      have_action = true;
      auto action = parse_action_node(v, sub, diags);
      ok = ok && action.has_value();
      rule.action = action.value_or(Action{});
    } else if (k.str() == "args") {
      const auto *arr = v.as_array();
      if (!arr) {
        diags.add({origin_of(v), sub, "expected a list of {index, op, value[, mask]} tables", {}});
        ok = false;
        continue;
      }
      for (std::size_t i = 0; i < arr->size(); ++i) {
        auto arg = parse_arg((*arr)[i], sub + "[" + std::to_string(i) + "]", diags);
        ok = ok && arg.has_value();
        if (arg)
          rule.args.push_back(*arg);
      }
    } else if (k.str() == "optional") {
      if (!v.is_boolean()) {
        diags.add({origin_of(v), sub, "expected true or false", {}});
        ok = false;
        continue;
      }
      rule.optional = v.as_boolean()->get();
    } else if (std::find(extra_keys.begin(), extra_keys.end(), k.str()) == extra_keys.end()) {
      std::string suggestion = nearest_name(k.str(), {"syscalls", "action", "args", "optional"});
      for (auto extra : extra_keys)
        if (suggestion.empty() && nearest_name(k.str(), {extra}) == extra)
          suggestion = extra;
      diags.add({origin_of_key(k), sub, "unknown key", suggestion});
      ok = false;
    }
  }
  if (!have_syscalls) {
    diags.add({origin_of(table), key, "missing \"syscalls\"", {}});
    ok = false;
  }
  if (!have_action) {
    diags.add({origin_of(table), key, "missing \"action\"", {}});
    ok = false;
  }
  if (ok) {
    // Two conditions on one argument are fine (a range); the same one twice is a slip.
    for (std::size_t i = 0; i < rule.args.size(); ++i)
      for (std::size_t j = i + 1; j < rule.args.size(); ++j)
        if (rule.args[i] == rule.args[j]) {
          diags.add({origin_of(table),
                     key + ".args",
                     "the same condition on argument " + std::to_string(rule.args[i].index) +
                         " is given twice",
                     {}});
          ok = false;
        }
  }
  if (!ok)
    return std::nullopt;
  return rule;
}

toml::table render_rule(const RuleSettings &rule) {
  toml::table t;
  toml::array names;
  for (const auto &s : rule.syscalls)
    names.push_back(s);
  t.insert("syscalls", std::move(names));
  t.insert("action", to_string(rule.action));
  if (!rule.args.empty()) {
    toml::array args;
    for (const auto &a : rule.args) {
      toml::table at;
      at.insert("index", static_cast<std::int64_t>(a.index));
      at.insert("op", std::string(to_string(a.op)));
      auto put = [&at](std::string_view name, std::uint64_t n) {
        // toml integers are signed 64-bit: larger values are written as hexadecimal strings.
        if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          char buf[32];
          auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n, 16);
          (void)ec;
          at.insert(name, "0x" + std::string(buf, end));
        } else {
          toml::value<std::int64_t> v(static_cast<std::int64_t>(n));
          if (n > 9)
            v.flags(toml::value_flags::format_as_hexadecimal);
          at.insert(name, std::move(v));
        }
      };
      put("value", a.value);
      if (a.op == CmpOp::masked_eq)
        put("mask", a.mask);
      at.is_inline(true);
      args.push_back(std::move(at));
    }
    t.insert("args", std::move(args));
  }
  if (rule.optional)
    t.insert("optional", true);
  return t;
}

} // namespace detail

} // namespace sandbox::seccomp
