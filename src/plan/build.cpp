// SPDX-License-Identifier: Apache-2.0
#include "plan/build.hpp"

#include <fnmatch.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <utility>

#include "image/location.hpp"
#include "util/error.hpp"

namespace sandbox::plan {

namespace {

using profile::MountType;

constexpr std::string_view k_default_exec_path = "/usr/local/bin:/usr/bin:/bin";

struct RlimitName {
  std::string_view name;
  int resource;
};
constexpr std::array k_rlimits{
    RlimitName{"as", RLIMIT_AS},
    RlimitName{"core", RLIMIT_CORE},
    RlimitName{"cpu", RLIMIT_CPU},
    RlimitName{"data", RLIMIT_DATA},
    RlimitName{"fsize", RLIMIT_FSIZE},
    RlimitName{"locks", RLIMIT_LOCKS},
    RlimitName{"memlock", RLIMIT_MEMLOCK},
    RlimitName{"msgqueue", RLIMIT_MSGQUEUE},
    RlimitName{"nice", RLIMIT_NICE},
    RlimitName{"nofile", RLIMIT_NOFILE},
    RlimitName{"nproc", RLIMIT_NPROC},
    RlimitName{"rss", RLIMIT_RSS},
    RlimitName{"rtprio", RLIMIT_RTPRIO},
    RlimitName{"rttime", RLIMIT_RTTIME},
    RlimitName{"sigpending", RLIMIT_SIGPENDING},
    RlimitName{"stack", RLIMIT_STACK},
};

std::string octal(std::uint32_t mode) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + (mode & 7U)));
    mode >>= 3U;
  } while (mode != 0);
  return out.size() < 4 ? std::string(4 - out.size(), '0') + out : out;
}

MountAttrs attrs_from_options(const std::vector<std::string> &options, MountAttrs base) {
  for (const auto &o : options) {
    if (o == "ro")
      base.readonly = true;
    else if (o == "nosuid")
      base.nosuid = true;
    else if (o == "nodev")
      base.nodev = true;
    else if (o == "noexec")
      base.noexec = true;
  }
  return base;
}

MountOp op(MountKind kind, std::string source, std::string dest, MountAttrs attrs,
           std::string origin) {
  MountOp m;
  m.kind = kind;
  m.source = std::move(source);
  m.dest = std::move(dest);
  m.attrs = attrs;
  m.origin = std::move(origin);
  return m;
}

IdMaps plan_id_maps(const profile::Profile &p, const HostFacts &host,
                    std::vector<std::string> &notes) {
  IdMaps ids;
  ids.uid_inside = p.user.uid.self ? host.uid : p.user.uid.value;
  ids.gid_inside = p.user.gid.self ? host.gid : p.user.gid.value;

  const bool have_tools = !host.newuidmap.empty() && !host.newgidmap.empty();
  const bool have_ranges = !host.subuids.empty() && !host.subgids.empty();
  auto method = p.user.map;
  if (method == profile::IdMapMethod::automatic) {
    method =
        have_tools && have_ranges ? profile::IdMapMethod::subids : profile::IdMapMethod::single;
    notes.emplace_back(
        std::string("user.map = \"auto\" chose \"") + std::string(profile::to_string(method)) +
        "\"" +
        (method == profile::IdMapMethod::single
             ? (have_tools ? " (no /etc/subuid or /etc/subgid range for " + host.user + ")"
                           : " (newuidmap/newgidmap not installed)")
             : ""));
  }
  if (method == profile::IdMapMethod::single)
    return single_id_maps(ids.uid_inside, ids.gid_inside, host.uid, host.gid);
  const std::string where = p.user.map_origin.str();
  if (!have_tools)
    throw Error::message("user.map = \"subids\" needs newuidmap and newgidmap, which are not "
                         "installed",
                         "install the uidmap package, or set user.map = \"single\"")
        .with_context(where);
  if (host.subuids.empty() || host.subgids.empty())
    throw Error::message("user.map = \"subids\": user " + host.user + " has no range in " +
                             (host.subuids.empty() ? "/etc/subuid" : "/etc/subgid"),
                         "add one with: usermod --add-subuids 100000-165535 --add-subgids "
                         "100000-165535 " +
                             host.user + "; or set user.map = \"single\"")
        .with_context(where);
  ids.method = MapMethod::subids;
  ids.uid = subid_map(ids.uid_inside, host.uid, host.subuids.front());
  ids.gid = subid_map(ids.gid_inside, host.gid, host.subgids.front());
  ids.newuidmap = host.newuidmap;
  ids.newgidmap = host.newgidmap;
  return ids;
}

