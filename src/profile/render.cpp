// SPDX-License-Identifier: Apache-2.0
// `sandbox profile show --resolved`: every section and every field, defaults included, in the
// order of profiles/default.toml. Whatever this prints must load back to an equal Profile, so
// values that the loader expands get their '$' doubled.
#include "profile/internal.hpp"
#include "profile/load.hpp"

#include <limits>
#include <sstream>

#include "seccomp/policy.hpp"

namespace sandbox::profile {

namespace {

using detail::quote;

constexpr std::uint64_t k_unlimited = std::numeric_limits<std::uint64_t>::max();

// For values the loader expands (paths, env values).
std::string quote_expanded(std::string_view text) {
  return quote(detail::escape_dollars(text));
}

std::string bool_text(bool b) {
  return b ? "true" : "false";
}

std::string id_text(const IdSpec &id) {
  return id.self ? "\"self\"" : std::to_string(id.value);
}

std::string string_array(const std::vector<std::string> &items, bool expanded) {
  std::vector<std::string> quoted;
  std::size_t width = 0;
  for (const auto &item : items) {
    quoted.push_back(expanded ? quote_expanded(item) : quote(item));
    width += quoted.back().size() + 2;
  }
  std::string out = "[";
  if (width <= 80) {
    for (std::size_t i = 0; i < quoted.size(); ++i)
      out += (i == 0 ? "" : ", ") + quoted[i];
    return out + "]";
  }
  for (const auto &q : quoted)
    out += "\n  " + q + ",";
  return out + "\n]";
}

std::string size_text(std::uint64_t bytes) {
  static constexpr std::pair<char, unsigned> k_units[] = {
      {'T', 40}, {'G', 30}, {'M', 20}, {'k', 10}};
  for (const auto &[suffix, shift] : k_units) {
    const std::uint64_t unit = 1ULL << shift;
    if (bytes >= unit && bytes % unit == 0)
      return "\"" + std::to_string(bytes / unit) + suffix + "\"";
  }
  return std::to_string(bytes);
}

std::string limit_text(std::uint64_t v) {
  return v == k_unlimited ? "\"unlimited\"" : std::to_string(v);
}

bool takes_source(MountType t) {
  return t == MountType::bind || t == MountType::ro_bind || t == MountType::dev_bind ||
         t == MountType::symlink;
}

void render_mount(std::ostream &out, const MountEntry &m) {
  out << "\n[[mount]]\n";
  out << "type = " << quote(to_string(m.type)) << "\n";
  if (takes_source(m.type))
    out << "source = " << quote_expanded(m.source) << "\n";
  out << "dest = " << quote_expanded(m.dest) << "\n";
  out << "optional = " << bool_text(m.optional) << "\n";
  if (m.type != MountType::symlink)
    out << "options = " << string_array(m.options, false) << "\n";
  if (m.type == MountType::tmpfs && m.size)
    out << "size = " << size_text(*m.size) << "\n";
  if ((m.type == MountType::tmpfs || m.type == MountType::dir || m.type == MountType::file) &&
      m.mode)
    out << "mode = \"" << detail::format_octal(*m.mode) << "\"\n";
  if (m.type == MountType::file)
    out << "content = " << quote(m.content) << "\n";
  if (m.propagation)
    out << "propagation = " << quote(to_string(*m.propagation)) << "\n";
}

void render_seccomp(std::ostream &out, seccomp::Settings settings) {
  // The loader expands `policy` like a path.
  settings.policy = detail::escape_dollars(settings.policy);
  toml::table wrapper{{"seccomp", seccomp::render_settings(settings)}};
  out << "\n" << toml::toml_formatter(wrapper, toml::format_flags::none) << "\n";
}

} // namespace

std::string render_profile(const Profile &p) {
  std::ostringstream out;
  out << "# Resolved profile: `extends` merged, variables expanded, defaults filled in.\n";
  out << "[profile]\n";
  out << "description = " << quote(p.description) << "\n";

  out << "\n[user]\n";
  out << "uid = " << id_text(p.user.uid) << "\n";
  out << "gid = " << id_text(p.user.gid) << "\n";
  out << "map = " << quote(to_string(p.user.map)) << "\n";

  out << "\n[namespaces]\n";
  out << "pid = " << bool_text(p.namespaces.pid) << "\n";
  out << "ipc = " << bool_text(p.namespaces.ipc) << "\n";
  out << "uts = " << bool_text(p.namespaces.uts) << "\n";
  out << "cgroup = " << bool_text(p.namespaces.cgroup) << "\n";

  out << "\n[network]\n";
  out << "mode = " << quote(to_string(p.network.mode)) << "\n";

  out << "\n[root]\n";
  out << "source = " << quote_expanded(p.root.source) << "\n";
  out << "readonly = " << bool_text(p.root.readonly) << "\n";
  out << "propagation = " << quote(to_string(p.root.propagation)) << "\n";
  out << "overlay = " << quote(to_string(p.root.overlay)) << "\n";
  if (!p.root.overlay_dir.empty())
    out << "overlay_dir = " << quote_expanded(p.root.overlay_dir) << "\n";
  out << "overlay_driver = " << quote(to_string(p.root.overlay_driver)) << "\n";

  for (const auto &m : p.mounts)
    render_mount(out, m);

  out << "\n[filesystem]\n";
  out << "mask = " << string_array(p.filesystem.mask, true) << "\n";
  out << "readonly = " << string_array(p.filesystem.readonly, true) << "\n";
  out << "protect = " << string_array(p.filesystem.protect, true) << "\n";

  out << "\n[dev]\n";
  out << "mode = " << quote(to_string(p.dev.mode)) << "\n";
  out << "allow = " << string_array(p.dev.allow, true) << "\n";

  out << "\n[process]\n";
  out << "cwd = " << quote_expanded(p.process.cwd) << "\n";
  out << "hostname = " << quote(p.process.hostname) << "\n";
  out << "new_session = " << bool_text(p.process.new_session) << "\n";
  out << "die_with_parent = " << bool_text(p.process.die_with_parent) << "\n";
  out << "umask = \"" << detail::format_octal(p.process.umask) << "\"\n";

  out << "\n[process.env]\n";
  out << "clear = " << bool_text(p.process.env.clear) << "\n";
  out << "keep = " << string_array(p.process.env.keep, false) << "\n";
  out << "unset = " << string_array(p.process.env.unset, false) << "\n";
  out << "\n[process.env.set]\n";
  for (const auto &[name, value] : p.process.env.set)
    out << name << " = " << quote_expanded(value) << "\n";

  out << "\n[rlimits]\n";
  for (const auto &r : p.rlimits) {
    if (r.soft == r.hard)
      out << r.name << " = " << limit_text(r.soft) << "\n";
    else
      out << r.name << " = { soft = " << limit_text(r.soft) << ", hard = " << limit_text(r.hard)
          << " }\n";
  }

  out << "\n[capabilities]\n";
  out << "keep = " << string_array(p.capabilities.keep, false) << "\n";

  render_seccomp(out, p.seccomp);
  return out.str();
}

} // namespace sandbox::profile
