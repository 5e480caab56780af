// SPDX-License-Identifier: Apache-2.0
// Test-only stand-in for src/profile/diagnostic.cpp (the profile loader's), compiled only while
// that file is absent from the tree (see CMakeLists.txt), so the command tests link before the
// profile branch is merged.
#include "profile/diagnostic.hpp"

namespace sandbox::profile {

std::string Diagnostic::line() const {
  return origin.file + ":" + std::to_string(origin.line) + ":" + std::to_string(origin.column) +
         ": " + key + ": " + message;
}

void Diagnostics::throw_if_any() const {
  if (!m_list.empty())
    throw ProfileErrors(m_list);
}

ProfileErrors::ProfileErrors(std::vector<Diagnostic> list) : m_list(std::move(list)) {
  for (const auto &d : m_list)
    m_text += d.line() + "\n";
}

} // namespace sandbox::profile
