// SPDX-License-Identifier: Apache-2.0
#include "profile/snapshot/snapshot.hpp"

#include "profile/internal.hpp"

namespace sandbox::profile {

namespace {

// Whether `value` passes every check that the variable's stand-in passed (snapshot.hpp).
bool can_stand_in(const snapshot::Variable &variable, std::string_view value) {
  if (variable.path)
    return value != "/" && !detail::path_problem(value);
  return !value.empty() && value != "." && value != ".." &&
         value.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
}

} // namespace

std::optional<Profile> builtin_profile_snapshot(std::string_view name, const LoadContext &ctx) {
  for (const auto &g : snapshot::generated()) {
    if (g.name != name)
      continue;
    snapshot::Values values{};
    for (std::size_t i = 0; i < snapshot::k_variables.size(); ++i) {
      if ((g.used & (1U << i)) == 0)
        continue;
      const auto it = ctx.variables.find(snapshot::k_variables[i].name);
      if (it == ctx.variables.end() || !can_stand_in(snapshot::k_variables[i], it->second))
        return std::nullopt;
      values[i] = it->second;
    }
    return g.make(values);
  }
  return std::nullopt;
}

namespace snapshot {

std::string join(std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (auto part : parts)
    size += part.size();
  std::string out;
  out.reserve(size);
  for (auto part : parts)
    out += part;
  return out;
}

} // namespace snapshot

} // namespace sandbox::profile
