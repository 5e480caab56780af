// SPDX-License-Identifier: Apache-2.0
#pragma once
namespace sandbox::net {
// Brings up "lo" in a new network namespace (it starts down).
void bring_up_loopback();
} // namespace sandbox::net
