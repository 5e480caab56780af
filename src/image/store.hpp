// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `sandbox image` commands: import, list, rm, on the store of image/location.hpp.
// STORE/NAME/rootfs is the image's root; STORE/NAME/info records where it came from, when, and
// who owns its files ("owners=subids": the archive's owners, mapped to the caller's
// subordinate ids as image/owner_ns.hpp does; "owners=caller": the caller).
// An import builds STORE/.import-NAME-XXXXXX and renames it into place only when complete.

#include <atomic>
#include <string>
#include <vector>

namespace sandbox::image {

enum class Format { auto_, rootfs, oci, docker };

struct ImportOptions {
  std::string name;
  std::string file;
  Format format = Format::auto_;
  bool force = false;
  int verbose = 0;
  // Leave every file to the caller even when subordinate ids could keep the archive's owners.
  bool no_subids = false;
  const std::atomic<bool> *interrupted = nullptr;
};

// The store directory for the calling user ($XDG_DATA_HOME or $HOME, see location.hpp).
std::string user_store_dir();

// Throw sandbox::Error on failure, leaving nothing of the import behind.
void import_image(const std::string &store, const ImportOptions &opts);
void list_images(const std::string &store);
// Removes each image; returns the names that did not exist (each reported on stderr).
std::vector<std::string> remove_images(const std::string &store,
                                       const std::vector<std::string> &names);

} // namespace sandbox::image
