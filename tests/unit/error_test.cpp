// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cerrno>

#include "util/error.hpp"

namespace sandbox {
namespace {

TEST(ErrorLine, SyscallFailureWithContextAndHint) {
  auto e = Error::from_errno(ENOENT, "bind", "/home/ann/src", "/work");
  e.with_context("mount #2 (p.toml:31)").with_hint("create the source or set optional = true");
  EXPECT_EQ(e.line(), "mount #2 (p.toml:31): bind /home/ann/src -> /work: No such file or "
                      "directory (ENOENT); hint: create the source or set optional = true");
  EXPECT_STREQ(e.what(), e.line().c_str());
}

TEST(ErrorLine, ContextsNestOutermostFirst) {
  auto e = Error::from_errno(EPERM, "write uid_map", "/proc/7/uid_map");
  e.with_context("inner").with_context("outer");
  EXPECT_EQ(e.line(), "outer: inner: write uid_map /proc/7/uid_map: Operation not permitted "
                      "(EPERM)");
}

TEST(ErrorLine, MessageWithoutErrno) {
  EXPECT_EQ(Error::message("no command given", "put it after --").line(),
            "no command given; hint: put it after --");
}

TEST(ErrnoName, KnownAndUnknown) {
  EXPECT_EQ(errno_name(EROFS), "EROFS");
  EXPECT_EQ(errno_name(9999), "E9999");
}

} // namespace
} // namespace sandbox
