// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <string_view>

namespace sandbox::sys {
// The hint for a failed operation (one table keyed by operation and errno, after bubblewrap's
// messages). Empty when there is nothing useful to add.
std::string_view hint_for(std::string_view op, int err);
} // namespace sandbox::sys
