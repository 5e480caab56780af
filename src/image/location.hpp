// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where images live, and how a name maps to a directory (pure: shared by the plan and the
// `sandbox image` commands).

#include <optional>
#include <string>
#include <string_view>

namespace sandbox::image {

// $XDG_DATA_HOME/sandbox/images, or $HOME/.local/share/sandbox/images (XDG base directory
// spec: a relative XDG_DATA_HOME is ignored).
std::string store_dir(std::optional<std::string_view> xdg_data_home, std::string_view home);

// The directory that becomes / for image NAME.
std::string rootfs_dir(std::string_view store, std::string_view name);

// Letters, digits, '.', '_', '-', starting with a letter or digit, at most 128 characters:
// never a path ("..", "/").
bool is_valid_name(std::string_view name);

} // namespace sandbox::image
