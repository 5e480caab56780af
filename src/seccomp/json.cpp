// SPDX-License-Identifier: Apache-2.0
#include "seccomp/json.hpp"

#include <charconv>

#include "util/error.hpp"

namespace sandbox::seccomp::json {

std::optional<std::uint64_t> Value::unsigned_integer() const {
  const auto *n = std::get_if<Number>(&data);
  if (!n)
    return std::nullopt;
  std::uint64_t out = 0;
  auto [ptr, ec] = std::from_chars(n->text.data(), n->text.data() + n->text.size(), out);
  if (ec != std::errc{} || ptr != n->text.data() + n->text.size())
    return std::nullopt;
  return out;
}

const Value *Value::get(std::string_view key) const {
  if (const auto *o = object())
    for (const auto &[k, v] : *o)
      if (k == key)
        return &v;
  return nullptr;
}

namespace {

constexpr int k_max_depth = 64;

class Parser {
public:
  Parser(std::string_view text, std::string_view name) : m_text(text), m_name(name) {}

  Value document() {
    Value v = value(0);
    skip_space();
    if (m_pos != m_text.size())
      fail("unexpected text after the JSON value");
    return v;
  }

private:
  [[noreturn]] void fail(const std::string &what) const {
    throw Error::message(std::string(m_name) + ":" + std::to_string(m_line) + ":" +
                         std::to_string(m_pos - m_line_start + 1) + ": " + what);
  }

  void skip_space() {
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos];
      if (c == '\n') {
        ++m_line;
        m_line_start = m_pos + 1;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        return;
      }
      ++m_pos;
    }
  }

  bool eat(char c) {
    skip_space();
    if (m_pos < m_text.size() && m_text[m_pos] == c) {
      ++m_pos;
      return true;
    }
    return false;
  }

  void expect(char c) {
    if (!eat(c))
      fail(std::string("expected '") + c + "'");
  }

  Value value(int depth) {
    if (depth > k_max_depth)
      fail("nested too deeply");
    skip_space();
    Value v;
    v.line = m_line;
    v.column = static_cast<int>(m_pos - m_line_start + 1);
    if (m_pos >= m_text.size())
      fail("unexpected end of input");
    const char c = m_text[m_pos];
    if (c == '{') {
      ++m_pos;
      Object o;
      if (!eat('}')) {
        do {
          skip_space();
          if (m_pos >= m_text.size() || m_text[m_pos] != '"')
            fail("expected a string key");
          std::string key = string();
          expect(':');
          o.push_back(Member{std::move(key), value(depth + 1)});
        } while (eat(','));
        expect('}');
      }
      v.data = std::move(o);
    } else if (c == '[') {
      ++m_pos;
      Array a;
      if (!eat(']')) {
        do
          a.push_back(value(depth + 1));
        while (eat(','));
        expect(']');
      }
      v.data = std::move(a);
    } else if (c == '"') {
      v.data = string();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.data = number();
    } else if (m_text.substr(m_pos, 4) == "true") {
      m_pos += 4;
      v.data = true;
    } else if (m_text.substr(m_pos, 5) == "false") {
      m_pos += 5;
      v.data = false;
    } else if (m_text.substr(m_pos, 4) == "null") {
      m_pos += 4;
      v.data = nullptr;
    } else {
      fail("expected a JSON value");
    }
    return v;
  }

  Number number() {
    const std::size_t start = m_pos;
    auto digits = [&] {
      const std::size_t from = m_pos;
      while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9')
        ++m_pos;
      if (m_pos == from)
        fail("expected a digit");
    };
    if (m_text[m_pos] == '-')
      ++m_pos;
    if (m_pos < m_text.size() && m_text[m_pos] == '0')
      ++m_pos; // no leading zeros
    else
      digits();
    if (m_pos < m_text.size() && m_text[m_pos] == '.') {
      ++m_pos;
      digits();
    }
    if (m_pos < m_text.size() && (m_text[m_pos] == 'e' || m_text[m_pos] == 'E')) {
      ++m_pos;
      if (m_pos < m_text.size() && (m_text[m_pos] == '+' || m_text[m_pos] == '-'))
        ++m_pos;
      digits();
    }
    return Number{std::string(m_text.substr(start, m_pos - start))};
  }

  unsigned hex4() {
    if (m_pos + 4 > m_text.size())
      fail("incomplete \\u escape");
    unsigned out = 0;
    auto [ptr, ec] = std::from_chars(m_text.data() + m_pos, m_text.data() + m_pos + 4, out, 16);
    if (ec != std::errc{} || ptr != m_text.data() + m_pos + 4)
      fail("bad \\u escape");
    m_pos += 4;
    return out;
  }

  void append_utf8(std::string &out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  std::string string() {
    ++m_pos; // the opening quote
    std::string out;
    while (true) {
      if (m_pos >= m_text.size())
        fail("unterminated string");
      const char c = m_text[m_pos++];
      if (c == '"')
        return out;
      if (static_cast<unsigned char>(c) < 0x20)
        fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (m_pos >= m_text.size())
        fail("unterminated string");
      const char e = m_text[m_pos++];
      switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        unsigned cp = hex4();
        if (cp >= 0xd800 && cp < 0xdc00) {
          if (m_text.substr(m_pos, 2) != "\\u")
            fail("lone surrogate in \\u escape");
          m_pos += 2;
          const unsigned low = hex4();
          if (low < 0xdc00 || low >= 0xe000)
            fail("bad surrogate pair");
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        } else if (cp >= 0xdc00 && cp < 0xe000) {
          fail("lone surrogate in \\u escape");
        }
        append_utf8(out, cp);
        break;
      }
      default:
        fail(std::string("bad escape \\") + e);
      }
    }
  }

  std::string_view m_text;
  std::string_view m_name;
  std::size_t m_pos = 0;
  std::size_t m_line_start = 0;
  int m_line = 1;
};

} // namespace

Value parse(std::string_view text, std::string_view name) {
  return Parser(text, name).document();
}

} // namespace sandbox::seccomp::json
