// SPDX-License-Identifier: Apache-2.0
#include <sstream>

#include "plan/build.hpp"

namespace sandbox::plan {

namespace {

std::string_view kind_name(MountKind k) {
  switch (k) {
  case MountKind::bind:
    return "bind";
  case MountKind::tmpfs:
    return "tmpfs";
  case MountKind::proc:
    return "proc";
  case MountKind::devpts:
    return "devpts";
  case MountKind::mqueue:
    return "mqueue";
  case MountKind::sysfs:
    return "sysfs";
  case MountKind::dir:
    return "dir";
  case MountKind::file:
    return "file";
  case MountKind::symlink:
    return "symlink";
  }
  return "?";
}

std::string attrs_text(const MountAttrs &a) {
  std::string out;
  auto add = [&out](bool on, const char *name) {
    if (on)
      out += out.empty() ? name : std::string(",") + name;
  };
  add(a.readonly, "ro");
  add(a.nosuid, "nosuid");
  add(a.nodev, "nodev");
  add(a.noexec, "noexec");
  return out.empty() ? "rw" : out;
}

std::string ranges_text(const std::vector<IdRange> &ranges) {
  std::string out;
  for (const auto &r : ranges)
    out += (out.empty() ? "" : ", ") + std::to_string(r.inside) + " " + std::to_string(r.outside) +
           " " + std::to_string(r.count);
  return out;
}

std::string limit_text(std::uint64_t v) {
  return v == UINT64_MAX ? "unlimited" : std::to_string(v);
}

} // namespace

std::string describe_plan(const SandboxPlan &p) {
  std::ostringstream o;
  int step = 0;
  auto line = [&](const std::string &text) { o << ++step << ". " << text << '\n'; };
  std::string ns = "user mount";
  if (p.new_pid)
    ns += " pid";
  if (p.new_ipc)
    ns += " ipc";
  if (p.new_uts)
    ns += " uts";
  if (p.new_net)
    ns += " net";
  if (p.new_cgroup)
    ns += " cgroup";
  line("clone with new namespaces: " + ns);
  if (p.ids.method == MapMethod::single)
    line("id maps (written directly, setgroups deny): uid_map [" + ranges_text(p.ids.uid) +
         "], gid_map [" + ranges_text(p.ids.gid) + "]");
  else
    line("id maps (" + p.ids.newuidmap + ", " + p.ids.newgidmap + "): uid_map [" +
         ranges_text(p.ids.uid) + "], gid_map [" + ranges_text(p.ids.gid) + "]");
  line(std::string("make / ") + (p.propagation == Propagation::slave ? "rslave" : "rprivate"));
  if (!p.overlay.enabled)
    line("bind " + p.root_source + " as the new root (recursive" +
         (p.root_readonly ? ", read-only)" : ")"));
  else
    line(std::string(p.overlay.ephemeral ? "ephemeral" : "persistent") + " overlay (" +
         (p.overlay.driver == OverlayDriver::kernel ? "kernel overlayfs"
                                                    : "fuse-overlayfs " + p.overlay.fuse_program) +
         ") over " + p.root_source + " as the new root" +
         (p.overlay.ephemeral ? "" : ", changes kept in " + p.overlay.dir + "/upper"));
  for (const auto &m : p.mounts) {
    std::string text = std::string(kind_name(m.kind)) + " ";
    if (m.kind == MountKind::bind)
      text += m.source + " -> ";
    if (m.kind == MountKind::symlink)
      text += m.dest + " -> " + m.source;
    else
      text += m.dest;
    if (m.kind != MountKind::symlink && m.kind != MountKind::dir && m.kind != MountKind::file)
      text += " (" + attrs_text(m.attrs) + (m.fs_data.empty() ? "" : "; " + m.fs_data) +
              (!m.propagation                            ? ""
               : *m.propagation == Propagation::private_ ? "; rprivate"
                                                         : "; rslave") +
              ")";
    line(text + "  [" + m.origin + "]");
  }
  line("pivot_root(\".\", \".\") into the new root; detach the old root");
  for (const auto &path : p.readonly_paths)
    line("remount read-only " + path + " (when it exists)");
  for (const auto &path : p.protected_dirs)
    line("protect " + path + " (created if missing and creatable, then read-only)");
  for (const auto &path : p.masked_paths)
    line("mask " + path);
  if (p.new_net)
    line("bring up lo");
  if (!p.hostname.empty())
    line("hostname " + p.hostname);
  line(std::string("fork the command; pid 1 ") + (p.new_pid ? "" : "(a subreaper) ") +
       "reaps and forwards signals");
  if (p.die_with_parent)
    line("die with the launcher (PR_SET_PDEATHSIG SIGKILL)");
  if (p.new_session)
    line("setsid (no controlling terminal)");
  for (const auto &r : p.rlimits)
    line("rlimit " + r.name + " " + limit_text(r.soft) + ":" + limit_text(r.hard));
  char umask_text[8];
  std::snprintf(umask_text, sizeof umask_text, "%04o", p.umask);
  line(std::string("umask ") + umask_text + ", chdir " + p.cwd);
  std::string caps;
  for (const auto &c : p.keep_caps)
    caps += " " + c;
  line("drop capabilities (bounding, permitted, effective, inheritable, ambient)" +
       (caps.empty() ? std::string(": keep none") : ", keep:" + caps));
  line("no_new_privs");
  if (p.seccomp_prebuilt_default)
    line("seccomp filter: policy \"default\" (the built-in one, compiled at build time)");
  else
    line(p.seccomp ? "seccomp filter: policy \"" + p.seccomp_name + "\""
                   : std::string("no seccomp filter (policy \"none\")"));
  std::string argv;
  for (const auto &a : p.argv)
    argv += (argv.empty() ? "" : " ") + a;
  line("execve " + argv + " (PATH=" + p.exec_path + ")");
  o << "environment:\n";
  for (const auto &e : p.env)
    o << "  " << e << '\n';
  for (const auto &n : p.notes)
    o << "note: " << n << '\n';
  return o.str();
}

} // namespace sandbox::plan
