// SPDX-License-Identifier: Apache-2.0
// The pure parts of `sandbox image`: names, archive entry paths, whiteouts, digests, and the
// OCI index / manifest and `docker save` manifest readers.
#include <gtest/gtest.h>

#include "image/entry_path.hpp"
#include "image/location.hpp"
#include "image/manifest.hpp"
#include "util/error.hpp"

namespace sandbox::image {
namespace {

TEST(ImageName, ValidAndInvalid) {
  for (const char *ok : {"debian", "alpine-3.19", "a", "x_1.2-3", "0abc"})
    EXPECT_TRUE(is_valid_name(ok)) << ok;
  for (const char *bad : {"", ".", "..", ".hidden", "-x", "_x", "a/b", "a b", "../x", "é"})
    EXPECT_FALSE(is_valid_name(bad)) << bad;
  EXPECT_TRUE(is_valid_name(std::string(128, 'a')));
  EXPECT_FALSE(is_valid_name(std::string(129, 'a')));
}

TEST(EntryPath, NormalisesAndStripsTheLeadingSlash) {
  auto p = parse_entry_path("./usr//bin/./ls");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->str(), "usr/bin/ls");
  EXPECT_EQ(p->parent(), "usr/bin");
  EXPECT_EQ(p->name(), "ls");
  EXPECT_FALSE(p->absolute);
  auto abs = parse_entry_path("/etc/passwd");
  ASSERT_TRUE(abs);
  EXPECT_TRUE(abs->absolute);
  EXPECT_EQ(abs->str(), "etc/passwd");
  auto top = parse_entry_path("etc/");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->str(), "etc");
  EXPECT_EQ(top->parent(), ".");
  for (const char *root : {"./", "/", ".", "//./"}) {
    auto r = parse_entry_path(root);
    ASSERT_TRUE(r) << root;
    EXPECT_TRUE(r->parts.empty()) << root;
    EXPECT_EQ(r->str(), ".");
  }
}

TEST(EntryPath, RefusesDotDotAnywhere) {
  for (const char *bad : {"..", "../x", "a/../b", "a/..", "/../etc/passwd", "./a/b/../../.."})
    EXPECT_FALSE(parse_entry_path(bad)) << bad;
  EXPECT_FALSE(parse_entry_path(std::string_view("a\0b", 3)));
  // Dots that are not a whole component are names.
  auto p = parse_entry_path("a/..b/.c/...");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->str(), "a/..b/.c/...");
}

TEST(Whiteout, Classifies) {
  EXPECT_EQ(classify_whiteout("file").kind, WhiteoutKind::none);
  EXPECT_EQ(classify_whiteout(".whatever").kind, WhiteoutKind::none);
  EXPECT_EQ(classify_whiteout(".wh..wh..opq").kind, WhiteoutKind::opaque);
  auto w = classify_whiteout(".wh.passwd");
  EXPECT_EQ(w.kind, WhiteoutKind::whiteout);
  EXPECT_EQ(w.target, "passwd");
  EXPECT_EQ(classify_whiteout(".wh..hidden").target, ".hidden");
  // Never the directory itself, its parent, or a runtime-reserved name.
  for (const char *bad : {".wh.", ".wh..", ".wh...", ".wh..wh.plnk", ".wh..wh..opq2"})
    EXPECT_EQ(classify_whiteout(bad).kind, WhiteoutKind::invalid) << bad;
}

TEST(BlobPath, OnlyPlainDigests) {
  EXPECT_EQ(blob_path("sha256:abc123"), "blobs/sha256/abc123");
  EXPECT_EQ(blob_path("sha512:ABC_=-"), "blobs/sha512/ABC_=-");
  for (const char *bad : {"sha256", "sha256:", ":abc", "sha256:../../etc", "sha256:a/b", "../x:abc",
                          "..:abc", "SHA256:abc", "sha256:a b"})
    EXPECT_FALSE(blob_path(bad)) << bad;
}

