// SPDX-License-Identifier: Apache-2.0
#pragma once
// The resolved plan: plain data that says every syscall-level decision of one sandbox, in
// order. Built from a Profile and HostFacts by build_plan() (pure); executed by launch/ (which
// decides nothing); printed by `sandbox run --dry-run`.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sandbox::seccomp {
struct Policy;
}

namespace sandbox::plan {

struct IdRange {
  std::uint32_t inside = 0;
  std::uint32_t outside = 0;
  std::uint32_t count = 0;
  friend bool operator==(const IdRange &, const IdRange &) = default;
};

enum class MapMethod {
  single, // write uid_map/gid_map ourselves; setgroups must be denied (user_namespaces(7))
  subids  // newuidmap/newgidmap with the ranges /etc/subuid and /etc/subgid grant
};

struct IdMaps {
  MapMethod method = MapMethod::single;
  std::vector<IdRange> uid;
  std::vector<IdRange> gid;
  std::uint32_t uid_inside = 0;
  std::uint32_t gid_inside = 0;
  std::string newuidmap; // absolute paths, for MapMethod::subids
  std::string newgidmap;
};

enum class MountKind { bind, tmpfs, proc, devpts, mqueue, sysfs, dir, file, symlink };

// Mount attributes applied (recursively, with mount_setattr) after the mount is made.
struct MountAttrs {
  bool readonly = false;
  bool nosuid = false;
  bool nodev = false;
  bool noexec = false;
  friend bool operator==(const MountAttrs &, const MountAttrs &) = default;
};

enum class Propagation { slave, private_ };

struct MountOp {
  MountKind kind = MountKind::bind;
  std::string source; // bind: host path (resolved before pivot_root); symlink: link target
  std::string dest;   // absolute path inside the new root
  MountAttrs attrs;
  std::string fs_data;       // tmpfs/devpts mount data ("mode=1777,size=...")
  std::uint32_t mode = 0755; // dir, file
  std::string content;       // file
  std::string origin;        // "p.toml:31:1", "--bind" or "built-in /dev": the context of errors
  // Skipped when its destination does not exist and cannot be created (a read-only root
  // without that directory); a missing bind source is handled at plan time.
  bool optional = false;
  // bind: set on the bound tree (recursively) after it is attached; unset: inherited from
  // the source, i.e. as root.propagation.
  std::optional<Propagation> propagation;
};

struct Rlimit {
  int resource = 0;
  std::string name;
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

enum class OverlayDriver { kernel, fuse };

// A copy-on-write layer over root_source (mount/overlay*.cpp). With the kernel driver the child
// mounts it itself; with fuse-overlayfs the launcher runs the daemon outside the sandbox's pid
// namespace and hands the mount over at fuse_mountpoint.
struct RootOverlay {
  bool enabled = false;
  bool ephemeral = true; // upper layer on a tmpfs (kernel) or a temporary directory (fuse)
  OverlayDriver driver = OverlayDriver::kernel;
  std::string dir;             // persistent: upper/ and work/ are created in it
  std::string fuse_program;    // fuse: absolute path of fuse-overlayfs
  std::string runtime_dir;     // fuse: parent of the launcher's temporary directory
  std::string fuse_mountpoint; // fuse: set by the launcher before clone, never by the plan
};

struct SandboxPlan {
  IdMaps ids;
  bool new_pid = true;
  bool new_ipc = true;
  bool new_uts = true;
  bool new_net = true;
  bool new_cgroup = true;

  Propagation propagation = Propagation::slave;
  std::string root_source = "/"; // host directory that becomes /
  bool root_readonly = true;
  RootOverlay overlay;
  std::vector<MountOp> mounts;             // in order, after the root, before pivot_root
  std::vector<std::string> readonly_paths; // after pivot_root
  std::vector<std::string> protected_dirs; // after pivot_root: created if missing, read-only
  std::vector<std::string> masked_paths;   // after pivot_root

  std::string hostname; // empty: leave the (new) uts namespace's name alone
  std::vector<std::string> argv;
  std::vector<std::string> env; // NAME=VALUE, exactly the command's environment
  std::string exec_path;        // PATH used to find argv[0] (the command's own PATH)
  std::string cwd = "/";
  std::uint32_t umask = 022;
  bool new_session = true;
  bool die_with_parent = true;
  std::vector<Rlimit> rlimits;
  std::vector<std::string> keep_caps; // "CAP_NET_BIND_SERVICE"; all others are dropped

  std::shared_ptr<const seccomp::Policy> seccomp; // null: no filter ("none"), or prebuilt
  // The shipped "default" with default settings: its filter was compiled at build time.
  bool seccomp_prebuilt_default = false;
  std::string seccomp_name; // for --dry-run and errors

  std::vector<std::string> notes; // what -v reports (skipped optional mounts, auto choices)
};

} // namespace sandbox::plan
