// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the plan needs to know about the host. gather_host_facts() (host_facts.cpp, in the exec
// library) is the plan's only impure input; unit tests build HostFacts by hand.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sandbox::plan {

struct SubidRange {
  std::uint32_t start = 0;
  std::uint32_t count = 0;
  friend bool operator==(const SubidRange &, const SubidRange &) = default;
};

enum class PathKind { missing, directory, file, other };

struct HostFacts {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string user;
  std::string home;
  std::string cwd;
  std::vector<std::string> environ; // NAME=VALUE of the caller
  // Filled only when the profile's id map needs them (reading /etc/subuid costs a start-up).
  std::vector<SubidRange> subuids;
  std::vector<SubidRange> subgids;
  std::string newuidmap; // absolute path, empty when not installed
  std::string newgidmap;
  std::function<PathKind(const std::string &)> path_kind;

  // Filled by gather_overlay_facts(), only for profiles with an overlay or an image root.
  struct Overlay {
    std::string kernel_problem;   // why kernel overlayfs cannot work here; empty when it can
    std::string fuse_overlayfs;   // absolute path, empty when not installed
    std::string dev_fuse_problem; // why /dev/fuse cannot be used; empty when it can
    std::string runtime_dir;      // $XDG_RUNTIME_DIR when usable, else /tmp
    // Why the kernel cannot put an upper layer in this directory (it is itself on overlayfs
    // or FUSE); empty when it can. Asked for root.overlay_dir.
    std::function<std::string(const std::string &)> upper_problem;
    // The owner (uid) of a directory, for the lower layer; nullopt when it cannot be read.
    std::function<std::optional<std::uint32_t>(const std::string &)> owner_of;
  };
  std::optional<Overlay> overlay;

  [[nodiscard]] std::optional<std::string_view> getenv(std::string_view name) const;
};

HostFacts gather_host_facts();
// Reads /etc/subuid, /etc/subgid and looks for newuidmap/newgidmap: only for profiles whose id
// map may need them, since it costs every start-up.
void gather_subid_facts(HostFacts &facts);
// Kernel overlayfs support, fuse-overlayfs and /dev/fuse: only for overlay or image roots.
void gather_overlay_facts(HostFacts &facts);

struct PasswdEntry {
  std::string name;
  std::string home;
  friend bool operator==(const PasswdEntry &, const PasswdEntry &) = default;
};
// The /etc/passwd-style line of this uid ("name:x:uid:gid:gecos:home:shell"), if any.
std::optional<PasswdEntry> find_passwd_entry(std::string_view text, std::uint32_t uid);

// Parses /etc/subuid-style text: "name-or-uid:start:count" lines for this user.
std::vector<SubidRange> parse_subid_file(std::string_view text, std::string_view user,
                                         std::uint32_t id);

} // namespace sandbox::plan
