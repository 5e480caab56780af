// SPDX-License-Identifier: Apache-2.0
// [[mount]] entries, and the typed accessors (Checker) the other sections use as well.
#include "profile/internal.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace sandbox::profile::detail {

namespace {

constexpr std::array<std::string_view, 9> k_mount_keys{
    "type", "source", "dest", "optional", "options", "size", "mode", "content", "propagation"};
constexpr std::array<std::string_view, 4> k_mount_options{"ro", "nosuid", "nodev", "noexec"};

bool is_bind(MountType t) {
  return t == MountType::bind || t == MountType::ro_bind || t == MountType::dev_bind;
}

bool takes_mode(MountType t) {
  return t == MountType::tmpfs || t == MountType::dir || t == MountType::file;
}

std::string described(MountType t) {
  return "a " + quote(to_string(t)) + " mount";
}

// "256M", "1G", "512k" or plain bytes; binary multiples, as tmpfs(5) reads them.
std::optional<std::uint64_t> parse_size_text(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  std::uint64_t multiplier = 1;
  switch (text.back()) {
  case 'k':
  case 'K':
    multiplier = 1ULL << 10;
    break;
  case 'm':
  case 'M':
    multiplier = 1ULL << 20;
    break;
  case 'g':
  case 'G':
    multiplier = 1ULL << 30;
    break;
  case 't':
  case 'T':
    multiplier = 1ULL << 40;
    break;
  default:
    break;
  }
  if (multiplier != 1)
    text.remove_suffix(1);
  if (text.empty() || text.size() > 19)
    return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  constexpr auto k_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (value > k_max / multiplier)
    return std::nullopt;
  return value * multiplier;
}

std::optional<std::uint64_t> parse_size(Checker &check, const toml::node &node,
                                        const std::string &key) {
  const std::string expected = "expected a size in bytes or a string such as \"256M\"";
  if (const auto *i = node.as_integer()) {
    if (i->get() > 0)
      return static_cast<std::uint64_t>(i->get());
    check.error(node, key, expected + ", got " + std::to_string(i->get()));
    return std::nullopt;
  }
  if (const auto *s = node.as_string()) {
    auto v = parse_size_text(s->get());
    if (v && *v > 0)
      return v;
    check.error(node, key, expected + ", got " + quote(s->get()));
    return std::nullopt;
  }
  check.error(node, key, expected + ", got " + std::string(type_name(node)));
  return std::nullopt;
}

void build_mount(Checker &check, const toml::table &t, const std::string &prefix, MountEntry &out) {
  check.check_unknown_keys(t, prefix, k_mount_keys);
  out.origin = origin_of(t);
  std::optional<MountType> type;
  if (const auto *n = t.get("type"))
    type = check.enumeration(*n, prefix + ".type", parse_mount_type, mount_type_names());
  else
    check.error(t, prefix + ".type", "missing: every [[mount]] needs a type");

  const auto *source = t.get("source");
  const auto *dest = t.get("dest");
  if (dest != nullptr) {
    if (auto p = check.path(*dest, prefix + ".dest"))
      out.dest = *p;
  } else {
    check.error(t, prefix + ".dest", "missing: every [[mount]] needs a dest");
  }
  if (const auto *n = t.get("optional"))
    if (auto v = check.boolean(*n, prefix + ".optional"))
      out.optional = *v;
  if (!type) {
    // Without a known type the type-specific rules cannot be judged; report only the rest.
    return;
  }
  out.type = *type;

  if (is_bind(*type)) {
    if (source == nullptr)
      check.error(t, prefix + ".source", "missing: " + described(*type) + " needs a source");
    else if (auto p = check.path(*source, prefix + ".source"))
      out.source = *p;
  } else if (*type == MountType::symlink) {
    if (source == nullptr) {
      check.error(t, prefix + ".source",
                  "missing: a \"symlink\" mount needs a source (the target)");
    } else if (auto s = check.expanded(*source, prefix + ".source")) {
      if (s->empty())
        check.error(*source, prefix + ".source", "must not be empty");
      else
        out.source = *s;
    }
  } else if (source != nullptr) {
    check.error(*source, prefix + ".source", described(*type) + " takes no source");
  }

  if (const auto *n = t.get("options")) {
    if (*type == MountType::symlink) {
      check.error(*n, prefix + ".options", "a \"symlink\" mount takes no options");
    } else if (const auto *array = check.array(*n, prefix + ".options")) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        const auto key = prefix + ".options[" + std::to_string(i) + "]";
        auto s = check.string(*array->get(i), key);
        if (!s)
          continue;
        if (std::find(k_mount_options.begin(), k_mount_options.end(), *s) == k_mount_options.end())
          check.error(*array->get(i), key,
                      "expected one of \"ro\", \"nosuid\", \"nodev\", \"noexec\", got " + quote(*s),
                      nearest_name(*s, k_mount_options));
        else
          out.options.push_back(*s);
      }
    }
  }
  if (const auto *n = t.get("size")) {
    if (*type != MountType::tmpfs)
      check.error(*n, prefix + ".size", "only a \"tmpfs\" mount takes a size");
    else
      out.size = parse_size(check, *n, prefix + ".size");
  }
  if (const auto *n = t.get("mode")) {
    if (!takes_mode(*type))
      check.error(*n, prefix + ".mode", "only \"tmpfs\", \"dir\" and \"file\" mounts take a mode");
    else
      out.mode = check.octal(*n, prefix + ".mode", 07777);
  }
  if (const auto *n = t.get("propagation")) {
    const auto *s = n->as_string();
    if (!is_bind(*type))
      check.error(*n, prefix + ".propagation", "only bind mounts take a propagation");
    else if (s != nullptr && (s->get() == "shared" || s->get() == "rshared"))
      check.error(*n, prefix + ".propagation",
                  "\"shared\" is impossible without root: the kernel never propagates mounts "
                  "from a user's mount namespace back to the host's; use \"slave\" to receive "
                  "the host's later mounts");
    else
      out.propagation = check.enumeration(*n, prefix + ".propagation", parse_root_propagation,
                                          root_propagation_names());
  }
  if (const auto *n = t.get("content")) {
    if (*type != MountType::file)
      check.error(*n, prefix + ".content", "only a \"file\" mount takes content");
    else if (auto s = check.string(*n, prefix + ".content"))
      out.content = *s;
  }
}

} // namespace

