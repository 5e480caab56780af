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
  struct stat st {};
  std::string text;
  // /proc files report size 0: read until EOF whatever fstat says.
  if (fstat(fd.get(), &st) == 0 && st.st_size > 0)
    text.reserve(static_cast<size_t>(st.st_size));
  char chunk[16384];
  for (;;) {
    const ssize_t n = read(fd.get(), chunk, sizeof chunk);
    if (n == 0)
      return text;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw Error::from_errno(errno, "read", path);
    }
    text.append(chunk, static_cast<size_t>(n));
  }
}

} // namespace sandbox
