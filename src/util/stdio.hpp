// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace sandbox {

// Opens /dev/null on any of fds 0, 1, 2 that is closed: otherwise the first files a program
// opens would stand in for stdio (and its errors would land in them).
void ensure_stdio_open();

} // namespace sandbox
