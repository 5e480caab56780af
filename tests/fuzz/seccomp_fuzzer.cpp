// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: bytes as a seccomp policy file ("seccomp/fuzz.toml", which may include the
// shipped policies and use the shipped @groups) -> resolve_policy -> describe_policy. The first
// byte picks the profile switches its `when`/`unless` rules test and whether syscall names are
// checked. ProfileErrors and sandbox::Error are the expected rejections; anything else is a
// finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "profile/diagnostic.hpp"
#include "seccomp/policy.hpp"
#include "util/error.hpp"

using namespace sandbox;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::uint8_t flags = size > 0 ? data[0] : 0;
  std::string text;
  if (size > 0)
    text.assign(reinterpret_cast<const char *>(data) + 1, size - 1);
  if (fuzz::skip_known_finding(text))
    return -1; // not added to the corpus

  seccomp::Settings settings;
  settings.policy = std::string(fuzz::k_policy_file);
  settings.allow_user_namespaces = (flags & 1) != 0;
  settings.allow_ptrace = (flags & 2) != 0;
  if ((flags & 4) != 0)
    settings.default_action = seccomp::Action{seccomp::ActionKind::errno_, 38};
  if ((flags & 8) != 0)
    settings.rules.push_back({{"@debug", "no_such_call"}, {}, {}, true, {}});
  const auto ctx = fuzz::policy_context(std::move(text), (flags & 16) == 0);

  try {
    if (auto policy = seccomp::resolve_policy(settings, ctx))
      (void)seccomp::describe_policy(*policy);
  } catch (const profile::ProfileErrors &) {
  } catch (const Error &) {
  }
  return 0;
}