constexpr const char *k_index_plain = R"({"schemaVersion":2,"manifests":[
  {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aaa","size":1},
  {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bbb","size":1}]})";

constexpr const char *k_index_platforms = R"({"schemaVersion":2,"manifests":[
  {"digest":"sha256:arm","platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
  {"digest":"sha256:att","platform":{"os":"unknown","architecture":"unknown"}},
  {"digest":"sha256:amd","platform":{"os":"linux","architecture":"amd64"}}]})";

TEST(Manifest, IndexWithoutPlatformsTakesTheFirst) {
  auto c = choose_manifest(k_index_plain, "index.json", "amd64");
  EXPECT_EQ(c.manifest.digest, "sha256:aaa");
  EXPECT_EQ(c.count, 2U);
  EXPECT_EQ(c.why, "the first of 2 manifests");
}

TEST(Manifest, IndexWithPlatformsTakesTheWantedOne) {
  auto c = choose_manifest(k_index_platforms, "index.json", "amd64");
  EXPECT_EQ(c.manifest.digest, "sha256:amd");
  EXPECT_EQ(c.why, "linux/amd64, 3 of 3 manifests");
  auto arm = choose_manifest(k_index_platforms, "index.json", "arm64");
  EXPECT_EQ(arm.manifest.digest, "sha256:arm");
  try {
    (void)choose_manifest(k_index_platforms, "index.json", "riscv64");
    ADD_FAILURE() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("no manifest for linux/riscv64"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("linux/arm64/v8"), std::string::npos) << e.what();
  }
}

TEST(Manifest, BadIndexesAreErrorsNamingTheFile) {
  for (const char *bad : {"[]", "{}", R"({"manifests":[]})", R"({"manifests":[{"size":1}]})",
                          R"({"manifests":[{"digest":"sha256:../../x"}]})", "{not json"}) {
    try {
      (void)choose_manifest(bad, "layout/index.json", "amd64");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error &e) {
      EXPECT_NE(std::string(e.what()).find("layout/index.json"), std::string::npos) << e.what();
    }
  }
}

TEST(Manifest, ImageManifestLayersInOrder) {
  auto layers = parse_image_manifest(R"({"schemaVersion":2,
    "mediaType":"application/vnd.oci.image.manifest.v1+json",
    "config":{"digest":"sha256:cfg"},
    "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:l1"},
              {"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"sha256:l2"}]})",
                                     "m");
  ASSERT_EQ(layers.size(), 2U);
  EXPECT_EQ(layers[0].path, "blobs/sha256/l1");
  EXPECT_EQ(layers[1].digest, "sha256:l2");
  EXPECT_TRUE(is_index_media_type("application/vnd.oci.image.index.v1+json"));
  EXPECT_FALSE(is_index_media_type("application/vnd.oci.image.manifest.v1+json"));
  EXPECT_THROW((void)parse_image_manifest(R"({"layers":[{"digest":"sha256:x","mediaType":
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"}]})",
                                          "m"),
               Error);
  EXPECT_THROW((void)parse_image_manifest(k_index_plain, "m"), Error);
}

TEST(Manifest, DockerSave) {
  auto img = parse_docker_manifest(R"([{"Config":"c.json","RepoTags":["debian:12"],
    "Layers":["aaa/layer.tar","./blobs/sha256/bbb"]},{"Layers":[]}])",
                                   "manifest.json");
  EXPECT_EQ(img.count, 2U);
  EXPECT_EQ(img.tag, "debian:12");
  ASSERT_EQ(img.layers.size(), 2U);
  EXPECT_EQ(img.layers[0].path, "aaa/layer.tar");
  EXPECT_EQ(img.layers[1].path, "blobs/sha256/bbb");
  for (const char *bad : {"{}", "[]", R"([{"Layers":["../../etc/shadow"]}])", R"([{"Layers":[1]}])",
                          R"([{"Config":"c"}])"})
    EXPECT_THROW((void)parse_docker_manifest(bad, "manifest.json"), Error) << bad;
  // An absolute layer path is read inside the archive, like an absolute entry name.
  EXPECT_EQ(parse_docker_manifest(R"([{"Layers":["/x/layer.tar"]}])", "m").layers[0].path,
            "x/layer.tar");
}

} // namespace
} // namespace sandbox::image