void add_builtin_proc_and_dev(const profile::Profile &p, bool new_pid, SandboxPlan &plan) {
  const MountAttrs nosuid_noexec{.readonly = false, .nosuid = true, .nodev = false, .noexec = true};
  const MountAttrs locked_down{.readonly = false, .nosuid = true, .nodev = true, .noexec = true};
  // A fresh procfs is only allowed for a pid namespace we own; sharing the host's pid namespace
  // means showing the host's /proc.
  if (new_pid)
    plan.mounts.push_back(op(MountKind::proc, {}, "/proc", locked_down, "built-in /proc"));
  else
    plan.mounts.push_back(op(MountKind::bind, "/proc", "/proc", {}, "built-in /proc"));

  switch (p.dev.mode) {
  case profile::DevMode::none:
    break;
  case profile::DevMode::host:
    plan.mounts.push_back(op(MountKind::bind, "/dev", "/dev", {.nosuid = true}, "built-in /dev"));
    break;
  case profile::DevMode::minimal: {
    const std::string origin = "built-in /dev";
    auto dev =
        op(MountKind::tmpfs, {}, "/dev", {.nosuid = true, .nodev = true, .noexec = true}, origin);
    dev.fs_data = "mode=0755,size=64k";
    plan.mounts.push_back(std::move(dev));
    for (const char *node : {"null", "zero", "full", "random", "urandom", "tty"})
      plan.mounts.push_back(op(MountKind::bind, std::string("/dev/") + node,
                               std::string("/dev/") + node, nosuid_noexec, origin));
    // A devpts instance of our own: the command's ptys are invisible to the host and the host's
    // ptys to the command. gid= is left out: the tty group is usually not mapped.
    auto pts = op(MountKind::devpts, {}, "/dev/pts", nosuid_noexec, origin);
    pts.fs_data = "newinstance,ptmxmode=0666,mode=0620";
    plan.mounts.push_back(std::move(pts));
    plan.mounts.push_back(op(MountKind::symlink, "pts/ptmx", "/dev/ptmx", {}, origin));
    auto shm = op(MountKind::tmpfs, {}, "/dev/shm", locked_down, origin);
    shm.fs_data = "mode=1777";
    plan.mounts.push_back(std::move(shm));
    plan.mounts.push_back(op(MountKind::symlink, "/proc/self/fd", "/dev/fd", {}, origin));
    plan.mounts.push_back(op(MountKind::symlink, "/proc/self/fd/0", "/dev/stdin", {}, origin));
    plan.mounts.push_back(op(MountKind::symlink, "/proc/self/fd/1", "/dev/stdout", {}, origin));
    plan.mounts.push_back(op(MountKind::symlink, "/proc/self/fd/2", "/dev/stderr", {}, origin));
    break;
  }
  }
  for (const auto &path : p.dev.allow)
    plan.mounts.push_back(op(MountKind::bind, path, path, {.nosuid = true}, "dev.allow"));
}

bool is_same_or_ancestor(std::string_view dir, std::string_view path) {
  if (dir == "/" || dir == path)
    return true;
  return path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/';
}

// A profile that binds the current directory read-write (the default does) must not turn
// `cd ~; sandbox run -- x` into a sandbox with the whole home, or the whole host, writable.
// A --bind on the command line is taken as meant.
void refuse_writable_home(const profile::MountEntry &m, const HostFacts &host,
                          const std::string &origin) {
  if (m.type != MountType::bind || m.origin.line == 0 || host.home.empty())
    return;
  if (!is_same_or_ancestor(m.source, host.home))
    return;
  throw Error::message(
      "refusing to bind " + m.source + " read-write: it " +
          (m.source == "/" ? "is the whole host" : "contains your home " + host.home),
      "run sandbox from a project directory, use type = \"ro-bind\", or pass "
      "--bind " +
          m.source + " if you mean it")
      .with_context("mount (" + origin + ")");
}

