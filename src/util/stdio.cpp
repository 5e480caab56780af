// SPDX-License-Identifier: Apache-2.0
#include "util/stdio.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace sandbox {

void ensure_stdio_open() {
  for (int fd = 0; fd <= 2; ++fd)
    if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
      // Not O_CLOEXEC: it becomes fd 0, 1 or 2, which a command run later inherits.
      int null_fd = open("/dev/null", O_RDWR); // NOLINT(android-cloexec-open)
      if (null_fd >= 0 && null_fd != fd) {
        dup2(null_fd, fd);
        close(null_fd);
      }
    }
}

} // namespace sandbox
