// SPDX-License-Identifier: Apache-2.0
#include "profile/diagnostic.hpp"

namespace sandbox::profile {

std::string Diagnostic::line() const {
  std::string out = origin.str();
  auto append = [&out](std::string_view part) {
    if (part.empty())
      return;
    if (!out.empty())
      out += ": ";
    out += part;
  };
  append(key);
  append(message);
  if (!suggestion.empty())
    out += "; did you mean '" + suggestion + "'?";
  return out;
}

void Diagnostics::throw_if_any() const {
  if (!m_list.empty())
    throw ProfileErrors(m_list);
}

ProfileErrors::ProfileErrors(std::vector<Diagnostic> list) : m_list(std::move(list)) {
  for (const auto &d : m_list) {
    if (!m_text.empty())
      m_text += '\n';
    m_text += d.line();
  }
}

} // namespace sandbox::profile