void add_profile_mount(const profile::MountEntry &m, const HostFacts &host, SandboxPlan &plan) {
  const std::string origin = m.origin.str();
  refuse_writable_home(m, host, origin);
  const bool takes_source =
      m.type == MountType::bind || m.type == MountType::ro_bind || m.type == MountType::dev_bind;
  if (takes_source && host.path_kind(m.source) == PathKind::missing) {
    if (m.optional) {
      plan.notes.push_back(origin + ": skipped optional mount of missing " + m.source);
      return;
    }
    throw Error::from_errno(ENOENT, "bind", m.source, m.dest)
        .with_context("mount (" + origin + ")")
        .with_hint("create the source or set optional = true");
  }
  MountOp out;
  switch (m.type) {
  case MountType::bind:
    out = op(MountKind::bind, m.source, m.dest, {.nosuid = true, .nodev = true}, origin);
    break;
  case MountType::ro_bind:
    out = op(MountKind::bind, m.source, m.dest, {.readonly = true, .nosuid = true, .nodev = true},
             origin);
    break;
  case MountType::dev_bind:
    out = op(MountKind::bind, m.source, m.dest, {.nosuid = true}, origin);
    break;
  case MountType::tmpfs:
    out = op(MountKind::tmpfs, {}, m.dest, {.nosuid = true, .nodev = true}, origin);
    out.fs_data = "mode=" + octal(m.mode.value_or(0755));
    if (m.size)
      out.fs_data += ",size=" + std::to_string(*m.size);
    break;
  case MountType::proc:
    out = op(MountKind::proc, {}, m.dest, {.nosuid = true, .nodev = true, .noexec = true}, origin);
    break;
  case MountType::devpts:
    out = op(MountKind::devpts, {}, m.dest, {.nosuid = true, .noexec = true}, origin);
    out.fs_data = "newinstance,ptmxmode=0666,mode=0620";
    break;
  case MountType::mqueue:
    out =
        op(MountKind::mqueue, {}, m.dest, {.nosuid = true, .nodev = true, .noexec = true}, origin);
    break;
  case MountType::sysfs:
    out = op(MountKind::sysfs, {}, m.dest,
             {.readonly = true, .nosuid = true, .nodev = true, .noexec = true}, origin);
    break;
  case MountType::dir:
    out = op(MountKind::dir, {}, m.dest, {}, origin);
    out.mode = m.mode.value_or(0755);
    break;
  case MountType::file:
    out = op(MountKind::file, {}, m.dest, {}, origin);
    out.mode = m.mode.value_or(0644);
    out.content = m.content;
    break;
  case MountType::symlink:
    out = op(MountKind::symlink, m.source, m.dest, {}, origin);
    break;
  }
  out.attrs = attrs_from_options(m.options, out.attrs);
  out.optional = m.optional;
  if (m.propagation)
    out.propagation = *m.propagation == profile::RootPropagation::private_ ? Propagation::private_
                                                                           : Propagation::slave;
  plan.mounts.push_back(std::move(out));
}

