// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <string>
#include <vector>

namespace sandbox::caps {

// Clears the bounding, ambient, effective, permitted and inheritable sets but for `keep`
// (which is raised in all of them, ambient included, so it survives execve for any uid), and
// locks SECBIT_NOROOT so that uid 0 inside gains nothing at execve. Throws sandbox::Error.
void drop_capabilities(const std::vector<std::string> &keep);

} // namespace sandbox::caps
