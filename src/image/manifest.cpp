// SPDX-License-Identifier: Apache-2.0
#include "image/manifest.hpp"

#include "image/entry_path.hpp"
#include "seccomp/json.hpp" // the project's one JSON reader (also used for seccomp import)
#include "util/error.hpp"

namespace sandbox::image {

namespace json = seccomp::json;

namespace {

[[noreturn]] void fail(std::string_view source, const json::Value *at, const std::string &what) {
  std::string where(source);
  if (at)
    where += ":" + std::to_string(at->line) + ":" + std::to_string(at->column);
  throw Error::message(where + ": " + what,
                       "is this an OCI image layout or a `docker save` archive? See sandbox(1)");
}

std::string string_member(const json::Value &object, std::string_view key, std::string_view source,
                          bool required) {
  const json::Value *v = object.get(key);
  if (!v) {
    if (required)
      fail(source, &object, "missing \"" + std::string(key) + "\"");
    return {};
  }
  if (!v->string())
    fail(source, v, "\"" + std::string(key) + "\" must be a string");
  return *v->string();
}

const json::Array &array_member(const json::Value &object, std::string_view key,
                                std::string_view source) {
  const json::Value *v = object.get(key);
  if (!v || !v->array())
    fail(source, v ? v : &object, "\"" + std::string(key) + "\" must be an array");
  return *v->array();
}

std::string checked_blob_path(const std::string &digest, const json::Value &at,
                              std::string_view source) {
  auto path = blob_path(digest);
  if (!path)
    fail(source, &at, "bad digest \"" + digest + "\"");
  return *path;
}

} // namespace

bool is_index_media_type(std::string_view media_type) {
  return media_type == "application/vnd.oci.image.index.v1+json" ||
         media_type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

ManifestChoice choose_manifest(std::string_view index_json, std::string_view source,
                               std::string_view architecture) {
  const json::Value root = json::parse(index_json, source);
  if (!root.object())
    fail(source, &root, "expected an object");
  const auto &manifests = array_member(root, "manifests", source);
  if (manifests.empty())
    fail(source, &root, "\"manifests\" is empty: no image in this layout");
  ManifestChoice choice;
  choice.count = manifests.size();
  std::vector<Descriptor> all;
  bool any_platform = false;
  for (const auto &m : manifests) {
    if (!m.object())
      fail(source, &m, "a manifest descriptor must be an object");
    Descriptor d;
    d.media_type = string_member(m, "mediaType", source, false);
    d.digest = string_member(m, "digest", source, true);
    (void)checked_blob_path(d.digest, m, source);
    if (const json::Value *p = m.get("platform"); p && p->object()) {
      any_platform = true;
      d.platform = string_member(*p, "os", source, false) + "/" +
                   string_member(*p, "architecture", source, false);
      if (auto variant = string_member(*p, "variant", source, false); !variant.empty())
        d.platform += "/" + variant;
    }
    all.push_back(std::move(d));
  }
  const std::string n = std::to_string(all.size());
  if (!any_platform) {
    choice.manifest = all.front();
    choice.why = "the first of " + n + " manifest" + (all.size() == 1 ? "" : "s");
    return choice;
  }
  const std::string want = "linux/" + std::string(architecture);
  std::string seen;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto &p = all[i].platform;
    if (p == want || p.starts_with(want + "/")) {
      choice.manifest = all[i];
      choice.why = p + ", " + std::to_string(i + 1) + " of " + n + " manifests";
      return choice;
    }
    if (!p.empty())
      seen += (seen.empty() ? "" : ", ") + p;
  }
  throw Error::message(std::string(source) + ": no manifest for " + want + " (the index has " +
                           seen + ")",
                       "import an image built for " + want);
}

std::vector<Layer> parse_image_manifest(std::string_view manifest_json, std::string_view source) {
  const json::Value root = json::parse(manifest_json, source);
  if (!root.object())
    fail(source, &root, "expected an object");
  const std::string media_type = string_member(root, "mediaType", source, false);
  if (is_index_media_type(media_type) || root.get("manifests"))
    fail(source, &root, "an image index where an image manifest was expected");
  std::vector<Layer> layers;
  for (const auto &l : array_member(root, "layers", source)) {
    if (!l.object())
      fail(source, &l, "a layer descriptor must be an object");
    Layer layer;
    layer.digest = string_member(l, "digest", source, true);
    layer.media_type = string_member(l, "mediaType", source, false);
    layer.path = checked_blob_path(layer.digest, l, source);
    // Foreign layers are fetched from elsewhere, and encrypted ones need a key: neither is
    // here to apply.
    if (layer.media_type.find("foreign") != std::string::npos ||
        layer.media_type.find("+encrypted") != std::string::npos)
      fail(source, &l,
           "layer " + layer.digest + " has media type " + layer.media_type +
               ", which cannot be imported");
    layers.push_back(std::move(layer));
  }
  return layers;
}

DockerImage parse_docker_manifest(std::string_view manifest_json, std::string_view source) {
  const json::Value root = json::parse(manifest_json, source);
  const json::Array *images = root.array();
  if (!images)
    fail(source, &root, "expected an array of images");
  if (images->empty())
    fail(source, &root, "no image in the archive");
  DockerImage out;
  out.count = images->size();
  const json::Value &first = images->front();
  if (!first.object())
    fail(source, &first, "an image must be an object");
  if (const json::Value *tags = first.get("RepoTags");
      tags && tags->array() && !tags->array()->empty() && tags->array()->front().string())
    out.tag = *tags->array()->front().string();
  for (const auto &l : array_member(first, "Layers", source)) {
    if (!l.string())
      fail(source, &l, "a layer must be a path string");
    auto path = parse_entry_path(*l.string());
    if (!path || path->parts.empty())
      fail(source, &l, "bad layer path \"" + *l.string() + "\"");
    out.layers.push_back({path->str(), path->str(), {}});
  }
  return out;
}

std::string_view native_architecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "386";
#elif defined(__arm__)
  return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "unknown";
#endif
}

} // namespace sandbox::image
