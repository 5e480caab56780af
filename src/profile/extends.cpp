// SPDX-License-Identifier: Apache-2.0
// `extends` merging happens on TOML tables, before typed conversion, so that one rule covers
// every key (including ones owned by the seccomp module) and every node keeps its file:line:col.
#include "profile/internal.hpp"

namespace sandbox::profile::detail {

void merge_tables(toml::table &base, toml::table &&child) {
  for (auto &&[key, node] : child) {
    auto it = base.find(key.str());
    if (it == base.end()) {
      base.insert(key, std::move(node));
      continue;
    }
    auto *base_table = it->second.as_table();
    auto *child_table = node.as_table();
    if (base_table != nullptr && child_table != nullptr) {
      merge_tables(*base_table, std::move(*child_table));
      continue;
    }
    auto *base_array = it->second.as_array();
    auto *child_array = node.as_array();
    if (base_array != nullptr && child_array != nullptr) {
      for (auto &element : *child_array)
        base_array->push_back(std::move(element));
      continue;
    }
    // Scalars, and values whose type changed: the child wins (and validation judges its type).
    base.insert_or_assign(key, std::move(node));
  }
}

void drop_key_path(toml::table &table, std::string_view path) {
  toml::table *current = &table;
  while (true) {
    const auto dot = path.find('.');
    if (dot == std::string_view::npos) {
      current->erase(path);
      return;
    }
    auto *next = current->get_as<toml::table>(path.substr(0, dot));
    if (next == nullptr)
      return;
    current = next;
    path = path.substr(dot + 1);
  }
}

bool is_resettable_key_path(std::string_view path, std::string &suggestion) {
  // seccomp owns its keys; any path under it is left to it.
  if (path == "seccomp" || path.substr(0, 8) == "seccomp.")
    return path.size() != 8;
  std::vector<std::string> candidates;
  for (const auto &set : known_key_sets()) {
    // A [[mount]] entry's keys are per element, and [profile] is never inherited.
    if (set.table == "mount" || set.table == "profile")
      continue;
    for (auto key : set.keys) {
      if (set.table.empty() && key == "profile")
        continue;
      candidates.push_back(set.table.empty() ? std::string(key)
                                             : std::string(set.table) + "." + std::string(key));
    }
  }
  for (const auto &candidate : candidates)
    if (candidate == path)
      return true;
  std::vector<std::string_view> views(candidates.begin(), candidates.end());
  suggestion = nearest_name(path, views);
  return false;
}

} // namespace sandbox::profile::detail
