// SPDX-License-Identifier: Apache-2.0
#pragma once
// Files from profiles/ built into the binary (cmake/EmbedFiles.cmake), so a build works with
// nothing installed. Paths are relative to profiles/: "default.toml", "seccomp/default.toml".

#include <optional>
#include <span>
#include <string_view>

namespace sandbox {

struct EmbeddedFile {
  std::string_view path;
  std::string_view content;
};

std::span<const EmbeddedFile> embedded_files();

inline std::optional<std::string_view> find_embedded_file(std::string_view path) {
  for (const auto &f : embedded_files())
    if (f.path == path)
      return f.content;
  return std::nullopt;
}

} // namespace sandbox
