// SPDX-License-Identifier: Apache-2.0
#pragma once
// Profile errors are collected, not thrown one at a time: `sandbox profile check` reports all of
// them at once, each as one line "file:line:col: key: message; did you mean 'x'?".

#include <exception>
#include <string>
#include <vector>

#include "profile/schema.hpp"

namespace sandbox::profile {

struct Diagnostic {
  Origin origin;
  std::string key;        // dotted key path, "mount[2].dest"; empty for file-level errors
  std::string message;    // what is wrong and what was expected
  std::string suggestion; // the nearest valid name for a near-miss key, or empty
  [[nodiscard]] std::string line() const;
};

class Diagnostics {
public:
  void add(Diagnostic d) { m_list.push_back(std::move(d)); }
  [[nodiscard]] bool empty() const { return m_list.empty(); }
  [[nodiscard]] const std::vector<Diagnostic> &list() const { return m_list; }
  void throw_if_any() const; // throws ProfileErrors holding every diagnostic
private:
  std::vector<Diagnostic> m_list;
};

class ProfileErrors : public std::exception {
public:
  explicit ProfileErrors(std::vector<Diagnostic> list);
  [[nodiscard]] const std::vector<Diagnostic> &list() const { return m_list; }
  [[nodiscard]] const char *what() const noexcept override { return m_text.c_str(); }

private:
  std::vector<Diagnostic> m_list;
  std::string m_text; // the lines joined with '\n'
};

} // namespace sandbox::profile
