// SPDX-License-Identifier: Apache-2.0
// ${VAR} in path-like values. An unset variable is an error at the value's position, never an
// empty string: "${XDG_RUNTIME_DIR}/x" silently becoming "/x" would bind the wrong thing.
#include "profile/internal.hpp"

#include <array>

namespace sandbox::profile::detail {

namespace {

constexpr std::array<std::string_view, 7> k_variables{
    "HOME", "PWD", "UID", "GID", "USER", "XDG_RUNTIME_DIR", "PROFILE_DIR",
};

constexpr std::string_view k_env_prefix = "ENV:";

} // namespace

void Expander::set_profile_dir(const std::string &file_label, std::string dir) {
  m_profile_dirs[file_label] = std::move(dir);
}

std::optional<std::string> Expander::expand(const toml::node &node, std::string_view key,
                                            Diagnostics &diags) const {
  const auto *value = node.as_string();
  if (value == nullptr)
    return std::nullopt;
  return expand_text(value->get(), origin_of(node), key, diags);
}

std::optional<std::string> Expander::lookup(std::string_view name, const Origin &origin,
                                            std::string_view key, Diagnostics &diags) const {
  auto fail = [&](std::string message, std::string suggestion = {}) -> std::optional<std::string> {
    diags.add({origin, std::string(key), std::move(message), std::move(suggestion)});
    return std::nullopt;
  };
  const std::string shown = "${" + std::string(name) + "}";
  if (name.substr(0, k_env_prefix.size()) == k_env_prefix) {
    const auto env_name = name.substr(k_env_prefix.size());
    if (!is_valid_env_name(env_name))
      return fail("invalid environment variable name in " + shown);
    std::optional<std::string> value;
    if (m_ctx.getenv)
      value = m_ctx.getenv(env_name);
    if (!value)
      return fail("variable " + shown + " is not set");
    return value;
  }
  if (name == "PROFILE_DIR") {
    if (auto it = m_profile_dirs.find(origin.file); it != m_profile_dirs.end())
      return it->second;
    return fail("variable " + shown + " is not set (the profile is not a file)");
  }
  for (auto known : k_variables) {
    if (known != name)
      continue;
    if (auto it = m_ctx.variables.find(name); it != m_ctx.variables.end())
      return it->second;
    return fail("variable " + shown + " is not set");
  }
  auto suggestion = nearest_name(name, k_variables);
  return fail("unknown variable " + shown, suggestion.empty() ? "" : "${" + suggestion + "}");
}

std::optional<std::string> Expander::expand_text(std::string_view text, const Origin &origin,
                                                 std::string_view key, Diagnostics &diags) const {
  std::string out;
  bool ok = true;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (i + 1 >= text.size() || text[i + 1] != '{') {
      diags.add({origin, std::string(key), "a '$' must start ${NAME} or be written as '$$'", {}});
      return std::nullopt;
    }
    const auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      diags.add({origin, std::string(key), "unterminated '${' in " + quote(text), {}});
      return std::nullopt;
    }
    if (auto value = lookup(text.substr(i + 2, close - i - 2), origin, key, diags)) {
      // "${PWD}/.git" with PWD = "/" is "/.git", not "//.git" (any other trailing '/' stays,
      // and the path rules then reject the "//").
      if (*value != "/" || close + 1 >= text.size() || text[close + 1] != '/')
        out += *value;
    } else {
      ok = false;
    }
    i = close + 1;
  }
  if (!ok)
    return std::nullopt;
  return out;
}

std::string escape_dollars(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '$')
      out += '$';
    out += c;
  }
  return out;
}

} // namespace sandbox::profile::detail
