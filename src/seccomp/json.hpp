// SPDX-License-Identifier: Apache-2.0
#pragma once
// A small strict JSON reader (RFC 8259), for importing Docker/OCI seccomp profiles: none of
// sandbox's dependencies reads JSON. Numbers keep their text; objects keep their order.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sandbox::seccomp::json {

struct Value;
struct Member;
using Array = std::vector<Value>;
// A struct rather than std::pair<std::string, Value>: clang 14 with libstdc++ 12 rejects the pair
// of a still-incomplete Value inside the variant below, where a vector of a named struct is fine.
using Object = std::vector<Member>;

struct Number {
  std::string text; // as written
};

struct Value {
  std::variant<std::nullptr_t, bool, Number, std::string, Array, Object> data;
  int line = 0; // where the value starts, 1-based
  int column = 0;

  [[nodiscard]] const Object *object() const { return std::get_if<Object>(&data); }
  [[nodiscard]] const Array *array() const { return std::get_if<Array>(&data); }
  [[nodiscard]] const std::string *string() const { return std::get_if<std::string>(&data); }
  [[nodiscard]] const bool *boolean() const { return std::get_if<bool>(&data); }
  // A non-negative integer that fits in 64 bits; nullopt for anything else.
  [[nodiscard]] std::optional<std::uint64_t> unsigned_integer() const;
  // The member `key` of an object, or nullptr.
  [[nodiscard]] const Value *get(std::string_view key) const;
};

struct Member {
  std::string key;
  Value value;
};

// Throws sandbox::Error "NAME:LINE:COL: what is wrong" on malformed input.
Value parse(std::string_view text, std::string_view name);

} // namespace sandbox::seccomp::json
