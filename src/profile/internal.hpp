// SPDX-License-Identifier: Apache-2.0
#pragma once
// Shared by the profile loader's .cpp files only; not a contract for other modules.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/toml.hpp"

#include "profile/diagnostic.hpp"
#include "profile/load.hpp"
#include "profile/schema.hpp"

namespace sandbox::profile::detail {

// --- lexical.cpp: names, paths, quoting --------------------------------------------------------

Origin origin_of(const toml::node &node);
Origin origin_of(const toml::key &key);
// "a string", "an integer", ... for "expected X, got Y".
std::string_view type_name(const toml::node &node);
// A TOML basic string: "a\"b". Used in messages and by the renderer.
std::string quote(std::string_view text);
// The candidate closest to `name` (Damerau-Levenshtein, case-insensitive) if it is close enough
// to be a plausible typo; empty otherwise.
std::string nearest_name(std::string_view name, std::span<const std::string_view> candidates);
// Why `path` is not an absolute normalised path, or nullopt when it is one.
std::optional<std::string> path_problem(std::string_view path);
bool is_valid_hostname(std::string_view name);
bool is_valid_env_name(std::string_view name);
// Names with shell-glob characters, as in process.env.keep = ["LC_*"].
bool is_valid_env_pattern(std::string_view pattern);
// "0022", "1777": up to four octal digits.
std::optional<std::uint32_t> parse_octal(std::string_view text);
std::string format_octal(std::uint32_t value); // at least four digits
// "self" or a decimal 0..4294967294 (4294967295 is the kernel's "no id").
std::optional<IdSpec> parse_id_text(std::string_view text);
inline constexpr std::uint32_t k_max_id = 4294967294U;

// --- capabilities.cpp --------------------------------------------------------------------------

// "CAP_NET_RAW", "cap_net_raw" and "net_raw" all give "CAP_NET_RAW"; nullopt when unknown.
std::optional<std::string> canonical_capability(std::string_view name);
std::span<const std::string_view> capability_names();

// --- expand.cpp ----------------------------------------------------------------------------------

// Expands ${VAR} in string values. ${PROFILE_DIR} depends on the file a node was parsed from,
// which the loader registers as it reads each file.
class Expander {
public:
  explicit Expander(const LoadContext &ctx) : m_ctx(ctx) {}
  void set_profile_dir(const std::string &file_label, std::string dir);
  // The expanded string value of `node`; reports (under `key`) and returns nullopt on failure.
  std::optional<std::string> expand(const toml::node &node, std::string_view key,
                                    Diagnostics &diags) const;
  // Expands `text` as if it were at `origin`.
  std::optional<std::string> expand_text(std::string_view text, const Origin &origin,
                                         std::string_view key, Diagnostics &diags) const;

private:
  std::optional<std::string> lookup(std::string_view name, const Origin &origin,
                                    std::string_view key, Diagnostics &diags) const;
  const LoadContext &m_ctx;
  std::map<std::string, std::string, std::less<>> m_profile_dirs;
};

// Escapes '$' as "$$" so that a rendered value reads back unchanged.
std::string escape_dollars(std::string_view text);

// --- extends.cpp -------------------------------------------------------------------------------

// Merges `child` into `base`: tables recursively, arrays concatenated (base first), anything
// else replaced. Nodes are moved, so they keep their source positions.
void merge_tables(toml::table &base, toml::table &&child);
// Drops the value at a dotted key path ("process.env.keep") from `table`, if present.
void drop_key_path(toml::table &table, std::string_view path);
// Whether `path` names a key a `reset` entry may name; `suggestion` gets the nearest valid one.
bool is_resettable_key_path(std::string_view path, std::string &suggestion);

// --- validate*.cpp -----------------------------------------------------------------------------

// Known keys of each table, for "unknown key" errors and `reset` checks. "" is the top level.
struct KeySet {
  std::string_view table;
  std::span<const std::string_view> keys;
};
std::span<const KeySet> known_key_sets();
std::span<const std::string_view> rlimit_names();

// Builds `out` (default-initialised) from the merged profile table, reporting every problem.
void build_profile(const toml::table &root, Profile &out, Diagnostics &diags,
                   const Expander &expander);

// Helpers shared by validate.cpp and validate_mount.cpp.
class Checker {
public:
  Checker(Diagnostics &diags, const Expander &expander) : m_diags(diags), m_expander(expander) {}
  void error(const toml::node &node, std::string key, std::string message,
             std::string suggestion = {});
  void check_unknown_keys(const toml::table &table, std::string_view prefix,
                          std::span<const std::string_view> known);
  const toml::table *table(const toml::node &node, std::string_view key);
  const toml::array *array(const toml::node &node, std::string_view key);
  std::optional<bool> boolean(const toml::node &node, std::string_view key);
  std::optional<std::string> string(const toml::node &node, std::string_view key);
  // A string with ${VAR} expanded.
  std::optional<std::string> expanded(const toml::node &node, std::string_view key);
  // An expanded absolute normalised path.
  std::optional<std::string> path(const toml::node &node, std::string_view key);
  // Every element an expanded absolute path (errors per element, "key[i]").
  std::vector<std::string> path_array(const toml::node &node, std::string_view key);
  template <typename Enum>
  std::optional<Enum> enumeration(const toml::node &node, std::string_view key,
                                  std::optional<Enum> (*parse)(std::string_view),
                                  std::span<const std::string_view> names);
  std::optional<std::uint32_t> octal(const toml::node &node, std::string_view key,
                                     std::uint32_t max);
  Diagnostics &diags() { return m_diags; }

private:
  Diagnostics &m_diags;
  const Expander &m_expander;
};

template <typename Enum>
std::optional<Enum> Checker::enumeration(const toml::node &node, std::string_view key,
                                         std::optional<Enum> (*parse)(std::string_view),
                                         std::span<const std::string_view> names) {
  auto text = string(node, key);
  if (!text)
    return std::nullopt;
  if (auto value = parse(*text))
    return value;
  std::string expected;
  for (auto name : names)
    expected += (expected.empty() ? "" : ", ") + quote(name);
  error(node, std::string(key), "expected one of " + expected + ", got " + quote(*text),
        nearest_name(*text, names));
  return std::nullopt;
}

void build_mounts(Checker &check, const toml::node &node, std::vector<MountEntry> &out);

// Enum spellings, for messages and suggestions.
std::span<const std::string_view> mount_type_names();
std::span<const std::string_view> id_map_method_names();
std::span<const std::string_view> root_propagation_names();
std::span<const std::string_view> overlay_mode_names();
std::span<const std::string_view> overlay_driver_names();
// "image:NAME": the name when `source` names an image, nullopt otherwise.
std::optional<std::string_view> image_name_of(std::string_view source);
std::span<const std::string_view> dev_mode_names();
std::span<const std::string_view> network_mode_names();

} // namespace sandbox::profile::detail
