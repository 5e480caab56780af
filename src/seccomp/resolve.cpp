// SPDX-License-Identifier: Apache-2.0
// The throwing form of resolve_policy(), in its own file: unit tests call the Diagnostics form
// and so need not link profile::Diagnostics::throw_if_any().
#include "seccomp/policy.hpp"

namespace sandbox::seccomp {

std::optional<Policy> resolve_policy(const Settings &settings, const PolicyContext &ctx) {
  profile::Diagnostics diags;
  auto policy = resolve_policy(settings, ctx, diags);
  diags.throw_if_any();
  return policy;
}

} // namespace sandbox::seccomp
