// SPDX-License-Identifier: Apache-2.0
// `sandbox run` flags applied over the loaded profile, in a fixed order that does not depend on
// the order of the flags (nsjail's -C lesson). The same checks as the loader, minus variables:
// the shell has already expanded them.
#include "profile/overrides.hpp"

#include <algorithm>

#include "image/location.hpp"
#include "profile/internal.hpp"

namespace sandbox::profile {

namespace {

using detail::quote;

class Applier {
public:
  explicit Applier(Diagnostics &diags) : m_diags(diags) {}

  void error(std::string_view flag, std::string message) {
    m_diags.add({Origin{std::string(flag), 0, 0}, "", std::move(message), {}});
  }

  bool check_path(std::string_view flag, std::string_view what, std::string_view path) {
    if (auto problem = detail::path_problem(path)) {
      error(flag, std::string(what) + " " + *problem);
      return false;
    }
    return true;
  }

  void add_bind(Profile &p, std::string_view flag, MountType type, const std::string &arg) {
    const auto colon = arg.find(':');
    const std::string source = arg.substr(0, colon);
    const std::string dest = colon == std::string::npos ? source : arg.substr(colon + 1);
    const bool ok_source = check_path(flag, "source", source);
    // Without ":DST" the destination is the source: one error is enough.
    const bool ok_dest = colon == std::string::npos || check_path(flag, "destination", dest);
    if (!ok_source || !ok_dest)
      return;
    MountEntry m;
    m.type = type;
    m.source = source;
    m.dest = dest;
    m.origin = Origin{std::string(flag), 0, 0};
    p.mounts.push_back(std::move(m));
  }

  // SRC:DST[:ro|rw], docker's short form: both paths are required, rw is the default.
  void add_volume(Profile &p, const std::string &arg) {
    constexpr std::string_view flag = "--volume";
    std::string rest = arg;
    auto type = MountType::bind;
    if (rest.ends_with(":ro") || rest.ends_with(":rw")) {
      type = rest.ends_with(":ro") ? MountType::ro_bind : MountType::bind;
      rest.resize(rest.size() - 3);
    }
    const auto colon = rest.find(':');
    if (colon == std::string::npos || rest.find(':', colon + 1) != std::string::npos) {
      error(flag, "expected SRC:DST[:ro|rw], got " + quote(arg));
      return;
    }
    const std::string source = rest.substr(0, colon);
    const std::string dest = rest.substr(colon + 1);
    const bool ok_source = check_path(flag, "source", source);
    if (!check_path(flag, "destination", dest) || !ok_source)
      return;
    MountEntry m;
    m.type = type;
    m.source = source;
    m.dest = dest;
    m.origin = Origin{std::string(flag), 0, 0};
    p.mounts.push_back(std::move(m));
  }

