// SPDX-License-Identifier: Apache-2.0
#pragma once
// The filter of the shipped "default" policy with default settings, compiled at build time by
// seccomp/tablegen/prebuilt_default_gen.cpp with the same resolve_policy() + compile_filter()
// from the same built-in files. Starting a sandbox with the default profile then parses no
// policy TOML and compiles nothing (plan: seccomp_prebuilt_default; see is_shipped_default()).
#include "seccomp/filter.hpp"

namespace sandbox::seccomp {

Filter prebuilt_default_filter();

} // namespace sandbox::seccomp
