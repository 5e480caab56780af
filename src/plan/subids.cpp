// SPDX-License-Identifier: Apache-2.0
#include <charconv>

#include "plan/host_facts.hpp"

namespace sandbox::plan {

namespace {
std::optional<std::uint32_t> parse_u32(std::string_view s) {
  std::uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty())
    return std::nullopt;
  return v;
}
} // namespace

std::vector<SubidRange> parse_subid_file(std::string_view text, std::string_view user,
                                         std::uint32_t id) {
  // subuid(5): "owner:start:count", owner a login name or a numeric id.
  std::vector<SubidRange> out;
  const std::string id_text = std::to_string(id);
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    auto c1 = line.find(':');
    auto c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos)
      continue;
    auto owner = line.substr(0, c1);
    if (owner != user && owner != id_text)
      continue;
    auto start = parse_u32(line.substr(c1 + 1, c2 - c1 - 1));
    auto count = parse_u32(line.substr(c2 + 1));
    if (start && count && *count > 0)
      out.push_back({*start, *count});
  }
  return out;
}

std::optional<PasswdEntry> find_passwd_entry(std::string_view text, std::uint32_t uid) {
  // passwd(5): name:password:uid:gid:gecos:home:shell
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    std::string_view fields[7];
    std::size_t count = 0;
    for (std::string_view rest = line; count < 7;) {
      auto colon = rest.find(':');
      fields[count++] = rest.substr(0, colon);
      if (colon == std::string_view::npos)
        break;
      rest.remove_prefix(colon + 1);
    }
    if (count < 6 || fields[0].empty() || parse_u32(fields[2]) != uid)
      continue;
    return PasswdEntry{std::string(fields[0]), std::string(fields[5])};
  }
  return std::nullopt;
}

std::optional<std::string_view> HostFacts::getenv(std::string_view name) const {
  for (const auto &e : environ)
    if (e.size() > name.size() && e[name.size()] == '=' && e.starts_with(name))
      return std::string_view(e).substr(name.size() + 1);
  return std::nullopt;
}

} // namespace sandbox::plan
