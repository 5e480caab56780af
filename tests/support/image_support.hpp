// SPDX-License-Identifier: Apache-2.0
#pragma once
// Shared by the `sandbox image` integration and escape tests: a fixture with a private image
// store (XDG_DATA_HOME in the test's aux dir), OCI layout and `docker save` builders, and the
// naive extractor the escape controls compare with.
#include "archive_writer.hpp"
#include "harness.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace sbx::test {

class ImageTest : public SandboxTest {
protected:
  [[nodiscard]] std::string xdg() const { return aux() + "/xdg"; }
  [[nodiscard]] std::string store() const { return xdg() + "/sandbox/images"; }
  [[nodiscard]] std::string rootfs(const std::string &name) const {
    return store() + "/" + name + "/rootfs";
  }
  [[nodiscard]] std::string path(const std::string &name) const { return aux() + "/" + name; }
  [[nodiscard]] RunOptions image_opts() const {
    RunOptions o;
    o.env = {"XDG_DATA_HOME=" + xdg()};
    return o;
  }
  // `sandbox image ARGS...` as the test user, on the private store.
  RunResult image(std::vector<std::string> args) {
    args.insert(args.begin(), "image");
    return sandbox(std::move(args), image_opts());
  }
  // Every name in the store, scratch directories (".import-*") included.
  [[nodiscard]] std::vector<std::string> store_entries() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto &e : std::filesystem::directory_iterator(store(), ec))
      out.push_back(e.path().filename().string());
    return out;
  }
};

inline std::string sha256_of(const std::string &file) {
  std::string cmd = "sha256sum " + shell_quote(file);
  std::unique_ptr<FILE, int (*)(FILE *)> p(popen(cmd.c_str(), "r"), pclose); // NOLINT
  char buf[65] = {};
  if (!p || std::fread(buf, 1, 64, p.get()) != 64)
    throw std::runtime_error("sha256sum " + file + " failed");
  return buf;
}

// An OCI image layout under construction in `dir`.
class OciLayout {
public:
  explicit OciLayout(std::string dir) : m_dir(std::move(dir)) {
    std::filesystem::create_directories(m_dir + "/blobs/sha256");
    write(m_dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  }
  [[nodiscard]] const std::string &dir() const { return m_dir; }
  // Moves `file` into blobs/ under its digest; returns "sha256:HEX".
  std::string add_blob(const std::string &file) {
    const std::string hex = sha256_of(file);
    std::filesystem::copy_file(file, m_dir + "/blobs/sha256/" + hex,
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::remove(file);
    return "sha256:" + hex;
  }
  std::string add_text_blob(const std::string &text) {
    const std::string tmp = m_dir + "/blob.tmp";
    write(tmp, text);
    return add_blob(tmp);
  }
  // A manifest over the given layer tars (bottom first); returns its digest.
  std::string add_manifest(const std::vector<std::pair<std::string, std::string>> &layers) {
    std::string cfg = add_text_blob(R"({"architecture":"amd64","os":"linux"})");
    std::string json =
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
        R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
        cfg + R"(","size":2},"layers":[)";
    for (size_t i = 0; i < layers.size(); ++i) {
      if (i > 0)
        json += ",";
      json += R"({"mediaType":")" + layers[i].second + R"(","digest":")" +
              add_blob(layers[i].first) + R"(","size":1})";
    }
    return add_text_blob(json + "]}");
  }
  // index.json listing these manifests; platform "" for none, else "linux/amd64" and such.
  void write_index(const std::vector<std::pair<std::string, std::string>> &manifests) {
    std::string json = R"({"schemaVersion":2,"manifests":[)";
    for (size_t i = 0; i < manifests.size(); ++i) {
      if (i > 0)
        json += ",";
      json += R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
              manifests[i].first + R"(","size":1)";
      if (!manifests[i].second.empty()) {
        auto slash = manifests[i].second.find('/');
        json += R"(,"platform":{"os":")" + manifests[i].second.substr(0, slash) +
                R"(","architecture":")" + manifests[i].second.substr(slash + 1) + R"("})";
      }
      json += "}";
    }
    write(m_dir + "/index.json", json + "]}");
  }

  static void write(const std::string &file, const std::string &text) {
    std::ofstream out(file, std::ios::binary);
    out << text;
  }

private:
  std::string m_dir;
};

// `tar -C dir -cf out .` (GNU tar), readable by the test user.
inline void tar_directory(const std::string &dir, const std::string &out) {
  std::string cmd = "tar -C " + shell_quote(dir) + " -cf " + shell_quote(out) + " .";
  if (std::system(cmd.c_str()) != 0) // NOLINT(cert-env33-c): a test helper
    throw std::runtime_error(cmd + " failed");
  chmod(out.c_str(), 0644);
}

// What a naive extractor does with `tar`: libarchive's archive_write_disk with none of the
// ARCHIVE_EXTRACT_SECURE_* flags, into `dir` (as the test process: root in CI). The escape
// controls run it to prove that their check sees the escape the archive attempts.
inline void unsafe_extract(const std::string &tar, const std::string &dir) {
  std::filesystem::create_directories(dir);
  const auto old_cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir); // archive_write_disk writes relative to the cwd
  std::unique_ptr<archive, int (*)(archive *)> in(archive_read_new(), archive_read_free);
  std::unique_ptr<archive, int (*)(archive *)> out(archive_write_disk_new(), archive_write_free);
  archive_read_support_filter_all(in.get());
  archive_read_support_format_tar(in.get());
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_PERM);
  if (archive_read_open_filename(in.get(), tar.c_str(), 10240) == ARCHIVE_OK) {
    archive_entry *e = nullptr;
    while (archive_read_next_header(in.get(), &e) == ARCHIVE_OK) {
      if (archive_write_header(out.get(), e) != ARCHIVE_OK)
        continue;
      const void *buf = nullptr;
      size_t size = 0;
      la_int64_t off = 0;
      while (archive_read_data_block(in.get(), &buf, &size, &off) == ARCHIVE_OK)
        archive_write_data_block(out.get(), buf, size, off);
      archive_write_finish_entry(out.get());
    }
  }
  archive_write_close(out.get());
  std::filesystem::current_path(old_cwd);
}

} // namespace sbx::test
