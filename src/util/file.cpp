// SPDX-License-Identifier: Apache-2.0
#include "util/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "sys/fd.hpp"
#include "util/error.hpp"

namespace sandbox {

std::optional<std::string> read_file_if_exists(const std::string &path) {
  sys::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR)
      return std::nullopt;
    throw Error::from_errno(errno, "open", path);
  }
  // Read straight into the string (no stack buffer: each untouched stack page is a fault),
  // sized by fstat plus one byte to see EOF; /proc files report size 0, so grow as needed.
  struct stat st {};
  std::size_t capacity = 4096;
  if (fstat(fd.get(), &st) == 0 && st.st_size > 0)
    capacity = static_cast<std::size_t>(st.st_size) + 1;
  std::string text;
  std::size_t used = 0;
  for (;;) {
    text.resize(capacity);
    const ssize_t n = read(fd.get(), text.data() + used, capacity - used);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw Error::from_errno(errno, "read", path);
    }
    used += static_cast<std::size_t>(n);
    if (n == 0) {
      text.resize(used);
      return text;
    }
    if (used == capacity)
      capacity *= 2;
  }
}

} // namespace sandbox
