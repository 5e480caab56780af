// SPDX-License-Identifier: Apache-2.0
#pragma once
// `sandbox run` flags, each an override of one profile key. Applied after the profile and its
// `extends` chain are merged, always last and never in flag order (nsjail's -C lesson).

#include <optional>
#include <string>
#include <vector>

#include "profile/diagnostic.hpp"
#include "profile/schema.hpp"

namespace sandbox::profile {

struct Overrides {
  std::vector<std::string> bind;       // --bind SRC[:DST]     appends a [[mount]] type="bind"
  std::vector<std::string> ro_bind;    // --ro-bind SRC[:DST]  appends a [[mount]] type="ro-bind"
  std::vector<std::string> tmpfs;      // --tmpfs DST          appends a [[mount]] type="tmpfs"
  std::vector<std::string> setenv;     // --setenv K=V         process.env.set
  std::vector<std::string> unsetenv;   // --unsetenv K         process.env.unset
  std::optional<std::string> chdir;    // --chdir D            process.cwd
  std::optional<std::string> hostname; // --hostname H       process.hostname
  std::optional<std::string> uid;      // --uid N|self         user.uid
  std::optional<std::string> gid;      // --gid N|self         user.gid
  std::vector<std::string>
      share; // --share net|pid|ipc|uts|cgroup  namespaces.X = false / network.mode = "host"
  std::optional<std::string> root;    // --root DIR|image:NAME  root.source
  std::optional<std::string> overlay; // --overlay DIR|ephemeral|none  root.overlay (+ overlay_dir)
  std::optional<std::string> overlay_driver; // --overlay-driver D  root.overlay_driver
  std::vector<std::string> volume;           // --volume SRC:DST[:ro|rw]  appends a bind or ro-bind
  std::optional<std::string> seccomp;        // --seccomp POLICY    seccomp.policy

  bool operator==(const Overrides &) const = default;
};

// Applies `o` to `p`. Bad values (a relative --tmpfs, --share foo, --uid -1) are reported in
// `diags` with the flag as origin; variables are not expanded in flags (the shell did that).
void apply_overrides(Profile &p, const Overrides &o, Diagnostics &diags);

} // namespace sandbox::profile