// Resolves overlay_driver = "auto": the kernel's overlayfs when it works in a user namespace
// here (faster, no daemon) and the lower layer is the caller's own; else fuse-overlayfs. Over
// a lower owned by others (the host's /: root) the kernel keeps the owners, so the command
// cannot write where the caller could not, and copying up a file of an id the sandbox does not
// map fails with EOVERFLOW; fuse-overlayfs shows every file as the caller's. Forced drivers
// that cannot work fail here, before anything starts.
RootOverlay plan_overlay(const profile::Profile::Root &root, const std::string &lower,
                         const HostFacts &host, std::vector<std::string> &notes) {
  RootOverlay out;
  if (root.overlay == profile::OverlayMode::none)
    return out;
  const std::string where = "root.overlay (" + root.overlay_origin.str() + ")";
  if (!host.overlay)
    throw Error::message("internal: overlay facts were not gathered").with_context(where);
  const auto &facts = *host.overlay;
  out.enabled = true;
  out.ephemeral = root.overlay == profile::OverlayMode::ephemeral;
  out.dir = root.overlay_dir;
  out.runtime_dir = facts.runtime_dir;

  std::string kernel_problem = facts.kernel_problem;
  if (kernel_problem.empty() && !out.ephemeral && facts.upper_problem)
    kernel_problem = facts.upper_problem(out.dir);
  std::string fuse_problem;
  if (facts.fuse_overlayfs.empty())
    fuse_problem = "fuse-overlayfs is not installed";
  else if (!facts.dev_fuse_problem.empty())
    fuse_problem = facts.dev_fuse_problem;

  auto driver = root.overlay_driver;
  std::optional<std::uint32_t> lower_owner;
  if (facts.owner_of)
    lower_owner = facts.owner_of(lower);
  const bool lower_is_callers = lower_owner == host.uid;
  if (driver == profile::OverlayDriver::automatic && kernel_problem.empty() && !lower_is_callers &&
      fuse_problem.empty()) {
    driver = profile::OverlayDriver::fuse;
    notes.emplace_back(
        "root.overlay_driver = \"auto\" chose \"fuse-overlayfs\" (" + lower + " belongs to " +
        (lower_owner ? "uid " + std::to_string(*lower_owner) : std::string("someone else")) +
        ", not to you: kernel overlayfs would keep its owners, so the command could write only "
        "where you can, and copying up files of ids the sandbox does not map fails; "
        "fuse-overlayfs shows them all as yours)");
  }
  if (driver == profile::OverlayDriver::automatic) {
    if (kernel_problem.empty()) {
      driver = profile::OverlayDriver::kernel;
      notes.emplace_back("root.overlay_driver = \"auto\" chose \"kernel\" (overlayfs works in a "
                         "user namespace on this kernel: no daemon, no FUSE round trips)");
    } else if (fuse_problem.empty()) {
      driver = profile::OverlayDriver::fuse;
      notes.emplace_back("root.overlay_driver = \"auto\" chose \"fuse-overlayfs\" (" +
                         kernel_problem + ")");
    } else {
      throw Error::message("no overlay driver can work here: " + kernel_problem + "; and " +
                               fuse_problem,
                           "install fuse-overlayfs (Debian/Ubuntu: apt install fuse-overlayfs) "
                           "and make /dev/fuse usable, or set root.overlay = \"none\"")
          .with_context(where);
    }
  }
  if (driver == profile::OverlayDriver::kernel) {
    if (!kernel_problem.empty())
      throw Error::message("root.overlay_driver = \"kernel\": " + kernel_problem,
                           "use overlay_driver = \"fuse-overlayfs\" or \"auto\"")
          .with_context(where);
    out.driver = OverlayDriver::kernel;
  } else {
    if (!fuse_problem.empty())
      throw Error::message("root.overlay_driver = \"fuse-overlayfs\": " + fuse_problem,
                           facts.fuse_overlayfs.empty()
                               ? "install it (Debian/Ubuntu: apt install fuse-overlayfs)"
                               : "")
          .with_context(where);
    out.driver = OverlayDriver::fuse;
    out.fuse_program = facts.fuse_overlayfs;
  }
  return out;
}

bool env_name_matches(std::string_view entry, const std::vector<std::string> &patterns) {
  const std::string name(entry.substr(0, entry.find('=')));
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string &pat) {
    return fnmatch(pat.c_str(), name.c_str(), 0) == 0;
  });
}

std::vector<std::string> plan_environment(const profile::EnvSettings &env, const HostFacts &host) {
  std::vector<std::string> out;
  for (const auto &entry : host.environ)
    if (entry.find('=') != std::string::npos && (!env.clear || env_name_matches(entry, env.keep)))
      out.push_back(entry);
  for (const auto &[name, value] : env.set) {
    std::erase_if(out,
                  [&, &name = name](const std::string &e) { return e.starts_with(name + "="); });
    out.push_back(name + "=" + value);
  }
  for (const auto &name : env.unset)
    std::erase_if(out, [&](const std::string &e) { return e.starts_with(name + "="); });
  return out;
}

} // namespace

IdMaps single_id_maps(std::uint32_t uid_inside, std::uint32_t gid_inside, std::uint32_t uid,
                      std::uint32_t gid) {
  IdMaps ids;
  ids.method = MapMethod::single;
  ids.uid_inside = uid_inside;
  ids.gid_inside = gid_inside;
  ids.uid = {{uid_inside, uid, 1}};
  ids.gid = {{gid_inside, gid, 1}};
  return ids;
}

std::vector<IdRange> subid_map(std::uint32_t inside, std::uint32_t outside, SubidRange range) {
  // 65536 ids in all: the caller's own id where the profile wants it, the rest from the range.
  const std::uint32_t subs = std::min<std::uint32_t>(range.count, 65535);
  std::vector<IdRange> out;
  if (inside <= subs) {
    if (inside > 0)
      out.push_back({0, range.start, inside});
    out.push_back({inside, outside, 1});
    if (subs > inside)
      out.push_back({inside + 1, range.start + inside, subs - inside});
  } else {
    out.push_back({0, range.start, subs});
    out.push_back({inside, outside, 1});
  }
  return out;
}

