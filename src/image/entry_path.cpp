// SPDX-License-Identifier: Apache-2.0
#include "image/entry_path.hpp"

#include <algorithm>

namespace sandbox::image {

namespace {

std::string join(const std::vector<std::string> &parts, size_t count) {
  if (count == 0)
    return ".";
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0)
      out += '/';
    out += parts[i];
  }
  return out;
}

} // namespace

std::string EntryPath::str() const {
  return join(parts, parts.size());
}

std::string EntryPath::parent() const {
  return join(parts, parts.empty() ? 0 : parts.size() - 1);
}

std::optional<EntryPath> parse_entry_path(std::string_view name) {
  EntryPath p;
  if (name.find('\0') != std::string_view::npos)
    return std::nullopt;
  p.absolute = name.starts_with('/');
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos)
      end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part == "..")
      return std::nullopt;
    if (!part.empty() && part != ".")
      p.parts.emplace_back(part);
    start = end + 1;
  }
  return p;
}

Whiteout classify_whiteout(std::string_view basename) {
  constexpr std::string_view prefix = ".wh.";
  if (!basename.starts_with(prefix))
    return {};
  if (basename == ".wh..wh..opq")
    return {WhiteoutKind::opaque, {}};
  std::string_view target = basename.substr(prefix.size());
  // ".wh." alone, ".wh..", ".wh...": they would name the directory itself or its parent.
  if (target.empty() || target == "." || target == ".." || target.find('/') != target.npos)
    return {WhiteoutKind::invalid, {}};
  // Other ".wh..wh.*" names are reserved by the spec for the runtime: never valid in a layer.
  if (target.starts_with(prefix))
    return {WhiteoutKind::invalid, {}};
  return {WhiteoutKind::whiteout, std::string(target)};
}

std::optional<std::string> blob_path(std::string_view digest) {
  const size_t colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == digest.size())
    return std::nullopt;
  std::string_view algo = digest.substr(0, colon);
  std::string_view encoded = digest.substr(colon + 1);
  auto algo_ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '_' ||
           c == '-';
  };
  auto encoded_ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '=' ||
           c == '_' || c == '-';
  };
  if (!std::all_of(algo.begin(), algo.end(), algo_ok) ||
      !std::all_of(encoded.begin(), encoded.end(), encoded_ok))
    return std::nullopt;
  // Separators of the algorithm ("sha256+b64u") are fine in a name, but not a lone "." or "..".
  if (algo == "." || algo == "..")
    return std::nullopt;
  return "blobs/" + std::string(algo) + "/" + std::string(encoded);
}

} // namespace sandbox::image
