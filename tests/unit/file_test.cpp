// SPDX-License-Identifier: Apache-2.0
// read_file_if_exists: whole files, growing past its first guess, and which errors mean "none".
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "util/error.hpp"
#include "util/file.hpp"

namespace {

class TempFile {
public:
  explicit TempFile(const std::string &content) {
    char name[] = "/tmp/sandbox-file-test.XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    close(fd);
    m_path = name;
  }
  ~TempFile() { std::remove(m_path.c_str()); }
  TempFile(const TempFile &) = delete;
  TempFile &operator=(const TempFile &) = delete;
  [[nodiscard]] const std::string &path() const { return m_path; }

private:
  std::string m_path;
};

TEST(ReadFile, WholeFileOfAnySize) {
  for (std::size_t size : {0UL, 1UL, 4095UL, 4096UL, 4097UL, 100000UL}) {
    std::string content(size, 'x');
    for (std::size_t i = 0; i < size; i += 7)
      content[i] = static_cast<char>('a' + i % 26);
    TempFile f(content);
    EXPECT_EQ(sandbox::read_file_if_exists(f.path()), content) << "size " << size;
  }
}

TEST(ReadFile, ProcFilesThatReportSizeZeroAreReadToTheEnd) {
  // /proc/self/maps of a test binary is longer than the first 4096-byte guess.
  auto maps = sandbox::read_file_if_exists("/proc/self/maps");
  ASSERT_TRUE(maps);
  EXPECT_GT(maps->size(), 4096U);
  EXPECT_EQ(maps->back(), '\n');
}

TEST(ReadFile, MissingIsNoneOtherErrorsThrow) {
  EXPECT_EQ(sandbox::read_file_if_exists("/nonexistent/sandbox-test"), std::nullopt);
  TempFile f("x");
  EXPECT_EQ(sandbox::read_file_if_exists(f.path() + "/below-a-file"), std::nullopt); // ENOTDIR
  try {
    (void)sandbox::read_file_if_exists("/");
    ADD_FAILURE() << "reading a directory did not throw";
  } catch (const sandbox::Error &e) {
    EXPECT_EQ(e.err(), EISDIR);
    EXPECT_EQ(e.path(), "/");
  }
}

} // namespace
