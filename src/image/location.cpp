// SPDX-License-Identifier: Apache-2.0
#include "image/location.hpp"

#include <algorithm>
#include <cctype>

namespace sandbox::image {

std::string store_dir(std::optional<std::string_view> xdg_data_home, std::string_view home) {
  if (xdg_data_home && xdg_data_home->starts_with("/"))
    return std::string(*xdg_data_home) + "/sandbox/images";
  return std::string(home) + "/.local/share/sandbox/images";
}

std::string rootfs_dir(std::string_view store, std::string_view name) {
  return std::string(store) + "/" + std::string(name) + "/rootfs";
}

bool is_valid_name(std::string_view name) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (name.empty() || name.size() > 128 || !alnum(name.front()))
    return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

} // namespace sandbox::image
