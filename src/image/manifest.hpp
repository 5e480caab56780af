// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading OCI image layouts (index.json, image manifests) and `docker save` archives
// (manifest.json): which layers to apply, in which order (pure: unit-tested). Every path that
// comes out of here is a relative path inside the layout, never ".." or absolute; the caller
// still opens it with RESOLVE_IN_ROOT.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sandbox::image {

struct Descriptor {
  std::string media_type;
  std::string digest;
  std::string platform; // "linux/amd64", "linux/arm/v7", or "" when the index does not say
};

// index.json (or a nested index): the manifest to use. When any entry names a platform, the
// first for linux/`architecture`; else the first entry. Throws sandbox::Error (naming `source`)
// when there is nothing to use.
struct ManifestChoice {
  Descriptor manifest;
  std::size_t count = 0; // entries in the index
  std::string why;       // "the first of 1 manifests", "linux/amd64, 2 of 3 manifests"
};
ManifestChoice choose_manifest(std::string_view index_json, std::string_view source,
                               std::string_view architecture);

// An image index rather than an image manifest (OCI index, Docker manifest list).
bool is_index_media_type(std::string_view media_type);

// An OCI/Docker v2 image manifest: its layers, bottom first, as blob paths.
struct Layer {
  std::string path;   // "blobs/sha256/HEX"
  std::string digest; // "sha256:HEX", or the path for docker-save layers
  std::string media_type;
};
std::vector<Layer> parse_image_manifest(std::string_view manifest_json, std::string_view source);

// `docker save`'s manifest.json: the first image's layers, and its first tag.
struct DockerImage {
  std::vector<Layer> layers;
  std::string tag;
  std::size_t count = 0; // images in the archive
};
DockerImage parse_docker_manifest(std::string_view manifest_json, std::string_view source);

// The OCI name of this machine's architecture ("amd64", "arm64"...).
std::string_view native_architecture();

} // namespace sandbox::image
