// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: bytes -> load_profile_text -> render_profile -> load again (must be equal, and
// render the same) -> build_plan -> describe_plan. ProfileErrors and sandbox::Error are the
// expected ways to reject an input; any other exception, a crash, a sanitizer report or a failed
// round trip is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "plan/build.hpp"
#include "profile/diagnostic.hpp"
#include "profile/load.hpp"
#include "util/error.hpp"

using namespace sandbox;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  if (fuzz::skip_known_finding(text))
    return -1; // not added to the corpus
  const auto ctx = fuzz::profile_context();
  const std::string file(fuzz::k_profile_file);

  profile::Profile loaded;
  try {
    loaded = profile::load_profile_text(text, file, ctx);
  } catch (const profile::ProfileErrors &) {
    return 0; // rejected with diagnostics: fine
  } catch (const Error &) {
    return 0;
  }

  // The round trip `sandbox profile show --resolved` promises.
  const std::string rendered = profile::render_profile(loaded);
  profile::Profile again;
  try {
    again = profile::load_profile_text(rendered, file, ctx);
  } catch (const profile::ProfileErrors &e) {
    fuzz::finding("the rendered profile does not load",
                  std::string(e.what()) + "\n--- rendered:\n" + rendered);
  }
  if (!(again == loaded))
    fuzz::finding("the rendered profile loads to a different profile", rendered);
  if (const std::string twice = profile::render_profile(again); twice != rendered)
    fuzz::finding("rendering is not stable", "--- first:\n" + rendered + "\n--- second:\n" + twice);

  try {
    const auto plan = plan::build_plan(loaded, fuzz::fake_host(), {"make", "-j2"},
                                       fuzz::policy_context({}, true));
    (void)plan::describe_plan(plan);
  } catch (const profile::ProfileErrors &) {
  } catch (const Error &) {
  }
  return 0;
}