void Checker::error(const toml::node &node, std::string key, std::string message,
                    std::string suggestion) {
  m_diags.add({origin_of(node), std::move(key), std::move(message), std::move(suggestion)});
}

void Checker::check_unknown_keys(const toml::table &table, std::string_view prefix,
                                 std::span<const std::string_view> known) {
  for (auto &&[key, node] : table) {
    if (std::find(known.begin(), known.end(), key.str()) != known.end())
      continue;
    Origin origin = origin_of(key);
    if (origin.line == 0)
      origin = origin_of(node);
    std::string path = prefix.empty() ? std::string(key.str())
                                      : std::string(prefix) + "." + std::string(key.str());
    m_diags.add(
        {std::move(origin), std::move(path), "unknown key", nearest_name(key.str(), known)});
  }
}

const toml::table *Checker::table(const toml::node &node, std::string_view key) {
  if (const auto *t = node.as_table())
    return t;
  error(node, std::string(key), "expected a table, got " + std::string(type_name(node)));
  return nullptr;
}

const toml::array *Checker::array(const toml::node &node, std::string_view key) {
  if (const auto *a = node.as_array())
    return a;
  error(node, std::string(key), "expected an array, got " + std::string(type_name(node)));
  return nullptr;
}

std::optional<bool> Checker::boolean(const toml::node &node, std::string_view key) {
  if (const auto *b = node.as_boolean())
    return b->get();
  error(node, std::string(key), "expected a boolean, got " + std::string(type_name(node)));
  return std::nullopt;
}

std::optional<std::string> Checker::string(const toml::node &node, std::string_view key) {
  if (const auto *s = node.as_string())
    return s->get();
  error(node, std::string(key), "expected a string, got " + std::string(type_name(node)));
  return std::nullopt;
}

std::optional<std::string> Checker::expanded(const toml::node &node, std::string_view key) {
  if (!string(node, key))
    return std::nullopt;
  return m_expander.expand(node, key, m_diags);
}

std::optional<std::string> Checker::path(const toml::node &node, std::string_view key) {
  auto text = expanded(node, key);
  if (!text)
    return std::nullopt;
  if (auto problem = path_problem(*text)) {
    error(node, std::string(key), *problem);
    return std::nullopt;
  }
  return text;
}

std::vector<std::string> Checker::path_array(const toml::node &node, std::string_view key) {
  std::vector<std::string> out;
  const auto *a = array(node, key);
  for (std::size_t i = 0; a != nullptr && i < a->size(); ++i)
    if (auto p = path(*a->get(i), std::string(key) + "[" + std::to_string(i) + "]"))
      out.push_back(*p);
  return out;
}

std::optional<std::uint32_t> Checker::octal(const toml::node &node, std::string_view key,
                                            std::uint32_t max) {
  const std::string expected =
      "expected an octal string such as \"" + format_octal(max == 0777 ? 022 : 0755) + "\"";
  const auto *s = node.as_string();
  if (s == nullptr) {
    error(node, std::string(key), expected + ", got " + std::string(type_name(node)));
    return std::nullopt;
  }
  auto value = parse_octal(s->get());
  if (!value) {
    error(node, std::string(key), expected + ", got " + quote(s->get()));
    return std::nullopt;
  }
  if (*value > max) {
    error(node, std::string(key),
          "must be at most \"" + format_octal(max) + "\", got " + quote(s->get()));
    return std::nullopt;
  }
  return value;
}

void build_mounts(Checker &check, const toml::node &node, std::vector<MountEntry> &out) {
  const auto *array = node.as_array();
  if (array == nullptr) {
    check.error(node, "mount",
                "expected an array of tables ([[mount]]), got " + std::string(type_name(node)));
    return;
  }
  // Index within the file that wrote the entry, so that "mount[0]" in a child profile means
  // its own first [[mount]], not the first after its parent's.
  std::map<std::string, std::size_t> per_file;
  for (const auto &element : *array) {
    const auto file = origin_of(element).file;
    const std::string prefix = "mount[" + std::to_string(per_file[file]++) + "]";
    const auto *t = element.as_table();
    if (t == nullptr) {
      check.error(element, prefix, "expected a table, got " + std::string(type_name(element)));
      continue;
    }
    MountEntry entry;
    build_mount(check, *t, prefix, entry);
    out.push_back(std::move(entry));
  }
}

} // namespace sandbox::profile::detail
