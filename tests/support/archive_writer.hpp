// SPDX-License-Identifier: Apache-2.0
#pragma once
// Writing tar archives entry by entry with libarchive, for the `sandbox image` tests: any name,
// any type, including the malicious ones (`../x`, `/abs`, a symlink then a file below it, hard
// links out of the archive, device nodes) that `tar` itself will not write.
#include <archive.h>
#include <archive_entry.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace sbx::test {

class TarWriter {
public:
  // filter: "none", "gzip", "xz", "zstd", "bzip2".
  explicit TarWriter(const std::string &path, const std::string &filter = "none")
      : m_a(archive_write_new(), archive_write_free) {
    archive_write_set_format_pax_restricted(m_a.get());
    int r = ARCHIVE_OK;
    if (filter == "gzip")
      r = archive_write_add_filter_gzip(m_a.get());
    else if (filter == "xz")
      r = archive_write_add_filter_xz(m_a.get());
    else if (filter == "zstd")
      r = archive_write_add_filter_zstd(m_a.get());
    else if (filter == "bzip2")
      r = archive_write_add_filter_bzip2(m_a.get());
    check(r, "add filter " + filter);
    check(archive_write_open_filename(m_a.get(), path.c_str()), "open " + path);
  }
  ~TarWriter() { close(); }
  TarWriter(const TarWriter &) = delete;
  TarWriter &operator=(const TarWriter &) = delete;

  TarWriter &file(const std::string &name, const std::string &data, unsigned mode = 0644) {
    return add(name, AE_IFREG, mode, data, nullptr, nullptr);
  }
  TarWriter &dir(const std::string &name, unsigned mode = 0755) {
    return add(name, AE_IFDIR, mode, "", nullptr, nullptr);
  }
  TarWriter &symlink(const std::string &name, const std::string &target) {
    return add(name, AE_IFLNK, 0777, "", target.c_str(), nullptr);
  }
  TarWriter &hardlink(const std::string &name, const std::string &target) {
    return add(name, AE_IFREG, 0644, "", nullptr, target.c_str());
  }
  TarWriter &chardev(const std::string &name) {
    return add(name, AE_IFCHR, 0666, "", nullptr, nullptr);
  }
  TarWriter &fifo(const std::string &name) {
    return add(name, AE_IFIFO, 0644, "", nullptr, nullptr);
  }

  // Numeric owner of the entries written after this call (0:0 until then; no names).
  TarWriter &owner(la_int64_t uid, la_int64_t gid) {
    m_uid = uid;
    m_gid = gid;
    return *this;
  }

  void close() {
    if (m_a && !m_closed) {
      m_closed = true;
      check(archive_write_close(m_a.get()), "close");
    }
  }

private:
  TarWriter &add(const std::string &name, unsigned type, unsigned mode, const std::string &data,
                 const char *symlink, const char *hardlink) {
    std::unique_ptr<archive_entry, void (*)(archive_entry *)> e(archive_entry_new(),
                                                                archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), mode);
    archive_entry_set_mtime(e.get(), 1700000000, 0);
    archive_entry_set_uid(e.get(), m_uid);
    archive_entry_set_gid(e.get(), m_gid);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
    if (symlink)
      archive_entry_set_symlink(e.get(), symlink);
    if (hardlink) {
      archive_entry_set_hardlink(e.get(), hardlink);
      archive_entry_set_size(e.get(), 0);
    }
    if (type == AE_IFCHR)
      archive_entry_set_rdev(e.get(), makedev(1, 3));
    check(archive_write_header(m_a.get(), e.get()), "header " + name);
    if (!data.empty() && archive_write_data(m_a.get(), data.data(), data.size()) !=
                             static_cast<la_ssize_t>(data.size()))
      check(ARCHIVE_FATAL, "data " + name);
    return *this;
  }
  void check(int r, const std::string &what) {
    if (r < ARCHIVE_WARN) {
      const char *msg = archive_error_string(m_a.get());
      throw std::runtime_error("TarWriter: " + what + ": " + (msg ? msg : "?"));
    }
  }

  std::unique_ptr<archive, int (*)(archive *)> m_a;
  bool m_closed = false;
  la_int64_t m_uid = 0;
  la_int64_t m_gid = 0;
};

} // namespace sbx::test
