// SPDX-License-Identifier: Apache-2.0
// Enum <-> TOML spelling. One table per enum, so that parse and print cannot disagree.
#include "profile/schema.hpp"
#include "profile/internal.hpp"

#include <array>
#include <utility>

namespace sandbox::profile {

namespace {

template <typename Enum, std::size_t N>
using Table = std::array<std::pair<Enum, std::string_view>, N>;

constexpr Table<IdMapMethod, 3> k_id_map_methods{{
    {IdMapMethod::automatic, "auto"},
    {IdMapMethod::single, "single"},
    {IdMapMethod::subids, "subids"},
}};
constexpr Table<RootPropagation, 2> k_root_propagations{{
    {RootPropagation::slave, "slave"},
    {RootPropagation::private_, "private"},
}};
constexpr Table<OverlayMode, 3> k_overlay_modes{{
    {OverlayMode::none, "none"},
    {OverlayMode::ephemeral, "ephemeral"},
    {OverlayMode::persistent, "persistent"},
}};
constexpr Table<OverlayDriver, 3> k_overlay_drivers{{
    {OverlayDriver::automatic, "auto"},
    {OverlayDriver::kernel, "kernel"},
    {OverlayDriver::fuse, "fuse-overlayfs"},
}};
constexpr Table<DevMode, 3> k_dev_modes{{
    {DevMode::minimal, "minimal"},
    {DevMode::host, "host"},
    {DevMode::none, "none"},
}};
constexpr Table<NetworkMode, 2> k_network_modes{{
    {NetworkMode::none, "none"},
    {NetworkMode::host, "host"},
}};
constexpr Table<MountType, 11> k_mount_types{{
    {MountType::bind, "bind"},
    {MountType::ro_bind, "ro-bind"},
    {MountType::dev_bind, "dev-bind"},
    {MountType::tmpfs, "tmpfs"},
    {MountType::proc, "proc"},
    {MountType::devpts, "devpts"},
    {MountType::mqueue, "mqueue"},
    {MountType::sysfs, "sysfs"},
    {MountType::dir, "dir"},
    {MountType::file, "file"},
    {MountType::symlink, "symlink"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const Table<Enum, N> &table, Enum value) {
  for (const auto &[e, name] : table)
    if (e == value)
      return name;
  return "?";
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse_in(const Table<Enum, N> &table, std::string_view text) {
  for (const auto &[e, name] : table)
    if (name == text)
      return e;
  return std::nullopt;
}

template <typename Enum, std::size_t N>
constexpr std::array<std::string_view, N> names_of(const Table<Enum, N> &table) {
  std::array<std::string_view, N> out{};
  for (std::size_t i = 0; i < N; ++i)
    out[i] = table[i].second;
  return out;
}

constexpr auto k_id_map_method_names = names_of(k_id_map_methods);
constexpr auto k_root_propagation_names = names_of(k_root_propagations);
constexpr auto k_overlay_mode_names = names_of(k_overlay_modes);
constexpr auto k_overlay_driver_names = names_of(k_overlay_drivers);
constexpr auto k_dev_mode_names = names_of(k_dev_modes);
constexpr auto k_network_mode_names = names_of(k_network_modes);
constexpr auto k_mount_type_names = names_of(k_mount_types);

} // namespace

std::string Origin::str() const {
  if (line <= 0)
    return file;
  std::string out = file + ":" + std::to_string(line);
  if (column > 0)
    out += ":" + std::to_string(column);
  return out;
}

std::string_view to_string(IdMapMethod v) {
  return name_of(k_id_map_methods, v);
}
std::string_view to_string(RootPropagation v) {
  return name_of(k_root_propagations, v);
}
std::string_view to_string(OverlayMode v) {
  return name_of(k_overlay_modes, v);
}
std::string_view to_string(OverlayDriver v) {
  return name_of(k_overlay_drivers, v);
}
std::string_view to_string(DevMode v) {
  return name_of(k_dev_modes, v);
}
std::string_view to_string(NetworkMode v) {
  return name_of(k_network_modes, v);
}
std::string_view to_string(MountType v) {
  return name_of(k_mount_types, v);
}

std::optional<IdMapMethod> parse_id_map_method(std::string_view s) {
  return parse_in(k_id_map_methods, s);
}
std::optional<RootPropagation> parse_root_propagation(std::string_view s) {
  return parse_in(k_root_propagations, s);
}
std::optional<OverlayMode> parse_overlay_mode(std::string_view s) {
  return parse_in(k_overlay_modes, s);
}
std::optional<OverlayDriver> parse_overlay_driver(std::string_view s) {
  return parse_in(k_overlay_drivers, s);
}
std::optional<DevMode> parse_dev_mode(std::string_view s) {
  return parse_in(k_dev_modes, s);
}
std::optional<NetworkMode> parse_network_mode(std::string_view s) {
  return parse_in(k_network_modes, s);
}
std::optional<MountType> parse_mount_type(std::string_view s) {
  return parse_in(k_mount_types, s);
}

namespace detail {
std::span<const std::string_view> mount_type_names() {
  return k_mount_type_names;
}
std::span<const std::string_view> id_map_method_names() {
  return k_id_map_method_names;
}
std::span<const std::string_view> root_propagation_names() {
  return k_root_propagation_names;
}
std::span<const std::string_view> overlay_mode_names() {
  return k_overlay_mode_names;
}
std::span<const std::string_view> overlay_driver_names() {
  return k_overlay_driver_names;
}
std::span<const std::string_view> dev_mode_names() {
  return k_dev_mode_names;
}
std::span<const std::string_view> network_mode_names() {
  return k_network_mode_names;
}
} // namespace detail

} // namespace sandbox::profile