  std::optional<IdSpec> id(std::string_view flag, const std::string &arg) {
    auto value = detail::parse_id_text(arg);
    if (!value)
      error(flag, "expected \"self\" or an integer 0.." + std::to_string(detail::k_max_id) +
                      ", got " + quote(arg));
    return value;
  }

private:
  Diagnostics &m_diags;
};

// Keeps process.env.set sorted by name, as the loader produces it from a TOML table, so that
// `show --resolved` of an overridden profile reads back equal.
void set_env(EnvSettings &env, const std::string &name, const std::string &value) {
  auto it =
      std::lower_bound(env.set.begin(), env.set.end(), name,
                       [](const auto &entry, const std::string &n) { return entry.first < n; });
  if (it != env.set.end() && it->first == name)
    it->second = value;
  else
    env.set.insert(it, {name, value});
  std::erase(env.unset, name);
}

} // namespace

void apply_overrides(Profile &p, const Overrides &o, Diagnostics &diags) {
  Applier apply(diags);

  if (o.root) {
    if (*o.root == "host")
      p.root.source = "host";
    else if (auto image = detail::image_name_of(*o.root)) {
      if (image::is_valid_name(*image))
        p.root.source = *o.root;
      else
        apply.error("--root", "expected image:NAME with NAME made of letters, digits, '.', '_' "
                              "and '-', got " +
                                  quote(*o.root));
    } else if (apply.check_path("--root", "directory", *o.root))
      p.root.source = *o.root;
    p.root.origin = Origin{"--root", 0, 0};
  }
  if (o.overlay) {
    // A directory means "persistent, kept there"; the two words pick the mode alone.
    if (*o.overlay == "ephemeral" || *o.overlay == "none") {
      p.root.overlay = *parse_overlay_mode(*o.overlay);
      p.root.overlay_dir.clear();
    } else if (apply.check_path("--overlay", "directory", *o.overlay)) {
      p.root.overlay = OverlayMode::persistent;
      p.root.overlay_dir = *o.overlay;
    }
    p.root.overlay_origin = Origin{"--overlay", 0, 0};
  }
  if (o.overlay_driver) {
    if (auto driver = parse_overlay_driver(*o.overlay_driver))
      p.root.overlay_driver = *driver;
    else
      apply.error("--overlay-driver", "expected one of \"auto\", \"kernel\", "
                                      "\"fuse-overlayfs\", got " +
                                          quote(*o.overlay_driver));
  }
  for (const auto &arg : o.volume)
    apply.add_volume(p, arg);
  for (const auto &arg : o.bind)
    apply.add_bind(p, "--bind", MountType::bind, arg);
  for (const auto &arg : o.ro_bind)
    apply.add_bind(p, "--ro-bind", MountType::ro_bind, arg);
  for (const auto &dest : o.tmpfs) {
    if (!apply.check_path("--tmpfs", "destination", dest))
      continue;
    MountEntry m;
    m.type = MountType::tmpfs;
    m.dest = dest;
    m.origin = Origin{"--tmpfs", 0, 0};
    p.mounts.push_back(std::move(m));
  }

  for (const auto &arg : o.setenv) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos) {
      apply.error("--setenv", "expected NAME=VALUE, got " + quote(arg));
      continue;
    }
    const std::string name = arg.substr(0, eq);
    if (!detail::is_valid_env_name(name)) {
      apply.error("--setenv", "not a valid environment variable name " + quote(name));
      continue;
    }
    set_env(p.process.env, name, arg.substr(eq + 1));
  }
  for (const auto &name : o.unsetenv) {
    if (!detail::is_valid_env_name(name)) {
      apply.error("--unsetenv", "not a valid environment variable name " + quote(name));
      continue;
    }
    std::erase_if(p.process.env.set, [&name](const auto &entry) { return entry.first == name; });
    if (std::find(p.process.env.unset.begin(), p.process.env.unset.end(), name) ==
        p.process.env.unset.end())
      p.process.env.unset.push_back(name);
  }
  if (o.chdir) {
    if (apply.check_path("--chdir", "directory", *o.chdir)) {
      p.process.cwd = *o.chdir;
      p.process.cwd_origin = Origin{"--chdir", 0, 0};
    }
  }
  if (o.hostname) {
    if (detail::is_valid_hostname(*o.hostname))
      p.process.hostname = *o.hostname;
    else
      apply.error("--hostname",
                  "expected a host name (letters, digits, '-' and '.', at most 64 characters), "
                  "got " +
                      quote(*o.hostname));
  }
  if (o.uid)
    if (auto v = apply.id("--uid", *o.uid))
      p.user.uid = *v;
  if (o.gid)
    if (auto v = apply.id("--gid", *o.gid))
      p.user.gid = *v;

  for (const auto &what : o.share) {
    if (what == "net")
      p.network.mode = NetworkMode::host;
    else if (what == "pid")
      p.namespaces.pid = false;
    else if (what == "ipc")
      p.namespaces.ipc = false;
    else if (what == "uts")
      p.namespaces.uts = false;
    else if (what == "cgroup")
      p.namespaces.cgroup = false;
    else
      apply.error("--share",
                  "expected one of \"net\", \"pid\", \"ipc\", \"uts\", \"cgroup\", got " +
                      quote(what));
  }
  if (o.seccomp) {
    if (o.seccomp->empty())
      apply.error("--seccomp", "expected a policy name, a path or \"none\", got \"\"");
    else
      p.seccomp.policy = *o.seccomp;
  }
}

} // namespace sandbox::profile
