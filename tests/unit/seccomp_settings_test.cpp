// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "seccomp/policy.hpp"

namespace sandbox::seccomp {
namespace {

TEST(SeccompAction, ParsesAndPrints) {
  EXPECT_EQ(parse_action("errno:EPERM"), (Action{ActionKind::errno_, 1}));
}

} // namespace
} // namespace sandbox::seccomp
