// SPDX-License-Identifier: Apache-2.0
// Typed conversion of the merged profile table. Every problem is reported (never just the
// first), each at the file:line:col of the node it is about.
#include "image/location.hpp"
#include "profile/internal.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "seccomp/policy.hpp"

namespace sandbox::profile::detail {

namespace {

constexpr std::array<std::string_view, 12> k_top_keys{
    "profile",    "user", "namespaces", "network", "root",         "mount",
    "filesystem", "dev",  "process",    "rlimits", "capabilities", "seccomp",
};
constexpr std::array<std::string_view, 3> k_profile_keys{"description", "extends", "reset"};
constexpr std::array<std::string_view, 3> k_user_keys{"uid", "gid", "map"};
constexpr std::array<std::string_view, 4> k_namespace_keys{"pid", "ipc", "uts", "cgroup"};
constexpr std::array<std::string_view, 1> k_network_keys{"mode"};
constexpr std::array<std::string_view, 6> k_root_keys{"source",  "readonly",    "propagation",
                                                      "overlay", "overlay_dir", "overlay_driver"};
constexpr std::array<std::string_view, 8> k_mount_keys{"type",    "source", "dest", "optional",
                                                       "options", "size",   "mode", "content"};
constexpr std::array<std::string_view, 3> k_filesystem_keys{"mask", "readonly", "protect"};
constexpr std::array<std::string_view, 2> k_dev_keys{"mode", "allow"};
constexpr std::array<std::string_view, 6> k_process_keys{"cwd",   "hostname",    "env",
                                                         "umask", "new_session", "die_with_parent"};
constexpr std::array<std::string_view, 4> k_env_keys{"clear", "keep", "set", "unset"};
constexpr std::array<std::string_view, 16> k_rlimit_names{
    "as",   "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue",
    "nice", "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",
};
constexpr std::array<std::string_view, 2> k_rlimit_keys{"soft", "hard"};
constexpr std::array<std::string_view, 1> k_capability_keys{"keep"};

constexpr std::array<KeySet, 13> k_key_sets{{
    {"", k_top_keys},
    {"profile", k_profile_keys},
    {"user", k_user_keys},
    {"namespaces", k_namespace_keys},
    {"network", k_network_keys},
    {"root", k_root_keys},
    {"mount", k_mount_keys},
    {"filesystem", k_filesystem_keys},
    {"dev", k_dev_keys},
    {"process", k_process_keys},
    {"process.env", k_env_keys},
    {"rlimits", k_rlimit_names},
    {"capabilities", k_capability_keys},
}};

constexpr std::uint64_t k_unlimited = std::numeric_limits<std::uint64_t>::max();

std::string join_key(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

std::string indexed(std::string_view key, std::size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

std::optional<IdSpec> parse_id(Checker &check, const toml::node &node, const std::string &key) {
  const std::string expected = "expected \"self\" or an integer 0.." + std::to_string(k_max_id);
  if (const auto *i = node.as_integer()) {
    if (i->get() < 0 || static_cast<std::uint64_t>(i->get()) > k_max_id) {
      check.error(node, key, expected + ", got " + std::to_string(i->get()));
      return std::nullopt;
    }
    return IdSpec{false, static_cast<std::uint32_t>(i->get())};
  }
  if (const auto *s = node.as_string()) {
    if (s->get() == "self")
      return IdSpec{};
    check.error(node, key, expected + ", got " + quote(s->get()));
    return std::nullopt;
  }
  check.error(node, key, expected + ", got " + std::string(type_name(node)));
  return std::nullopt;
}

// A section that must be a table; nullptr (after reporting) when it is something else.
const toml::table *section(Checker &check, const toml::table &root, std::string_view name) {
  const auto *node = root.get(name);
  if (node == nullptr)
    return nullptr;
  return check.table(*node, name);
}

void build_user(Checker &check, const toml::table &t, Profile::User &out) {
  check.check_unknown_keys(t, "user", k_user_keys);
  if (const auto *n = t.get("uid"))
    if (auto id = parse_id(check, *n, "user.uid"))
      out.uid = *id;
  if (const auto *n = t.get("gid"))
    if (auto id = parse_id(check, *n, "user.gid"))
      out.gid = *id;
  if (const auto *n = t.get("map")) {
    if (auto v = check.enumeration(*n, "user.map", parse_id_map_method, id_map_method_names()))
      out.map = *v;
    out.map_origin = origin_of(*n);
  }
}

void build_namespaces(Checker &check, const toml::table &t, Profile::Namespaces &out) {
  for (auto &&[key, node] : t) {
    const auto name = key.str();
    bool *field = name == "pid"      ? &out.pid
                  : name == "ipc"    ? &out.ipc
                  : name == "uts"    ? &out.uts
                  : name == "cgroup" ? &out.cgroup
                                     : nullptr;
    if (field != nullptr) {
      if (auto v = check.boolean(node, join_key("namespaces", name)))
        *field = *v;
    } else if (name == "user" || name == "mount") {
      check.diags().add({origin_of(key),
                         join_key("namespaces", name),
                         "unknown key (user and mount namespaces are always new)",
                         {}});
    } else if (name == "net") {
      check.diags().add({origin_of(key),
                         "namespaces.net",
                         "unknown key (the network namespace follows network.mode)",
                         {}});
    } else {
      check.diags().add({origin_of(key), join_key("namespaces", name), "unknown key",
                         nearest_name(name, k_namespace_keys)});
    }
  }
}

void build_root(Checker &check, const toml::table &t, Profile::Root &out) {
  check.check_unknown_keys(t, "root", k_root_keys);
  out.origin = origin_of(t);
  if (const auto *n = t.get("source")) {
    out.origin = origin_of(*n);
    if (auto text = check.string(*n, "root.source")) {
      if (*text == "host") {
        out.source = "host";
      } else if (auto image = image_name_of(*text)) {
        if (image::is_valid_name(*image))
          out.source = *text;
        else
          check.error(*n, "root.source",
                      "expected \"image:NAME\" with NAME made of letters, digits, '.', '_' and "
                      "'-', got " +
                          quote(*text));
      } else if (auto p = check.path(*n, "root.source")) {
        out.source = *p;
      }
    }
  }
  if (const auto *n = t.get("readonly"))
    if (auto v = check.boolean(*n, "root.readonly"))
      out.readonly = *v;
  if (const auto *n = t.get("propagation"))
    if (auto v = check.enumeration(*n, "root.propagation", parse_root_propagation,
                                   root_propagation_names()))
      out.propagation = *v;
  if (const auto *n = t.get("overlay")) {
    out.overlay_origin = origin_of(*n);
    if (auto v = check.enumeration(*n, "root.overlay", parse_overlay_mode, overlay_mode_names()))
      out.overlay = *v;
  }
  if (const auto *n = t.get("overlay_dir"))
    if (auto p = check.path(*n, "root.overlay_dir"))
      out.overlay_dir = *p;
  if (const auto *n = t.get("overlay_driver"))
    if (auto v = check.enumeration(*n, "root.overlay_driver", parse_overlay_driver,
                                   overlay_driver_names()))
      out.overlay_driver = *v;
  // Both keys may come from different files of an `extends` chain: checked on the merged table.
  if (out.overlay == OverlayMode::persistent && out.overlay_dir.empty()) {
    if (const auto *n = t.get("overlay"))
      check.error(*n, "root.overlay",
                  "\"persistent\" needs root.overlay_dir, the directory that keeps the changes");
  } else if (out.overlay != OverlayMode::persistent && !out.overlay_dir.empty()) {
    check.error(*t.get("overlay_dir"), "root.overlay_dir",
                "only meaningful with root.overlay = \"persistent\"");
  }
}

void build_dev(Checker &check, const toml::table &t, Profile::Dev &out) {
  check.check_unknown_keys(t, "dev", k_dev_keys);
  if (const auto *n = t.get("mode"))
    if (auto v = check.enumeration(*n, "dev.mode", parse_dev_mode, dev_mode_names()))
      out.mode = *v;
  if (const auto *n = t.get("allow")) {
    const auto *array = check.array(*n, "dev.allow");
    for (std::size_t i = 0; array != nullptr && i < array->size(); ++i) {
      const auto &element = *array->get(i);
      auto p = check.path(element, indexed("dev.allow", i));
      if (p && p->rfind("/dev/", 0) != 0)
        check.error(element, indexed("dev.allow", i),
                    "must be a path under /dev, got " + quote(*p));
      else if (p)
        out.allow.push_back(*p);
    }
  }
}

void build_env(Checker &check, const toml::table &t, EnvSettings &out) {
  check.check_unknown_keys(t, "process.env", k_env_keys);
  if (const auto *n = t.get("clear"))
    if (auto v = check.boolean(*n, "process.env.clear"))
      out.clear = *v;
  if (const auto *n = t.get("keep")) {
    const auto *array = check.array(*n, "process.env.keep");
    for (std::size_t i = 0; array != nullptr && i < array->size(); ++i) {
      const auto key = indexed("process.env.keep", i);
      if (auto s = check.string(*array->get(i), key)) {
        if (is_valid_env_pattern(*s))
          out.keep.push_back(*s);
        else
          check.error(*array->get(i), key,
                      "expected a variable name or a glob such as \"LC_*\", got " + quote(*s));
      }
    }
  }
  if (const auto *n = t.get("set")) {
    if (const auto *set = check.table(*n, "process.env.set")) {
      for (auto &&[key, node] : *set) {
        const auto path = join_key("process.env.set", key.str());
        if (!is_valid_env_name(key.str())) {
          check.diags().add({origin_of(key),
                             path,
                             "not a valid environment variable name " + quote(key.str()),
                             {}});
          continue;
        }
        if (auto v = check.expanded(node, path))
          out.set.emplace_back(std::string(key.str()), *v);
      }
    }
  }
  if (const auto *n = t.get("unset")) {
    const auto *array = check.array(*n, "process.env.unset");
    for (std::size_t i = 0; array != nullptr && i < array->size(); ++i) {
      const auto key = indexed("process.env.unset", i);
      if (auto s = check.string(*array->get(i), key)) {
        if (is_valid_env_name(*s))
          out.unset.push_back(*s);
        else
          check.error(*array->get(i), key, "not a valid environment variable name " + quote(*s));
      }
    }
  }
}

void build_process(Checker &check, const toml::table &t, Profile::Process &out) {
  check.check_unknown_keys(t, "process", k_process_keys);
  if (const auto *n = t.get("cwd")) {
    out.cwd_origin = origin_of(*n);
    if (auto text = check.expanded(*n, "process.cwd")) {
      if (text->empty())
        out.cwd.clear();
      else if (auto problem = path_problem(*text))
        check.error(*n, "process.cwd", *problem);
      else
        out.cwd = *text;
    }
  }
  if (const auto *n = t.get("hostname")) {
    if (auto text = check.string(*n, "process.hostname")) {
      if (is_valid_hostname(*text))
        out.hostname = *text;
      else
        check.error(*n, "process.hostname",
                    "expected a host name (letters, digits, '-' and '.', at most 64 characters), "
                    "got " +
                        quote(*text));
    }
  }
  if (const auto *n = t.get("new_session"))
    if (auto v = check.boolean(*n, "process.new_session"))
      out.new_session = *v;
  if (const auto *n = t.get("die_with_parent"))
    if (auto v = check.boolean(*n, "process.die_with_parent"))
      out.die_with_parent = *v;
  if (const auto *n = t.get("umask"))
    if (auto v = check.octal(*n, "process.umask", 0777))
      out.umask = *v;
  if (const auto *n = t.get("env"))
    if (const auto *env = check.table(*n, "process.env"))
      build_env(check, *env, out.env);
}

std::optional<std::uint64_t> rlimit_value(Checker &check, const toml::node &node,
                                          const std::string &key) {
  if (const auto *i = node.as_integer(); i != nullptr && i->get() >= 0)
    return static_cast<std::uint64_t>(i->get());
  if (const auto *s = node.as_string(); s != nullptr && s->get() == "unlimited")
    return k_unlimited;
  std::string got = node.is_integer()  ? std::to_string(node.as_integer()->get())
                    : node.is_string() ? quote(node.as_string()->get())
                                       : std::string(type_name(node));
  check.error(node, key, "expected a non-negative integer or \"unlimited\", got " + got);
  return std::nullopt;
}

std::string limit_text(std::uint64_t v) {
  return v == k_unlimited ? "unlimited" : std::to_string(v);
}

void build_rlimits(Checker &check, const toml::table &t, std::vector<Rlimit> &out) {
  check.check_unknown_keys(t, "rlimits", k_rlimit_names);
  for (auto &&[key, node] : t) {
    const auto name = key.str();
    if (std::find(k_rlimit_names.begin(), k_rlimit_names.end(), name) == k_rlimit_names.end())
      continue;
    const auto path = join_key("rlimits", name);
    Rlimit limit{std::string(name), 0, 0, origin_of(node)};
    if (const auto *pair = node.as_table()) {
      check.check_unknown_keys(*pair, path, k_rlimit_keys);
      const auto *soft = pair->get("soft");
      const auto *hard = pair->get("hard");
      if (soft == nullptr || hard == nullptr) {
        check.error(node, path,
                    std::string("expected { soft = N, hard = N }, missing '") +
                        (soft == nullptr ? "soft" : "hard") + "'");
        continue;
      }
      auto s = rlimit_value(check, *soft, path + ".soft");
      auto h = rlimit_value(check, *hard, path + ".hard");
      if (!s || !h)
        continue;
      if (*s > *h) {
        check.error(node, path,
                    "soft limit " + limit_text(*s) + " is greater than hard limit " +
                        limit_text(*h));
        continue;
      }
      limit.soft = *s;
      limit.hard = *h;
    } else {
      auto v = rlimit_value(check, node, path);
      if (!v)
        continue;
      limit.soft = limit.hard = *v;
    }
    out.push_back(std::move(limit));
  }
  std::sort(out.begin(), out.end(),
            [](const Rlimit &a, const Rlimit &b) { return a.name < b.name; });
}

void build_capabilities(Checker &check, const toml::table &t, Profile::Capabilities &out) {
  check.check_unknown_keys(t, "capabilities", k_capability_keys);
  const auto *n = t.get("keep");
  if (n == nullptr)
    return;
  const auto *array = check.array(*n, "capabilities.keep");
  for (std::size_t i = 0; array != nullptr && i < array->size(); ++i) {
    const auto key = indexed("capabilities.keep", i);
    auto s = check.string(*array->get(i), key);
    if (!s)
      continue;
    auto canonical = canonical_capability(*s);
    if (!canonical) {
      std::string upper = *s;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      if (upper.rfind("CAP_", 0) != 0)
        upper.insert(0, "CAP_");
      check.error(*array->get(i), key, "unknown capability " + quote(*s),
                  nearest_name(upper, capability_names()));
      continue;
    }
    if (std::find(out.keep.begin(), out.keep.end(), *canonical) == out.keep.end())
      out.keep.push_back(*canonical);
  }
}

// The dotted path of `target` inside `table`, for errors reported through the seccomp module's
// expand callback (which hands over only the node).
bool find_key_path(const toml::node &current, const toml::node *target, std::string &path) {
  if (&current == target)
    return true;
  if (const auto *t = current.as_table()) {
    for (auto &&[key, node] : *t) {
      std::string sub = join_key(path, key.str());
      if (find_key_path(node, target, sub)) {
        path = sub;
        return true;
      }
    }
  } else if (const auto *a = current.as_array()) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      std::string sub = indexed(path, i);
      if (find_key_path(*a->get(i), target, sub)) {
        path = sub;
        return true;
      }
    }
  }
  return false;
}

} // namespace

std::span<const KeySet> known_key_sets() {
  return k_key_sets;
}
std::span<const std::string_view> rlimit_names() {
  return k_rlimit_names;
}

void build_profile(const toml::table &root, Profile &out, Diagnostics &diags,
                   const Expander &expander) {
  Checker check(diags, expander);
  check.check_unknown_keys(root, "", k_top_keys);
  if (const auto *t = section(check, root, "profile")) {
    check.check_unknown_keys(*t, "profile", k_profile_keys);
    if (const auto *n = t->get("description"))
      if (auto v = check.string(*n, "profile.description"))
        out.description = *v;
  }
  if (const auto *t = section(check, root, "user"))
    build_user(check, *t, out.user);
  if (const auto *t = section(check, root, "namespaces"))
    build_namespaces(check, *t, out.namespaces);
  if (const auto *t = section(check, root, "network")) {
    check.check_unknown_keys(*t, "network", k_network_keys);
    if (const auto *n = t->get("mode"))
      if (auto v = check.enumeration(*n, "network.mode", parse_network_mode, network_mode_names()))
        out.network.mode = *v;
  }
  if (const auto *t = section(check, root, "root"))
    build_root(check, *t, out.root);
  if (const auto *n = root.get("mount"))
    build_mounts(check, *n, out.mounts);
  if (const auto *t = section(check, root, "filesystem")) {
    check.check_unknown_keys(*t, "filesystem", k_filesystem_keys);
    if (const auto *n = t->get("mask"))
      out.filesystem.mask = check.path_array(*n, "filesystem.mask");
    if (const auto *n = t->get("readonly"))
      out.filesystem.readonly = check.path_array(*n, "filesystem.readonly");
    if (const auto *n = t->get("protect"))
      out.filesystem.protect = check.path_array(*n, "filesystem.protect");
  }
  if (const auto *t = section(check, root, "dev"))
    build_dev(check, *t, out.dev);
  if (const auto *t = section(check, root, "process"))
    build_process(check, *t, out.process);
  if (const auto *t = section(check, root, "rlimits"))
    build_rlimits(check, *t, out.rlimits);
  if (const auto *t = section(check, root, "capabilities"))
    build_capabilities(check, *t, out.capabilities);
  if (const auto *t = section(check, root, "seccomp")) {
    auto expand = [&](const toml::node &node) -> std::optional<std::string> {
      std::string path = "seccomp";
      if (!find_key_path(*t, &node, path))
        path = "seccomp";
      return expander.expand(node, path, diags);
    };
    seccomp::parse_settings(*t, out.seccomp, diags, expand);
  }
}

} // namespace sandbox::profile::detail
