// SPDX-License-Identifier: Apache-2.0
// The one translation unit that compiles toml++ (see src/CMakeLists.txt: no shared library
// to load at every start).
#define TOML_IMPLEMENTATION
#include "util/toml.hpp"
