// SPDX-License-Identifier: Apache-2.0
#include "util/error.hpp"

#include <cstring>

namespace sandbox {

Error Error::from_errno(int err, std::string op, std::string path, std::string path2) {
  Error e;
  e.m_err = err;
  e.m_op = std::move(op);
  e.m_path = std::move(path);
  e.m_path2 = std::move(path2);
  return e;
}

Error Error::message(std::string text, std::string hint) {
  Error e;
  e.m_text = std::move(text);
  e.m_hint = std::move(hint);
  return e;
}

Error &Error::with_context(std::string context) {
  m_context = m_context.empty() ? std::move(context) : context + ": " + m_context;
  m_line.clear();
  return *this;
}

Error &Error::with_hint(std::string hint) {
  m_hint = std::move(hint);
  m_line.clear();
  return *this;
}

std::string Error::line() const {
  std::string out = m_context;
  auto sep = [&out] {
    if (!out.empty())
      out += ": ";
  };
  if (!m_op.empty()) {
    sep();
    out += m_op;
    if (!m_path.empty())
      out += " " + m_path;
    if (!m_path2.empty())
      out += " -> " + m_path2;
  }
  if (!m_text.empty()) {
    sep();
    out += m_text;
  }
  if (m_err != 0) {
    sep();
    out += errno_text(m_err) + " (" + errno_name(m_err) + ")";
  }
  if (!m_hint.empty())
    out += "; hint: " + m_hint;
  return out;
}

const char *Error::what() const noexcept {
  try {
    if (m_line.empty())
      m_line = line();
    return m_line.c_str();
  } catch (...) {
    return "sandbox error (out of memory while formatting it)";
  }
}

std::string errno_name(int err) {
  if (const char *name = strerrorname_np(err))
    return name;
  return "E" + std::to_string(err);
}

std::string errno_text(int err) {
  if (const char *text = strerrordesc_np(err))
    return text;
  return "Unknown error " + std::to_string(err);
}

} // namespace sandbox
