// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

namespace sandbox {

// The whole of a (small) file, or nullopt when it does not exist (ENOENT, ENOTDIR); other
// errors throw an Error naming the path. Plain read(2), no iostreams: a file stream sets up
// the C++ locale, which costs every start of `sandbox run` about 0.2 ms.
std::optional<std::string> read_file_if_exists(const std::string &path);

} // namespace sandbox
