// SPDX-License-Identifier: Apache-2.0
// Lexical checks and spellings the loader, the renderer and the overrides share: paths, names,
// octal modes, ids, quoting, and the "did you mean" distance.
#include "profile/internal.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace sandbox::profile::detail {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Optimal string alignment distance: a transposition ("nmae") counts as one edit, which is the
// commonest typo in key names.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

} // namespace

Origin origin_of(const toml::node &node) {
  const auto &src = node.source();
  return {src.path ? *src.path : std::string{}, static_cast<int>(src.begin.line),
          static_cast<int>(src.begin.column)};
}

Origin origin_of(const toml::key &key) {
  const auto &src = key.source();
  return {src.path ? *src.path : std::string{}, static_cast<int>(src.begin.line),
          static_cast<int>(src.begin.column)};
}

std::string_view type_name(const toml::node &node) {
  switch (node.type()) {
  case toml::node_type::table:
    return "a table";
  case toml::node_type::array:
    return "an array";
  case toml::node_type::string:
    return "a string";
  case toml::node_type::integer:
    return "an integer";
  case toml::node_type::floating_point:
    return "a floating-point number";
  case toml::node_type::boolean:
    return "a boolean";
  case toml::node_type::date:
    return "a date";
  case toml::node_type::time:
    return "a time";
  case toml::node_type::date_time:
    return "a date-time";
  case toml::node_type::none:
    break;
  }
  return "nothing";
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(c));
        out += buf;
      } else {
        out += c;
      }
    }
  }
  out += '"';
  return out;
}

std::string nearest_name(std::string_view name, std::span<const std::string_view> candidates) {
  // Short names are two edits away from many unrelated ones ("NOPE" -> "HOME").
  const std::size_t limit = name.size() <= 5 ? 1 : 2;
  std::string_view best;
  std::size_t best_distance = limit + 1;
  for (auto candidate : candidates) {
    const std::size_t distance = edit_distance(name, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return std::string(best);
}

std::optional<std::string> path_problem(std::string_view path) {
  auto got = [&path](std::string_view what) { return std::string(what) + ", got " + quote(path); };
  if (path.empty() || path.front() != '/')
    return got("must be an absolute path");
  if (path.find('\0') != std::string_view::npos)
    return got("must not contain a NUL character");
  if (path == "/")
    return std::nullopt;
  if (path.back() == '/')
    return got("must not end with \"/\"");
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    const auto component = path.substr(start, end - start);
    if (component.empty())
      return got("must not contain \"//\"");
    if (component == ".")
      return got("must not contain \".\" components");
    if (component == "..")
      return got("must not contain \"..\" components");
    start = end + 1;
  }
  return std::nullopt;
}

bool is_valid_hostname(std::string_view name) {
  // HOST_NAME_MAX is 64; each label as in RFC 1123.
  if (name.empty() || name.size() > 64)
    return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos)
      end = name.size();
    const auto label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; }))
      return false;
    start = end + 1;
  }
  return true;
}

bool is_valid_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return is_alnum(c) || c == '_'; });
}

bool is_valid_env_pattern(std::string_view pattern) {
  if (pattern.empty())
    return false;
  return std::all_of(pattern.begin(), pattern.end(), [](char c) {
    return is_alnum(c) || c == '_' || c == '*' || c == '?' || c == '[' || c == ']' || c == '!' ||
           c == '-';
  });
}

std::optional<std::uint32_t> parse_octal(std::string_view text) {
  if (text.empty() || text.size() > 4)
    return std::nullopt;
  std::uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '7')
      return std::nullopt;
    value = value * 8 + static_cast<std::uint32_t>(c - '0');
  }
  return value;
}

std::string format_octal(std::uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", value);
  return buf;
}

std::optional<IdSpec> parse_id_text(std::string_view text) {
  if (text == "self")
    return IdSpec{};
  if (text.empty() || text.size() > 10)
    return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > k_max_id)
    return std::nullopt;
  return IdSpec{false, static_cast<std::uint32_t>(value)};
}

std::optional<std::string_view> image_name_of(std::string_view source) {
  constexpr std::string_view prefix = "image:";
  if (!source.starts_with(prefix))
    return std::nullopt;
  return source.substr(prefix.size());
}

} // namespace sandbox::profile::detail
