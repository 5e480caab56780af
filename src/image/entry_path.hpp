// SPDX-License-Identifier: Apache-2.0
#pragma once
// What an archive entry's name means, before anything touches the disk (pure: unit-tested).
// Every name in an archive is untrusted: these functions turn it into components that can only
// name something below the image root, or refuse it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sandbox::image {

// An entry path split into components: "" and "." dropped, a leading '/' stripped (as tar
// does; `absolute` says it was there). nullopt when a component is ".." (refused: a name that
// climbs out of the image is never neutralised into something else) or contains a NUL.
struct EntryPath {
  std::vector<std::string> parts; // empty: the image root itself
  bool absolute = false;

  [[nodiscard]] std::string str() const;    // "a/b/c", or "." for the root
  [[nodiscard]] std::string parent() const; // "a/b", or "." when at the top
  [[nodiscard]] const std::string &name() const { return parts.back(); } // parts not empty
};
std::optional<EntryPath> parse_entry_path(std::string_view name);

// OCI layer whiteouts (image-spec layer.md): ".wh.NAME" deletes NAME of the lower layers;
// ".wh..wh..opq" makes its directory opaque (the lower layers' entries in it are gone).
enum class WhiteoutKind { none, whiteout, opaque, invalid };
struct Whiteout {
  WhiteoutKind kind = WhiteoutKind::none;
  std::string target; // for `whiteout`: the name to delete (one component, never "." or "..")
};
Whiteout classify_whiteout(std::string_view basename);

// A blob digest "ALGO:HEX" -> "blobs/ALGO/HEX"; nullopt unless ALGO is [a-z0-9+._-]+ and the
// encoded part [a-zA-Z0-9=_-]+ (image-spec descriptor.md), so it is never a path of its own.
std::optional<std::string> blob_path(std::string_view digest);

} // namespace sandbox::image
