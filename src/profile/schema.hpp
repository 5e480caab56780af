// SPDX-License-Identifier: Apache-2.0
#pragma once
// The typed profile: what one TOML profile (after `extends`, variables and CLI overrides) says.
// Every field has a concrete value: defaults are filled in by the loader, so that
// `sandbox profile show --resolved` prints everything that decides the sandbox.
// man/sandbox-profile.5 is the reference for each key.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "seccomp/settings.hpp"

namespace sandbox::profile {

// Where a value came from: "p.toml:31:5", or a CLI flag such as "--bind".
struct Origin {
  std::string file; // a path, or "--flag" for a CLI override, or "<built-in default>"
  int line = 0;     // 1-based; 0 when unknown (CLI flags)
  int column = 0;

  [[nodiscard]] std::string str() const; // "file:line:col", or just "file" without a line
  // Provenance is not part of what a profile means: two profiles that say the same thing from
  // different places are equal (this is what the --resolved round trip relies on).
  friend bool operator==(const Origin &, const Origin &) { return true; }
};

enum class IdMapMethod { automatic, single, subids };
enum class RootPropagation { slave, private_ };
enum class OverlayMode { none, ephemeral, persistent };
enum class OverlayDriver { automatic, kernel, fuse };
enum class DevMode { minimal, host, none };
enum class NetworkMode { none, host };
enum class MountType {
  bind,
  ro_bind,
  dev_bind,
  tmpfs,
  proc,
  devpts,
  mqueue,
  sysfs,
  dir,
  file,
  symlink
};

// An id inside the sandbox: the caller's own ("self") or a number.
struct IdSpec {
  bool self = true;
  std::uint32_t value = 0; // meaningful when !self
  friend bool operator==(const IdSpec &, const IdSpec &) = default;
};

struct MountEntry {
  MountType type = MountType::bind;
  std::string source;                // bind types: host path; symlink: link target
  std::string dest;                  // absolute path inside the sandbox
  bool optional = false;             // skip (and say so with -v) when the source is missing
  std::vector<std::string> options;  // "ro", "nosuid", "nodev", "noexec" (validated)
  std::optional<std::uint64_t> size; // tmpfs: bytes ("256M" in TOML)
  std::optional<std::uint32_t> mode; // tmpfs, dir, file: permission bits ("1777" in TOML)
  std::string content;               // file: its content
  // Bind types: whether host mounts made later under the source reach this mount; unset:
  // as root.propagation.
  std::optional<RootPropagation> propagation;
  Origin origin;
  friend bool operator==(const MountEntry &, const MountEntry &) = default;
};

struct EnvSettings {
  bool clear = true;             // start from an empty environment
  std::vector<std::string> keep; // names or globs ("LC_*") kept from the caller
  std::vector<std::pair<std::string, std::string>> set; // set after keep, in order
  std::vector<std::string> unset;                       // removed last
  friend bool operator==(const EnvSettings &, const EnvSettings &) = default;
};

struct Rlimit {
  std::string name; // lower-case RLIMIT_* suffix: "nofile", "nproc", "core", "fsize", ...
  std::uint64_t soft = 0;
  std::uint64_t hard = 0; // UINT64_MAX is "unlimited"
  Origin origin;
  friend bool operator==(const Rlimit &, const Rlimit &) = default;
};

struct Profile {
  std::string description;

  struct User {
    IdSpec uid;
    IdSpec gid;
    IdMapMethod map = IdMapMethod::automatic;
    Origin map_origin;
    friend bool operator==(const User &, const User &) = default;
  } user;

  // user and mount namespaces are always new; the network namespace follows network.mode.
  struct Namespaces {
    bool pid = true;
    bool ipc = true;
    bool uts = true;
    bool cgroup = true;
    friend bool operator==(const Namespaces &, const Namespaces &) = default;
  } namespaces;

  struct Root {
    std::string source = "host"; // "host" (the host's /), an absolute directory or "image:NAME"
    bool readonly = true;        // without an overlay; an overlay root is always writable
    RootPropagation propagation = RootPropagation::slave;
    // A copy-on-write layer over the source: "ephemeral" changes vanish at exit, "persistent"
    // ones land in overlay_dir/upper (overlay_dir/work is the driver's scratch space).
    OverlayMode overlay = OverlayMode::none;
    std::string overlay_dir;
    OverlayDriver overlay_driver = OverlayDriver::automatic;
    Origin origin;
    Origin overlay_origin;
    friend bool operator==(const Root &, const Root &) = default;
  } root;

  std::vector<MountEntry> mounts; // [[mount]], in order

  struct Filesystem {
    std::vector<std::string> mask;     // hidden: an empty read-only file or dir over them
    std::vector<std::string> readonly; // remounted read-only after pivot_root
    // Directories made read-only after pivot_root, created first (empty) where missing and
    // creatable, so that nothing can be planted in them.
    std::vector<std::string> protect;
    friend bool operator==(const Filesystem &, const Filesystem &) = default;
  } filesystem;

  struct Dev {
    DevMode mode = DevMode::minimal;
    std::vector<std::string> allow; // extra host device paths bound in
    friend bool operator==(const Dev &, const Dev &) = default;
  } dev;

  struct Process {
    std::string cwd;                  // empty: "/"
    std::string hostname = "sandbox"; // set only with a new uts namespace
    EnvSettings env;
    bool new_session = true; // setsid(): the command cannot TIOCSTI the caller's terminal
    bool die_with_parent = true;
    std::uint32_t umask = 022;
    Origin cwd_origin;
    friend bool operator==(const Process &, const Process &) = default;
  } process;

  std::vector<Rlimit> rlimits; // [rlimits], sorted by name

  struct Capabilities {
    std::vector<std::string> keep; // canonical "CAP_NET_BIND_SERVICE" names
    friend bool operator==(const Capabilities &, const Capabilities &) = default;
  } capabilities;

  seccomp::Settings seccomp;

  struct Network {
    NetworkMode mode = NetworkMode::none;
    friend bool operator==(const Network &, const Network &) = default;
  } network;

  friend bool operator==(const Profile &, const Profile &) = default;
};

// Enum <-> TOML spelling, shared by the loader, the renderer and --dry-run.
std::string_view to_string(IdMapMethod);
std::string_view to_string(RootPropagation);
std::string_view to_string(OverlayMode);
std::string_view to_string(OverlayDriver);
std::string_view to_string(DevMode);
std::string_view to_string(NetworkMode);
std::string_view to_string(MountType);
std::optional<IdMapMethod> parse_id_map_method(std::string_view);
std::optional<RootPropagation> parse_root_propagation(std::string_view);
std::optional<OverlayMode> parse_overlay_mode(std::string_view);
std::optional<OverlayDriver> parse_overlay_driver(std::string_view);
std::optional<DevMode> parse_dev_mode(std::string_view);
std::optional<NetworkMode> parse_network_mode(std::string_view);
std::optional<MountType> parse_mount_type(std::string_view);

} // namespace sandbox::profile