SandboxPlan build_plan(const profile::Profile &p, const HostFacts &host,
                       std::vector<std::string> argv, const seccomp::PolicyContext &policies) {
  SandboxPlan plan;
  if (argv.empty())
    throw Error::message("no command given", "put the command after --, e.g. sandbox run -- sh");
  plan.ids = plan_id_maps(p, host, plan.notes);
  plan.new_pid = p.namespaces.pid;
  plan.new_ipc = p.namespaces.ipc;
  plan.new_uts = p.namespaces.uts;
  plan.new_cgroup = p.namespaces.cgroup;
  plan.new_net = p.network.mode == profile::NetworkMode::none;

  plan.propagation = p.root.propagation == profile::RootPropagation::private_
                         ? Propagation::private_
                         : Propagation::slave;
  plan.root_source = p.root.source == "host" ? "/" : p.root.source;
  plan.root_readonly = p.root.readonly;
  if (p.root.source.starts_with("image:")) {
    const auto name = p.root.source.substr(6);
    plan.root_source =
        image::rootfs_dir(image::store_dir(host.getenv("XDG_DATA_HOME"), host.home), name);
    if (host.path_kind(plan.root_source) != PathKind::directory)
      throw Error::message("no image named \"" + name + "\"",
                           "sandbox image list shows the images; sandbox image import " + name +
                               " FILE.tar adds one")
          .with_context("root.source (" + p.root.origin.str() + ")");
  } else if (host.path_kind(plan.root_source) != PathKind::directory) {
    throw Error::from_errno(ENOTDIR, "root", plan.root_source)
        .with_context("root.source (" + p.root.origin.str() + ")")
        .with_hint("root.source must be \"host\", \"image:NAME\" or an existing directory");
  }
  plan.overlay = plan_overlay(p.root, plan.root_source, host, plan.notes);
  if (plan.overlay.enabled)
    plan.root_readonly = false; // the point of the overlay; the source itself is never written

  add_builtin_proc_and_dev(p, plan.new_pid, plan);
  for (const auto &m : p.mounts) {
    // The bind's source is the sandbox's copy of the host mount; once root.propagation has
    // made that copy private, nothing from the host reaches it any more.
    if (m.propagation == profile::RootPropagation::slave &&
        p.root.propagation == profile::RootPropagation::private_)
      throw Error::message("mount (" + m.origin.str() +
                               "): propagation = \"slave\" cannot receive anything under "
                               "root.propagation = \"private\"",
                           "set root.propagation = \"slave\" and propagation = \"private\" on "
                           "the mounts that must not receive the host's later mounts");
    add_profile_mount(m, host, plan);
  }
  plan.readonly_paths = p.filesystem.readonly;
  plan.protected_dirs = p.filesystem.protect;
  plan.masked_paths = p.filesystem.mask;

  if (plan.new_uts)
    plan.hostname = p.process.hostname;
  plan.env = plan_environment(p.process.env, host);
  plan.exec_path = std::string(k_default_exec_path);
  for (const auto &e : plan.env)
    if (e.starts_with("PATH="))
      plan.exec_path = e.substr(5);
  plan.argv = std::move(argv);
  plan.cwd = p.process.cwd.empty() ? "/" : p.process.cwd;
  plan.umask = p.process.umask;
  plan.new_session = p.process.new_session;
  plan.die_with_parent = p.process.die_with_parent;
  for (const auto &r : p.rlimits) {
    auto it = std::find_if(k_rlimits.begin(), k_rlimits.end(),
                           [&](const RlimitName &n) { return n.name == r.name; });
    if (it == k_rlimits.end())
      throw Error::message("unknown rlimit \"" + r.name + "\"").with_context(r.origin.str());
    plan.rlimits.push_back({it->resource, r.name, r.soft, r.hard});
  }
  plan.keep_caps = p.capabilities.keep;

  plan.seccomp_name = p.seccomp.policy;
  if (seccomp::is_shipped_default(p.seccomp, policies))
    plan.seccomp_prebuilt_default = true;
  else if (auto policy = seccomp::resolve_policy(p.seccomp, policies))
    plan.seccomp = std::make_shared<const seccomp::Policy>(std::move(*policy));
  return plan;
}

} // namespace sandbox::plan
