// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one error type of sandbox. A syscall wrapper fills op/path/err; each stage above it adds
// context ("mount #2 (p.toml:31)"), as crun's error wrap does. See docs/errors.md.

#include <exception>
#include <string>
#include <utility>

namespace sandbox {

class Error : public std::exception {
public:
  // A failed system call: errno is the caller's errno, captured before anything else runs.
  static Error from_errno(int err, std::string op, std::string path = {}, std::string path2 = {});
  // A failure that is not a system call (bad input, a missing tool...).
  static Error message(std::string text, std::string hint = {});

  Error &with_context(std::string context); // prepends "context: "
  Error &with_hint(std::string hint);       // replaces the hint

  [[nodiscard]] const std::string &context() const { return m_context; }
  [[nodiscard]] const std::string &op() const { return m_op; }
  [[nodiscard]] const std::string &path() const { return m_path; }
  [[nodiscard]] const std::string &path2() const { return m_path2; }
  [[nodiscard]] int err() const { return m_err; }
  [[nodiscard]] const std::string &text() const { return m_text; }
  [[nodiscard]] const std::string &hint() const { return m_hint; }

  // "context: op PATH -> PATH2: No such file or directory (ENOENT); hint: ..."
  [[nodiscard]] std::string line() const;
  [[nodiscard]] const char *what() const noexcept override;

private:
  std::string m_context, m_op, m_path, m_path2, m_text, m_hint;
  int m_err = 0;
  mutable std::string m_line;
};

// "ENOENT" for ENOENT, "E123" for an errno glibc has no name for.
std::string errno_name(int err);
std::string errno_text(int err);

} // namespace sandbox
